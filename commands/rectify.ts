import { defineCommand } from '../src/core/command.js';
import { attachRectifyPicture, findingNumber, rectify, splitFindingArgs, type FindingRef } from '../workflows/inspection/index.js';
import { MAX_CHARS, requireText } from './limits.js';

export default defineCommand<{ ref: FindingRef; note: string }>({
  name: 'rectify',
  words: ['/整改', '/rectify'],
  usage: '/整改 <督查号> <整改情况>（如 /整改 5 已安排专人24小时值守；可附图片）',
  summary: '报告本乡镇的督查问题已整改（告知指挥部）',
  allow: ['township_officer'],
  where: ['township'],
  ownUnitOnly: true,
  parse(args) {
    const { ref, note } = splitFindingArgs(args, true, '整改情况');
    return { ref, note: requireText(note, '整改情况', MAX_CHARS.note) };
  },
  async run(ctx, input) {
    const attachments = ctx.message.attachments ?? [];
    const f = await rectify(ctx.deps, input.ref, input.note, attachments, {
      member: ctx.sender,
      unit: ctx.groupUnit,
      conversationId: ctx.group.conversationId,
      inboundId: ctx.message.inboundId,
      at: ctx.receivedAt,
    });
    const pics = attachments.length ? `附图${attachments.length}张。` : '如有整改图片，请紧接着发到本群。';
    return { text: `✅ ${findingNumber(f)} 已整改，已报指挥部。${pics}` };
  },
  async followUp(ctx, attachments) {
    if (ctx.tier !== 'township') return null;
    const r = await attachRectifyPicture(ctx.deps, { sender: ctx.sender, unit: ctx.groupUnit, conversationId: ctx.group.conversationId, attachments, inboundId: ctx.message.inboundId, at: ctx.receivedAt });
    return r ? { text: `已将图片作为${findingNumber(r.finding)}的整改材料留存（共${r.pictures}张）。` } : null;
  },
});
