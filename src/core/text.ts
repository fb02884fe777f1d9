/**
 * Cutting a person's text for an answer, so a long input is never echoed back in full (PRODUCT.md §2.6).
 */
import { maskPersonal } from './mask.js';

/** The first `n` characters of `text`, with `…` when it was longer. */
export function clip(text: string, n = 24): string {
  return text.length > n ? `${text.slice(0, n)}…` : text;
}

/** Like {@link clip}, for text that may carry phone or ID numbers: masked before it is cut (a cut number no longer looks like one). */
export function clipMasked(text: string, n = 24): string {
  return clip(maskPersonal(text), n);
}

/** `「text」` for an answer, cut to 24 characters (`「…」`) so a long mistake is not echoed in full. */
export function quoted(text: string): string {
  return `「${clip(text)}」`;
}
