/**
 * Errand orders (红色代办): one row per household's order sent to its grid, numbered per day
 * (`代办 20261202-015`), rolled up at the daily cut-off (`ERRAND_CUTOFF`) into one purchase list per
 * township, then bought by the township's errand post and delivered to the door by the grid.
 *
 * PostgreSQL copy of ../sqlite/errands.ts (same tables, names and row shapes; see ./index.ts).
 */
import { doublePrecision, index, integer, jsonb, pgTable, text, uniqueIndex } from 'drizzle-orm/pg-core';
import { timestamptz } from './columns.js';
import { ERRAND_STATES, type ErrandItem } from '../sqlite/errands.js';
import type { Attachment } from '../../../core/message.js';

export const errands = pgTable(
  'errands',
  {
    id: integer('id').primaryKey().generatedByDefaultAsIdentity(),
    /** The day of the number (`YYYYMMDD` in `TIMEZONE`), and the gapless number within it (counter `errand`). */
    day: integer('day').notNull(),
    number: integer('number').notNull(),
    /** The day whose cut-off lists it (`YYYYMMDD`): the order's day, or the next when ordered after the cut-off. */
    listDay: integer('list_day').notNull(),
    gridId: text('grid_id').notNull(),
    townshipId: text('township_id').notNull(),
    /** The grid worker or member who sent it, and the grid group it was sent in. */
    orderedBy: text('ordered_by').notNull(),
    orderedIn: text('ordered_in').notNull(),
    orderedAt: timestamptz('ordered_at').notNull(),
    sourceInboundId: integer('source_inbound_id'),
    items: jsonb('items').$type<ErrandItem[]>().notNull(),
    /** `地址:` and `电话:` as written (only here; masked in every message). */
    address: text('address'),
    phone: text('phone'),
    state: text('state', { enum: ERRAND_STATES }).notNull().default('open'),
    /** The cut-off day whose list it went out on (`YYYYMMDD`), and when. */
    listedDay: integer('listed_day'),
    listedAt: timestamptz('listed_at'),
    boughtAt: timestamptz('bought_at'),
    boughtBy: text('bought_by'),
    deliveredAt: timestamptz('delivered_at'),
    deliveredBy: text('delivered_by'),
    deliveryInboundId: integer('delivery_inbound_id'),
    /** Pictures of the delivery: evidence, as for tasks. */
    deliveryAttachments: jsonb('delivery_attachments').$type<Attachment[]>().notNull(),
    /** Listed to the township room as not delivered by the next cut-off (once). */
    overdueAt: timestamptz('overdue_at'),
    /** Hours from order to delivery, kept for the reports' median (double precision, as SQLite's 8-byte REAL). */
    hoursToDeliver: doublePrecision('hours_to_deliver'),
  },
  (t) => [
    uniqueIndex('errands_number').on(t.day, t.number),
    index('errands_township').on(t.townshipId, t.state),
    index('errands_list_day').on(t.listDay),
    index('errands_ordered').on(t.orderedAt),
  ],
);
