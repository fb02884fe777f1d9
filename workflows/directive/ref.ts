/**
 * References to directives and notices as people write them — `17`, `十七`, `令17`, `第二号令`, `5号令`,
 * `通告 18`, `指挥部令〔2026〕第17号`, `2025年第3号` — and finding the item they name.
 *
 * A bare number means this year's item (year in `TIMEZONE`): a year written in the reference must
 * match, so last year's items stay addressable by their year (`令〔2025〕17`) and a wrong year is
 * refused, never ignored. A bare number shared by a directive and a notice means the directive.
 *
 * Notices are numbered in series (see series.ts): the county's, and each township's own
 * (`大坑乡通告〔2026〕第1号`, written `大坑乡通告1`). A `通告N` without a township's name means the series of
 * where it is typed ({@link noticeSeries}: in a township room its own first).
 */
import { mapInOrder } from '../../src/core/in-order.js';
import type { CoreDeps } from '../../src/core/deps.js';
import { Refusal } from '../../src/core/errors.js';
import { NUMERAL_SOURCE, parseNumeral } from '../../src/core/numerals.js';
import { yearIn } from '../../src/time/clock.js';
import { findByKey, findByNumber, townshipNoticesNumbered } from '../../src/db/queries/directives.js';
import type { Directive, DirectiveKind } from '../../src/db/schema/index.js';
import { KIND_ZH } from './format.js';
import { noticeSeries, type RefViewer } from './series.js';

/**
 * A reference to a directive or notice: the number, and the kind and year when written
 * (`令17` → directive 17; `〔2025〕第3号` → number 3 of 2025, either kind).
 */
export interface DirectiveRef {
  kind?: DirectiveKind;
  number: number;
  /** The year written in the reference (`〔2025〕`, `2025年`); absent = this year. */
  year?: number;
  /**
   * The notice series named before `通告`, as written: a township's name (`大坑乡`, or short `大坑`) for its
   * own notices, or `县` / `全县` / `指挥部` for the county's (then `kind` is `notice`). Absent: read from
   * where it is asked (see {@link noticeSeries}).
   */
  series?: string;
}

const KIND_WORDS: Record<string, DirectiveKind> = {
  指挥部令: 'directive', 指挥令: 'directive', 指令: 'directive', 命令: 'directive', 令: 'directive', directive: 'directive',
  通告: 'notice', 通知: 'notice', notice: 'notice',
};
const PRE = '(指挥部令|指挥令|指令|命令|令|通告|通知|directive|notice)';
const POST = '(指挥部令|指挥令|指令|命令|令|通告|通知)';
const YEAR_DIGITS = '(\\d{4}|[〇零一二三四五六七八九]{4})';
const YEAR = `(?:[〔\\[(（【［]\\s*${YEAR_DIGITS}\\s*[〕\\])）】］]|${YEAR_DIGITS}\\s*年)`;
/**
 * `[year] [kind] [year] [第] number [号 [kind]]`, spaces allowed between the parts, not inside the number.
 * Groups: 1–2 year before the kind, 3 kind, 4–5 year after it, 6 第, 7 number, 8 号, 9 kind after 号.
 */
const REF_SOURCE = `(?:${YEAR}\\s*)?(?:${PRE}\\s*)?(?:${YEAR}\\s*)?(?:(第)\\s*)?(${NUMERAL_SOURCE})(?:\\s*(号)(?:\\s*${POST})?)?`;
const WHOLE = new RegExp(`^\\s*${REF_SOURCE}\\s*$`, 'i');
const LEADING = new RegExp(`^\\s*${REF_SOURCE}`, 'i');

/** The reference of a match of {@link REF_SOURCE}, or null when its parts do not make one. */
function refOf(m: RegExpExecArray): DirectiveRef | null {
  const years = [m[1] ?? m[2], m[4] ?? m[5]].filter((y): y is string => !!y);
  if (years.length > 1) return null;
  const number = parseNumeral(m[7]!);
  if (number === null || number < 1) return null;
  const kinds = [m[3], m[9]].filter((k): k is string => !!k).map((k) => KIND_WORDS[k.toLowerCase()]!);
  if (kinds.length === 2 && kinds[0] !== kinds[1]) return null; // `令5号通告`
  const ref: DirectiveRef = { number };
  if (kinds[0]) ref.kind = kinds[0];
  if (years[0]) {
    const year = parseNumeral(years[0], 9999);
    if (year === null) return null;
    ref.year = year;
  }
  return ref;
}

/**
 * Parses a whole text as one reference: `17`, `十七`, `第17号`, `17号`, `令17`, `指挥部令17`, `第二号令`,
 * `5号令`, `通告 18`, `18号通告`, `〔2026〕第17号`, `指挥部令〔2026〕第17号`, `2025年第3号`, `令〔2025〕3`.
 * Numbers in Arabic digits or Chinese numerals; `1.5`, `1 4`, `0`, `-3` are not numbers.
 * @returns the reference, or null when the text is not exactly one reference.
 */
export function parseRef(text: string): DirectiveRef | null {
  const m = WHOLE.exec(text);
  if (m) return refOf(m);
  const s = seriesPrefix(text);
  if (!s) return null;
  const rest = WHOLE.exec(text.slice(s.length));
  const ref = rest && refOf(rest);
  return ref ? { ...ref, series: s.series } : null;
}

/** Characters a number is written with: a run of only these before 通告 is a number (`第二号通告`), not a township. */
const NUMBERISH = /^[第号號年〇零一二两三四五六七八九十百千万\s]+$/u;

/**
 * A township's name right before `通告` at the start of `text` (`大坑乡通告1`, `大坑 通告〔2026〕第1号`).
 * @returns the name and the length of the prefix before 通告 (UTF-16 units), or null.
 */
function seriesPrefix(text: string): { series: string; length: number } | null {
  const m = /^\s*(\p{Script=Han}{1,12}?)\s*(?=通告)/u.exec(text);
  if (!m || NUMBERISH.test(m[1]!)) return null;
  return { series: m[1]!, length: m[0].length };
}

/**
 * Splits a leading reference from the text after it (`17 核酸改为18点前`, `通告18，发错了`, `令〔2025〕3`,
 * `大坑乡通告1 …`).
 * Text may follow the number without a space only from a non-ASCII character that does not continue a
 * number: `1.5`, `1e3`, `17-`, `1。5`, `1、2` do not start with a reference.
 * @returns the reference and the rest (trimmed, a leading `，。、：；` dropped), or null.
 */
export function splitRef(text: string): { ref: DirectiveRef; rest: string } | null {
  const s = seriesPrefix(text);
  if (s) {
    // `大坑乡通告1 …`; else (`十七核酸通告…`) read as if no series were named
    const split = splitRef(text.slice(s.length));
    if (split && split.ref.kind === 'notice' && split.ref.series === undefined) return { ref: { ...split.ref, series: s.series }, rest: split.rest };
  }
  const m = LEADING.exec(text);
  if (!m) return null;
  const after = text.slice(m[0].length);
  if (after && !/^\s/.test(after)) {
    if (/^[\x00-\x7F．]/.test(after)) return null;
    if (/^[。．·、]\s*\d/.test(after)) return null; // a decimal or a list typed with Chinese punctuation: `1。5`, `1、2`
  }
  const ref = refOf(m);
  if (!ref) return null;
  return { ref, rest: after.trim().replace(/^[，。、：；]\s*/, '') };
}

/** After a bare `N号` these words make it something else: a place, a day, a time (`2号网格`, `5号前`). */
const NOT_AFTER_HAO = '(?!网格|楼|栋|单元|院|组|村|社区|卡口|路|街|巷|门|室|房|床|线|车|区|片|户|前|后|之前|以前|以后|上午|下午|晚|早|中午|凌晨|\\d|[零〇一二两三四五六七八九十]+[点时])';
/** After a kind word and a number without 号 these make it a count (`通告3个村`). */
const NOT_A_COUNT = '(?![个人户村天日月年点时分秒条次名家组位件份元岁%％]|\\d)';
const FIND = new RegExp(
  [
    // a kind word before the number: `令5`, `通告6`, `指挥部令〔2026〕第5号` (not `命令`, `口令`)
    `(?<![命口法司禁律军号])(?:${YEAR}\\s*)?(指挥部令|令|通告)\\s*(?:${YEAR}\\s*)?(?:(第)\\s*)?(${NUMERAL_SOURCE})(?:\\s*(号)(?:\\s*(指挥部令|令|通告))?${NOT_AFTER_HAO}|${NOT_A_COUNT})`,
    // a number with 号: `5号令`, `第五号`, `〔2026〕第5号`, `五号指挥部令` (not a date `12月5号`)
    `(?<![月\\d${'零〇一二两三四五六七八九十百千'}])(?:${YEAR}\\s*)?(?:(第)\\s*)?(${NUMERAL_SOURCE})\\s*(号)(?:\\s*(指挥部令|令|通告)|${NOT_AFTER_HAO})`,
  ].join('|'),
  'gi',
);

/**
 * Finds the first reference written inside free text — `收到5号令`, `5号令已收到`, `第五号收到`, `令5收到`,
 * `收到五号指挥部令`, `通告6收到`. Only marked references count (a kind word, or `号`); a bare number
 * (`111`, `2网格`), a date (`12月5号`), a place (`2号网格`) or a time (`5号前`) is not one.
 * @returns the reference and where it stands in `text` (`index`, `length` in UTF-16 units), or null.
 */
export function findRef(text: string): { ref: DirectiveRef; index: number; length: number } | null {
  FIND.lastIndex = 0;
  for (let m = FIND.exec(text); m; m = FIND.exec(text)) {
    const [y1, y2, kind, y3, y4, di, num, hao, post, y5, y6, di2, num2, hao2, post2] = m.slice(1);
    const parts = kind
      ? [y1, y2, kind, y3, y4, di, num, hao, post]
      : [y5, y6, undefined, undefined, undefined, di2, num2, hao2, post2];
    const ref = refOf(['', ...parts] as unknown as RegExpExecArray);
    if (ref) return { ref, index: m.index, length: m[0].length };
  }
  return null;
}

/**
 * How a person writes the item in a command, for the bot's hints: `令17`, `通告18`, a township's own
 * `大坑乡通告1`; with the year when it is not `currentYear` (`令〔2025〕17`, `大坑乡通告〔2025〕1`), so the
 * hint still names it after New Year. Where a bare `通告N` means the room's own series (`viewer` a
 * township room, see {@link noticeSeries}), the county's is written `县通告18`.
 */
export function refWord(
  d: Pick<Directive, 'kind' | 'number' | 'year'> & { seriesName?: string | null },
  currentYear?: number,
  viewer?: Pick<RefViewer, 'tier'>,
): string {
  const year = currentYear !== undefined && d.year !== currentYear ? `〔${d.year}〕` : '';
  const series = d.seriesName ?? (viewer?.tier === 'township' ? '县' : '');
  return `${d.kind === 'notice' ? `${series}通告` : '令'}${year}${d.number}`;
}

/** A reference named in an answer: `指挥部令〔2019〕第1号`, `通告第18号`, `大坑乡通告第3号`, `第17号`. */
export function refName(ref: DirectiveRef): string {
  const kind = ref.kind ? KIND_ZH[ref.kind] : ref.series !== undefined ? KIND_ZH.notice : '';
  return `${ref.series ?? ''}${kind}${ref.year !== undefined ? `〔${ref.year}〕` : ''}第${ref.number}号`;
}

export interface RefLookup {
  /** The items the reference names, the directive first (at most one of each kind; the notice of the likeliest series). */
  found: Directive[];
  /** When nothing is found for a reference without a year: the latest earlier year's item of that number. */
  earlier?: Directive | undefined;
  /** When nothing is found for a `通告N` or bare N without a township's name: a township's own notice of that number. */
  township?: Directive | undefined;
}

/** The kinds a reference may name: a series written (`大坑乡通告1`) means a notice. */
const kindsOf = (ref: DirectiveRef): DirectiveKind[] => (ref.series !== undefined ? ['notice'] : ref.kind ? [ref.kind] : ['directive', 'notice']);

/**
 * Looks a reference up: of its year (this year, in `TIMEZONE`, when none is written), of its kind or both;
 * a notice in the series it names, else in those of `viewer` (see {@link noticeSeries}; without a viewer,
 * the county's only), the likeliest first. The unique key is kind + series + year + number.
 * @throws Refusal when the name before 通告 is no township
 */
export async function lookupRef(deps: CoreDeps, ref: DirectiveRef, viewer?: RefViewer): Promise<RefLookup> {
  const kinds = kindsOf(ref);
  const series = await noticeSeries(deps, ref, viewer);
  const thisYear = yearIn(deps.now(), deps.config.TIMEZONE);
  const year = ref.year ?? thisYear;
  // the first series (likeliest first) that has it
  const inSeries = async (k: DirectiveKind, find: (s: string) => Promise<Directive | undefined>): Promise<Directive | undefined> => {
    if (k === 'directive') return await find('');
    for (const s of series) {
      const d = await find(s);
      if (d) return d;
    }
    return undefined;
  };
  const found = (await mapInOrder(kinds, async (k) => await inSeries(k, async (s) => await findByKey(deps.db, k, year, ref.number, s)))).filter((d): d is Directive => !!d);
  if (found.length) return { found };
  const township =
    ref.series === undefined && ref.kind !== 'directive'
      ? (await townshipNoticesNumbered(deps.db, ref.number)).find((d) => d.year === year)
      : undefined;
  if (ref.year !== undefined) return { found, township };
  const earlier = (await mapInOrder(kinds, async (k) => await inSeries(k, async (s) => await findByNumber(deps.db, k, ref.number, s))))
    .filter((d): d is Directive => !!d && d.year < thisYear)
    .sort((a, b) => b.year - a.year || (a.kind === 'directive' ? -1 : 1))[0];
  return { found, earlier, township };
}

/**
 * The refusal for a reference that names nothing: wrong number, wrong year, last year's without its year,
 * or a township's own notice written without the township's name.
 */
export function missingRef(deps: CoreDeps, ref: DirectiveRef, lookup: RefLookup, verb = '/进度'): Refusal {
  const thisYear = yearIn(deps.now(), deps.config.TIMEZONE);
  if (lookup.earlier) {
    return new Refusal(`今年（${thisYear}年）没有${refName(ref)}。往年的请写明年份，如：${verb} ${refWord(lookup.earlier, thisYear)}`);
  }
  if (lookup.township) return new Refusal(`没有${refName(ref)}。乡镇通告请写乡镇名，如 ${verb} ${refWord(lookup.township, thisYear)}。`);
  return new Refusal(`没有${refName(ref)}。请核对编号${ref.year !== undefined ? '和年份' : ''}。`);
}

/**
 * Finds the item a reference names, for reading (`/进度`, `/统计`): a bare number shared by a directive
 * and a notice is the directive; a notice is looked for as {@link lookupRef} does, for `viewer`.
 * @throws Refusal naming the reference (and, for last year's item without its year, how to write it).
 */
export async function resolveRef(deps: CoreDeps, ref: DirectiveRef, verb = '/进度', viewer?: RefViewer): Promise<Directive> {
  const lookup = await lookupRef(deps, ref, viewer);
  const found = lookup.found[0];
  if (!found) throw missingRef(deps, ref, lookup, verb);
  return found;
}
