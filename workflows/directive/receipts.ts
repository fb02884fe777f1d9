/**
 * Read receipts of directives and notices (PRODUCT.md §2.1: read ≠ acknowledged; both are reported),
 * on platforms that report reads (DingTalk). After an issue or amendment the relays are polled at each
 * `READ_RECEIPT_POLL` offset (BullMQ queue `receipts`, see src/jobs/receipts.ts); every reader is
 * recorded once per message (`read_receipts`). Unread = the unit's roster minus its readers.
 *
 * A poll fetches from the platform first and then writes in one transaction — never a platform call
 * inside a (synchronous) SQLite transaction. On platforms without receipts `deps.receipts` is absent:
 * nothing is planned and `/进度` shows no read figures.
 */
import type { CoreDeps } from '../../src/core/deps.js';
import { writeTx } from '../../src/db/client.js';
import { targetsOf } from '../../src/db/queries/directives.js';
import { directivesChangedSince, readCountsByUnit, recordReads, sentWithKeyPrefixes, unreadMembers } from '../../src/db/queries/receipts.js';
import type { Directive } from '../../src/db/schema/index.js';
import { runUnitOfWork } from '../../src/jobs/unit-of-work.js';
import { PlatformError, type ReadReceipt, type SentMessage } from '../../src/platform/port.js';

/** The platform call a poll makes: who has read one posted message. @throws PlatformError */
export type ReadReceiptsFn = (sent: SentMessage) => Promise<ReadReceipt[]>;

/** Outbox key prefixes of a directive's relays that ask to be read: the issue and every amendment (not the revocation). */
const relayPrefixes = (directiveId: number) => [`dir-${directiveId}-relay-`, `dir-${directiveId}-amend`];

/** Whether the platform reports reads (read figures are shown only then). */
export const tracksReads = (deps: CoreDeps): boolean => deps.receipts !== undefined;

/**
 * Plans the read polls of a directive's relays of `revision` (1 = the issue), from `at`. Synchronous,
 * inside the issuing transaction; queued when the inbox flushes. No-op without read receipts.
 */
export function planReadPolls(deps: CoreDeps, d: Pick<Directive, 'id'>, revision: number, at: Date): void {
  deps.receipts?.schedule({ key: revision === 1 ? `dir-${d.id}` : `dir-${d.id}-amend${revision}`, directiveId: d.id, from: at });
}

/**
 * Re-plans polls for directives issued or amended within the longest poll offset (start-up: what was
 * planned but lost with Redis, or never queued before a crash). Already-queued polls are not duplicated.
 * Plans in one unit of work (it stores nothing), queued when it is flushed.
 */
export async function replanRecentPolls(deps: CoreDeps): Promise<void> {
  if (!deps.receipts) return;
  const longest = Math.max(0, ...deps.config.READ_RECEIPT_POLL);
  await runUnitOfWork(deps, async (db) => {
    for (const d of await directivesChangedSince(db, new Date(deps.now().getTime() - longest))) {
      planReadPolls(deps, d, 1, d.issuedAt);
      if (d.revision > 1 && d.revisedAt) planReadPolls(deps, d, d.revision, d.revisedAt);
    }
  });
}

export interface PollResult {
  /** Messages asked about. */
  polled: number;
  /** New (message, reader) pairs recorded. */
  added: number;
}

/**
 * One poll of a directive: asks the platform who read each sent relay (skipping groups whose whole
 * roster has read already), then records the readers in one transaction. A message the platform says
 * can never be queried (permanent error) is skipped.
 * @throws PlatformError (retry / throttled) after recording what was fetched, so the job is retried
 */
export async function pollReadReceipts(deps: CoreDeps, read: ReadReceiptsFn, directiveId: number): Promise<PollResult> {
  const { db } = deps;
  const sent = await sentWithKeyPrefixes(db, relayPrefixes(directiveId));
  const counts = await readCountsByUnit(db, directiveId, relayPrefixes(directiveId));
  const unitOf = new Map((await targetsOf(db, directiveId)).map((t) => [t.conversationId, t.unitId]));
  const done = (conversationId: string) => {
    const c = counts.get(unitOf.get(conversationId) ?? '');
    return !!c && c.members > 0 && c.readers.length >= c.members;
  };
  const reads: { outboxId: number; memberIds: string[] }[] = [];
  let transient: unknown = null;
  let polled = 0;
  for (const s of sent) {
    if (await done(s.conversationId)) continue;
    polled++;
    try {
      const readers = await read({ conversationId: s.conversationId, platformRef: s.platformRef });
      if (readers.length) reads.push({ outboxId: s.outboxId, memberIds: readers.map((r) => r.memberId) });
    } catch (err) {
      if (err instanceof PlatformError && err.kind === 'permanent') continue;
      transient ??= err;
    }
  }
  const added = await writeTx(db, async () => await recordReads(db, reads, deps.now()));
  if (transient) throw transient;
  return { polled, added };
}

/** Read figures of one directive per target unit: roster size and the members who read a relay. */
export async function readByUnit(deps: CoreDeps, directiveId: number): Promise<Map<string, { members: number; readers: string[] }>> {
  return await readCountsByUnit(deps.db, directiveId, relayPrefixes(directiveId));
}

/** Members of `unitId` who have not read the directive's relays (roster minus readers), by name. */
export async function unreadNames(deps: CoreDeps, unitId: string, readers: string[]): Promise<string[]> {
  return (await unreadMembers(deps.db, unitId, readers)).map((m) => m.name);
}
