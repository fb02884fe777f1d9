/**
 * `/催办 N` — chasing the silent units of a directive or notice once, by hand (the commander's "resend to
 * non-responders"), beside the ladder's own reminders (ladder.ts).
 *
 * A chase reaches, for the townships it covers (the county's: every township with silent units; a
 * township officer's: its own only):
 * - one message in each silent grid's group, @-mentioning its grid leader and grid worker (never @所有人);
 * - one message in each such township's room: how many of its grids are silent, which (folded per village),
 *   and — when the room itself has not acknowledged — @-mentioning its township officers. A township
 *   officer's own chase is answered in its room, so that answer is the room's line (and no other is sent).
 * The same item is chased in a township at most once per `CHASE_MIN_GAP`: a chase whose townships were all
 * chased within it is refused with when the next one may go; a county chase leaves out the townships
 * chased within it and says so. In quiet hours (`QUIET_HOURS`) a chase of an item that is not urgent is held:
 * a timer (kind `directive.chase`, id `chase-<directive id>-i<inbound id>`, not urgent) sends it when quiet
 * hours end, to the units silent then. Each chase is a directive event (kind `chase`: the townships chased,
 * how many grids) shown by `/进度`, and an audit entry.
 */
import { mapInOrder } from '../../src/core/in-order.js';
import type { CoreDeps } from '../../src/core/deps.js';
import { Refusal } from '../../src/core/errors.js';
import { audit } from '../../src/db/queries/audit.js';
import { eventsOf, getDirective, insertEvent, targetsWithAcks } from '../../src/db/queries/directives.js';
import { getMember, getUnit, groupOfUnit, membersWithRoles } from '../../src/db/queries/roster.js';
import type { Directive, DirectiveEvent } from '../../src/db/schema/index.js';
import { defineTimer } from '../../src/jobs/timers.js';
import { clockFrom, yearIn } from '../../src/time/clock.js';
import { formatDurationZh } from '../../src/time/duration.js';
import { quietUntil } from '../../src/time/quiet.js';
import { directiveLane, formatNumber } from './format.js';
import { compactGridNames } from './ladder.js';
import { refWord } from './ref.js';

/** What a held chase carries: the item and revision, the townships it covers, who chases (as the messages name them), the key of its messages. */
export interface ChaseData {
  directiveId: number;
  revision: number;
  townshipIds: string[];
  /** `指挥部`, or the chasing township's name. */
  by: string;
  /** Part of the outbox keys of its messages: `i<inbound id>`. */
  key: string;
  /** Whether it is a township officer's chase (its room gets no separate line: the answer was it). */
  township: boolean;
}

/**
 * Kind `directive.chase`, id `chase-<directive id>-<key>`: a chase held for quiet hours, sent when they end
 * to the units still silent then (nothing if the item was revoked or amended meanwhile). Registered in
 * workflows/index.ts.
 */
export const chaseTimer = defineTimer<ChaseData, CoreDeps>(
  'directive.chase',
  async (deps, timer, fired) => {
    const d = await getDirective(deps.db, timer.data.directiveId);
    if (!d || d.status !== 'open' || d.revision !== timer.data.revision) return;
    await sendChase(deps, d, timer.data, fired.at);
  },
  { id: (c) => `chase-${c.directiveId}-${c.key}` },
);

export interface ChaseInput {
  directive: Directive;
  /** The member chasing. */
  actorId: string;
  /** A township officer's chase: its township (only its grids are chased). Absent: the county's. */
  townshipId?: string | undefined;
  inboundId: number;
}

type Row = Awaited<ReturnType<typeof targetsWithAcks>>[number];
const silentOf = async (deps: CoreDeps, d: Directive): Promise<Row[]> => (await targetsWithAcks(deps.db, d.id, d.revision)).filter((r) => r.ackAt === null);
const townshipName = async (deps: CoreDeps, id: string) => (await getUnit(deps.db, id))?.name ?? id;

/** The townships a chase event covered (its `text`: township ids, comma-separated). */
const chasedTownships = (e: DirectiveEvent): string[] => (e.text ?? '').split(',').filter(Boolean);

/** Who chased, as `/进度` and the messages name it: `指挥部`, or the township officer's township. */
export async function chasedBy(deps: CoreDeps, e: Pick<DirectiveEvent, 'actorId'>): Promise<string> {
  const unit = e.actorId ? await getUnit(deps.db, (await getMember(deps.db, e.actorId))?.unitId ?? '') : undefined;
  return unit && unit.kind === 'township' ? unit.name : '指挥部';
}

/**
 * The item's latest chase, of any revision — covering `townshipId` when given (what a township room's
 * `/进度` shows). Undefined when it was never chased.
 */
export async function lastChase(deps: CoreDeps, directiveId: number, townshipId?: string): Promise<DirectiveEvent | undefined> {
  const chases = (await eventsOf(deps.db, directiveId)).filter((e) => e.kind === 'chase' && (!townshipId || chasedTownships(e).includes(townshipId)));
  return chases[chases.length - 1];
}

/**
 * Chases the silent units of `input.directive` (see the module comment), inside the caller's write
 * transaction: messages (or, in quiet hours for an item that is not urgent, the held timer), the `chase`
 * event and the audit entry are stored together.
 * @returns the answer for the person who chased
 * @throws Refusal when the item is revoked or asks no receipt, was not sent to the chasing township, or
 *   every township with silent units was chased within `CHASE_MIN_GAP` (saying when the next may go).
 */
export async function chase(deps: CoreDeps, input: ChaseInput): Promise<string> {
  const { db, config } = deps;
  const d = input.directive;
  const now = deps.now();
  const tz = config.TIMEZONE;
  const name = formatNumber(d);
  if (d.status === 'revoked') throw new Refusal(`${name}已撤回，无需催办。`);
  if (!d.ackRequired) throw new Refusal(`${name}无需回执（回执:否），不需要催办。`);
  const own = input.townshipId;
  const rows = (await targetsWithAcks(db, d.id, d.revision)).filter((r) => !own || r.townshipId === own);
  if (own && rows.length === 0) throw new Refusal(`${name}未发给${await townshipName(deps, own)}，无需催办。`);
  const silent = rows.filter((r) => r.ackAt === null);
  if (silent.length === 0) return `${name}${own ? '本乡镇' : ''}各单位均已确认，无需催办。`;
  if (own && !silent.some((r) => r.unitKind === 'grid')) return `${name}本乡镇网格均已确认，无需催办；本指挥室尚未确认，请回复「收到」。`;

  // the gap: a township chased within CHASE_MIN_GAP is not chased again
  const gap = config.CHASE_MIN_GAP;
  const recent = (await eventsOf(db, d.id)).filter((e) => e.kind === 'chase' && now.getTime() - e.at.getTime() < gap);
  const recentlyChased = new Map<string, DirectiveEvent>();
  for (const e of recent) for (const t of chasedTownships(e)) recentlyChased.set(t, e);
  const townships = [...new Set(silent.map((r) => r.townshipId))].sort((a, b) => a.localeCompare(b, 'en', { numeric: true }));
  const due = townships.filter((t) => !recentlyChased.has(t));
  if (due.length === 0) {
    const last = recent[recent.length - 1]!;
    const next = new Date(last.at.getTime() + gap);
    throw new Refusal(`${name}已于${clockFrom(last.at, now, tz)}由${await chasedBy(deps, last)}催办，${formatDurationZh(gap)}内不再催办，${clockFrom(next, now, tz)}后可再催。`);
  }
  const skipped = townships.filter((t) => recentlyChased.has(t));
  const grids = silent.filter((r) => r.unitKind === 'grid' && due.includes(r.townshipId));
  const by = own ? await townshipName(deps, own) : '指挥部';
  const data: ChaseData = { directiveId: d.id, revision: d.revision, townshipIds: due, by, key: `i${input.inboundId}`, township: !!own };
  const held = d.urgent ? null : quietUntil(now, config.QUIET_HOURS, tz);
  if (held) await chaseTimer.schedule(deps, now, data, { urgent: false });
  else await sendChase(deps, d, data, now);
  await insertEvent(db, { directiveId: d.id, revision: d.revision, kind: 'chase', at: now, actorId: input.actorId, text: due.join(','), count: grids.length, inboundId: input.inboundId });
  await audit(db, {
    actorId: input.actorId,
    action: `${d.kind}.chase`,
    subject: name,
    detail: { directiveId: d.id, revision: d.revision, townships: due, grids: grids.length, heldUntil: held?.toISOString() ?? null },
    inboundId: input.inboundId,
    at: now,
  });

  const skippedNote = skipped.length ? `（${(await mapInOrder(skipped, (t) => townshipName(deps, t))).join('、')}${formatDurationZh(gap)}内已催办，本次略过）` : '';
  const head = held ? `现在是免打扰时段，${name}的催办将于${clockFrom(held, now, tz)}发出：` : `已催办${name}：`;
  if (own) {
    const self = silent.some((r) => r.unitId === own) ? `\n本指挥室也未确认，请回复「收到」或 /收到 ${refWord(d, yearIn(now, tz), { tier: 'township' })}。` : '';
    return `${head}本乡镇 ${grids.length} 个未确认网格${held ? '' : '已在各网格群提醒（@网格长、网格员）'}：${clip(compactGridNames(grids.map((g) => g.unitName)))}${self}`;
  }
  return `${head}${grids.length} 个未确认网格（${due.length} 个乡镇）${held ? '及各乡镇指挥室' : '已在各自群里提醒（@网格长、网格员），各乡镇指挥室已收到名单'}${skippedNote}。`;
}

/** At most this many characters of grid names in one line (then `…等`). */
const NAMES_CHARS = 300;
const clip = (s: string) => {
  if (s.length <= NAMES_CHARS) return s;
  const cut = s.lastIndexOf('；', NAMES_CHARS);
  return `${s.slice(0, cut > 0 ? cut : NAMES_CHARS)}…等`;
};

/**
 * Sends a chase to the units of `data.townshipIds` silent on `d` at `at`: one message per silent grid's group
 * (mentioning its leader and worker) and — for a county chase — one per township room with silent units
 * (mentioning its officers when the room itself is silent). Outbox keys `dir-<id>-chase-<key>-<unit>`.
 */
async function sendChase(deps: CoreDeps, d: Directive, data: ChaseData, at: Date): Promise<void> {
  const { db, config } = deps;
  const tz = config.TIMEZONE;
  const name = `${formatNumber(d)}${d.revision > 1 ? '（更正）' : ''}`;
  const silent = (await silentOf(deps, d)).filter((r) => data.townshipIds.includes(r.townshipId));
  const key = (unitId: string) => `dir-${d.id}-chase-${data.key}-${unitId}`;
  const reply = d.ackDeadline && d.ackDeadline > at ? `请于${clockFrom(d.ackDeadline, at, tz)}前回复「收到」` : '请尽快回复「收到」';
  for (const row of silent.filter((r) => r.unitKind === 'grid')) {
    await deps.outbox.store(db, {
      conversationId: row.conversationId,
      text: `【催办】${row.unitName}尚未确认${name}，${reply}。——${data.by}`,
            mentions: await membersWithRoles(db, row.unitId, ['grid_leader', 'grid_worker']),
      dedupKey: key(row.unitId),
      lane: directiveLane(d),
    });
  }
  const ref = refWord(d, yearIn(at, tz), { tier: 'township' });
  for (const tid of data.townshipIds) {
    const grids = silent.filter((r) => r.unitKind === 'grid' && r.townshipId === tid).map((r) => r.unitName);
    const roomSilent = silent.some((r) => r.unitId === tid);
    // a township officer's chase was answered in its room: that answer is the room's line
    if (data.township || (grids.length === 0 && !roomSilent)) continue;
    const room = (await groupOfUnit(db, tid))?.conversationId;
    if (!room) continue;
    const list = grids.length ? `本乡镇 ${grids.length} 个网格未确认（${clip(compactGridNames(grids))}），已在各网格群提醒` : '';
    const self = roomSilent ? `本指挥室也未确认，请回复「收到」或 /收到 ${ref}` : '';
    await deps.outbox.store(db, {
      conversationId: room,
      text: `【催办】${data.by}催办${name}：${[list, self].filter(Boolean).join('；')}。`,
            ...(roomSilent ? { mentions: await membersWithRoles(db, tid, ['township_officer']) } : {}),
      dedupKey: key(tid),
      lane: directiveLane(d),
    });
  }
}
