/**
 * This database's identity: one row holding a random id, made when the database is created (see
 * `openDb`). BullMQ queue names and job ids carry it, so two databases on one Redis queue prefix (a
 * re-created database, staging beside production) never take or shadow each other's jobs. A restored
 * backup keeps its id; start-up reconciliation (src/jobs/) clears what Redis holds beyond the backup.
 *
 * PostgreSQL copy of ../sqlite/instance.ts (same tables, names and row shapes; see ./index.ts).
 */
import { check, integer, pgTable, text } from 'drizzle-orm/pg-core';
import { timestamptz } from './columns.js';
import { sql } from 'drizzle-orm';

export const instance = pgTable(
  'instance',
  {
    /**
     * Always 1: the table has one row. Default 1: SQLite fills an INTEGER PRIMARY KEY left out of an
     * insert itself (the rowid), so drizzle makes it optional there; this keeps the insert shape alike.
     */
    id: integer('id').primaryKey().default(1),
    /** Random lowercase hex (12 characters), e.g. `3f9a1c2b7d40`. */
    instanceId: text('instance_id').notNull(),
    createdAt: timestamptz('created_at').notNull(),
  },
  (t) => [check('instance_one_row', sql`${t.id} = 1`)],
);
