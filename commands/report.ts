import { defineCommand, type CommandContext } from '../src/core/command.js';
import type { Reply } from '../src/core/message.js';
import { UsageError } from '../src/core/errors.js';
import { ALL_ROLES } from '../src/core/permissions.js';
import { clockIn } from '../src/time/clock.js';
import { attachFollowUp, CATEGORIES, LEAD_STATE_ZH, type LeadField, leadNumber, type LeadReport, parseLeadReport, report } from '../workflows/lead/index.js';
import { checkLength, hasWords, MAX_CHARS } from './limits.js';
import { clipMasked } from '../src/core/text.js';

const HINTS: Record<LeadField, string> = {
  类别: `类别可写：${Object.keys(CATEGORIES).join('、')}`,
  人数: '人数请写数字，如 人数:3',
  紧急: '紧急请写 是/否 或 高/中/低',
  地点: '地点请写在冒号后',
};

/** Files a lead from a grid group and answers at once: the number, a repeat, or the fields not understood. */
export async function reportAndAnswer(ctx: CommandContext, input: LeadReport): Promise<Reply> {
  const attachments = ctx.message.attachments ?? [];
  const r = await report(ctx.deps, {
    report: input,
    reporter: ctx.sender,
    conversationId: ctx.group.conversationId,
    unit: ctx.groupUnit,
    attachments,
    inboundId: ctx.message.inboundId,
    at: ctx.receivedAt,
    drill: ctx.message.drill === true,
  });
  const n = leadNumber(r.lead);
  if (r.status === 'duplicate') {
    const at = clockIn(r.lead.reportedAt, ctx.deps.config.TIMEZONE);
    const pics = r.picturesAdded ? `已补充图片（共${r.picturesAdded}张）。` : '';
    return { text: `与线索 ${n} 重复（${at}已上报，${LEAD_STATE_ZH[r.lead.state]}），未重复登记。${pics}` };
  }
  const to = r.roomName ? `已转${r.roomName}` : '所属乡镇没有指挥室群，已直报指挥部';
  const lines = [`✅ 已登记 线索 ${n}${r.lead.urgent ? '（紧急）' : ''}，${to}。`];
  if (input.notUnderstood.length) {
    const written: Record<LeadField, string | undefined> = { 类别: input.category, 地点: input.location, 人数: input.people, 紧急: input.urgencyText };
    // as written, cut: a long field is not echoed back in full
    const raw = (f: LeadField) => {
      return clipMasked(written[f] ?? '');
    };
    lines.push(`未识别：${input.notUnderstood.map((f) => `${f}「${raw(f)}」`).join('、')}（已按原文记录）`);
    lines.push(input.notUnderstood.map((f) => HINTS[f]).join('；'));
  }
  lines.push(attachments.length ? `附图${attachments.length}张。` : '如有图片，请紧接着发到本群。');
  return { text: lines.join('\n') };
}

export default defineCommand<LeadReport>({
  name: 'report',
  words: ['/上报', '/report'],
  usage: '/上报 <情况> [类别:…] [地点:…] [人数:…] [紧急:是/否]',
  summary: '上报线索，自动编号并转乡镇指挥室；图片可随后发送',
  allow: ALL_ROLES,
  where: ['grid'],
  parse(args) {
    checkLength(args.trim(), '线索内容', MAX_CHARS.lead);
    const r = parseLeadReport(args);
    // only emoji, punctuation or invisible characters: nothing to act on (a field it cannot read still never blocks)
    if (![r.description, r.category ?? '', r.location ?? ''].some(hasWords)) throw new UsageError('缺少线索内容：请写明发生了什么、在哪里');
    return r;
  },
  run: reportAndAnswer,
  async followUp(ctx, attachments) {
    if (ctx.tier !== 'grid') return null;
    const r = await attachFollowUp(ctx.deps, { sender: ctx.sender, conversationId: ctx.group.conversationId, attachments, inboundId: ctx.message.inboundId, at: ctx.receivedAt });
    return r ? { text: `已将图片附到线索 ${leadNumber(r.lead)}（共${r.pictures}张）。` } : null;
  },
});
