/**
 * Inspections (纠察督导): one row per finding an inspector (or a commander) records against a grid or a
 * township, numbered per year (`督查〔2026〕第5号`), with its evidence, its rectification, its closure
 * and its publication as a notice (通报).
 *
 * PostgreSQL copy of ../sqlite/inspections.ts (same tables, names and row shapes; see ./index.ts).
 */
import { index, integer, jsonb, pgTable, text, uniqueIndex } from 'drizzle-orm/pg-core';
import { timestamptz } from './columns.js';
import { INSPECTION_STATES } from '../sqlite/inspections.js';
import type { Attachment } from '../../../core/message.js';

export const inspections = pgTable(
  'inspections',
  {
    id: integer('id').primaryKey().generatedByDefaultAsIdentity(),
    /** Year of the number, in `TIMEZONE`. */
    year: integer('year').notNull(),
    /** Gapless number within the year, from 1 (counter kind `inspection`). */
    number: integer('number').notNull(),
    /** The grid or township the finding is about, and its name and kind when recorded. */
    unitId: text('unit_id').notNull(),
    unitKind: text('unit_kind', { enum: ['township', 'grid'] }).notNull(),
    unitName: text('unit_name').notNull(),
    /** The unit's township (itself for a township): its room is told and rectifies. */
    townshipId: text('township_id').notNull(),
    /** The directive or notice whose carrying-out was inspected (`令17`), if named. */
    directiveId: integer('directive_id'),
    /** The problem as written, in full (personal numbers and names unmasked — only here). */
    text: text('text').notNull(),
    /** `人数:` — people involved; null when not written. */
    people: integer('people'),
    /** Evidence kept with the finding: pictures in the same or the next message. */
    attachments: jsonb('attachments').$type<Attachment[]>().notNull(),
    inspectorId: text('inspector_id').notNull(),
    /** The group it was recorded in (the command group): told of the rectification. */
    recordedIn: text('recorded_in').notNull(),
    recordedAt: timestamptz('recorded_at').notNull(),
    sourceInboundId: integer('source_inbound_id'),
    state: text('state', { enum: INSPECTION_STATES }).notNull().default('open'),
    rectifiedAt: timestamptz('rectified_at'),
    rectifiedBy: text('rectified_by'),
    rectifyNote: text('rectify_note'),
    rectifyAttachments: jsonb('rectify_attachments').$type<Attachment[]>().notNull(),
    /** The `/整改` message: a picture right after it is added to the rectification. */
    rectifyInboundId: integer('rectify_inbound_id'),
    closedAt: timestamptz('closed_at'),
    closedBy: text('closed_by'),
    closeNote: text('close_note'),
    /** Published (`/通报`): when, by whom, and the county notice it went out as (`directives.id`). */
    publishedAt: timestamptz('published_at'),
    publishedBy: text('published_by'),
    noticeId: integer('notice_id'),
    /** Listed as not rectified within `INSPECTION_RECTIFY_SLA` (once). */
    overdueAt: timestamptz('overdue_at'),
  },
  (t) => [
    uniqueIndex('inspections_number').on(t.year, t.number),
    index('inspections_township').on(t.townshipId, t.state),
    index('inspections_directive').on(t.directiveId),
    index('inspections_recorded').on(t.recordedAt),
  ],
);
