/**
 * How a finding reaches its groups: its unit and problem as relayed — personal numbers masked
 * (src/core/mask.ts, as lead texts are) and the people named in it masked too (`张*`), so no one is named
 * in a township room or a 通报 — the groups concerned, and the audit entry of each step.
 */
import type { CoreDeps } from '../../src/core/deps.js';
import { maskNames, maskPersonal } from '../../src/core/mask.js';
import { audit } from '../../src/db/queries/audit.js';
import { memberNames } from '../../src/db/queries/inspections.js';
import { countyUnit, getUnit, groupOfUnit } from '../../src/db/queries/roster.js';
import type { Attachment } from '../../src/core/message.js';
import type { Group, Inspection } from '../../src/db/schema/index.js';
import { findingNumber } from './number.js';

/** Roster names to mask in relayed texts; read once per message. */
export async function namesToMask(deps: CoreDeps): Promise<string[]> {
  return await memberNames(deps.db);
}

/** `text` as relayed: the roster's names masked, then phone and ID-card numbers. */
export function masked(text: string, names: readonly string[]): string {
  return maskPersonal(maskNames(text, names));
}

/** The unit as named in messages: `马坞镇 高垄口村第2网格`, or the township alone (`马坞镇`). */
export async function unitLabel(deps: CoreDeps, f: Pick<Inspection, 'unitKind' | 'unitName' | 'townshipId'>): Promise<string> {
  if (f.unitKind === 'township') return f.unitName;
  return `${(await getUnit(deps.db, f.townshipId))?.name ?? f.townshipId} ${f.unitName}`;
}

/** The problem as relayed (masked), with the people involved: `卡口无人值守（涉及2人）`. */
export function problemLine(f: Pick<Inspection, 'text' | 'people'>, names: readonly string[]): string {
  return `${masked(f.text, names)}${f.people !== null ? `（涉及${f.people}人）` : ''}`;
}

/** The township room of the finding's unit, if the roster has one. */
export async function roomOf(deps: CoreDeps, f: Pick<Inspection, 'townshipId'>): Promise<Group | undefined> {
  return await groupOfUnit(deps.db, f.townshipId);
}

/** The command group's conversation id, if the roster has one. */
export async function commandGroupOf(deps: CoreDeps): Promise<string | undefined> {
  const county = await countyUnit(deps.db);
  return county ? (await groupOfUnit(deps.db, county.id))?.conversationId : undefined;
}

/**
 * Stores one message for one group (outbox, in the caller's transaction); `attachments`: the pictures it
 * carries (a finding's or a rectification's, the text saying `附图：N张` or `补充图片N张`).
 */
export async function post(deps: CoreDeps, msg: { conversationId: string; text: string; dedupKey: string; attachments?: Attachment[] }): Promise<void> {
  const { attachments, ...rest } = msg;
  await deps.outbox.store(deps.db, { ...rest, ...(attachments?.length ? { attachments } : {}) });
}

/** Records a step of the finding in the audit log (`inspection.<action>`, subject `督查〔2026〕第5号`). */
export async function auditStep(
  deps: CoreDeps,
  f: Inspection,
  action: 'record' | 'picture' | 'rectify' | 'close' | 'publish' | 'overdue',
  actorId: string,
  inboundId: number | null,
  at: Date,
  detail: Record<string, unknown> = {},
): Promise<void> {
  await audit(deps.db, { actorId, action: `inspection.${action}`, subject: findingNumber(f), detail: { inspectionId: f.id, state: f.state, ...detail }, inboundId, at });
}
