/**
/**
 * The console platform's chats (`console_messages`, PRODUCT.md §3), in `seq` order: what the bot has posted
 * (`outbox_id` set, `sender_id` null) and what people said (`inbound_id` and `sender_id` set); the pictures
 * posted through the console API (`console_files`); and the roster as the console's web page reads it (the
 * organisation tree, a group's members).
 */
import { and, asc, count, eq, gt, inArray, isNotNull, max, sql } from 'drizzle-orm';
import { keptQuery, writeTx, type Db } from '../client.js';
import { consoleFiles, consoleMessages, groups, inboundMessages, members, units, type ConsoleAttachment, type Group, type Member, type Unit } from '../schema/index.js';
import type { OutboundAction } from '../../core/message.js';

export type ConsoleMessageRow = typeof consoleMessages.$inferSelect;

/**
 * Appends a delivered outbox message to its conversation, once per outbox id (a resend after a crash is
 * not shown twice). `actions`: the buttons the bot attached (null for none).
 * @returns its `seq` (the first one's, for a resend).
 */
export async function appendConsoleMessage(
  db: Db,
  m: { outboxId: number; conversationId: string; text: string; markdown: string | null; mentions: string[] | null; actions: OutboundAction[] | null; attachments?: ConsoleAttachment[] | null; sentAt: Date },
): Promise<number | undefined> {
  const [stored] = await appendKept(db, {
    ...m,
    mentions: m.mentions ? JSON.stringify(m.mentions) : null,
    actions: m.actions ? JSON.stringify(m.actions) : null,
    attachments: m.attachments?.length ? JSON.stringify(m.attachments) : null,
  });
  if (stored) return stored.seq;
  return (await db.select({ seq: consoleMessages.seq }).from(consoleMessages).where(eq(consoleMessages.outboxId, m.outboxId)))[0]?.seq;
}

/** One posted message, kept prepared; `mentions`, `actions` and `attachments` pass through as given (JSON text or null). */
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
        actions: sql`${sql.placeholder('actions')}`,
        attachments: sql`${sql.placeholder('attachments')}`,
        sentAt: sql.placeholder('sentAt'),
      })
      .onConflictDoNothing()
      .returning({ seq: consoleMessages.seq }),
  { write: true },
);

/** A person's message as the chat keeps it: the inbox row it was stored as, who said it, and what. */
export interface PersonMessage {
  /** `inbound_messages.id` of the stored message. */
  inboundId: number;
  senderId: string;
  conversationId: string;
  text: string;
  /** The button pressed (`POST /console/v1/press`): its action, kept in `actions`; absent for typed messages. */
  pressed?: OutboundAction;
  attachments?: ConsoleAttachment[];
  sentAt: Date;
}

/**
 * Appends a person's message to its conversation, once per inbox row (a repeated message is shown once).
 * A pressed button is stored as the row's one `actions` entry (a person's row has no buttons of its own).
 * @returns its `seq`, or undefined when that inbox row is in the chat already.
 */
export async function appendPersonMessage(db: Db, m: PersonMessage): Promise<number | undefined> {
  const [stored] = await db
    .insert(consoleMessages)
    .values({
      inboundId: m.inboundId,
      senderId: m.senderId,
      conversationId: m.conversationId,
      text: m.text,
      actions: m.pressed ? [m.pressed] : null,
      attachments: m.attachments?.length ? m.attachments : null,
      sentAt: m.sentAt,
    })
    .onConflictDoNothing()
    .returning({ seq: consoleMessages.seq });
  return stored?.seq;
}

/** The inbox row of a message (`platform` + its `platformMsgId`): its id and when it was received, if stored. */
export async function inboundRowOf(db: Db, platform: string, platformMsgId: string): Promise<{ id: number; receivedAt: Date } | undefined> {
  return (await inboundByMsgId(db, { platform, platformMsgId }))[0];
}

const inboundByMsgId = keptQuery((db) =>
  db
    .select({ id: inboundMessages.id, receivedAt: inboundMessages.receivedAt })
    .from(inboundMessages)
    .where(and(eq(inboundMessages.platform, sql.placeholder('platform')), eq(inboundMessages.platformMsgId, sql.placeholder('platformMsgId')))),
);

/**
 * Up to `limit` chat rows after `seq` `after`, in `seq` order; only `conversationId`'s when given; only the bot's
 * (`botOnly`: `GET /console/v1/outbound`) or the bot's and people's.
 */
export async function consoleMessagesAfter(db: Db, after: number, limit: number, conversationId?: string, opts: { botOnly?: boolean } = {}): Promise<ConsoleMessageRow[]> {
  const where = and(
    gt(consoleMessages.seq, after),
    conversationId ? eq(consoleMessages.conversationId, conversationId) : undefined,
    opts.botOnly ? isNotNull(consoleMessages.outboxId) : undefined,
  );
  return await db.select().from(consoleMessages).where(where).orderBy(asc(consoleMessages.seq)).limit(limit);
}

/** The chat row with `seq`, if any. */
export async function consoleMessageAt(db: Db, seq: number): Promise<ConsoleMessageRow | undefined> {
  return (await db.select().from(consoleMessages).where(eq(consoleMessages.seq, seq)))[0];
}

/** Per conversation with messages: its highest `seq` and how many of its rows the bot posted; by conversation id. */
export async function consoleSummary(db: Db): Promise<{ conversationId: string; lastSeq: number; botMessages: number }[]> {
  const rows = await db
    .select({ conversationId: consoleMessages.conversationId, lastSeq: max(consoleMessages.seq), botMessages: count(consoleMessages.outboxId) })
    .from(consoleMessages)
    .groupBy(consoleMessages.conversationId)
    .orderBy(consoleMessages.conversationId);
  return rows.map((r) => ({ conversationId: r.conversationId, lastSeq: Number(r.lastSeq ?? 0), botMessages: Number(r.botMessages) }));
}

/** The highest `seq` of the chats (0 when empty). */
export async function lastConsoleSeq(db: Db): Promise<number> {
  return Number((await db.select({ seq: max(consoleMessages.seq) }).from(consoleMessages))[0]?.seq ?? 0);
}

// ── the roster as the console page shows it ──────────────────────────────────────────────────────

/** Every unit with the conversation id of its group (null: none, e.g. villages), unordered. */
export async function unitsAndGroups(db: Db): Promise<{ unit: Unit; group: Group | null }[]> {
  return await db.select({ unit: units, group: groups }).from(units).leftJoin(groups, eq(groups.unitId, units.id));
}

/** The members of unit `unitId`, by id. */
export async function membersOfUnit(db: Db, unitId: string): Promise<Member[]> {
  return await db.select().from(members).where(eq(members.unitId, unitId)).orderBy(asc(members.id));
}

/** The members with these ids (those that exist), for names and roles; none asked → none read. */
export async function membersById(db: Db, ids: readonly string[]): Promise<Pick<Member, 'id' | 'name' | 'role'>[]> {
  if (ids.length === 0) return [];
  return await db.select({ id: members.id, name: members.name, role: members.role }).from(members).where(inArray(members.id, [...ids]));
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
