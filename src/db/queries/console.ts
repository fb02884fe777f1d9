/**
 * The console platform's chats (`console_messages`): what the bot has posted, in `seq` order (PRODUCT.md §3);
 * and the pictures posted through the console API (`console_files`).
 */
import { and, asc, eq, gt, inArray, sql } from 'drizzle-orm';
import { keptQuery, writeTx, type Db } from '../client.js';
import { consoleFiles, consoleMessages, type ConsoleAttachment } from '../schema/index.js';

export type ConsoleMessageRow = typeof consoleMessages.$inferSelect;

/**
 * Appends a delivered outbox message to its conversation, once per outbox id (a resend after a crash is
 * not shown twice). @returns its `seq` (the first one's, for a resend).
 */
export async function appendConsoleMessage(
  db: Db,
  m: { outboxId: number; conversationId: string; text: string; markdown: string | null; mentions: string[] | null; attachments?: ConsoleAttachment[] | null; sentAt: Date },
): Promise<number | undefined> {
  const [stored] = await appendKept(db, {
    ...m,
    mentions: m.mentions ? JSON.stringify(m.mentions) : null,
    attachments: m.attachments?.length ? JSON.stringify(m.attachments) : null,
  });
  if (stored) return stored.seq;
  return (await db.select({ seq: consoleMessages.seq }).from(consoleMessages).where(eq(consoleMessages.outboxId, m.outboxId)))[0]?.seq;
}

/** One posted message, kept prepared; `mentions` and `attachments` pass through as given (JSON text or null). */
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
        attachments: sql`${sql.placeholder('attachments')}`,
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

// ── files ──────────────────────────────────────────────────────────────────────────────────────

/** A picture to store in `console_files`: its random id, name, content type and bytes. */
export interface NewConsoleFile {
  id: string;
  name: string;
  contentType: string;
  data: Buffer;
}

/** Stores pictures (all or none, in one transaction), created at `at`. */
export async function insertConsoleFiles(db: Db, files: readonly NewConsoleFile[], at: Date): Promise<void> {
  if (!files.length) return;
  await writeTx(db, async (tx) => {
    for (const f of files) await tx.insert(consoleFiles).values({ id: f.id, name: f.name, contentType: f.contentType, size: f.data.length, data: f.data, createdAt: at });
  });
}

/** Deletes pictures by id (those of a request that was refused or failed after they were stored). */
export async function deleteConsoleFiles(db: Db, ids: readonly string[]): Promise<void> {
  if (!ids.length) return;
  await writeTx(db, async (tx) => {
    await tx.delete(consoleFiles).where(inArray(consoleFiles.id, [...ids]));
  });
}

/** One stored picture with its bytes, or undefined. */
export async function getConsoleFile(db: Db, id: string): Promise<{ name: string; contentType: string; size: number; data: Buffer } | undefined> {
  const [row] = await db
    .select({ name: consoleFiles.name, contentType: consoleFiles.contentType, size: consoleFiles.size, data: consoleFiles.data })
    .from(consoleFiles)
    .where(eq(consoleFiles.id, id));
  return row;
}

/** Name and content type of the stored pictures among `ids` (without their bytes), in the order of `ids`; unknown ids are left out. */
export async function describeConsoleFiles(db: Db, ids: readonly string[]): Promise<ConsoleAttachment[]> {
  if (!ids.length) return [];
  const rows = await db
    .select({ fileId: consoleFiles.id, name: consoleFiles.name, contentType: consoleFiles.contentType })
    .from(consoleFiles)
    .where(inArray(consoleFiles.id, [...ids]));
  const byId = new Map(rows.map((r) => [r.fileId, r]));
  return ids.flatMap((id) => (byId.has(id) ? [byId.get(id)!] : []));
}
