import { defineCommand } from '../src/core/command.js';
import { UsageError } from '../src/core/errors.js';
import { ALL_ROLES } from '../src/core/permissions.js';
import { parseRef, progressText, resolve, type DirectiveRef } from '../workflows/directive.js';
import { quoted } from './limits.js';

export default defineCommand<DirectiveRef>({
  name: 'progress',
  words: ['/进度', '/progress'],
  usage: '/进度 <编号>（如 /进度 17、/进度 通告18、/进度 大坑乡通告1）',
  summary: '查看指挥部令或通告的确认进度（按本群层级）',
  allow: ALL_ROLES,
  where: ['county', 'township', 'grid'],
  reads: { scope: 'by-tier', what: '进度' },
  parse(args) {
    if (!args) throw new UsageError('缺少编号');
    const ref = parseRef(args);
    if (!ref) throw new UsageError(`${quoted(args)}不是编号`);
    return ref;
  },
  run(ctx, ref) {
    const d = resolve(ctx.deps, ref, { tier: ctx.tier, unit: ctx.groupUnit });
    return { text: progressText(ctx.deps, d, { tier: ctx.tier, unit: ctx.groupUnit }) };
  },
});
