/** Inbound message queries shared by workflows (follow-up pictures, evidence). */
import { and, count, eq, gt, sql } from 'drizzle-orm';
import type { Db } from '../client.js';
import { inboundMessages } from '../schema/index.js';

/** How many messages `senderId` posted in `conversationId` after inbound id `afterId` and before `beforeId`. */
export async function messagesBetween(db: Db, senderId: string, conversationId: string, afterId: number, beforeId: number): Promise<number> {
  const r = (await db
      .select({ n: count() })
    .from(inboundMessages)
    .where(
      and(
        eq(inboundMessages.senderId, senderId),
        eq(inboundMessages.conversationId, conversationId),
        gt(inboundMessages.id, afterId),
        sql`${inboundMessages.id} < ${beforeId}`,
      ),
      ))[0];
  return r?.n ?? 0;
}
