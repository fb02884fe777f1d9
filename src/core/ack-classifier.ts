/**
 * Understanding a plain (non-command) message the way a person in a grid group would: an acknowledgement
 * (`收到`, `嗯收到🌹`, `5号令已收到`, `李家村2网格收到，已转各户`, `遵照执行`, `👍🏻`), "I did not get it"
 * (`这边没收到`, `再发一遍`), "which one?" (`是哪个令`), or anything else. Negations, questions and
 * requests to others (`没收到`, `收到没`, `大家回复收到`, `收到的口罩不够`) are never acknowledgements.
 *
 * The words live in `ack-lexicon.txt` beside this file (its header explains the reading); this module
 * holds the procedure: normalise (width, case, emoji, `[xx]` codes, punctuation and spaces), look for the
 * not-received, which-one and question signs, then read the message as a sequence of known pieces —
 * acknowledgement words, fillers, the unit's or person's own name, one item reference — optionally
 * followed by a remark. Pure and synchronous; never throws on any input.
 */
import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

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

/** What a plain message says, as far as acknowledgements go. */
export type Understanding =
  /** Acknowledges the named item, or (no `ref`) the newest item the unit still has to acknowledge. */
  | { kind: 'ack'; ref?: ItemRef }
  /** Did not get it: post the open items (or the named one) again in full. */
  | { kind: 'resend'; ref?: ItemRef }
  /** Asks which item is meant: list the open items. */
  | { kind: 'which' }
  /** Anything else. `mentionsAck`: it contains an acknowledgement word (`收到没`, `大家回复收到`). */
  | { kind: 'other'; mentionsAck: boolean };

/** What the caller knows about the sender, to take out of the message: names of the sender, its unit and the units above. */
export interface AckHints {
  /** E.g. `['覃雪', '周家坞村第1网格', '周家坞村', '清溪街道']`; names shorter than 2 characters are ignored. */
  names?: readonly string[];
}

/** The sections of `ack-lexicon.txt`. */
export const LEXICON_SECTIONS = [
  'ack', 'ack-with-object', 'filler', 'self', 'unit-suffix', 'remark-start', 'ack-emoji', 'ack-code',
  'question', 'not-understood', 'deferral', 'question-end', 'prompt', 'not-received', 'resend', 'others', 'which',
] as const;
export type LexiconSection = (typeof LEXICON_SECTIONS)[number];
export type Lexicon = Record<LexiconSection, string[]>;

/**
 * Reads the lexicon format: `[section]` lines, one entry a line, `#` comments, blank lines ignored.
 * Entries are normalised as messages are (see {@link understand}).
 * @throws Error naming the line when a section is unknown or an entry stands before any section.
 */
export function parseLexicon(text: string, source = 'ack-lexicon.txt'): Lexicon {
  const lex = Object.fromEntries(LEXICON_SECTIONS.map((s) => [s, [] as string[]])) as Lexicon;
  let section: LexiconSection | null = null;
  for (const [i, raw] of text.split('\n').entries()) {
    const line = raw.replace(/#.*$/, '').trim();
    if (!line) continue;
    const head = /^\[([a-z-]+)\]$/.exec(line);
    if (head) {
      if (!(LEXICON_SECTIONS as readonly string[]).includes(head[1]!)) throw new Error(`${source}:${i + 1}: unknown section [${head[1]}]`);
      section = head[1] as LexiconSection;
      continue;
    }
    if (!section) throw new Error(`${source}:${i + 1}: entry before any [section]`);
    const entry = section === 'ack-emoji' ? line.replace(/[\ufe0f\u{1f3fb}-\u{1f3ff}]/gu, '') : clean(line);
    if (entry) lex[section].push(entry);
  }
  return lex;
}

const LEXICON_FILE = join(dirname(fileURLToPath(import.meta.url)), 'ack-lexicon.txt');

/** Width, case and white space as the classifier compares them (no emoji handling). */
function clean(text: string): string {
  return text.normalize('NFKC').toLowerCase().replace(/\s+/g, ' ').trim();
}

const HAN = /\p{Script=Han}/u;
const SEP = /^[\s\p{P}\p{S}]$/u;
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
function refAt(t: string, at: number): { ref: ItemRef; end: number; conflict?: true; invalid?: true } | null {
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

/** A compiled lexicon: entries by first character, longest first, and the regular expressions built from it. */
class Reader {
  private readonly words = new Map<string, { entry: string; section: 'ack' | 'ack-with-object' | 'filler' | 'self' }[]>();
  private readonly remarkStart: string[];
  private readonly numbered: RegExp;
  private readonly named: RegExp;
  private readonly notAnItem: RegExp;
  private readonly ackWords: string[];

  constructor(lex: Lexicon) {
    for (const section of ['ack', 'ack-with-object', 'filler', 'self'] as const) {
      for (const entry of lex[section]) {
        const list = this.words.get(entry[0]!) ?? [];
        list.push({ entry, section });
        this.words.set(entry[0]!, list);
      }
    }
    for (const list of this.words.values()) list.sort((a, b) => b.entry.length - a.entry.length);
    this.remarkStart = [...lex['remark-start']].sort((a, b) => b.length - a.length);
    const alt = (xs: readonly string[]) => [...xs].sort((a, b) => b.length - a.length).map(escape).join('|');
    // 第2网格, 2网格员, 三组
    this.numbered = new RegExp(String.raw`第?\s*(?:\d{1,3}|[一二两三四五六七八九十]{1,3})\s*(?:${alt(lex['unit-suffix'])})(?:${alt(lex.self)})?`, 'y');
    // 李家村, 大坑乡, 清溪街道: a short name ending like a unit's, without negation, question or request characters
    this.named = new RegExp(String.raw`[^\s\p{P}\p{S}\d没未不无别莫吗么嘛谁哪啥请要需回复的了在各每]{1,6}?(?:${alt(lex['unit-suffix'])})`, 'uy');
    // 5号楼, 第2网格, 3户: a number that is not an item's
    this.notAnItem = new RegExp(String.raw`\s*(?:${alt(lex['unit-suffix'])}|楼|栋|幢|单元|室|户|床|人|个|箱|条|天|点|时|分|号楼)`, 'y');
    this.ackWords = [...lex.ack, ...lex['ack-with-object']].filter((w) => w.length >= 2);
  }

  /** The longest lexicon word at `at`. */
  word(t: string, at: number) {
    return this.words.get(t[at]!)?.find((w) => t.startsWith(w.entry, at)) ?? null;
  }

  remarkStarts(t: string, at: number): boolean {
    return this.remarkStart.some((w) => t.startsWith(w, at));
  }

  /** A numbered unit at `at` (`第2网格`, `3组`): where it ends, or null. */
  numberedUnit(t: string, at: number): number | null {
    this.numbered.lastIndex = at;
    return this.numbered.test(t) ? this.numbered.lastIndex : null;
  }

  /** A unit's name at `at` (`李家村`, `大坑乡`) that holds no acknowledgement word: where it ends, or null. */
  namedUnit(t: string, at: number): number | null {
    this.named.lastIndex = at;
    const m = this.named.exec(t);
    return m && !this.ackWords.some((w) => m[0].includes(w)) ? at + m[0].length : null;
  }

  /** Whether what follows a number at `at` makes it something other than an item (`5号楼`, `第2网格`, `3户`). */
  notItem(t: string, at: number): boolean {
    this.notAnItem.lastIndex = at;
    return this.notAnItem.test(t);
  }

  mentionsAck(compact: string): boolean {
    return this.ackWords.some((w) => compact.includes(w));
  }
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
function seriesAt(t: string, at: number, names: readonly string[], other = true): { series: string; end: number } | null {
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

function escape(s: string): string {
  return s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}

/** Longest text read as one acknowledgement (before a remark), and longest remark after it, in characters. */
const MAX_HEAD = 40;
const MAX_REMARK = 24;

type Piece = 'ack' | 'open-ack' | 'filler' | 'self' | 'ref' | 'ones' | 'sep';

/**
 * Builds a classifier over a lexicon (for tests of a lexicon other than the shipped one).
 * @returns a function with the contract of {@link understand}.
 */
export function createClassifier(lex: Lexicon): (text: string, hints?: AckHints) => Understanding {
  const reader = new Reader(lex);
  const ackEmoji = new Set(lex['ack-emoji']);
  const ackCodes = new Set(lex['ack-code']);
  const has = (compact: string, section: LexiconSection) => lex[section].some((w) => compact.includes(w));

  return (text, hints = {}) => {
    if (typeof text !== 'string' || text.length > 2000) return { kind: 'other', mentionsAck: false };
    let symbol = false;
    let t = text
      .normalize('NFKC')
      .toLowerCase()
      // DingTalk / WeChat codes: [OK], [抱拳], [送花花] (not [2026], a year)
      .replace(/\[([^[\]\s\d]{1,6})\]/gu, (_, name: string) => {
        if (ackCodes.has(name)) symbol = true;
        return '';
      })
      .replace(/\p{Extended_Pictographic}|\p{Emoji_Modifier}|\p{So}|\p{Cf}|\p{Cs}|\p{Co}|\p{M}|[\u20e3\ufe0f]/gu, (ch) => {
        if (ackEmoji.has(ch)) symbol = true;
        return '';
      })
      .replace(/[\p{Cc}\s]+/gu, ' ')
      .trim();
    // 收 到, 好的 收到: spaces between Chinese characters mean nothing
    t = t.replace(/(\p{Script=Han}) (?=\p{Script=Han})/gu, '$1');
    const compact = t.replace(/[\s\p{P}\p{S}]/gu, '');
    const question = t.includes('?');
    if (!compact) return symbol && !question ? { kind: 'ack' } : { kind: 'other', mentionsAck: false };
    const names = (hints.names ?? []).map(clean).filter((n) => n.length >= 2).sort((a, b) => b.length - a.length);

    if ((has(compact, 'not-received') || has(compact, 'resend')) && !has(compact, 'others')) {
      const ref = firstRef(t, names, reader);
      return ref ? { kind: 'resend', ref } : { kind: 'resend' };
    }
    if (has(compact, 'which')) return { kind: 'which' };
    const other = { kind: 'other', mentionsAck: reader.mentionsAck(compact) } as const;
    if (question || has(compact, 'question') || has(compact, 'prompt') || has(compact, 'not-understood') || has(compact, 'deferral') || lex['question-end'].some((w) => compact.endsWith(w))) return other;

    // the message read as known pieces, perhaps followed by a remark
    let prev: Piece | null = null;
    let seenAck = symbol;
    let remark = '';
    let headEnd = t.length;
    /** Where a remark could begin: after the first punctuation that follows an acknowledgement word. */
    let afterSep = -1;
    const refs: { ref: ItemRef; at: number }[] = [];
    const nameAt = (at: number) => names.find((n) => t.startsWith(n, at));
    /** What may follow an item reference or a bare number: the end, punctuation or another known piece. */
    const boundary = (at: number) =>
      at >= t.length || SEP.test(t[at]!) || !!reader.word(t, at) || !!nameAt(at) || reader.remarkStarts(t, at) || reader.numberedUnit(t, at) !== null;
    const take = (piece: Piece, end: number) => {
      prev = piece;
      return end;
    };
    for (let i = 0; i < t.length; ) {
      const ch = t[i]!;
      // a township's notice: 大坑乡通告1, 大坑通告1 (the sender's own township), 县通告1
      const sp = seriesAt(t, i, names);
      const sr = sp && refAt(t, sp.end);
      if (sp && sr && sr.ref.kind === 'notice' && !reader.notItem(t, sr.end) && boundary(sr.end)) {
        if (sr.conflict || sr.invalid) return other;
        refs.push({ ref: { ...sr.ref, series: sp.series }, at: i });
        i = take('ref', sr.end);
        continue;
      }
      // an item: 令5, 5号令, 第五号, 〔2026〕第5号, 通告 6
      const r = refAt(t, i);
      if (r && !reader.notItem(t, r.end) && boundary(r.end)) {
        if (r.conflict || r.invalid) return other;
        refs.push({ ref: r.ref, at: i });
        i = take('ref', r.end);
        continue;
      }
      if (SEP.test(ch)) {
        if (seenAck && afterSep < 0) afterSep = i + 1;
        i = take('sep', i + 1);
        continue;
      }
      // the unit by its number: 第2网格, 3组
      const numbered = reader.numberedUnit(t, i);
      if (numbered !== null) {
        i = take('self', numbered);
        continue;
      }
      if (/\d/.test(ch)) {
        const end = i + /^\d+/.exec(t.slice(i))![0].length;
        const digits = t.slice(i, end);
        // 1.5, 1,000, 1 4, -1: no item's number, and no acknowledgement either
        if (/^\s*[.,、·]\s*\d|^ \d/.test(t.slice(end)) || /[-+−±]\s*$/.test(t.slice(0, i))) return other;
        if (/^1+$/.test(digits)) {
          seenAck = true;
          i = take('ones', end);
          continue;
        }
        // a bare number right beside the acknowledgement word: 收到3, 3收到
        const next = reader.word(t, end);
        const besideAck = prev === 'ack' || prev === 'open-ack' || (next !== null && next.section !== 'filler' && next.section !== 'self');
        if (besideAck && digits.length <= 4 && boundary(end) && !reader.notItem(t, end) && !/^\s*:/.test(t.slice(end))) {
          refs.push({ ref: { number: Number(digits) }, at: i });
          i = take('ref', end);
          continue;
        }
      } else {
        const name = nameAt(i);
        const word = reader.word(t, i);
        if (name && (!word || name.length >= word.entry.length)) {
          i = take('self', i + name.length);
          continue;
        }
        if (word) {
          if (word.section === 'ack' || word.section === 'ack-with-object') seenAck = true;
          i = take(word.section === 'ack-with-object' ? 'open-ack' : word.section, i + word.entry.length);
          // 已转各户, 马上通知到户: what follows is what was done
          if (word.section === 'ack-with-object' && i < t.length && !SEP.test(t[i]!)) {
            remark = t.slice(i);
            headEnd = i;
            break;
          }
          continue;
        }
        const named = reader.namedUnit(t, i);
        if (named !== null) {
          i = take('self', named);
          continue;
        }
      }
      // something else: a remark after the acknowledgement (from the punctuation after it, if any), or no acknowledgement at all
      if (seenAck && (afterSep >= 0 || reader.remarkStarts(t, i))) {
        headEnd = afterSep >= 0 ? afterSep : i;
        remark = t.slice(headEnd);
        break;
      }
      return other;
    }
    if (!seenAck) return other;
    const named = refs.filter((r) => r.at < headEnd).map((r) => r.ref);
    if (new Set(named.map(refText)).size > 1) return other;
    if (t.slice(0, headEnd).replace(/[\s\p{P}\p{S}]/gu, '').length > MAX_HEAD) return other;
    if (remark) {
      const r = remark.replace(/[\s\p{P}\p{S}]/gu, '');
      if (r.length > MAX_REMARK || !HAN.test(r)) return other;
    }
    return named[0] ? { kind: 'ack', ref: named[0] } : { kind: 'ack' };
  };
}

/** The first item reference in `t` (with the notice series written before 通告, see `seriesAt`) outside the sender's own names and not a unit's or a building's number (`第1网格`, `5号楼`). */
function firstRef(t: string, names: readonly string[], reader: Reader): ItemRef | undefined {
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

let shipped: ((text: string, hints?: AckHints) => Understanding) | null = null;

/**
 * Reads a plain message (not a `/command`) with the shipped lexicon (`src/core/ack-lexicon.txt`, read once).
 * @param text the message as received (any width, emoji, codes, spaces)
 * @param hints names of the sender and its units, taken out of the message (`李家村2网格 张三 收到`)
 * @returns what it says; never throws.
 */
export function understand(text: string, hints?: AckHints): Understanding {
  shipped ??= createClassifier(parseLexicon(readFileSync(LEXICON_FILE, 'utf8')));
  return shipped(text, hints);
}
