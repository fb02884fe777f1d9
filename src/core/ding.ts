/**
 * DING rows (OutboundMessage.ding): an urgent in-app alert to named members, for what must not wait (PRODUCT.md
 * §2.1 step 3 of an urgent directive, §2.2 an urgent lead not accepted in time). Stored only where the platform
 * DINGs (`platformDings`: DingTalk with `DINGTALK_DING=app`) — elsewhere a row that could only be marked sent
 * without a call would count as a sent message nobody saw — and split into rows of at most
 * {@link DING_MAX_RECEIVERS}, each its own durable, idempotent outbox row (a retry re-sends one chunk, never all).
 * The DING is audited when it is actually sent (src/core/outbox-send.ts).
 */
import { platformDings } from '../config.js';
import type { Db } from '../db/client.js';
import type { CoreDeps } from './deps.js';
import type { OutboxLane } from './message.js';

/** Receivers per in-app DING call at most (DingTalk: `receiverUserIdList` of an in-app DING, no more than 200). */
export const DING_MAX_RECEIVERS = 200;

/**
 * Stores the DING of `text` to `receivers` (roster member ids), about `subject` (as the audit log names the item),
 * in the caller's transaction: one row per {@link DING_MAX_RECEIVERS} receivers, keyed `dedupKey`, `dedupKey-2`, ….
 * `conversationId` is the group the alert is about (its rate window is used; nothing is posted there).
 * @returns how many rows were stored (0 when the platform does not DING, no receivers, or already stored)
 */
export async function storeDing(
  deps: Pick<CoreDeps, 'config' | 'outbox'>,
  db: Db,
  ding: { conversationId: string; text: string; receivers: readonly string[]; subject: string; dedupKey: string; lane?: OutboxLane },
): Promise<number> {
  if (!platformDings(deps.config)) return 0;
  const receivers = [...new Set(ding.receivers)];
  let stored = 0;
  for (let i = 0; i < receivers.length; i += DING_MAX_RECEIVERS) {
    const n = i / DING_MAX_RECEIVERS;
    const id = await deps.outbox.store(db, {
      conversationId: ding.conversationId,
      text: ding.text,
      mentions: receivers.slice(i, i + DING_MAX_RECEIVERS),
      ding: { kind: 'ding', subject: ding.subject },
      dedupKey: n === 0 ? ding.dedupKey : `${ding.dedupKey}-${n + 1}`,
      lane: ding.lane ?? 'urgent',
    });
    if (id !== null) stored++;
  }
  return stored;
}
