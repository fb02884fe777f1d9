import { defineCommand } from '../src/core/command.js';
import { UsageError } from '../src/core/errors.js';
import { GRID_ROLES } from '../src/core/permissions.js';
import { shortDateTimeIn } from '../src/time/clock.js';
import { getMember } from '../src/db/queries/roster.js';
import { attachEvidenceFollowUp, completeTask, formatTaskNumber, parseTaskRef } from '../workflows/task/index.js';
import { checkLength, MAX_CHARS, quoted } from './limits.js';

export default defineCommand<{ number?: number; note?: string }>({
  name: 'done',
  words: ['/完成', '/done'],
  usage: '/完成 <任务号> [说明]（可同时附图片）',
  summary: '报告本网格已完成专项任务',
  allow: GRID_ROLES,
  where: ['grid'],
  ownUnitOnly: true,
  parse(args) {
    if (!args) return {};
    const [first, ...rest] = args.split(/\s+/);
    const number = parseTaskRef(first!);
    if (number === null) throw new UsageError(`${quoted(first!)}不是任务号`);
    const note = rest.join(' ').trim();
    checkLength(note, '说明', MAX_CHARS.note);
    return note ? { number, note } : { number };
  },
  run(ctx, input) {
    const evidence = (ctx.message.attachments ?? []).map((a) => ({ kind: a.kind, ref: a.ref }));
    const r = completeTask(ctx.deps, { unit: ctx.groupUnit, member: ctx.sender, number: input.number, note: input.note ?? null, evidence, inboundId: ctx.message.inboundId, at: ctx.receivedAt });
    const n = formatTaskNumber(r.task);
    if (r.status === 'already') {
      const by = r.target.doneBy ? getMember(ctx.deps.db, r.target.doneBy)?.name ?? r.target.doneBy : '';
      return { text: `${ctx.groupUnit.name}已完成过${n}（${shortDateTimeIn(r.target.doneAt!, ctx.deps.config.TIMEZONE)}${by ? `，${by}` : ''}）。` };
    }
    const ev = r.evidence ? `，已留存附件 ${r.evidence} 个` : '';
    return { text: `✅ ${ctx.groupUnit.name}已完成${n}${r.late ? '（逾期完成）' : ''}${ev}。` };
  },
  followUp(ctx, attachments) {
    if (ctx.tier !== 'grid') return null;
    const evidence = attachments.map((a) => ({ kind: a.kind, ref: a.ref }));
    const r = attachEvidenceFollowUp(ctx.deps, { unit: ctx.groupUnit, member: ctx.sender, conversationId: ctx.group.conversationId, evidence, inboundId: ctx.message.inboundId, at: ctx.receivedAt });
    return r ? { text: `已将图片作为${formatTaskNumber(r.task)}的完成材料留存（共${r.evidence}个）。` } : null;
  },
});
