import { defineCommand } from '../src/core/command.js';
import { UsageError } from '../src/core/errors.js';
import { GRID_ROLES } from '../src/core/permissions.js';
import { shortDateTimeIn } from '../src/time/clock.js';
import { getMember } from '../src/db/queries/roster.js';
import { attachEvidenceFollowUp, completeTask, doneHint, formatReturns, formatTaskNumber, parseTaskRef, type UnreadableFigure } from '../workflows/task/index.js';
import { checkLength, MAX_CHARS, quoted } from './limits.js';

export default defineCommand<{ number?: number; note?: string }>({
  name: 'done',
  words: ['/完成', '/done'],
  usage: '/完成 <任务号> [回报项:数字 …] [说明]（可同时附图片）',
  summary: '报告本网格已完成专项任务',
  allow: GRID_ROLES,
  where: ['grid'],
  ownUnitOnly: true,
  parse(args) {
    if (!args) return {};
    const [first, ...rest] = args.split(/\s+/);
    const number = parseTaskRef(first!);
    if (number === null) {
      // figures without a task number (`/完成 排查户数:86 返乡人数:3`): the grid's only open task
      if (/^[^:]*\p{L}[^:]*:/u.test(first!)) {
        checkLength(args, '说明', MAX_CHARS.note);
        return { note: args.trim() };
      }
      throw new UsageError(`${quoted(first!)}不是任务号`);
    }
    const note = rest.join(' ').trim();
    checkLength(note, '说明', MAX_CHARS.note);
    return note ? { number, note } : { number };
  },
  async run(ctx, input) {
    const evidence = (ctx.message.attachments ?? []).map((a) => ({ kind: a.kind, ref: a.ref }));
    const r = await completeTask(ctx.deps, { unit: ctx.groupUnit, member: ctx.sender, number: input.number, note: input.note ?? null, evidence, inboundId: ctx.message.inboundId, at: ctx.receivedAt });
    const n = formatTaskNumber(r.task);
    const fields = r.task.returnFields ?? [];
    const bad = (u: UnreadableFigure[]) => u.map((x) => `${x.field}${x.text ? quoted(x.text) : ''}不是数字`).join('，');
    if (r.status === 'incomplete') {
      const kept = formatReturns(fields, r.kept);
      return {
        text: [
          `${n}还需回报：${r.missing.join('、')}${r.unreadable.length ? `（${bad(r.unreadable)}）` : ''}。本网格尚未完成。`,
          ...(kept ? [`已记下：${kept}。`] : []),
          `请发送 ${doneHint(r.task, r.missing)}`,
        ].join('\n'),
      };
    }
    if (r.status === 'corrected') {
      const changed = fields.filter((f) => r.returns[f] !== r.before[f]).map((f) => `${f} ${r.returns[f]}${r.before[f] !== undefined ? `（原 ${r.before[f]}）` : ''}`);
      const head = changed.length ? `已更正${ctx.groupUnit.name}${n}的回报：${changed.join('、')}。` : `${ctx.groupUnit.name}${n}的回报未变：${formatReturns(fields, r.returns)}。`;
      return { text: r.unreadable.length ? `${head}\n${bad(r.unreadable)}，未更正。` : head };
    }
    if (r.status === 'already') {
      const by = r.target.doneBy ? (await getMember(ctx.deps.db, r.target.doneBy))?.name ?? r.target.doneBy : '';
      return { text: `${ctx.groupUnit.name}已完成过${n}（${shortDateTimeIn(r.target.doneAt!, ctx.deps.config.TIMEZONE)}${by ? `，${by}` : ''}）。` };
    }
    const ev = r.evidence ? `，已留存附件 ${r.evidence} 个` : '';
    const returns = r.returns ? `，回报：${formatReturns(fields, r.returns)}` : '';
    return { text: `✅ ${ctx.groupUnit.name}已完成${n}${r.late ? '（逾期完成）' : ''}${returns}${ev}。` };
  },
  async followUp(ctx, attachments) {
    if (ctx.tier !== 'grid') return null;
    const evidence = attachments.map((a) => ({ kind: a.kind, ref: a.ref }));
    const r = await attachEvidenceFollowUp(ctx.deps, { unit: ctx.groupUnit, member: ctx.sender, conversationId: ctx.group.conversationId, evidence, inboundId: ctx.message.inboundId, at: ctx.receivedAt });
    return r ? { text: `已将图片作为${formatTaskNumber(r.task)}的完成材料留存（共${r.evidence}个）。` } : null;
  },
});
