import { defineCommand } from '../src/core/command.js';
import { UsageError } from '../src/core/errors.js';
import { COUNTY_ROLES } from '../src/core/permissions.js';
import { type DirectiveRef, parseRef, resolve } from '../workflows/directive/index.js';
import { itemExportText } from '../workflows/reports/index.js';
import { quoted } from './limits.js';

/**
 * `/导出 N`: the XLSX of one directive's or notice's acknowledgements, as a link (county roles, in the
 * command group: the link carries the dashboard token, which reads every township's figures).
 */
export default defineCommand<{ ref: DirectiveRef }>({
  name: 'export',
  words: ['/导出', '/export'],
  usage: '/导出 <编号>（如 /导出 令17、/导出 通告18）',
  summary: '一条指挥部令或通告的确认明细（XLSX 链接）',
  allow: COUNTY_ROLES,
  where: ['county'],
  parse(args) {
    if (!args) throw new UsageError('缺少编号');
    const ref = parseRef(args);
    if (!ref) throw new UsageError(`${quoted(args)}不是编号`);
    return { ref };
  },
  async run(ctx, { ref }) {
    const d = await resolve(ctx.deps, ref, { tier: ctx.tier, unit: ctx.groupUnit });
    return { text: itemExportText(ctx.deps, d) };
  },
});
