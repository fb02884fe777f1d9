import { defineCommand } from '../src/core/command.js';
import { UsageError } from '../src/core/errors.js';
import { ISSUER_ROLES } from '../src/core/permissions.js';
import { cancelTask, formatTaskNumber, parseTaskRef, taskForIssuer } from '../workflows/task/index.js';
import { quoted } from './limits.js';

/**
 * `/取消任务`: cancels a special task and its reminders (a recurring task: its later rounds).
 * Who: issuers and township officers, in the command group or a township room (`allow`, `where`); the task
 * must have been issued in this group — `mayChangeTask` (src/core/permissions.ts), checked by
 * `taskForIssuer` once the task is found.
 */
export default defineCommand<{ number: number }>({
  name: 'cancel-task',
  words: ['/取消任务', '/cancel-task'],
  usage: '/取消任务 <任务号>',
  summary: '取消专项任务及其提醒；定期任务则停止后续各期',
  allow: [...ISSUER_ROLES, 'township_officer'],
  where: ['county', 'township'],
  ownUnitOnly: true,
  parse(args) {
    if (!args) throw new UsageError('缺少任务号');
    const number = parseTaskRef(args);
    if (number === null) throw new UsageError(`${quoted(args)}不是任务号`);
    return { number };
  },
  async run(ctx, input) {
    const task = await taskForIssuer(ctx.deps, input.number, { tier: ctx.tier, conversationId: ctx.group.conversationId });
    const r = await cancelTask(ctx.deps, task, { id: ctx.sender.id, inboundId: ctx.message.inboundId });
    return { text: `已取消 ${formatTaskNumber(task)}，提醒全部撤销${r.seriesEnded ? '；该定期任务不再生成新的一期' : ''}。` };
  },
});
