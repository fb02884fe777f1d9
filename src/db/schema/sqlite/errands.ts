/**
 * Errand orders (红色代办): one row per household's order sent to its grid, numbered per day
 * (`代办 20261202-015`), rolled up at the daily cut-off (`ERRAND_CUTOFF`) into one purchase list per
 * township, then bought by the township's errand post and delivered to the door by the grid.
 */
import { index, integer, real, sqliteTable, text, uniqueIndex } from 'drizzle-orm/sqlite-core';
import type { Attachment } from '../../../core/message.js';

/**
 * An order's states: open (待汇总: waiting for its cut-off) → listed (已汇总: on a township's purchase list)
 * → bought (已采购) → delivered (已送达); open → settled (已自给: every item met inside the village).
 */
export const ERRAND_STATES = ['open', 'listed', 'bought', 'delivered', 'settled'] as const;
export type ErrandState = (typeof ERRAND_STATES)[number];

/**
 * One item of an order. `qty` and `unit` are null when the item was not understood (`raw` kept as
 * written); `self` is true once met inside the village (`/代办 自给`).
 */
export interface ErrandItem {
  /** As written: `大米10斤`. */
  raw: string;
  /** The goods: `大米`; for an item not understood, `raw`. */
  name: string;
  /** How many, in `unit` (0.5 for 半); null when not understood. */
  qty: number | null;
  /** 斤, 公斤, 瓶, 盒, 袋, 个, 箱; null when not understood. */
  unit: string | null;
  self: boolean;
}

export const errands = sqliteTable(
  'errands',
  {
    id: integer('id').primaryKey({ autoIncrement: true }),
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
    orderedAt: integer('ordered_at', { mode: 'timestamp_ms' }).notNull(),
    sourceInboundId: integer('source_inbound_id'),
    items: text('items', { mode: 'json' }).$type<ErrandItem[]>().notNull(),
    /** `地址:` and `电话:` as written (only here; masked in every message). */
    address: text('address'),
    phone: text('phone'),
    state: text('state', { enum: ERRAND_STATES }).notNull().default('open'),
    /** The cut-off day whose list it went out on (`YYYYMMDD`), and when. */
    listedDay: integer('listed_day'),
    listedAt: integer('listed_at', { mode: 'timestamp_ms' }),
    boughtAt: integer('bought_at', { mode: 'timestamp_ms' }),
    boughtBy: text('bought_by'),
    deliveredAt: integer('delivered_at', { mode: 'timestamp_ms' }),
    deliveredBy: text('delivered_by'),
    deliveryInboundId: integer('delivery_inbound_id'),
    /** Pictures of the delivery: evidence, as for tasks. */
    deliveryAttachments: text('delivery_attachments', { mode: 'json' }).$type<Attachment[]>().notNull(),
    /** Listed to the township room as not delivered by the next cut-off (once). */
    overdueAt: integer('overdue_at', { mode: 'timestamp_ms' }),
    /** Hours from order to delivery, kept for the reports' median. */
    hoursToDeliver: real('hours_to_deliver'),
  },
  (t) => [
    uniqueIndex('errands_number').on(t.day, t.number),
    index('errands_township').on(t.townshipId, t.state),
    index('errands_list_day').on(t.listDay),
    index('errands_ordered').on(t.orderedAt),
  ],
);

export type Errand = typeof errands.$inferSelect;
