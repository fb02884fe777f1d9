/** Queries about messages that could not be delivered. */
import { and, eq } from 'drizzle-orm';
import type { Db } from '../client.js';
import { groups, outboundMessages } from '../schema/index.js';

/** Failed messages not yet reported to `conversationId`, with the target group's title, oldest first. */
export function unreportedFailures(db: Db, conversationId: string) {
  return db
    .select({ id: outboundMessages.id, conversationId: outboundMessages.conversationId, text: outboundMessages.text, error: outboundMessages.error, title: groups.title })
    .from(outboundMessages)
    .leftJoin(groups, eq(groups.conversationId, outboundMessages.conversationId))
    .where(and(eq(outboundMessages.status, 'failed'), eq(outboundMessages.notifyOnFail, conversationId), eq(outboundMessages.failureReported, false)))
    .orderBy(outboundMessages.id)
    .all();
}

/** Marks failed messages as reported. */
export function markFailuresReported(db: Db, ids: number[]): void {
  for (const id of ids) db.update(outboundMessages).set({ failureReported: true }).where(eq(outboundMessages.id, id)).run();
}

/** The conversation to tell about a failed message, if any. */
export function notifyTargetOf(db: Db, outboxId: number): string | null {
  return db.select({ n: outboundMessages.notifyOnFail }).from(outboundMessages).where(eq(outboundMessages.id, outboxId)).get()?.n ?? null;
}
