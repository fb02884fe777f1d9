/** Queries of the drill script (workflows/drill/): what one of its messages became. */
import { and, eq } from 'drizzle-orm';
import type { Db } from '../client.js';
import { directives, inboundMessages, leads, tasks, type Directive, type Lead, type Task } from '../schema/index.js';

/** What became of one stored message: its processing status and the directive, lead or task it created, if any. */
export interface MessageOutcome {
  /** `received` (not processed yet), `processed`, `failed`; undefined when no such message is stored. */
  status?: 'received' | 'processed' | 'failed';
  directive?: Directive;
  lead?: Lead;
  task?: Task;
}

/** The outcome of the message `platform` + `platformMsgId` (items found by their `source_inbound_id`). */
export async function messageOutcome(db: Db, platform: string, platformMsgId: string): Promise<MessageOutcome> {
  const row = (await db
    .select({ id: inboundMessages.id, status: inboundMessages.status })
    .from(inboundMessages)
    .where(and(eq(inboundMessages.platform, platform), eq(inboundMessages.platformMsgId, platformMsgId))))[0];
  if (!row) return {};
  const directive = (await db.select().from(directives).where(eq(directives.sourceInboundId, row.id)))[0];
  const lead = (await db.select().from(leads).where(eq(leads.sourceInboundId, row.id)))[0];
  const task = (await db.select().from(tasks).where(eq(tasks.sourceInboundId, row.id)))[0];
  return { status: row.status, ...(directive ? { directive } : {}), ...(lead ? { lead } : {}), ...(task ? { task } : {}) };
}
