/** The console platform's chats (`console_messages`): what the bot has posted, in `seq` order (PRODUCT.md §3). */
import { and, asc, eq, gt, sql } from 'drizzle-orm';
import { keptQuery, type Db } from '../client.js';
import { consoleMessages } from '../schema/index.js';

export type ConsoleMessageRow = typeof consoleMessages.$inferSelect;

/**
 * Appends a delivered outbox message to its conversation, once per outbox id (a resend after a crash is
 * not shown twice). @returns its `seq` (the first one's, for a resend).
 */
export async function appendConsoleMessage(
  db: Db,
  m: { outboxId: number; conversationId: string; text: string; markdown: string | null; mentions: string[] | null; sentAt: Date },
): Promise<number | undefined> {
  const [stored] = await appendKept(db, { ...m, mentions: m.mentions ? JSON.stringify(m.mentions) : null });
  if (stored) return stored.seq;
  return (await db.select({ seq: consoleMessages.seq }).from(consoleMessages).where(eq(consoleMessages.outboxId, m.outboxId)))[0]?.seq;
}

/** One posted message, kept prepared; `mentions` passes through as given (JSON text or null). */
const appendKept = keptQuery(
  (db) =>
    db
      .insert(consoleMessages)
      .values({
        outboxId: sql.placeholder('outboxId'),
        conversationId: sql.placeholder('conversationId'),
        text: sql.placeholder('text'),
        markdown: sql.placeholder('markdown'),
        mentions: sql`${sql.placeholder('mentions')}`,
        sentAt: sql.placeholder('sentAt'),
      })
      .onConflictDoNothing()
      .returning({ seq: consoleMessages.seq }),
  { write: true },
);

/** Up to `limit` posted messages after `seq` `after`, in `seq` order; only `conversationId`'s when given. */
export async function consoleMessagesAfter(db: Db, after: number, limit: number, conversationId?: string): Promise<ConsoleMessageRow[]> {
  const where = conversationId ? and(gt(consoleMessages.seq, after), eq(consoleMessages.conversationId, conversationId)) : gt(consoleMessages.seq, after);
  return await db.select().from(consoleMessages).where(where).orderBy(asc(consoleMessages.seq)).limit(limit);
}
