/**
 * Reading what people type about findings: `/督查`'s text (the unit, an optional directive, the problem,
 * `人数:`) and finding numbers as written (`5`, `第五号`, `督查5`, `督查〔2026〕第5号`, `〔2025〕5`). Pure
 * functions; nothing here touches the database (the unit and the directive are looked up in unit.ts and
 * record.ts).
 */
import { UsageError } from '../../src/core/errors.js';
import { NUMERAL_SOURCE, parseNumeral } from '../../src/core/numerals.js';
import { quoted } from '../../src/core/text.js';
import { parsePeople } from '../lead/fields.js';
import { parseRef, type DirectiveRef } from '../directive/ref.js';

/** The longest problem text of a finding, and the longest whole `/督查` text (characters). */
export const MAX_PROBLEM_CHARS = 500;
export const MAX_FINDING_CHARS = 1000;

/** `/督查`'s text as read before the roster is asked: the words (unit, maybe a directive, the problem) and `人数:`. */
export interface FindingArgs {
  /** The text without the `人数:` field, split at whitespace: `[单位, (令N,) 问题…]`. */
  words: string[];
  /** `人数:N` read as a count; absent when not written. */
  people?: number;
}

const PEOPLE_RE = /人数\s*[:：]\s*(\S*)/;

/**
 * Reads the text after `/督查`: takes out `人数:N` (`人数:2`, `人数：三人`) and splits the rest into words.
 * @throws UsageError when it is too long ({@link MAX_FINDING_CHARS}), `人数:` is not a count, or there is
 *   no unit or no problem (fewer than two words).
 */
export function parseFindingArgs(args: string): FindingArgs {
  const text = args.trim();
  if (text.length > MAX_FINDING_CHARS) throw new UsageError(`督查内容太长（${text.length}字，最多${MAX_FINDING_CHARS}字），请精简后重发`);
  let rest = text;
  let people: number | undefined;
  const p = PEOPLE_RE.exec(rest);
  if (p) {
    const n = parsePeople(p[1]!);
    if (n === null) throw new UsageError(`人数${quoted(p[1]!)}看不懂，请写数字，如 人数:2`);
    people = n;
    rest = `${rest.slice(0, p.index)} ${rest.slice(p.index + p[0].length)}`;
  }
  const words = rest.split(/\s+/).filter(Boolean);
  if (words.length === 0) throw new UsageError('缺少网格（或乡镇）和问题');
  if (words.length === 1) throw new UsageError('缺少问题：请在网格（或乡镇）名称后空一格，写明发现的问题');
  return people === undefined ? { words } : { words, people };
}

/**
 * A directive named in `/督查` after the unit (`令17`, `第17号`, `17号令`, `指挥部令〔2026〕第17号`, `通告3`):
 * a reference with a kind word, or `第…号` — a bare number or `N号` is taken as part of the problem
 * (`2人脱岗`, `2号 卡口`).
 * @returns the reference, or null when the word is not one.
 * @throws UsageError when the word reads as a reference whose number is not one (`令1.5`).
 */
export function findingDirectiveRef(word: string): DirectiveRef | null {
  // a kind word, or 第…号 (`2号` alone may be a checkpoint's or a building's number)
  if (!/[令告]|^第.+号$/.test(word)) return null;
  const ref = parseRef(word);
  if (ref) return ref;
  // it reads as a reference with a number that is not one (`令1.5`, `通告-2`): asked for, not taken as the problem
  if (LOOKS_LIKE_REF.test(word)) throw new UsageError(`${quoted(word)}不是编号，请写如 令17、通告3`);
  return null;
}

/** A word that starts like a directive or notice reference and carries a digit: `令1.5`, `通告3a`, `1.5号令`. */
const LOOKS_LIKE_REF = /^(?:指挥部|县)?令\s*第?\s*[-+]?[\d０-９]|^(?:县)?通告\s*第?\s*[-+]?[\d０-９]|[\d０-９]\s*号令$/;

/** A finding number as written: the number and, when written, the year. */
export interface FindingRef {
  number: number;
  /** The year written (`〔2025〕5`, `2025年第5号`); absent = this year. */
  year?: number;
}

const REF_RE = new RegExp(`^(?:督查)?\\s*(?:[〔\\[(（【［]\\s*(\\d{4})\\s*[〕\\])）】］]|(\\d{4})\\s*年)?\\s*(?:第\\s*)?(${NUMERAL_SOURCE})\\s*号?$`);

/**
 * Parses a finding number: `5`, `05`, `5号`, `第五号`, `督查5`, `督查第5号`, `督查〔2026〕第5号`, `〔2025〕5`,
 * `2025年第5号`. @returns null when the text is not one.
 */
export function parseFindingRef(text: string): FindingRef | null {
  const m = REF_RE.exec(text.trim());
  if (!m) return null;
  const number = parseNumeral(m[3]!, 99_999);
  if (number === null || number < 1) return null;
  const year = m[1] ?? m[2];
  return year ? { number, year: Number(year) } : { number };
}

/**
 * Splits `<督查号> [说明]` (`/整改`, `/督查结案`, `/通报`): the number is the first word, or the first two
 * when the first is `督查` alone (`督查 5 已整改`).
 * @param noteName the note's name for the error, e.g. `整改情况`
 * @param needsNote whether the note is required
 * @throws UsageError naming what is missing or not a number.
 */
export function splitFindingArgs(args: string, needsNote: boolean, noteName: string): { ref: FindingRef; note: string } {
  const m = /^(?:督查\s+(?=\S))?(\S+)\s*([\s\S]*)$/.exec(args.trim());
  if (!m) throw new UsageError('缺少督查号');
  const ref = parseFindingRef(m[1]!);
  if (!ref) throw new UsageError(`${quoted(m[1]!)}不是督查号`);
  const note = m[2]!.trim();
  if (needsNote && !note) throw new UsageError(`缺少${noteName}`);
  return { ref, note };
}
