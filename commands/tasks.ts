import { defineCommand } from '../src/core/command.js';
import { UsageError } from '../src/core/errors.js';
import { ALL_ROLES } from '../src/core/permissions.js';
import { taskListText } from '../workflows/task/index.js';
import { quoted } from './limits.js';

export default defineCommand<Record<string, never>>({
  name: 'tasks',
  words: ['/任务列表', '/tasks'],
  usage: '/任务列表',
  summary: '查看进行中的专项任务及完成情况（按本群层级）',
  allow: ALL_ROLES,
  where: ['county', 'township', 'grid'],
  reads: { scope: 'by-tier', what: '任务' },
  parse(args) {
    // /任务列表 takes nothing: `/任务列表 3` or `/任务列表查看` is a mistake worth saying, not a list
    if (args) throw new UsageError(`${quoted(args)}多余，/任务列表 不带参数`);
    return {};
  },
  run: (ctx) => ({ text: taskListText(ctx.deps, { tier: ctx.tier, unit: ctx.groupUnit }) }),
});
