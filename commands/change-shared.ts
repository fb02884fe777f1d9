/** What `/更正` and `/撤回` share: a leading reference then free text. */
import { UsageError } from '../src/core/errors.js';
import { parseRef, type DirectiveRef } from '../workflows/directive.js';

export interface ChangeArgs {
  ref: DirectiveRef;
  text: string;
}

/**
 * Splits `17 新的内容`, `通告18 …`, `第17号 …`, `指挥部令〔2026〕第17号 …` into the reference and the rest.
 * @throws UsageError when no number leads the text, or (when `needText`) nothing follows it.
 */
export function parseChangeArgs(args: string, needText: boolean): ChangeArgs {
  const m = /^((?:指挥部令|令|通告)?\s*(?:〔\d{4}〕|\[\d{4}\])?\s*第?\s*\d{1,6}\s*号?)(?:\s+|(?=[^\d\s])|$)([\s\S]*)$/.exec(args.trim());
  const ref = m ? parseRef(m[1]!) : null;
  if (!m || !ref) throw new UsageError(args.trim() ? `「${args.trim().split(/\s/)[0]}」不是编号` : '缺少编号');
  const text = m[2]!.trim();
  if (needText && !text) throw new UsageError('缺少更正内容');
  return { ref, text };
}
