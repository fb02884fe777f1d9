/**
 * This database's identity: one row holding a random id, made when the database is created (see
 * `openDb`). BullMQ queue names and job ids carry it, so two databases on one Redis queue prefix (a
 * re-created database, staging beside production) never take or shadow each other's jobs. A restored
 * backup keeps its id; start-up reconciliation (src/jobs/) clears what Redis holds beyond the backup.
 */
import { check, integer, sqliteTable, text } from 'drizzle-orm/sqlite-core';
import { sql } from 'drizzle-orm';

export const instance = sqliteTable(
  'instance',
  {
    /** Always 1: the table has one row. */
    id: integer('id').primaryKey(),
    /** Random lowercase hex (12 characters), e.g. `3f9a1c2b7d40`. */
    instanceId: text('instance_id').notNull(),
    createdAt: integer('created_at', { mode: 'timestamp_ms' }).notNull(),
  },
  (t) => [check('instance_one_row', sql`${t.id} = 1`)],
);

export type InstanceRow = typeof instance.$inferSelect;
