/** Audit log writes. */
import type { Db } from '../client.js';
import { auditLog } from '../schema/index.js';

/** Records a state change: who (`actorId`), what (`action` on `subject`), from which inbound message. */
export async function audit(
  db: Db,
  entry: { actorId: string; action: string; subject: string; detail?: Record<string, unknown>; inboundId?: number | null; at?: Date },
): Promise<void> {
  (await db.insert(auditLog)
    .values({
      at: entry.at ?? new Date(),
      actorId: entry.actorId,
      action: entry.action,
      subject: entry.subject,
      detail: entry.detail ?? null,
      inboundId: entry.inboundId ?? null,
        }));
}
