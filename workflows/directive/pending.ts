/**
 * What a unit still has to acknowledge, told back to it when a person asks in plain words: "I did not
 * get it" (`这边没收到`, `再发一遍`) re-posts the open items in full; "which one?" (`是哪个令`) lists them;
 * a message the bot does not understand is answered with what the group still has to acknowledge.
 * Read-only: nothing here counts as an acknowledgement or changes any state.
 */
import { mapInOrder } from '../../src/core/in-order.js';
import type { CoreDeps } from '../../src/core/deps.js';
import { maskPersonal } from '../../src/core/mask.js';
import { Refusal } from '../../src/core/errors.js';
import { shortDateTimeIn, yearIn } from '../../src/time/clock.js';
import { eventsOf, openForUnit } from '../../src/db/queries/directives.js';
import { getGroup } from '../../src/db/queries/roster.js';
import type { Directive, Unit } from '../../src/db/schema/index.js';
import { KIND_ZH, formatNumber } from './format.js';
import { refWord } from './ref.js';
import { noticeSeries } from './series.js';

/** At most this many items are re-posted in full in one answer; the rest are named. */
const RESEND_AT_MOST = 3;
/** At most this many items are listed in one answer. */
const LIST_AT_MOST = 8;
/** A first line is cut to this many characters in a list. */
const FIRST_LINE_CHARS = 30;

const NOTHING_OPEN = '本群当前没有待确认的指挥部令或通告。';

type Open = Directive & { acknowledged: boolean };

/** A reference as the classifier and `parseRef` give it: `{ kind?, number }`. */
export interface PendingRef {
  kind?: Directive['kind'] | undefined;
  number: number;
  /** The notice series written (`大坑乡`, `大坑`, `县`); absent: the group's likeliest (see {@link noticeSeries}). */
  series?: string | undefined;
}

/**
 * How the bot's hints name an item in `unit`'s group, so that it finds that item typed there: `令3`,
 * `通告1`, `大坑乡通告1`; in a township room the county's notice is `县通告1` (see {@link refWord}).
 * @returns a function of the item
 */
export function shortName(deps: CoreDeps, unit: Pick<Unit, 'kind'>): (d: Pick<Directive, 'kind' | 'number' | 'year' | 'seriesName'>) => string {
  const thisYear = yearIn(deps.now(), deps.config.TIMEZONE);
  const viewer = { tier: unit.kind === 'township' ? ('township' as const) : ('grid' as const) };
  return (d) => refWord(d, thisYear, viewer);
}

/** The first line of an item's text, masked and cut to {@link FIRST_LINE_CHARS}. */
export function firstLine(d: Pick<Directive, 'text'>): string {
  const line = maskPersonal(d.text).split('\n').find((l) => l.trim())?.trim() ?? '';
  return line.length > FIRST_LINE_CHARS ? `${line.slice(0, FIRST_LINE_CHARS)}…` : line;
}

/**
 * The item as relayed, again: number, text (personal numbers masked), issuer and time, each correction
 * (/更正) with its text, and what the unit has to do now (deadline as date and time in `TIMEZONE`).
 */
export async function repostText(deps: CoreDeps, d: Open): Promise<string> {
  const tz = deps.config.TIMEZONE;
  const issuer = (await getGroup(deps.db, d.issuedIn))?.title ?? '指挥部';
  const lines = [`【重发】【${formatNumber(d)}】${d.urgent ? '【紧急】' : ''}`, maskPersonal(d.text), `——${issuer} ${shortDateTimeIn(d.issuedAt, tz)}`];
  for (const e of await eventsOf(deps.db, d.id)) {
    if (e.kind === 'amend') lines.push(`【更正·第${e.revision}版 ${shortDateTimeIn(e.at, tz)}】${maskPersonal(e.text ?? '')}`);
  }
  if (d.acknowledged) lines.push('本群已确认，无需再回复。');
  else if (d.ackDeadline && d.ackDeadline.getTime() < deps.now().getTime()) lines.push(`已过确认时限（${shortDateTimeIn(d.ackDeadline, tz)}），请尽快回复「收到」。`);
  else if (d.ackDeadline) lines.push(`请于${shortDateTimeIn(d.ackDeadline, tz)}前回复「收到」确认。`);
  else lines.push('请回复「收到」确认。');
  return lines.join('\n');
}

/**
 * "I did not get it": the unit's items still to acknowledge, newest first, in full (at most
 * {@link RESEND_AT_MOST}; the others are named); with `ref`, that item only. When everything is
 * acknowledged, the newest open item (marked as acknowledged).
 * @throws Refusal when `ref` names no open item of this unit, or a series that is no township's.
 */
export async function resendText(deps: CoreDeps, unit: Unit, ref?: PendingRef): Promise<string> {
  const open = await openForUnit(deps.db, unit.id);
  if (ref) {
    // a notice of the series written, else of the group's likeliest series first; a bare number: the directive first
    const series = await noticeSeries(deps, ref, { tier: unit.kind === 'township' ? 'township' : 'grid', unit });
    const kinds = ref.series !== undefined ? ['notice'] : ref.kind ? [ref.kind] : ['directive', 'notice'];
    const rank = (x: Directive) => kinds.indexOf(x.kind) * 100 + (x.kind === 'notice' ? series.indexOf(x.series) : 0);
    const d = open
      .filter((x) => x.number === ref.number && kinds.includes(x.kind) && (x.kind === 'directive' || series.includes(x.series)))
      .sort((a, b) => rank(a) - rank(b))[0];
    if (!d) throw new Refusal(`${unit.name}没有待确认的${ref.kind ? KIND_ZH[ref.kind] : ''}第${ref.number}号。发「是哪个令」查看本群待确认的。`);
    return await repostText(deps, d);
  }
  const pending = open.filter((d) => !d.acknowledged);
  if (pending.length === 0) return open[0] ? await repostText(deps, open[0]) : NOTHING_OPEN;
  const name = shortName(deps, unit);
  const shown = pending.slice(0, RESEND_AT_MOST);
  const rest = pending.slice(RESEND_AT_MOST);
  const parts = await mapInOrder(shown, async (d) => await repostText(deps, d));
  if (rest.length) parts.push(`另有${rest.length}条待确认：${rest.map(name).join('、')}。要看全文请回复「再发一遍 ${name(rest[0]!)}」。`);
  return parts.join('\n\n');
}

/**
 * "Which one?": the unit's items still to acknowledge, newest first, number and first line (at most
 * {@link LIST_AT_MOST}), and how to acknowledge one of them. Nothing pending: says so, naming the newest
 * acknowledged open item if any.
 */
export async function whichText(deps: CoreDeps, unit: Unit): Promise<string> {
  const open = await openForUnit(deps.db, unit.id);
  const pending = open.filter((d) => !d.acknowledged);
  if (pending.length === 0) {
    return open[0] ? `${NOTHING_OPEN}最近一条：${formatNumber(open[0])}（已确认）：${firstLine(open[0])}` : NOTHING_OPEN;
  }
  const lines = [`本群待确认${pending.length}条：`, ...pending.slice(0, LIST_AT_MOST).map((d) => `· ${formatNumber(d)}：${firstLine(d)}`)];
  if (pending.length > LIST_AT_MOST) lines.push(`· 另有${pending.length - LIST_AT_MOST}条较早的`);
  const newest = pending[0]!;
  const name = shortName(deps, unit);
  lines.push(pending.length > 1 ? `回复「收到」确认${name(newest)}，确认其他请写明，如「收到 ${name(pending[1]!)}」；要看全文请回复「再发一遍」。` : '回复「收到」确认；要看全文请回复「再发一遍」。');
  return lines.join('\n');
}

/**
 * A message not understood, in a group with items still to acknowledge: says it was not counted (when
 * it had an acknowledgement word in it) and names what is pending. Null when nothing is pending.
 */
export async function unclearText(deps: CoreDeps, unit: Unit, mentionsAck: boolean): Promise<string | null> {
  const pending = (await openForUnit(deps.db, unit.id)).filter((d) => !d.acknowledged);
  if (pending.length === 0) return null;
  const head = mentionsAck ? '这条消息没有计为确认（含否定、疑问或其他内容）。' : '没看懂这条消息。';
  const names = pending.slice(0, 3).map(shortName(deps, unit)).join('、') + (pending.length > 3 ? ` 等${pending.length}条` : '');
  return `${head}\n本群待确认：${names}（${formatNumber(pending[0]!)}：${firstLine(pending[0]!)}）\n已收到请单独回复「收到」；发「是哪个令」看列表，发 /帮助 查看指令。`;
}
