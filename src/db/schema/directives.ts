/** Directives (指挥部令) and notices (通告): numbering, target snapshots and acknowledgements. */
import { index, integer, primaryKey, sqliteTable, text, uniqueIndex } from 'drizzle-orm/sqlite-core';

/** Gapless counters: the last number issued per kind per year. */
export const counters = sqliteTable(
  'counters',
  {
    kind: text('kind').notNull(),
    year: integer('year').notNull(),
    last: integer('last').notNull(),
  },
  (t) => [primaryKey({ columns: [t.kind, t.year] })],
);

export const DIRECTIVE_KINDS = ['directive', 'notice'] as const;
export type DirectiveKind = (typeof DIRECTIVE_KINDS)[number];

export const directives = sqliteTable(
  'directives',
  {
    id: integer('id').primaryKey({ autoIncrement: true }),
    kind: text('kind', { enum: DIRECTIVE_KINDS }).notNull(),
    year: integer('year').notNull(),
    number: integer('number').notNull(),
    text: text('text').notNull(),
    issuerId: text('issuer_id').notNull(),
    issuedIn: text('issued_in').notNull(),
    issuedAt: integer('issued_at', { mode: 'timestamp_ms' }).notNull(),
    /** Acknowledgement deadline (ms epoch). */
    ackDeadline: integer('ack_deadline', { mode: 'timestamp_ms' }),
    ackRequired: integer('ack_required', { mode: 'boolean' }).notNull().default(true),
    status: text('status', { enum: ['open', 'revoked'] }).notNull().default('open'),
    sourceInboundId: integer('source_inbound_id'),
  },
  (t) => [uniqueIndex('directives_number').on(t.kind, t.year, t.number)],
);

/** The units a directive targeted, snapshotted at issue (the response-rate denominator). */
export const directiveTargets = sqliteTable(
  'directive_targets',
  {
    directiveId: integer('directive_id').notNull(),
    unitId: text('unit_id').notNull(),
    unitKind: text('unit_kind').notNull(),
    unitName: text('unit_name').notNull(),
    townshipId: text('township_id').notNull(),
    conversationId: text('conversation_id').notNull(),
  },
  (t) => [
    primaryKey({ columns: [t.directiveId, t.unitId] }),
    index('directive_targets_conv').on(t.conversationId),
    index('directive_targets_unit').on(t.unitId),
  ],
);

/** One acknowledgement per (directive, unit): who, when, in which words, from which message. */
export const acknowledgements = sqliteTable(
  'acknowledgements',
  {
    directiveId: integer('directive_id').notNull(),
    unitId: text('unit_id').notNull(),
    memberId: text('member_id').notNull(),
    words: text('words').notNull(),
    at: integer('at', { mode: 'timestamp_ms' }).notNull(),
    late: integer('late', { mode: 'boolean' }).notNull().default(false),
    inboundId: integer('inbound_id'),
  },
  (t) => [primaryKey({ columns: [t.directiveId, t.unitId] })],
);

export type Directive = typeof directives.$inferSelect;
export type DirectiveTarget = typeof directiveTargets.$inferSelect;
