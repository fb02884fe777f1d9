/** Lead reports (线索): one row per lead, with its fields, routing, state timeline and a move history. */
import { index, integer, sqliteTable, text, uniqueIndex } from 'drizzle-orm/sqlite-core';
import type { Attachment } from '../../../core/message.js';

/** A lead's states, in order: reported → accepted → verifying → handling → closed. */
export const LEAD_STATES = ['reported', 'accepted', 'verifying', 'handling', 'closed'] as const;
export type LeadState = (typeof LEAD_STATES)[number];

/** Urgency as written with `紧急:` — 是/高 → high, 中 → medium, 否/低 → low. */
export const LEAD_URGENCIES = ['high', 'medium', 'low'] as const;
export type LeadUrgency = (typeof LEAD_URGENCIES)[number];

export const leads = sqliteTable(
  'leads',
  {
    id: integer('id').primaryKey({ autoIncrement: true }),
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
    urgent: integer('urgent', { mode: 'boolean' }).notNull().default(false),
    /** Created in a drill (演练): marked 【演练】 in every message, left out of response-rate reports, the digest and exports. */
    drill: integer('drill', { mode: 'boolean' }).notNull().default(false),
    /** Field names (Chinese) whose values could not be read; kept as written. */
    notUnderstood: text('not_understood', { mode: 'json' }).$type<string[]>().notNull(),
    attachments: text('attachments', { mode: 'json' }).$type<Attachment[]>().notNull(),
    reporterId: text('reporter_id').notNull(),
    /** The grid group it was reported in, and that group's unit and township. */
    reportedIn: text('reported_in').notNull(),
    unitId: text('unit_id').notNull(),
    townshipId: text('township_id').notNull(),
    reportedAt: integer('reported_at', { mode: 'timestamp_ms' }).notNull(),
    state: text('state', { enum: LEAD_STATES }).notNull().default('reported'),
    acceptedAt: integer('accepted_at', { mode: 'timestamp_ms' }),
    acceptedBy: text('accepted_by'),
    verifyingAt: integer('verifying_at', { mode: 'timestamp_ms' }),
    handlingAt: integer('handling_at', { mode: 'timestamp_ms' }),
    closedAt: integer('closed_at', { mode: 'timestamp_ms' }),
    closedBy: text('closed_by'),
    result: text('result'),
    /** Escalated to the command group by a person (`/上报县`). */
    escalatedAt: integer('escalated_at', { mode: 'timestamp_ms' }),
    escalatedBy: text('escalated_by'),
    escalateReason: text('escalate_reason'),
    /** The command group was told the lead was not accepted within `LEAD_ACCEPT_SLA`. */
    slaBreachedAt: integer('sla_breached_at', { mode: 'timestamp_ms' }),
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
export const leadEvents = sqliteTable(
  'lead_events',
  {
    id: integer('id').primaryKey({ autoIncrement: true }),
    leadId: integer('lead_id').notNull(),
    /** `report`, `accept`, `verify`, `handle`, `close`, `escalate`, `sla`, `picture`. */
    action: text('action').notNull(),
    actorId: text('actor_id').notNull(),
    note: text('note'),
    at: integer('at', { mode: 'timestamp_ms' }).notNull(),
    inboundId: integer('inbound_id'),
  },
  (t) => [index('lead_events_lead').on(t.leadId)],
);

export type Lead = typeof leads.$inferSelect;
export type LeadEvent = typeof leadEvents.$inferSelect;
