/**
 * The acknowledgement lexicon: reading `ack-lexicon.txt` (beside this file; its header explains the
 * format) into its sections, and compiling a lexicon into the tables the classifier (./ack-classifier.ts)
 * reads a message with — words by first character, longest first, and the patterns for a unit's name or
 * number and for numbers that are not an item's (`5号楼`, `3户`). Pure, apart from {@link readLexicon}.
 */
import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

/** The sections of `ack-lexicon.txt`. */
export const LEXICON_SECTIONS = [
  'ack', 'ack-with-object', 'filler', 'self', 'unit-suffix', 'remark-start', 'ack-emoji', 'ack-code',
  'question', 'not-understood', 'deferral', 'question-end', 'prompt', 'not-received', 'resend', 'others', 'which',
] as const;
export type LexiconSection = (typeof LEXICON_SECTIONS)[number];
export type Lexicon = Record<LexiconSection, string[]>;

/**
 * Reads the lexicon format: `[section]` lines, one entry a line, `#` comments, blank lines ignored.
 * Entries are normalised as messages are (see `understand` in ./ack-classifier.ts).
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

/**
 * Reads and parses the shipped lexicon (`src/core/ack-lexicon.txt`), from disk on every call.
 * @throws Error when the file cannot be read or (see {@link parseLexicon}) is malformed.
 */
export function readLexicon(): Lexicon {
  return parseLexicon(readFileSync(LEXICON_FILE, 'utf8'));
}

/** Width, case and white space as the classifier compares them (no emoji handling). */
export function clean(text: string): string {
  return text.normalize('NFKC').toLowerCase().replace(/\s+/g, ' ').trim();
}

/** `s` with the characters that mean something in a regular expression escaped. */
export function escape(s: string): string {
  return s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}

/**
 * A compiled lexicon: entries by first character, longest first, and the regular expressions built from it.
 * Built once per classifier (`createClassifier` in ./ack-classifier.ts); positions are UTF-16 indexes into the
 * normalised message.
 */
export class Reader {
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

  /** Whether a remark-start word (`[remark-start]`) begins at `at`. */
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

  /** Whether `compact` (no spaces or punctuation) holds an acknowledgement word of 2 characters or more. */
  mentionsAck(compact: string): boolean {
    return this.ackWords.some((w) => compact.includes(w));
  }
}
