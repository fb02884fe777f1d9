import { defineCommand } from '../src/core/command.js';
import { UsageError } from '../src/core/errors.js';
import { ALL_ROLES } from '../src/core/permissions.js';
import { leadDetailText, leadListText, type LeadRef, parseLeadRef } from '../workflows/lead/index.js';
import { quoted } from './limits.js';

type Input = { kind: 'open' } | { kind: 'today' } | { kind: 'one'; ref: LeadRef };

/**
 * `/线索 [今日|<号>]`: open leads, or one lead's history, as the group's tier may see them (`reads`:
 * `mayReadIn`); which leads and whose text is `mayReadLead` / `mayReadLeadText` (src/core/permissions.ts).
 */
export default defineCommand<Input>({
  name: 'leads',
  words: ['/线索', '/leads'],
  usage: '/线索 [今日|<号>]',
  summary: '查看未办结线索（按本群层级）；今日：今天的全部线索；<号>：一条的详情',
  allow: ALL_ROLES,
  where: ['county', 'township', 'grid'],
  reads: { scope: 'by-tier', what: '线索' },
  parse(args) {
    if (!args) return { kind: 'open' };
    if (/^(今日|今天|today)$/i.test(args)) return { kind: 'today' };
    const ref = parseLeadRef(args);
    if (!ref) throw new UsageError(`${quoted(args)}不是线索编号`);
    return { kind: 'one', ref };
  },
  async run(ctx, input) {
    const viewer = { tier: ctx.tier, unit: ctx.groupUnit };
    if (input.kind === 'one') return { text: await leadDetailText(ctx.deps, viewer, input.ref) };
    return { text: await leadListText(ctx.deps, viewer, { today: input.kind === 'today' }) };
  },
});
