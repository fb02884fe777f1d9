import { defineCommand } from '../src/core/command.js';
import { ISSUER_ROLES, mayAmend } from '../src/core/permissions.js';
import { amend, checkMayChange, formatNumber, refWord, resolveForChange } from '../workflows/directive/index.js';
import { yearIn } from '../src/time/clock.js';
import { parseChangeArgs, type ChangeArgs } from './change-args.js';

/**
 * `/更正`: relays a correction of a directive or notice to the same groups (fresh acknowledgement).
 * Who: `allow`, `where` and `policy: mayAmend`; the rule about the item (a township officer only a notice
 * of its own room) is `mayChange` (src/core/permissions.ts), applied by `checkMayChange` once it is found.
 */
export default defineCommand<ChangeArgs>({
  name: 'amend',
  words: ['/更正', '/amend'],
  usage: '/更正 <编号> <更正内容>（如 /更正 令17 核酸检测改为今天18点前完成）',
  summary: '更正指挥部令或通告：原编号下发到原范围，需重新确认',
  allow: [...ISSUER_ROLES, 'township_officer'],
  where: ['county', 'township'],
  // the refusal names the item: run asks it once the item is found (checkMayChange)
  policy: mayAmend,
  policyInRun: true,
  verbatim: true,
  parse: (args) => parseChangeArgs(args, true),
  async run(ctx, input) {
    const d = await resolveForChange(ctx.deps, input.ref, '更正', { tier: ctx.tier, unit: ctx.groupUnit });
    checkMayChange(ctx, d, '更正');
    const r = await amend(ctx.deps, { directive: d, text: input.text, actorId: ctx.sender.id, conversationId: ctx.group.conversationId, inboundId: ctx.message.inboundId, at: ctx.receivedAt });
    const again = r.directive.ackRequired ? '，各单位需重新确认' : '';
    const head = `已更正 ${formatNumber(r.directive)}（第${r.directive.revision}版），下发 ${r.groups} 个群${again}。/进度 ${refWord(r.directive, yearIn(ctx.now, ctx.deps.config.TIMEZONE))} 查看。`;
    return { text: [head, ...r.changes].join('\n') };
  },
});
