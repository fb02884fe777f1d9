import { defineCommand, type CommandContext } from '../src/core/command.js';
import { Refusal, UsageError } from '../src/core/errors.js';
import { ALL_ROLES } from '../src/core/permissions.js';
import { yearIn } from '../src/time/clock.js';
import { findByKey, getDirective, latestOpen, quotedItem } from '../src/db/queries/directives.js';
import type { Directive } from '../src/db/schema/index.js';
import { type DirectiveRef, formatNumber, parseRef, progressText, refWord, resolve, silentListPieces } from '../workflows/directive/index.js';
import { findingsOfDirectiveLines } from '../workflows/inspection/index.js';
import { quoted } from './limits.js';

/** `/进度` of one item for the asking group, with the 督查 findings tied to it that this group may see (none in a grid group). */
async function progressWithFindings(ctx: CommandContext, d: Directive): Promise<string> {
  const viewer = { tier: ctx.tier, unit: ctx.groupUnit };
  return [await progressText(ctx.deps, d, viewer), ...await findingsOfDirectiveLines(ctx.deps, d.id, viewer)].join('\n');
}

/** How many other open items a bare `/进度` names after the one it answers for. */
const OTHERS_NAMED = 3;

/** The open items this group's tier can see, the latest issued first. */
async function visibleOpen(ctx: CommandContext, limit: number): Promise<Directive[]> {
  const viewer =
    ctx.tier === 'county'
      ? { all: true as const }
      : ctx.tier === 'township'
        ? { township: ctx.groupUnit.id, issuedIn: ctx.group.conversationId }
        : { unit: ctx.groupUnit.id };
  return await latestOpen(ctx.deps.db, viewer, limit);
}

/** The word after the reference asking for every silent unit: `/进度 17 全部`, `/进度 令17 未确认`. */
const FULL_LIST = /\s*(全部|未确认|完整名单|全部名单|名单)$/;

/** `{text, more}` of the pieces of an answer (see `silentListPieces`). */
const pieces = (list: string[]) => ({ text: list[0]!, ...(list.length > 1 ? { more: list.slice(1) } : {}) });

export default defineCommand<{ ref?: DirectiveRef | undefined; full?: boolean }>({
  name: 'progress',
  words: ['/进度', '/progress'],
  usage: '/进度 [编号] [全部]（如 /进度 令17、/进度 通告18、/进度 大坑乡通告1；不带编号查看最新一条；加「全部」列出所有未确认单位）',
  summary: '查看指挥部令或通告的确认进度（按本群层级）',
  allow: ALL_ROLES,
  where: ['county', 'township', 'grid'],
  reads: { scope: 'by-tier', what: '进度' },
  parse(args) {
    const full = FULL_LIST.test(args);
    const rest = args.replace(FULL_LIST, '').trim();
    if (!rest) return full ? { full } : {};
    const ref = parseRef(rest);
    if (!ref) throw new UsageError(`${quoted(rest)}不是编号`);
    return full ? { ref, full } : { ref };
  },
  async run(ctx, { ref, full }) {
    const { deps } = ctx;
    const viewer = { tier: ctx.tier, unit: ctx.groupUnit };
    const thisYear = yearIn(ctx.now, deps.config.TIMEZONE);
    if (ref) {
      const d = await resolve(deps, ref, viewer);
      if (full) return pieces(await silentListPieces(deps, d, viewer));
      const lines = [await progressWithFindings(ctx, d)];
      // a bare number shared by a directive and a notice: the directive, and a line naming the notice
      const notice = !ref.kind && d.kind === 'directive' ? await findByKey(deps.db, 'notice', d.year, d.number) : undefined;
      if (notice) lines.push(`另有${formatNumber(notice)}：/进度 ${refWord(notice, thisYear, viewer)}`);
      return { text: lines.join('\n') };
    }
    // a quoted relay names the item; a quote of anything else is answered as such
    const q = await quotedItem(deps.db, ctx.message.inboundId);
    if (q) {
      const d = q.directiveId === null ? undefined : await getDirective(deps.db, q.directiveId);
      if (!d) throw new Refusal('所引用的消息不是本群的指挥部令或通告。请发 /进度 编号（如 /进度 令17）。');
      return full ? pieces(await silentListPieces(deps, d, viewer)) : { text: await progressWithFindings(ctx, d) };
    }
    const open = await visibleOpen(ctx, OTHERS_NAMED + 2);
    const d = open[0];
    if (!d) return { text: '本群当前没有进行中的指挥部令或通告。查看往期请发 /进度 编号（如 /进度 令17）。' };
    if (full) return pieces(await silentListPieces(deps, d, viewer));
    const lines = [await progressWithFindings(ctx, d)];
    const others = open.slice(1);
    if (others.length) {
      const named = others.slice(0, OTHERS_NAMED).map((o) => `/进度 ${refWord(o, thisYear, viewer)}`).join('、');
      lines.push(`另有进行中：${named}${others.length > OTHERS_NAMED ? ' 等' : ''}`);
    }
    return { text: lines.join('\n') };
  },
});
