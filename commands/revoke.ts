import { defineCommand } from '../src/core/command.js';
import { ISSUER_ROLES, mayRevoke } from '../src/core/permissions.js';
import { checkMayChange, formatNumber, resolveForChange, revoke } from '../workflows/directive/index.js';
import { parseChangeArgs, type ChangeArgs } from './change-args.js';

/**
 * `/撤回`: relays a revocation of a directive or notice; its reminders stop.
 * Who: `allow`, `where` and `policy: mayRevoke`; the rule about the item (a township officer only a notice
 * of its own room) is `mayChange` (src/core/permissions.ts), applied by `checkMayChange` once it is found.
 */
export default defineCommand<ChangeArgs>({
  name: 'revoke',
  words: ['/撤回', '/revoke'],
  usage: '/撤回 <编号> [说明]',
  summary: '撤回指挥部令或通告：通知原范围各群，停止提醒',
  allow: [...ISSUER_ROLES, 'township_officer'],
  where: ['county', 'township'],
  // the refusal names the item: run asks it once the item is found (checkMayChange)
  policy: mayRevoke,
  policyInRun: true,
  parse: (args) => parseChangeArgs(args, false),
  async run(ctx, input) {
    const d = await resolveForChange(ctx.deps, input.ref, '撤回', { tier: ctx.tier, unit: ctx.groupUnit });
    checkMayChange(ctx, d, '撤回');
    const r = await revoke(ctx.deps, { directive: d, text: input.text, actorId: ctx.sender.id, conversationId: ctx.group.conversationId, inboundId: ctx.message.inboundId, at: ctx.receivedAt });
    return { text: `已撤回 ${formatNumber(r.directive)}，已通知 ${r.groups} 个群，停止提醒。` };
  },
});
