/** What `/更正` and `/撤回` share: a leading reference then free text (as typed: `/更正` is `verbatim`). */
import { UsageError } from '../src/core/errors.js';
import { foldWidth } from '../src/core/router.js';
import { parseRef, type DirectiveRef } from '../workflows/directive.js';
import { MAX_CHARS, checkLength, quoted, requireText } from './limits.js';

export interface ChangeArgs {
  ref: DirectiveRef;
  text: string;
}

/**
 * Splits `17 新的内容`, `通告18 …`, `大坑乡通告1 …`, `第17号 …`, `指挥部令〔2026〕第17号 …` into the reference and the rest.
 * @throws UsageError when no number leads the text, (when `needText`) nothing with a letter or digit
 *   follows it, or what follows is too long ({@link MAX_CHARS}: a correction as a directive, a reason as a note).
 */
export function parseChangeArgs(args: string, needText: boolean): ChangeArgs {
  // text may follow the number without a space only from a non-ASCII character (`17核酸…`, `17，发错了`):
  // `1.5`, `1e3`, `17-`, `1,000` are not the number 1 or 17 followed by a remark
  // the reference is read width-folded, the text after it kept as typed (`/更正` relays it verbatim)
  const typed = args.trim();
  const m = /^((?:\p{Script=Han}{1,12}?通告|指挥部令|令|通告)?\s*(?:〔\d{4}〕|\[\d{4}\])?\s*第?\s*\d{1,6}\s*号?)(?:\s+|(?=[^\x00-\x7F．])|$)([\s\S]*)$/u.exec(foldWidth(typed));
  const ref = m ? parseRef(m[1]!) : null;
  if (!m || !ref) throw new UsageError(typed ? `${quoted(typed.split(/\s/)[0]!)}不是编号` : '缺少编号');
  const rest = typed.slice(m[0].length - m[2]!.length).trim().replace(/^[，。、：；]\s*/, ''); // `17，发错了`
  if (needText) return { ref, text: requireText(rest, '更正内容', MAX_CHARS.directive) };
  const text = rest;
  checkLength(text, '说明', MAX_CHARS.note);
  return { ref, text };
}
