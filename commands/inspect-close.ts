import { defineCommand } from '../src/core/command.js';
import { INSPECTOR_ROLES } from '../src/core/permissions.js';
import { closeFinding, findingNumber, splitFindingArgs, type FindingRef } from '../workflows/inspection/index.js';
import { checkLength, MAX_CHARS } from './limits.js';

export default defineCommand<{ ref: FindingRef; note: string }>({
  name: 'inspect-close',
  words: ['/督查结案', '/inspect-close'],
  usage: '/督查结案 <督查号> [说明]',
  summary: '督查问题结案（告知所在乡镇指挥室）',
  allow: INSPECTOR_ROLES,
  where: ['county'],
  parse(args) {
    const { ref, note } = splitFindingArgs(args, false, '说明');
    checkLength(note, '说明', MAX_CHARS.note);
    return { ref, note };
  },
  async run(ctx, input) {
    const r = await closeFinding(ctx.deps, input.ref, input.note, {
      member: ctx.sender,
      unit: ctx.groupUnit,
      conversationId: ctx.group.conversationId,
      inboundId: ctx.message.inboundId,
      at: ctx.receivedAt,
    });
    return { text: `✅ ${findingNumber(r.finding)} 已结案${r.from === 'open' ? '（未经整改）' : ''}，已告知所在乡镇指挥室。` };
  },
});
