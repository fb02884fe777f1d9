/**
 * How an order reaches its groups: the address and phone masked in every message (src/core/mask.ts, as
 * lead texts are), the grid as named (`高垄口村第2网格`), the groups concerned, the audit entry of each step.
 */
import type { CoreDeps } from '../../src/core/deps.js';
import type { OutboxLane } from '../../src/core/message.js';
import { maskAddress, maskPersonal } from '../../src/core/mask.js';
import { audit } from '../../src/db/queries/audit.js';
import { getUnit, groupOfUnit } from '../../src/db/queries/roster.js';
import type { Errand, Group } from '../../src/db/schema/index.js';
import { errandNumber } from './number.js';

/** The address as relayed: `王家边*组**号`. */
export function maskedAddress(e: Pick<Errand, 'address'>): string | null {
  return e.address === null ? null : maskAddress(e.address);
}

/** The phone as relayed: `138****0001` (anything not a phone number: `***`). */
export function maskedPhone(e: Pick<Errand, 'phone'>): string | null {
  if (e.phone === null) return null;
  const m = maskPersonal(e.phone);
  return m === e.phone ? '*'.repeat(Math.min(e.phone.length, 8)) : m;
}

/** An order's items as relayed: as written, personal numbers masked; self-supplied ones marked. */
export function itemsLine(e: Pick<Errand, 'items'>, opts: { open?: boolean } = {}): string {
  const items = opts.open ? e.items.filter((i) => !i.self) : e.items;
  return items.map((i) => maskPersonal(i.raw) + (i.self && !opts.open ? '（自给）' : '')).join('、') || '（无）';
}

/** The grid as named in messages: its village and grid (`高垄口村第2网格`), from the roster. */
export async function gridLabel(deps: CoreDeps, e: Pick<Errand, 'gridId'>): Promise<string> {
  return (await getUnit(deps.db, e.gridId))?.name ?? e.gridId;
}

/** The village of the order's grid (for the per-village breakdown): the grid's parent unit's name. */
export async function villageOf(deps: Pick<CoreDeps, 'db'>, e: Pick<Errand, 'gridId'>): Promise<string> {
  const grid = await getUnit(deps.db, e.gridId);
  const village = grid?.parentId ? await getUnit(deps.db, grid.parentId) : undefined;
  return village?.name ?? grid?.name ?? e.gridId;
}

/** The township room of an order, if the roster has one. */
export async function roomOf(deps: CoreDeps, e: Pick<Errand, 'townshipId'>): Promise<Group | undefined> {
  return await groupOfUnit(deps.db, e.townshipId);
}

/**
 * Stores one message for one group (outbox, in the caller's transaction); `lane` default `bulk` (the daily
 * cut-off's lists: `digest`).
 */
export async function post(deps: CoreDeps, msg: { conversationId: string; text: string; dedupKey: string; lane?: OutboxLane }): Promise<void> {
  await deps.outbox.store(deps.db, msg);
}

/** Records a step of an order in the audit log (`errand.<action>`, subject `代办 20261202-015`). */
export async function auditStep(
  deps: CoreDeps,
  e: Errand,
  action: 'order' | 'self' | 'list' | 'buy' | 'deliver' | 'picture' | 'overdue',
  actorId: string,
  inboundId: number | null,
  at: Date,
  detail: Record<string, unknown> = {},
): Promise<void> {
  await audit(deps.db, { actorId, action: `errand.${action}`, subject: `代办 ${errandNumber(e)}`, detail: { errandId: e.id, state: e.state, ...detail }, inboundId, at });
}
