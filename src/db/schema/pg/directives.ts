/**
 * Directives (指挥部令) and notices (通告): numbering, target snapshots and acknowledgements.
 * PostgreSQL copy of ../sqlite/directives.ts (same tables, names and row shapes; see ./index.ts).
 */
import { bigint, boolean, index, integer, pgTable, primaryKey, text, uniqueIndex } from 'drizzle-orm/pg-core';
import { timestamptz } from './columns.js';
import { DIRECTIVE_EVENT_KINDS, DIRECTIVE_KINDS } from '../sqlite/directives.js';

/**
 * Gapless counters: the last number issued per series per year. `kind` is the series key: `directive`,
 * `notice` (the county's notices), `notice:<township id>` (a township's own notices), `task`, `inspection` (督查 findings).
 */
export const counters = pgTable(
  'counters',
  {
    kind: text('kind').notNull(),
    year: integer('year').notNull(),
    last: integer('last').notNull(),
  },
  (t) => [primaryKey({ columns: [t.kind, t.year] })],
);

export const directives = pgTable(
  'directives',
  {
    id: integer('id').primaryKey().generatedByDefaultAsIdentity(),
    kind: text('kind', { enum: DIRECTIVE_KINDS }).notNull(),
    /**
     * The numbering series: '' for the county's (every directive, the command group's notices); a township
     * unit id for the notices a township officer issues to their own township (`大坑乡通告〔2026〕第1号`).
     * Items stored before series existed are the county's.
     */
    series: text('series').notNull().default(''),
    /** The township's name at issue, printed before the number of its own series; null for the county's. */
    seriesName: text('series_name'),
    year: integer('year').notNull(),
    number: integer('number').notNull(),
    text: text('text').notNull(),
    issuerId: text('issuer_id').notNull(),
    issuedIn: text('issued_in').notNull(),
    issuedAt: timestamptz('issued_at').notNull(),
    /** Acknowledgement deadline. */
    ackDeadline: timestamptz('ack_deadline'),
    ackRequired: boolean('ack_required').notNull().default(true),
    status: text('status', { enum: ['open', 'revoked'] }).notNull().default('open'),
    sourceInboundId: integer('source_inbound_id'),
    /** Version of the text that needs acknowledging: 1 at issue, +1 per amendment (/更正). */
    revision: integer('revision').notNull().default(1),
    /** The acknowledgement window (ms) set at issue (时限, default ACK_ESCALATE_AFTER); an amendment restarts it. bigint: milliseconds pass 2^31 at about 24.8 days. */
    ackWindowMs: bigint('ack_window_ms', { mode: 'number' }),
    /** Urgent (紧急): its reminders and escalations ignore quiet hours. */
    urgent: boolean('urgent').notNull().default(false),
    /** Created in a drill (演练): marked 【演练】 in every message, left out of response-rate reports, the digest and exports. */
    drill: boolean('drill').notNull().default(false),
    /** The scope as written (`范围:` text), null for the whole county. */
    scope: text('scope'),
    revokedAt: timestamptz('revoked_at'),
    /** When the current revision went out (the last amendment); null = never amended. */
    revisedAt: timestamptz('revised_at'),
  },
  (t) => [uniqueIndex('directives_series_number').on(t.kind, t.series, t.year, t.number), index('directives_issued').on(t.issuedAt)],
);

/** The units a directive targeted, snapshotted at issue (the response-rate denominator). */
export const directiveTargets = pgTable(
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
    index('directive_targets_township').on(t.townshipId, t.directiveId),
  ],
);

/**
 * One acknowledgement per (directive, unit, revision): who, when, in which words, from which message.
 * An amendment bumps the directive's revision, so earlier acknowledgements no longer count as current.
 */
export const acknowledgements = pgTable(
  'acknowledgements',
  {
    directiveId: integer('directive_id').notNull(),
    unitId: text('unit_id').notNull(),
    revision: integer('revision').notNull().default(1),
    memberId: text('member_id').notNull(),
    words: text('words').notNull(),
    at: timestamptz('at').notNull(),
    late: boolean('late').notNull().default(false),
    inboundId: integer('inbound_id'),
  },
  (t) => [primaryKey({ columns: [t.directiveId, t.unitId, t.revision] })],
);

/**
 * The response tallies (响应率) of a directive per township and revision: its target units in that township
 * (room and grids, from the snapshot `directive_targets`), how many of them acknowledged that revision, and how
 * many by its deadline (`late = false`). Derived rows, kept in step with `directive_targets` and
 * `acknowledgements` by the queries that write those (src/db/queries/directives.ts: `insertTargets`,
 * `insertAck`, `updateDirective` on a new revision), in the same transaction; `/统计` county-wide sums them
 * instead of joining every target with its acknowledgement (a county-year is about a million of those).
 * Only the row of the directive's current revision counts.
 */
export const directiveTallies = pgTable(
  'directive_tallies',
  {
    directiveId: integer('directive_id').notNull(),
    townshipId: text('township_id').notNull(),
    revision: integer('revision').notNull(),
    /** Target units of the township (its room and grids). */
    targeted: integer('targeted').notNull(),
    /** Of those, units that acknowledged this revision. */
    acknowledged: integer('acknowledged').notNull().default(0),
    /** Of those, units that acknowledged it by its deadline. */
    onTime: integer('on_time').notNull().default(0),
  },
  (t) => [primaryKey({ columns: [t.directiveId, t.townshipId, t.revision] })],
);

/**
 * A directive's history, shown by `/进度`: issue, each amendment (with its text), revocation, each
 * ladder step that sent something (with how many units it named), and each `/催办` (chase: the township
 * ids it covered in `text`, comma-separated; the grids chased in `count`).
 */
export const directiveEvents = pgTable(
  'directive_events',
  {
    id: integer('id').primaryKey().generatedByDefaultAsIdentity(),
    directiveId: integer('directive_id').notNull(),
    revision: integer('revision').notNull(),
    kind: text('kind', { enum: DIRECTIVE_EVENT_KINDS }).notNull(),
    at: timestamptz('at').notNull(),
    /** Member who did it; null for the bot's ladder steps. */
    actorId: text('actor_id'),
    /** Amendment text or revocation reason; for a chase, the township ids it covered (comma-separated). */
    text: text('text'),
    /** Units named by a ladder step; grids chased by a chase. */
    count: integer('count'),
    inboundId: integer('inbound_id'),
  },
  (t) => [index('directive_events_directive').on(t.directiveId, t.id)],
);
