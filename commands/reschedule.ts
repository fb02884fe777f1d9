import { defineCommand } from '../src/core/command.js';
import { formatDeadline, readDeadline } from '../src/time/deadline.js';
import { UsageError } from '../src/core/errors.js';
import { ISSUER_ROLES } from '../src/core/permissions.js';
import { MAX_CHARS, checkLength, quoted } from './limits.js';
import { formatTaskNumber, parseTaskRef, rescheduleTask, taskForIssuer } from '../workflows/task/index.js';

/**
 * `/改期`: moves a special task's deadline; its reminders move with it.
 * Who: issuers and township officers, in the command group or a township room (`allow`, `where`); the task
 * must have been issued in this group — `mayChangeTask` (src/core/permissions.ts), checked by
 * `taskForIssuer` once the task is found.
 */
export default defineCommand<{ number: number; deadline: string }>({
  name: 'reschedule',
  words: ['/改期', '/reschedule'],
  usage: '/改期 <任务号> 截止:<时间>',
  summary: '更改专项任务的截止时间（提醒随之移动）',
  allow: [...ISSUER_ROLES, 'township_officer'],
  where: ['county', 'township'],
  ownUnitOnly: true,
  parse(args) {
    const m = /^(\S+)\s*(?:截止|期限)?\s*[:：]?\s*(.*)$/.exec(args);
    if (!m || !args) throw new UsageError('缺少任务号');
    const number = parseTaskRef(m[1]!);
    if (number === null) throw new UsageError(`${quoted(m[1]!)}不是任务号`);
    const deadline = m[2]!.trim();
    if (!deadline) throw new UsageError('缺少新的截止时间');
    checkLength(deadline, '截止时间', MAX_CHARS.when);
    return { number, deadline };
  },
  async run(ctx, input) {
    const tz = ctx.deps.config.TIMEZONE;
    const task = await taskForIssuer(ctx.deps, input.number, { tier: ctx.tier, conversationId: ctx.group.conversationId });
    const deadline = readDeadline(input.deadline, ctx.now, tz, { workdayEnd: ctx.deps.config.WORKDAY_END });
    const moved = await rescheduleTask(ctx.deps, task, deadline, { id: ctx.sender.id, inboundId: ctx.message.inboundId });
    return { text: `已改期 ${formatTaskNumber(moved)}：截止 ${formatDeadline(deadline, tz)}，提醒随之调整。` };
  },
});
