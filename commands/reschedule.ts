import { defineCommand } from '../src/core/command.js';
import { DEADLINE_EXAMPLES, formatDeadline, parseDeadline } from '../src/core/deadline.js';
import { Refusal, UsageError } from '../src/core/errors.js';
import { ISSUER_ROLES } from '../src/core/permissions.js';
import { formatTaskNumber, parseTaskRef, rescheduleTask, taskForIssuer } from '../workflows/task.js';

export default defineCommand<{ number: number; deadline: string }>({
  name: 'reschedule',
  words: ['/改期', '/reschedule'],
  usage: '/改期 <任务号> 截止:<时间>',
  summary: '更改专项任务的截止时间（提醒随之移动）',
  allow: [...ISSUER_ROLES, 'township_officer'],
  where: ['county', 'township'],
  ownUnitOnly: true,
  parse(args) {
    const m = /^(\S+)\s*(?:截止|期限)?\s*:?\s*(.*)$/.exec(args);
    if (!m || !args) throw new UsageError('缺少任务号');
    const number = parseTaskRef(m[1]!);
    if (number === null) throw new UsageError(`「${m[1]}」不是任务号`);
    const deadline = m[2]!.trim();
    if (!deadline) throw new UsageError('缺少新的截止时间');
    return { number, deadline };
  },
  run(ctx, input) {
    const tz = ctx.deps.config.TIMEZONE;
    const task = taskForIssuer(ctx.deps, input.number, { tier: ctx.tier, conversationId: ctx.group.conversationId });
    const parsed = parseDeadline(input.deadline, ctx.now, tz);
    if (!parsed) throw new Refusal(`看不懂截止时间「${input.deadline}」。可以写：${DEADLINE_EXAMPLES}`);
    if (parsed.at.getTime() <= ctx.now.getTime()) throw new Refusal(`截止时间 ${formatDeadline(parsed.at, tz)} 已过。请写将来的时间，如：${DEADLINE_EXAMPLES}`);
    const moved = rescheduleTask(ctx.deps, task, parsed.at, { id: ctx.sender.id, inboundId: ctx.message.inboundId });
    return { text: `已改期 ${formatTaskNumber(moved)}：截止 ${formatDeadline(parsed.at, tz)}，提醒随之调整。` };
  },
});
