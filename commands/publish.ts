import { defineCommand } from '../src/core/command.js';
import { INSPECTOR_ROLES } from '../src/core/permissions.js';
import { formatNumber } from '../workflows/directive/index.js';
import { findingNumber, publishFinding, splitFindingArgs, type FindingRef } from '../workflows/inspection/index.js';
import { checkLength, MAX_CHARS } from './limits.js';

export default defineCommand<{ ref: FindingRef; note: string }>({
  name: 'publish',
  words: ['/通报', '/publish'],
  usage: '/通报 <督查号> [补充说明]（通报下发各乡镇指挥室，编入通告序号）',
  summary: '把督查问题作为通报下发各乡镇指挥室（不具名，编入通告序号）',
  allow: INSPECTOR_ROLES,
  where: ['county'],
  parse(args) {
    const { ref, note } = splitFindingArgs(args, false, '补充说明');
    checkLength(note, '补充说明', MAX_CHARS.note);
    return { ref, note };
  },
  async run(ctx, input) {
    const r = await publishFinding(ctx.deps, input.ref, input.note, {
      member: ctx.sender,
      unit: ctx.groupUnit,
      conversationId: ctx.group.conversationId,
      inboundId: ctx.message.inboundId,
      at: ctx.receivedAt,
    });
    return { text: `✅ 已通报 ${findingNumber(r.finding)}：${formatNumber(r.notice)}，下发 ${r.rooms} 个乡镇指挥室（无需回执）。` };
  },
});
