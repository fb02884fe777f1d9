/** How directives and notices are named in text. */
import type { Directive, DirectiveKind } from '../src/db/schema/index.js';

export const KIND_ZH: Record<DirectiveKind, string> = { directive: '指挥部令', notice: '通告' };

/** `指挥部令〔2026〕第17号` / `通告〔2026〕第18号`. */
export function formatNumber(d: Pick<Directive, 'kind' | 'year' | 'number'>): string {
  return `${KIND_ZH[d.kind]}〔${d.year}〕第${d.number}号`;
}
