import { defineCommand } from '../src/core/command.js';
import { UsageError } from '../src/core/errors.js';
import { ALL_ROLES } from '../src/core/permissions.js';
import { parseTaskRef, taskDetailText, taskListText } from '../workflows/task/index.js';
import { quoted } from './limits.js';

export default defineCommand<{ number?: number }>({
  name: 'tasks',
  words: ['/任务列表', '/tasks'],
  usage: '/任务列表 [任务号]',
  summary: '查看专项任务完成情况（按本群层级）；带任务号看回报汇总',
  allow: ALL_ROLES,
  where: ['county', 'township', 'grid'],
  reads: { scope: 'by-tier', what: '任务' },
  parse(args) {
    if (!args) return {};
    // one task number (`3`, `第3号`, `任务3`); anything else (`/任务列表查看`) is a mistake worth saying, not a list
    const number = parseTaskRef(args);
    if (number === null) throw new UsageError(`${quoted(args)}不是任务号`);
    return { number };
  },
  async run(ctx, input) {
    const viewer = { tier: ctx.tier, unit: ctx.groupUnit };
    return { text: input.number === undefined ? await taskListText(ctx.deps, viewer) : await taskDetailText(ctx.deps, viewer, input.number) };
  },
});
