/**
 * Lead reports (线索): one row per lead, with its fields, routing, state timeline and a move history.
 * PostgreSQL copy of ../sqlite/leads.ts (same tables, names and row shapes; see ./index.ts).
 */
import { boolean, index, integer, jsonb, pgTable, text, uniqueIndex } from 'drizzle-orm/pg-core';
import { timestamptz } from './columns.js';
import { LEAD_STATES, LEAD_URGENCIES } from '../sqlite/leads.js';
import type { Attachment } from '../../../core/message.js';

export const leads = pgTable(
  'leads',
  {
    id: integer('id').primaryKey().generatedByDefaultAsIdentity(),
    /** Day of the report in `TIMEZONE` as `YYYYMMDD` (an integer, e.g. 20260129). */
    day: integer('day').notNull(),
    /** Gapless number within the day, from 1. */
    number: integer('number').notNull(),
    /** The description in full (personal numbers unmasked — only here). */
    text: text('text').notNull(),
    /** Normalised full argument text, for recognising a repeated report. */
    dedupText: text('dedup_text').notNull(),
    /** Fields as written (`类别:` `地点:` `人数:` `紧急:`); null when absent. */
    category: text('category'),
    location: text('location'),
    people: text('people'),
    /** `人数` read as a number; null when absent or unreadable. */
    peopleCount: integer('people_count'),
    /** `紧急:` as written; `urgency` is what it was read as (null when absent or unreadable). */
    urgencyText: text('urgency_text'),
    urgency: text('urgency', { enum: LEAD_URGENCIES }),
    urgent: boolean('urgent').notNull().default(false),
    /** Created in a drill (演练): marked 【演练】 in every message, left out of response-rate reports, the digest and exports. */
    drill: boolean('drill').notNull().default(false),
    /** Field names (Chinese) whose values could not be read; kept as written. */
    notUnderstood: jsonb('not_understood').$type<string[]>().notNull(),
    attachments: jsonb('attachments').$type<Attachment[]>().notNull(),
    reporterId: text('reporter_id').notNull(),
    /** The grid group it was reported in, and that group's unit and township. */
    reportedIn: text('reported_in').notNull(),
    unitId: text('unit_id').notNull(),
    townshipId: text('township_id').notNull(),
    reportedAt: timestamptz('reported_at').notNull(),
    state: text('state', { enum: LEAD_STATES }).notNull().default('reported'),
    acceptedAt: timestamptz('accepted_at'),
    acceptedBy: text('accepted_by'),
    verifyingAt: timestamptz('verifying_at'),
    handlingAt: timestamptz('handling_at'),
    closedAt: timestamptz('closed_at'),
    closedBy: text('closed_by'),
    result: text('result'),
    /** Escalated to the command group by a person (`/上报县`). */
    escalatedAt: timestamptz('escalated_at'),
    escalatedBy: text('escalated_by'),
    escalateReason: text('escalate_reason'),
    /** The command group was told the lead was not accepted within `LEAD_ACCEPT_SLA`. */
    slaBreachedAt: timestamptz('sla_breached_at'),
    sourceInboundId: integer('source_inbound_id'),
  },
  (t) => [
    uniqueIndex('leads_number').on(t.day, t.number),
    index('leads_reporter').on(t.reporterId, t.reportedAt),
    index('leads_township').on(t.townshipId, t.state),
    index('leads_unit').on(t.unitId),
  ],
);

/** Every move of a lead: who, what, with which note, when, from which message. */
export const leadEvents = pgTable(
  'lead_events',
  {
    id: integer('id').primaryKey().generatedByDefaultAsIdentity(),
    leadId: integer('lead_id').notNull(),
    /** `report`, `accept`, `verify`, `handle`, `close`, `escalate`, `sla`, `picture`. */
    action: text('action').notNull(),
    actorId: text('actor_id').notNull(),
    note: text('note'),
    at: timestamptz('at').notNull(),
    inboundId: integer('inbound_id'),
  },
  (t) => [index('lead_events_lead').on(t.leadId)],
);
