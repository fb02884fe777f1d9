import { defineCommand } from '../src/core/command.js';
import { UsageError } from '../src/core/errors.js';
import { INSPECTION_READER_ROLES } from '../src/core/permissions.js';
import { findingDetailText, findingListText, parseFindingRef, type FindingRef } from '../workflows/inspection/index.js';
import { quoted } from './limits.js';

export default defineCommand<{ ref?: FindingRef }>({
  name: 'inspections',
  words: ['/督查列表', '/inspections'],
  usage: '/督查列表 [督查号]',
  summary: '查看未结案的督查问题（按本群层级）；<号>：一条的详情',
  allow: INSPECTION_READER_ROLES,
  where: ['county', 'township'],
  reads: { scope: 'by-tier', what: '督查' },
  parse(args) {
    if (!args.trim()) return {};
    const ref = parseFindingRef(args);
    if (!ref) throw new UsageError(`${quoted(args)}不是督查号`);
    return { ref };
  },
  async run(ctx, input) {
    const viewer = { tier: ctx.tier, unit: ctx.groupUnit };
    return { text: input.ref ? await findingDetailText(ctx.deps, viewer, input.ref) : await findingListText(ctx.deps, viewer) };
  },
});
