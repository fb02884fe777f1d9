import { defineCommand } from '../src/core/command.js';
import { formatDeadline, readDeadline } from '../src/time/deadline.js';
import { parseRecurrence, type Recurrence } from '../src/time/recurrence.js';
import { formatDurationZh } from '../src/time/duration.js';
import { UsageError } from '../src/core/errors.js';
import { ISSUER_ROLES } from '../src/core/permissions.js';
import { createSeries, formatTaskNumber, issueTask, readReturnFields, readScope, reminderOffsets } from '../workflows/task/index.js';
import { checkLength, MAX_CHARS, requireText } from './limits.js';
import { clip } from '../src/core/text.js';

export interface TaskArgs {
  title: string;
  deadline?: string;
  recurrence?: Recurrence;
  scope: string;
  note?: string;
  urgent: boolean;
  /** Figures each grid returns with `/完成` (`回报:排查户数,返乡人数`). */
  returnFields?: string[];
}

const FIELD = /(截止|期限|范围|说明|备注|回报项?)\s*:/g;

/**
 * Parses `<标题> 截止:<时间> [范围:…] [说明:…] [回报:排查户数,返乡人数]`, or with `每天18点` / `每周一9点` instead of (or as) the
 * deadline for a recurring task; a standalone `紧急` marks it urgent (reminders also in quiet hours).
 * @throws UsageError when the title or the deadline is missing, the text is too long (see {@link MAX_CHARS}),
 *   the title has no letter or digit, or `回报:` names no field, too many or a bad one (see readReturnFields).
 */
export function parseTaskArgs(args: string): TaskArgs {
  checkLength(args, '任务内容', MAX_CHARS.task);
  const marks = [...args.matchAll(FIELD)];
  const head = marks.length ? args.slice(0, marks[0]!.index) : args;
  const fields: Record<string, string> = {};
  marks.forEach((m, i) => {
    const end = i + 1 < marks.length ? marks[i + 1]!.index : args.length;
    const key = m[1] === '期限' ? '截止' : m[1] === '备注' ? '说明' : m[1] === '回报项' ? '回报' : m[1]!;
    fields[key] = args.slice(m.index! + m[0].length, end).trim();
  });
  let urgent = false;
  let recurrence: Recurrence | undefined;
  const titleWords: string[] = [];
  for (const w of head.trim().split(/\s+/).filter(Boolean)) {
    const r = parseRecurrence(w);
    if (r && !recurrence) recurrence = r;
    else if (/^[【\[]?紧急[】\]]?$/.test(w)) urgent = true;
    else titleWords.push(w);
  }
  if (fields['截止']) {
    const r = parseRecurrence(fields['截止']);
    if (r) recurrence = r;
  }
  const title = requireText(titleWords.join(' '), '任务标题', MAX_CHARS.title);
  if (fields['说明']) checkLength(fields['说明'], '说明', MAX_CHARS.note);
  if (fields['截止']) checkLength(fields['截止'], '截止时间', MAX_CHARS.when);
  if (!fields['截止'] && !recurrence) throw new UsageError('缺少截止时间（截止:今天18点）');
  const returnFields = fields['回报'] !== undefined ? readReturnFields(fields['回报']) : undefined;
  return {
    title,
    ...(fields['截止'] && !recurrence ? { deadline: fields['截止'] } : {}),
    ...(recurrence ? { recurrence } : {}),
    scope: fields['范围'] ?? '',
    ...(fields['说明'] ? { note: fields['说明'] } : {}),
    urgent,
    ...(returnFields ? { returnFields } : {}),
  };
}

export default defineCommand<TaskArgs>({
  name: 'task',
  words: ['/任务', '/专项任务', '/task'],
  usage: '/任务 <标题> 截止:<时间> [范围:乡镇/网格/红色网格] [说明:…] [回报:排查户数,返乡人数]（或 每天18点 定期任务）',
  summary: '向网格下达专项任务，截止前提醒未完成网格，逾期报乡镇',
  allow: [...ISSUER_ROLES, 'township_officer'],
  where: ['county', 'township'],
  ownUnitOnly: true,
  parse: parseTaskArgs,
  async run(ctx, input) {
    const { deps } = ctx;
    const tz = deps.config.TIMEZONE;
    const scope = await readScope(deps.db, input.scope, { tier: ctx.tier, townshipId: ctx.groupUnit.id });
    const base = {
      title: input.title,
      note: input.note ?? null,
      scope,
      issuerId: ctx.sender.id,
      conversationId: ctx.group.conversationId,
      inboundId: ctx.message.inboundId,
      urgent: input.urgent,
      ...(input.returnFields ? { returnFields: input.returnFields } : {}),
    };
    const returns = input.returnFields ? `\n各网格完成时回报：${input.returnFields.join('、')}。` : '';
    const remindText = (deadline: Date) => {
      const steps = reminderOffsets(deps, deadline, deps.now());
      return steps.length ? `截止前 ${steps.map(formatDurationZh).join('、')} 提醒未完成网格。` : '';
    };
    if (input.recurrence) {
      const { first } = await createSeries(deps, { ...base, recurrence: input.recurrence });
      return {
        text: `已建立定期任务「${clip(input.title, 30)}」（${input.recurrence.label}），每期自动编号下达 ${first.grids} 个网格。\n本期 ${formatTaskNumber(first.task)}，截止 ${formatDeadline(first.task.deadline, tz)}。${returns}\n/取消任务 ${first.task.number} 可停止。`,
      };
    }
    const deadline = readDeadline(input.deadline!, ctx.now, tz, { workdayEnd: deps.config.WORKDAY_END });
    // a drill's task (the drill script's message) is a drill item; a recurring series never is
    const r = (await issueTask(deps, { ...base, deadline, drill: ctx.message.drill === true }))!;
    const where = ctx.tier === 'county' ? `${r.grids} 个网格（${r.townships} 个乡镇）` : `本乡镇 ${r.grids} 个网格`;
    const list = input.returnFields ? `/任务列表 ${r.task.number} 查看回报汇总。` : '/任务列表 查看进度。';
    return { text: `已下达 ${formatTaskNumber(r.task)}，截止 ${formatDeadline(deadline, tz)}，共 ${where}。${remindText(deadline)}${returns}\n${list}` };
  },
});
