/**
 * Item references as people write them in a plain message: `5号令`, `令5`, `第五号`, `〔2026〕第5号`,
 * `通告 6`, a township's notice (`大坑乡通告1`, `县通告2`) — finding one at a position, reading its number
 * (Arabic or Chinese), and writing one back as canonical text ({@link refText}). Used by the
 * acknowledgement classifier (./ack-classifier.ts); pure and synchronous.
 */
import { escape, type Reader } from './ack-lexicon.js';

/** An item named in a message: `5号令` → `{ kind: 'directive', number: 5 }`; `〔2025〕第5号` keeps its year. */
export interface ItemRef {
  /** Absent when the kind was not written (`第5号`, `5号通知`). */
  kind?: 'directive' | 'notice';
  number: number;
  /** The year written in the reference (`〔2025〕`, `2025年`), if any. */
  year?: number;
  /**
   * The notice series named right before `通告`, as written: a township's name (`大坑乡通告1`; its short
   * name `大坑通告1` when it is one of the sender's units), or `县` / `全县` / `指挥部` for the county's.
   */
  series?: string;
}

const CN_DIGITS: Record<string, number> = { 零: 0, 〇: 0, 一: 1, 二: 2, 两: 2, 三: 3, 四: 4, 五: 5, 六: 6, 七: 7, 八: 8, 九: 9 };
const CN_UNITS: Record<string, number> = { 十: 10, 百: 100, 千: 1000 };

/**
 * A Chinese numeral as people write item numbers: `五` 5, `十七` 17, `二十` 20, `一百零二` 102, `一二` 12.
 * @returns the number, or null when it is not one.
 */
export function chineseNumber(s: string): number | null {
  if (!s || /[^零〇一二两三四五六七八九十百千]/.test(s)) return null;
  if (!/[十百千]/.test(s)) return [...s].reduce((n, c) => n * 10 + CN_DIGITS[c]!, 0);
  let total = 0;
  let digit: number | null = null;
  let lastUnit = Infinity;
  for (const ch of s) {
    if (ch in CN_DIGITS) {
      if (digit !== null && digit !== 0) return null; // 二三十
      digit = CN_DIGITS[ch]!;
      continue;
    }
    const unit = CN_UNITS[ch]!;
    if (unit >= lastUnit) return null; // 十十, 十百
    if (digit === null) {
      if (unit !== 10 || total !== 0) return null; // 百, 一百十
      digit = 1; // 十七
    }
    if (digit === 0) return null;
    total += digit * unit;
    lastUnit = unit;
    digit = null;
  }
  return total + (digit ?? 0);
}

const NUM = String.raw`(\d{1,4}|[零〇一二两三四五六七八九十百千]{1,6})`;
const YEAR = String.raw`(?:〔(\d{4})〕|\[(\d{4})\]|\((\d{4})\)|(\d{4})年)`;
const KIND_BEFORE = '(指挥部令|指挥令|令|通告|通知|指令|命令)';
const KIND_AFTER = '(指挥部令|指挥令|令|通告|通知|指令|命令|文件)';
/** `令5`, `指挥部令〔2026〕第5号`, `通告 6`, `【指挥部令〔2026〕第5号】`. */
const REF_KIND_FIRST = new RegExp(String.raw`【?${KIND_BEFORE}\s*(?:${YEAR}\s*)?(?:第\s*)?${NUM}\s*(?:号)?(?:\s*${KIND_AFTER})?】?`, 'y');
/** `5号令`, `第五号`, `〔2026〕第5号`, `6号通告`, `2026年第5号令`. */
const REF_NUMBER_FIRST = new RegExp(String.raw`【?(?:${YEAR}\s*)?(?:第\s*${NUM}\s*(?:号)?|${NUM}\s*号)(?:\s*${KIND_AFTER})?】?`, 'y');

function kindOf(word: string | undefined): ItemRef['kind'] {
  if (!word) return undefined;
  if (word === '通告') return 'notice';
  if (word === '通知' || word === '文件') return undefined;
  return 'directive';
}

/**
 * A reference starting exactly at `at`, with where it ends; `conflict` when it names two kinds (`通告5号令`),
 * `invalid` when its number is none (`第0号`, `第十十号`); null when there is none.
 */
export function refAt(t: string, at: number): { ref: ItemRef; end: number; conflict?: true; invalid?: true } | null {
  for (const re of [REF_KIND_FIRST, REF_NUMBER_FIRST]) {
    re.lastIndex = at;
    const m = re.exec(t);
    if (!m) continue;
    const g = m.slice(1);
    const [before, after] = re === REF_KIND_FIRST ? [g[0], g[6]] : [undefined, g[6]];
    const yearText = re === REF_KIND_FIRST ? g.slice(1, 5).find(Boolean) : g.slice(0, 4).find(Boolean);
    const numText = re === REF_KIND_FIRST ? g[5] : g[4] ?? g[5];
    const number = /^\d+$/.test(numText!) ? Number(numText) : chineseNumber(numText!);
    if (number === null || number < 1) {
      // 第0号, 〔2026〕第十十号: an item named, but no item's number
      if (/^\d+$/.test(numText!) || /[第号]/.test(m[0])) return { ref: { number: 0 }, end: at + m[0].length, invalid: true };
      continue;
    }
    const k1 = kindOf(before);
    const k2 = kindOf(after);
    const kind = k1 ?? k2;
    const ref: ItemRef = { number, ...(kind ? { kind } : {}), ...(yearText ? { year: Number(yearText) } : {}) };
    return { ref, end: at + m[0].length, ...(k1 && k2 && k1 !== k2 ? { conflict: true as const } : {}) };
  }
  return null;
}

/** The canonical text of a reference, as `parseRef` in workflows/directive/ref.ts reads it: `令〔2025〕第5号`, `通告第6号`, `第5号`. */
export function refText(ref: ItemRef): string {
  const kind = ref.kind === 'notice' ? `${ref.series ?? ''}通告` : ref.kind === 'directive' ? '令' : '';
  return `${kind}${ref.year ? `〔${ref.year}〕` : ''}第${ref.number}号`;
}

/** The county's notice series as written before 通告. */
const COUNTY_SERIES = ['县指挥部', '指挥部', '全县', '县'];
/** A township's full name before 通告: `大坑乡`, `清溪街道` (no negation, question or request characters). */
const TOWNSHIP_NAME = /[^\s\p{P}\p{S}\d没未不无别莫吗么嘛谁哪啥请要需回复的了在各每]{1,6}?(?:乡|镇|街道)(?=通告)/uy;

/**
 * A notice series named at `at`, right before `通告`: a township's full name, one of `names` (the sender's
 * units) or its short name (`大坑` for 大坑乡), or the county's (`县`); another township's name only when
 * `other` (where `at` is known to start a word: its full name cannot be told from the words before it). Returns the name and where 通告 starts.
 */
export function seriesAt(t: string, at: number, names: readonly string[], other = true): { series: string; end: number } | null {
  const written = [
    ...COUNTY_SERIES,
    ...names.filter((n) => /(乡|镇|街道)$/.test(n)).flatMap((n) => [n, n.replace(/(乡|镇|街道)$/, '')]).filter((n) => n.length >= 2),
  ].sort((a, b) => b.length - a.length);
  const hit = written.find((n) => t.startsWith(`${n}通告`, at));
  if (hit) return { series: hit, end: at + hit.length };
  if (!other) return null;
  TOWNSHIP_NAME.lastIndex = at;
  const m = TOWNSHIP_NAME.exec(t);
  return m ? { series: m[0], end: at + m[0].length } : null;
}

/**
 * The first item reference in `t` (with the notice series written before 通告, see `seriesAt`) outside the sender's own names and not a unit's or a building's number (`第1网格`, `5号楼`).
 * @param names the sender's own names, cleaned, longest first
 * @param reader the compiled lexicon (./ack-lexicon.ts), for what makes a number no item's
 */
export function firstRef(t: string, names: readonly string[], reader: Reader): ItemRef | undefined {
  let s = t;
  for (const n of names) s = s.replace(new RegExp(`${escape(n)}(?!通告)`, 'g'), ' '); // 大坑乡通告1 names a series
  for (let i = 0; i < s.length; i++) {
    // inside free text a township is only known by the sender's own (no other township's notice is open here)
    const sp = seriesAt(s, i, names, false);
    const sr = sp && refAt(s, sp.end);
    if (sp && sr && sr.ref.kind === 'notice' && !sr.conflict && !sr.invalid && !reader.notItem(s, sr.end)) return { ...sr.ref, series: sp.series };
    const r = refAt(s, i);
    if (r && !r.conflict && !r.invalid && !reader.notItem(s, r.end)) return r.ref;
  }
  return undefined;
}
