/** Queries about messages that could not be delivered. */
import { and, eq } from 'drizzle-orm';
import type { Db } from '../client.js';
import { groups, outboundMessages } from '../schema/index.js';

/** Failed messages not yet reported to `conversationId`, with the target group's title, oldest first. */
export async function unreportedFailures(db: Db, conversationId: string) {
  return (await db
    .select({ id: outboundMessages.id, conversationId: outboundMessages.conversationId, text: outboundMessages.text, error: outboundMessages.error, title: groups.title })
    .from(outboundMessages)
    .leftJoin(groups, eq(groups.conversationId, outboundMessages.conversationId))
    .where(and(eq(outboundMessages.status, 'failed'), eq(outboundMessages.notifyOnFail, conversationId), eq(outboundMessages.failureReported, false)))
      .orderBy(outboundMessages.id));
}

/** Marks failed messages as reported. */
export async function markFailuresReported(db: Db, ids: number[]): Promise<void> {
  for (const id of ids) (await db.update(outboundMessages).set({ failureReported: true }).where(eq(outboundMessages.id, id)));
}

/** The conversation to tell about a failed message, if any. */
export async function notifyTargetOf(db: Db, outboxId: number): Promise<string | null> {
  return (await db.select({ n: outboundMessages.notifyOnFail }).from(outboundMessages).where(eq(outboundMessages.id, outboxId)))[0]?.n ?? null;
}
