/** How directives and notices are named in text. */
import type { OutboundAction } from '../src/core/message.js';
import type { Directive, DirectiveKind } from '../src/db/schema/index.js';

export const KIND_ZH: Record<DirectiveKind, string> = { directive: '指挥部令', notice: '通告' };

/** `指挥部令〔2026〕第17号` / `通告〔2026〕第18号`. */
export function formatNumber(d: Pick<Directive, 'kind' | 'year' | 'number'>): string {
  return `${KIND_ZH[d.kind]}〔${d.year}〕第${d.number}号`;
}

/**
 * The acknowledgement button a relay offers (rendered where the platform has buttons, e.g. Slack):
 * pressing it is `/收到 令17` (or `/收到 通告18`) from the presser in that group.
 */
export function ackAction(d: Pick<Directive, 'kind' | 'number'>): OutboundAction {
  return { kind: 'ack', label: '收到', command: `/收到 ${d.kind === 'notice' ? '通告' : '令'}${d.number}` };
}
