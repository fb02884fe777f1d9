import { defineCommand } from '../src/core/command.js';
import { UsageError } from '../src/core/errors.js';
import { ALL_ROLES } from '../src/core/permissions.js';
import type { RiskColour } from '../src/db/schema/index.js';
import { parseRef, resolve, type DirectiveRef } from '../workflows/directive/index.js';
import { parseColourCut } from '../workflows/risk/index.js';
import { parsePeriod, statsText } from '../workflows/reports/index.js';
import { parseTaskRef, taskDetailText } from '../workflows/task/index.js';
import { quoted } from './limits.js';

const SYNTAX_NOW = new Date(Date.UTC(2028, 11, 31, 12));

interface StatsInput {
  /** Period text as written (今日 by default; 昨天, 上周, 12月2日, 12月1日到3日 … see parsePeriod), or a directive reference. */
  period?: string;
  ref?: DirectiveRef;
  /** A special task's number (`任务5`, `专项任务〔2026〕第5号`). */
  task?: number;
  colours?: RiskColour[];
}

/** A term naming a special task rather than a directive: it starts with `任务` / `专项任务` / `task`. */
const TASK_WORD = /^(?:专项任务|任务|task)/i;

export default defineCommand<StatsInput>({
  name: 'stats',
  words: ['/统计', '/stats'],
  usage: '/统计 [今日|昨天|本周|上周|本月|12月2日|12月1日到3日|<编号>|任务<号>] [红色网格]',
  summary: '响应率统计（按本群层级，列出落后单位）；可按风险颜色筛选',
  allow: ALL_ROLES,
  where: ['county', 'township', 'grid'],
  reads: { scope: 'by-tier', what: '统计' },
  parse(args) {
    const input: StatsInput = {};
    // `12月1日 到 3日`, `2026-02-01 ~ 2026-02-07`: one span
    const joined = args.replace(/\s*(~|～|至|到|—|--|\.\.)\s*/g, '$1').replace(/(专项任务|任务|task)\s+(?=\S)/gi, '$1');
    for (const term of joined.split(/\s+/).filter(Boolean)) {
      const colours = parseColourCut(term);
      if (colours) {
        input.colours = colours;
        continue;
      }
      if (input.period !== undefined || input.ref || input.task !== undefined) throw new UsageError(`只能写一个时段或编号，${quoted(term)}多余`);
      if (TASK_WORD.test(term)) {
        const task = parseTaskRef(term);
        if (task === null) throw new UsageError(`${quoted(term)}不是任务号`);
        input.task = task;
        continue;
      }
      // the form only (the clock is read in run): the last day of a leap year, so 2月29日 is a day
      const p = parsePeriod(term, SYNTAX_NOW, 'UTC');
      if (typeof p === 'string') throw new UsageError(p);
      if (p) {
        input.period = term;
        continue;
      }
      const ref = parseRef(term);
      if (!ref) throw new UsageError(`${quoted(term)}不是时段、编号或风险颜色`);
      input.ref = ref;
    }
    if (input.task !== undefined && input.colours) throw new UsageError('专项任务的统计不按风险颜色筛选');
    return input;
  },
  async run(ctx, input) {
    const viewer = { tier: ctx.tier, unit: ctx.groupUnit };
    if (input.task !== undefined) return { text: await taskDetailText(ctx.deps, viewer, input.task, '📊') };
    if (input.ref) return { text: await statsText(ctx.deps, viewer, { kind: 'directive', directive: await resolve(ctx.deps, input.ref, viewer) }, input.colours) };
    const period = parsePeriod(input.period ?? '今日', ctx.now, ctx.deps.config.TIMEZONE);
    if (!period || typeof period === 'string') throw new UsageError(period ?? '时段不对');
    return { text: await statsText(ctx.deps, viewer, { kind: 'period', period }, input.colours) };
  },
});
