/** How directives and notices are named in text. */
import type { OutboundAction, OutboundItem, OutboxLane } from '../../src/core/message.js';
import { shortDateTimeIn } from '../../src/time/clock.js';
import { drillTag } from '../../src/core/drill.js';
import type { Directive, DirectiveKind } from '../../src/db/schema/index.js';

export const KIND_ZH: Record<DirectiveKind, string> = { directive: '指挥部令', notice: '通告' };

/** What naming an item needs: its kind, year and number, the township of its own series if any, whether it is a drill item. */
export type Numbered = Pick<Directive, 'kind' | 'year' | 'number'> & { seriesName?: string | null; drill?: boolean | null };

/**
 * `指挥部令〔2026〕第17号` / `通告〔2026〕第18号`; a township's own notice carries the township's name:
 * `大坑乡通告〔2026〕第1号`; a drill item is `【演练】指挥部令〔2026〕第17号` (the outbox moves the mark to the
 * message's start, src/core/drill.ts).
 */
export function formatNumber(d: Numbered): string {
  return `${drillTag(d)}${d.seriesName ?? ''}${KIND_ZH[d.kind]}〔${d.year}〕第${d.number}号`;
}



/**
 * The outbox lane of a message about `items` (a relay, a reminder, an escalation, a chase): `urgent` when
 * any of them is urgent, else `bulk` — so an urgent item's messages go before a county-wide ordinary relay.
 */
export function directiveLane(...items: Pick<Directive, 'urgent'>[]): OutboxLane {
  return items.some((d) => d.urgent) ? 'urgent' : 'bulk';
}

/**
 * The acknowledgement button a relay offers (rendered where the platform has buttons, e.g. Slack):
 * pressing it is `/收到 令17` (or `/收到 通告18`, `/收到 大坑乡通告1`) from the presser in that group.
 */
export function ackAction(d: Pick<Directive, 'kind' | 'number'> & { seriesName?: string | null }): OutboundAction {
  return { kind: 'ack', label: '收到', command: `/收到 ${d.seriesName ?? ''}${d.kind === 'notice' ? '通告' : '令'}${d.number}` };
}

/**
 * The neutral item descriptor of a message about `d` (OutboundMessage.item: DingTalk shows it as a card):
 * key `directive-<id>`, its current revision, its name, its deadline in `timeZone` when a receipt is asked.
 * @param extra `state` (default `open`) and, for an amendment, `supersedes`
 */
export function itemOf(d: Directive, timeZone: string, extra: Partial<Pick<OutboundItem, 'state' | 'supersedes'>> = {}): OutboundItem {
  return {
    kind: 'item',
    key: `directive-${d.id}`,
    revision: d.revision,
    number: formatNumber(d),
    ...(d.ackRequired && d.ackDeadline ? { deadline: shortDateTimeIn(d.ackDeadline, timeZone) } : {}),
    state: extra.state ?? 'open',
    ...(extra.supersedes ? { supersedes: extra.supersedes } : {}),
  };
}
