/** Audit log writes. */
import { sql } from 'drizzle-orm';
import { keptQuery, type Db } from '../client.js';
import { auditLog } from '../schema/index.js';

/** Records a state change: who (`actorId`), what (`action` on `subject`), from which inbound message. */
export async function audit(
  db: Db,
  entry: { actorId: string; action: string; subject: string; detail?: Record<string, unknown>; inboundId?: number | null; at?: Date },
): Promise<void> {
  await insertAudit(db, {
    at: entry.at ?? new Date(),
    actorId: entry.actorId,
    action: entry.action,
    subject: entry.subject,
    detail: entry.detail == null ? null : JSON.stringify(entry.detail),
    inboundId: entry.inboundId ?? null,
  });
}

/** One audit row, kept prepared; `detail` passes through as given (JSON text or null). */
const insertAudit = keptQuery(
  (db) =>
    db.insert(auditLog).values({
      at: sql.placeholder('at'),
      actorId: sql.placeholder('actorId'),
      action: sql.placeholder('action'),
      subject: sql.placeholder('subject'),
      detail: sql`${sql.placeholder('detail')}`,
      inboundId: sql.placeholder('inboundId'),
    }),
  { write: true },
);
