/**
 * Undeliverable messages are never dropped silently: when a relay fails for good (the bot is not in the
 * group, the conversation is gone), the issuer's group is told — in one message per short window that
 * lists every group that could not be reached, not one message per failure.
 *
 * States: an outbox message stored with `notifyOnFail` (today: directive and notice relays, corrections,
 * revocations) that the platform refuses for good is *unreported* until the report naming it is stored,
 * then *reported*.
 * Transitions: the outbox calls {@link noteFailedSend} (wired in src/app.ts) for each such failure.
 * Timers: kind `delivery.failures`, id `sendfail-<conversation>`, due `SEND_FAILURE_REPORT_AFTER` after the
 * first failure of a window (urgent: not held by quiet hours); when it fires, one message to that group
 * lists every unreported failure and marks them reported ({@link failuresTimer}).
 */
import type { CoreDeps } from '../../src/core/deps.js';
import { markFailuresReported, notifyTargetOf, unreportedFailures } from '../../src/db/queries/delivery.js';
import { defineTimer, type Timer } from '../../src/jobs/timers.js';
import { runUnitOfWork } from '../../src/jobs/unit-of-work.js';

const MAX_LISTED = 20;

/** What a `delivery.failures` timer carries: the conversation to report to. */
interface FailuresData {
  conversationId: string;
}

/**
 * Kind `delivery.failures`, id `sendfail-<conversation>` (timer ids allow letters, digits, `-`, `_`: other
 * characters become `_`): when it fires, one message to that conversation lists every unreported failure
 * and marks them reported. Registered in workflows/index.ts.
 */
export const failuresTimer = defineTimer<FailuresData, CoreDeps>('delivery.failures', async (deps, timer) => await reportFailures(deps, timer), {
  id: (d) => `sendfail-${d.conversationId.replace(/[^A-Za-z0-9_-]/g, '_')}`,
});

/**
 * Notes that outbox message `outboxId` failed for good: schedules (once per window) the report to its
 * `notifyOnFail` conversation, due after `SEND_FAILURE_REPORT_AFTER`. Runs its own unit of work.
 * @returns when the timer is stored and queued
 */
export async function noteFailedSend(deps: CoreDeps, outboxId: number): Promise<void> {
  const conversationId = await notifyTargetOf(deps.db, outboxId);
  if (!conversationId) return;
  const data = { conversationId };
  return runUnitOfWork(deps, async () => {
    if (await failuresTimer.isPending(deps, failuresTimer.id(data))) return;
    await failuresTimer.rearm(deps, new Date(deps.now().getTime() + deps.config.SEND_FAILURE_REPORT_AFTER), data, { urgent: true });
  });
}

/** The report: one message listing every unreported failure for that conversation. */
async function reportFailures(deps: CoreDeps, timer: Timer<FailuresData>): Promise<void> {
  const { db } = deps;
  const { conversationId } = timer.data;
  const failed = await unreportedFailures(db, conversationId);
  if (failed.length === 0) return;
  const groupsFailed = [...new Map(failed.map((f) => [f.conversationId, f.title ?? f.conversationId])).values()];
  const shown = groupsFailed.slice(0, MAX_LISTED).join('、');
  const more = groupsFailed.length > MAX_LISTED ? ` 等${groupsFailed.length}个群` : '';
  const reason = failed[0]!.error ? `（${failed[0]!.error.slice(0, 60)}）` : '';
  await deps.outbox.store(db, {
    conversationId,
    text: `⚠️ ${failed.length}条消息未能送达${reason}：${shown}${more}。请确认机器人仍在这些群内，或联系管理员更新花名册。`,
    dedupKey: `${timer.id}-${timer.version}-${failed[0]!.id}`,
  });
  await markFailuresReported(db, failed.map((f) => f.id));
}
