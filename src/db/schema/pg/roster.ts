/**
 * The organisation: units (county → township → village → grid), their groups and members.
 * PostgreSQL copy of ../sqlite/roster.ts (same tables, names and row shapes; see ./index.ts).
 */
import { index, integer, pgTable, text } from 'drizzle-orm/pg-core';
import { timestamptz } from './columns.js';
import { RISK_COLOURS, ROLES, UNIT_KINDS } from '../sqlite/roster.js';

export const units = pgTable(
  'units',
  {
    id: text('id').primaryKey(),
    kind: text('kind', { enum: UNIT_KINDS }).notNull(),
    name: text('name').notNull(),
    parentId: text('parent_id'),
    /** Township's control level 1 (strictest) … 3; null elsewhere. */
    controlLevel: integer('control_level'),
    /** Grid's risk colour; null elsewhere. */
    riskColour: text('risk_colour', { enum: RISK_COLOURS }),
    /** Township the unit belongs to (itself for a township; null for the county). */
    townshipId: text('township_id'),
    updatedAt: timestamptz('updated_at').notNull(),
  },
  (t) => [index('units_parent').on(t.parentId), index('units_township').on(t.townshipId), index('units_kind').on(t.kind)],
);

/** Every change of a unit's control level or risk colour: the history PRODUCT.md §1 asks for. */
export const unitStatusHistory = pgTable(
  'unit_status_history',
  {
    id: integer('id').primaryKey().generatedByDefaultAsIdentity(),
    unitId: text('unit_id').notNull(),
    field: text('field', { enum: ['control_level', 'risk_colour'] }).notNull(),
    value: text('value'),
    changedAt: timestamptz('changed_at').notNull(),
    /** Where the change came from: `roster-import`, or a message id. */
    source: text('source').notNull(),
  },
  (t) => [index('unit_status_history_unit').on(t.unitId)],
);

export const groups = pgTable('groups', {
  conversationId: text('conversation_id').primaryKey(),
  unitId: text('unit_id').notNull().unique(),
  title: text('title').notNull(),
});

export const members = pgTable(
  'members',
  {
    id: text('id').primaryKey(),
    name: text('name').notNull(),
    role: text('role', { enum: ROLES }).notNull(),
    unitId: text('unit_id').notNull(),
    mobile: text('mobile'),
  },
  (t) => [index('members_unit').on(t.unitId)],
);
