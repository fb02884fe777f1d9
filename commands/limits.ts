/**
 * What the parse functions accept of free text: how long (characters, as JavaScript counts them — an
 * emoji may count 2) and that it says something (a letter or a digit of any script, not only emoji,
 * punctuation or invisible characters). Too long or empty → a UsageError, so nothing is applied.
 */
import { UsageError } from '../src/core/errors.js';

/** Longest accepted texts, in characters. */
export const MAX_CHARS = {
  /** `/令`, `/通告`, `/更正`: the whole text after the command word, fields included. */
  directive: 2000,
  /** `/上报`: the whole text after the command word, fields included. */
  lead: 2000,
  /** `/任务`: the whole text after the command word, fields included. */
  task: 1000,
  /** `/任务` title. */
  title: 100,
  /** A time as written (`截止:明天下午3点半`, `时限:30分钟`). */
  when: 40,
  /** Notes, reasons and results (`说明:`, `/核查 7 <说明>`, `/撤回 17 <说明>`, `/完成 3 <说明>` …). */
  note: 500,
} as const;

/** Whether `text` has at least one letter or digit (any script). */
export function hasWords(text: string): boolean {
  return /[\p{L}\p{N}]/u.test(text);
}

/**
 * Checks the length of a text.
 * @param what its Chinese name in the answer, e.g. `内容`, `说明`
 * @throws UsageError `<what>太长（最多N字）…` when longer than `max` characters.
 */
export function checkLength(text: string, what: string, max: number): void {
  if (text.length > max) throw new UsageError(`${what}太长（${text.length}字，最多${max}字），请精简后重发`);
}

/**
 * Checks a required text: not longer than `max` and with a letter or digit in it.
 * @throws UsageError `缺少<what>` when it has no letter or digit, or as {@link checkLength}.
 * @returns the text, trimmed.
 */
export function requireText(text: string, what: string, max: number): string {
  const t = text.trim();
  checkLength(t, what, max);
  if (!hasWords(t)) throw new UsageError(t ? `${what}里没有文字` : `缺少${what}`);
  return t;
}

/** `「text」` for an answer, cut so a long mistake is not echoed in full (src/core/text.ts). */
export { quoted } from '../src/core/text.js';
