/** What `/更正` and `/撤回` share: a leading reference then free text (as typed: `/更正` is `verbatim`). */
import { UsageError } from '../src/core/errors.js';
import { parseNumeral } from '../src/core/numerals.js';
import { foldWidth } from '../src/core/router.js';
import { type DirectiveRef, splitRef } from '../workflows/directive/index.js';
import { MAX_CHARS, checkLength, quoted, requireText } from './limits.js';

export interface ChangeArgs {
  ref: DirectiveRef;
  text: string;
}

/**
 * Splits `17 新的内容`, `通告18 …`, `大坑乡通告1 …`, `第17号 …`, `第二号令 …`, `指挥部令〔2026〕第17号 …` into the reference
 * (see {@link splitRef}: a year written must match; Chinese numerals read) and the rest.
 * @throws UsageError when no number leads the text (`1.5`, `1。5`, `1、2` do not), the rest is only another
 *   number (`1 4`), (when `needText`) nothing with a letter or digit follows it, or what follows is too
 *   long ({@link MAX_CHARS}: a correction as a directive, a reason as a note).
 */
export function parseChangeArgs(args: string, needText: boolean): ChangeArgs {
  const t = args.trim();
  // the reference is read width-folded, the text after it kept as typed (`/更正` relays it verbatim);
  // foldWidth maps one character to one, so the rest is the same tail of `t`
  const split = splitRef(foldWidth(t));
  if (!split) throw new UsageError(t ? `${quoted(t.split(/\s/)[0]!)}不是编号` : '缺少编号');
  const { ref } = split;
  const rest = t.slice(t.length - split.rest.length);
  // `1 4`, `1 、2`: two numbers, not one item and a remark
  if (parseNumeral(split.rest) !== null || /^\d+(?:\s*[、，,]\s*\d+)*$/.test(split.rest)) throw new UsageError(`${quoted(t)}不是一个编号，一次只能写一个`);
  if (needText) return { ref, text: requireText(rest, '更正内容', MAX_CHARS.directive) };
  checkLength(rest, '说明', MAX_CHARS.note);
  return { ref, text: rest };
}
