/**
 * The reminder-and-escalation ladder of a directive or notice that asks for a receipt.
 *
 * One durable timer per (directive, revision, step) — ids `dir-<id>-r<rev>-s<step>`, kind
 * `directive.ladder` — computes the silent units when it fires (acknowledged units drop out):
 * - step 1, after `ACK_REMIND_AFTER`: a reminder in each silent unit's own group, @-mentioning the grid's
 *   grid_leader and grid_worker (a township room: its township officers);
 * - step 2, at the acknowledgement deadline (`时限`, default `ACK_ESCALATE_AFTER`): one message per
 *   township room listing its silent grids, @-mentioning the township's officers (who must chase them);
 * - step 3, `ACK_ESCALATE_COUNTY_AFTER − ACK_ESCALATE_AFTER` after the deadline: one roll-up (a line
 *   per township) to the group the item was issued in — the command group; for an urgent item also a DING
 *   (src/core/ding.ts, DingTalk with `DINGTALK_DING=app` only) to the county's duty officers. A township's own
 *   notice stops at step 2 (its room already got the list).
 * A step whose list is empty sends nothing. Timers fire exactly once (src/jobs/timers.ts) and every
 * message has an outbox key per (directive, revision, step, recipient unit), so a restart or a second
 * worker never sends twice. Steps of other directives due within a short window are folded into the
 * same message (one message per group per step); their own timers are cancelled in the same transaction.
 */
import { filterInOrder, mapInOrder } from '../../src/core/in-order.js';
import type { CoreDeps } from '../../src/core/deps.js';
import type { NewOutbound } from '../../src/core/outbox.js';
import type { Config } from '../../src/config.js';
import { clockFrom, yearIn } from '../../src/time/clock.js';
import type { Db } from '../../src/db/client.js';
import {
  getDirective,
  insertEvent,
  targetsWithAcks,
} from '../../src/db/queries/directives.js';
import { countyUnit, getGroup, getUnit, groupOfUnit, membersWithRoles, membersWithRolesByUnit } from '../../src/db/queries/roster.js';
import { storeDing } from '../../src/core/ding.js';
import type { Directive } from '../../src/db/schema/index.js';
import { defineTimer, type Timer } from '../../src/jobs/timers.js';
import { directiveLane, formatNumber } from './format.js';
import { refWord } from './ref.js';

export type Step = 1 | 2 | 3;
const STEPS: Step[] = [1, 2, 3];

/** What a ladder timer carries: the directive, the revision it was scheduled for, the step. */
export interface StepData {
  directiveId: number;
  revision: number;
  step: Step;
}

/** The timer id of a ladder step. */
export const ladderTimerId = (directiveId: number, revision: number, step: Step) => `dir-${directiveId}-r${revision}-s${step}`;

/**
 * Kind `directive.ladder`, id `dir-<id>-r<rev>-s<step>`: one step of the ladder, fired at `fired.at`
 * ({@link fireStep}). Registered in workflows/index.ts.
 */
export const ladderTimer = defineTimer<StepData, CoreDeps>('directive.ladder', async (deps, timer, fired) => await fireStep(deps, timer, fired.at), {
  id: (d) => ladderTimerId(d.directiveId, d.revision, d.step),
  bundles: true,
});

/**
 * When each step falls due, counted from `start` (issue or amendment): step 1 at `ACK_REMIND_AFTER`
 * (or half the window if the window is shorter), step 2 at the end of the window, step 3 the configured
 * gap (`ACK_ESCALATE_COUNTY_AFTER − ACK_ESCALATE_AFTER`, at least 0) after that.
 * @param windowMs the acknowledgement window in ms
 */
export function ladderTimes(config: Config, start: Date, windowMs: number): Record<Step, Date> {
  const t0 = start.getTime();
  const remind = config.ACK_REMIND_AFTER < windowMs ? config.ACK_REMIND_AFTER : Math.floor(windowMs / 2);
  const gap = Math.max(0, config.ACK_ESCALATE_COUNTY_AFTER - config.ACK_ESCALATE_AFTER);
  return { 1: new Date(t0 + remind), 2: new Date(t0 + windowMs), 3: new Date(t0 + windowMs + gap) };
}

/** Steps of other directives due within this many ms of a firing step share its messages. */
export function bundleWindowMs(config: Config): number {
  return Math.min(120_000, Math.floor(config.ACK_REMIND_AFTER / 4));
}

/**
 * Schedules the three steps of the directive's current revision, counted from `start`. Call inside
 * the issuing (or amending) transaction; the timers are queued when it commits.
 */
export async function scheduleLadder(deps: CoreDeps, d: Directive, start: Date): Promise<void> {
  if (!d.ackRequired || !d.ackWindowMs) return;
  const at = ladderTimes(deps.config, start, d.ackWindowMs);
  for (const step of STEPS) await ladderTimer.schedule(deps, at[step], { directiveId: d.id, revision: d.revision, step }, { urgent: d.urgent });
}

/** Cancels pending ladder steps: of one revision, or (no revision) of every revision. @returns how many. */
export async function cancelLadder(deps: CoreDeps, directiveId: number, revision?: number): Promise<number> {
  return await ladderTimer.cancel(deps, revision ? `dir-${directiveId}-r${revision}` : `dir-${directiveId}`, { prefix: true });
}

/** The directive a ladder timer is for, if it is still open at that revision and asks for a receipt. */
async function liveDirective(db: Db, data: StepData): Promise<Directive | undefined> {
  const d = await getDirective(db, data.directiveId);
  return d && d.status === 'open' && d.ackRequired && d.revision === data.revision ? d : undefined;
}

/**
 * A ladder step fires: the silent units of its directive, and of other directives whose same step is due
 * within {@link bundleWindowMs} (step 3: issued in the same group), get one message per group; the
 * folded-in timers are cancelled in this transaction.
 */
async function fireStep(deps: CoreDeps, timer: Timer<StepData>, at: Date): Promise<void> {
  const { db } = deps;
  const data = timer.data;
  const first = await liveDirective(db, data);
  if (!first) return;
  const bundle: Directive[] = [first];
  for (const t of await ladderTimer.pendingDue(deps, new Date(at.getTime() + bundleWindowMs(deps.config)), timer.id)) {
    const step = t.data;
    if (step.step !== data.step) continue; // the same step of other directives only
    const other = await liveDirective(db, step);
    if (!other || other.id === first.id) continue;
    if (data.step === 3 && other.issuedIn !== first.issuedIn) continue;
    if (await ladderTimer.cancel(deps, t.id) === 1) bundle.push(other);
  }
  bundle.sort((a, b) => a.id - b.id);
  if (data.step === 1) await remind(deps, bundle, at);
  else if (data.step === 2) await escalateToTownships(deps, bundle, at);
  else await rollUpToCounty(deps, bundle, at);
}

type Row = Awaited<ReturnType<typeof targetsWithAcks>>[number];
const silentOf = async (db: Db, d: Directive): Promise<Row[]> => (await targetsWithAcks(db, d.id, d.revision)).filter((r) => r.ackAt === null);
/** `指挥部令〔2026〕第17号`, with `（更正）` once amended. */
const nameOf = (d: Directive) => `${formatNumber(d)}${d.revision > 1 ? '（更正）' : ''}`;

async function record(db: Db, d: Directive, kind: 'remind' | 'escalate' | 'rollup', count: number, at: Date): Promise<void> {
  if (count > 0) await insertEvent(db, { directiveId: d.id, revision: d.revision, kind, at, count });
}

/** Step 1: one reminder per silent unit's group, listing every bundled item it has not acknowledged. */
async function remind(deps: CoreDeps, bundle: Directive[], at: Date): Promise<void> {
  const { db, config } = deps;
  const byUnit = new Map<string, { row: Row; items: Directive[] }>();
  for (const d of bundle) {
    const silent = await silentOf(db, d);
    await record(db, d, 'remind', silent.length, at);
    for (const row of silent) {
      const e = byUnit.get(row.unitId) ?? { row, items: [] };
      e.items.push(d);
      byUnit.set(row.unitId, e);
    }
  }
  // the people to @ in every silent unit in two queries (grids: leader and worker; township rooms: the officers),
  // and the reminders in a few statements — a step reaching 762 groups makes no round trip per group
  const ids = (grid: boolean) => [...byUnit.values()].filter((e) => (e.row.unitKind === 'grid') === grid).map((e) => e.row.unitId);
  const gridActors = await membersWithRolesByUnit(db, ids(true), ['grid_leader', 'grid_worker']);
  const officers = await membersWithRolesByUnit(db, ids(false), ['township_officer']);
  const reminders: NewOutbound[] = [];
  for (const [unitId, { row, items }] of byUnit) {
    const due = (d: Directive) => (d.ackDeadline ? `，请于${clockFrom(d.ackDeadline, at, config.TIMEZONE)}前回复` : '');
    const text =
      items.length === 1
        ? `【提醒】${row.unitName}尚未确认${nameOf(items[0]!)}${await due(items[0]!)}「收到」。`
        : [`【提醒】${row.unitName}尚未确认 ${items.length} 条：`, ...(await mapInOrder(items, async (d) => `· ${nameOf(d)}${await due(d)}`)), `请逐条回复：${items.map((d) => `/收到 ${refWord(d, yearIn(at, config.TIMEZONE), { tier: row.unitKind === 'grid' ? 'grid' : 'township' })}`).join('、')}`].join('\n');
    const key = items[0]!;
    reminders.push({
      conversationId: row.conversationId,
      text,
      mentions: (row.unitKind === 'grid' ? gridActors : officers).get(unitId) ?? [],
      dedupKey: `dir-${key.id}-r${key.revision}-s1-${unitId}`,
      lane: directiveLane(...items),
    });
  }
  await deps.outbox.storeMany(db, reminders);
}

const MAX_NAMES_IN_ROLLUP = 5;

/**
 * Shortens a list of grid names for a phone: grids named `<村>第N网格` are folded per village
 * (`周家坞村第1、2、3网格`); other names are kept as they are. Order is kept.
 */
export function compactGridNames(names: string[]): string {
  const out: { prefix: string | null; items: string[] }[] = [];
  for (const n of names) {
    const m = /^(.+)第(\d+)网格$/.exec(n);
    const last = out[out.length - 1];
    if (m && last && last.prefix === m[1]) last.items.push(m[2]!);
    else out.push(m ? { prefix: m[1]!, items: [m[2]!] } : { prefix: null, items: [n] });
  }
  return out.map((o) => (o.prefix === null ? o.items[0] : `${o.prefix}第${o.items.join('、')}网格`)).join('；');
}

/** Step 2: one message per township room listing its silent grids, item by item. */
async function escalateToTownships(deps: CoreDeps, bundle: Directive[], at: Date): Promise<void> {
  const { db, config } = deps;
  const byTownship = new Map<string, { d: Directive; grids: string[]; roomSilent: boolean }[]>();
  for (const d of bundle) {
    const silent = await silentOf(db, d);
    const grids = silent.filter((r) => r.unitKind === 'grid');
    await record(db, d, 'escalate', grids.length, at);
    const tids = [...new Set(grids.map((g) => g.townshipId))];
    for (const tid of tids) {
      const list = byTownship.get(tid) ?? [];
      list.push({
        d,
        grids: grids.filter((g) => g.townshipId === tid).map((g) => g.unitName),
        roomSilent: silent.some((r) => r.unitId === tid),
      });
      byTownship.set(tid, list);
    }
  }
  for (const [tid, sections] of byTownship) {
    const room = await roomConversation(db, tid);
    if (!room) continue;
    const lines = ['【逾期未确认】'];
    for (const s of sections) {
      const deadline = s.d.ackDeadline ? `（时限${clockFrom(s.d.ackDeadline, at, config.TIMEZONE)}）` : '';
      lines.push(`${nameOf(s.d)}${deadline}，本乡镇 ${s.grids.length} 个网格未确认${s.roomSilent ? '，本指挥室也未确认' : ''}：`);
      lines.push(compactGridNames(s.grids));
    }
    lines.push('请督促以上网格回复「收到」。');
    const key = sections[0]!.d;
    await deps.outbox.store(db, {
      conversationId: room,
      text: lines.join('\n'),
      // the township's officers are the ones to chase their grids (never @所有人)
      mentions: await membersWithRoles(db, tid, ['township_officer']),
      dedupKey: `dir-${key.id}-r${key.revision}-s2-${tid}`,
      lane: directiveLane(...sections.map((s) => s.d)),
    });
  }
}

/** Step 3: one roll-up to the issuing group, a line per township with silent grids or a silent room. */
async function rollUpToCounty(deps: CoreDeps, bundle: Directive[], at: Date): Promise<void> {
  const { db } = deps;
  const countyItems = await filterInOrder(bundle, async (d) => (await getUnit(db, (await getGroup(db, d.issuedIn))?.unitId ?? ''))?.kind === 'county');
  const lines: string[] = ['【超时未确认汇总】'];
  let any = false;
  /** Silent units of each item in the roll-up (directive id → count), for the DING of urgent ones. */
  const silentCounts = new Map<number, number>();
  for (const d of countyItems) {
    const silent = await silentOf(db, d);
    if (silent.length === 0) continue;
    any = true;
    silentCounts.set(d.id, silent.length);
    const grids = silent.filter((r) => r.unitKind === 'grid');
    await record(db, d, 'rollup', silent.length, at);
    lines.push(`${nameOf(d)}：${grids.length} 个网格未确认`);
    const tids = [...new Set(silent.map((r) => r.townshipId))].sort();
    for (const tid of tids) {
      const gs = grids.filter((g) => g.townshipId === tid).map((g) => g.unitName);
      const roomSilent = silent.some((r) => r.unitId === tid);
      const name = (await getUnit(db, tid))?.name ?? tid;
      const shown = gs.slice(0, MAX_NAMES_IN_ROLLUP).join('、') + (gs.length > MAX_NAMES_IN_ROLLUP ? '等' : '');
      const parts = [gs.length ? `${gs.length}个网格（${shown}）` : '', roomSilent ? '指挥室未确认' : ''].filter(Boolean);
      lines.push(`· ${name}：${parts.join('；')}`);
    }
  }
  if (!any) return;
  lines.push(`详情：${countyItems.map((d) => `/进度 ${refWord(d, yearIn(at, deps.config.TIMEZONE))}`).join('、')}`);
  const key = countyItems[0]!;
  await deps.outbox.store(db, { conversationId: key.issuedIn, text: lines.join('\n'), dedupKey: `dir-${key.id}-r${key.revision}-s3`, lane: directiveLane(...countyItems) });
  await dingCountyDuty(deps, countyItems, silentCounts, at);
}

/**
 * Step 3 of urgent items: a DING ({@link storeDing}; only on DingTalk with `DINGTALK_DING=app`) to the county's
 * duty officers (`duty_officer` members of the county unit), one per urgent item still silent, audited under the
 * item's number when sent. Outbox key `dir-<id>-r<rev>-s3-ding`.
 */
async function dingCountyDuty(deps: CoreDeps, items: Directive[], silentCounts: Map<number, number>, at: Date): Promise<void> {
  const { db } = deps;
  const urgent = items.filter((d) => d.urgent && (silentCounts.get(d.id) ?? 0) > 0);
  if (urgent.length === 0) return;
  const county = await countyUnit(db);
  const receivers = county ? await membersWithRoles(db, county.id, ['duty_officer']) : [];
  for (const d of urgent) {
    await storeDing(deps, db, {
      conversationId: d.issuedIn,
      text: `【紧急】${nameOf(d)}超时仍有 ${silentCounts.get(d.id)} 个单位未确认，请值班员立即督办。详情：/进度 ${refWord(d, yearIn(at, deps.config.TIMEZONE))}`,
      receivers,
      subject: formatNumber(d),
      dedupKey: `dir-${d.id}-r${d.revision}-s3-ding`,
      lane: 'urgent',
    });
  }
}

const roomConversation = async (db: Db, townshipId: string): Promise<string | undefined> => (await groupOfUnit(db, townshipId))?.conversationId;
