/** The organisation: units (county → township → village → grid), their groups and members. */
import { index, integer, sqliteTable, text } from 'drizzle-orm/sqlite-core';

/** Unit tiers, top to bottom. */
export const UNIT_KINDS = ['county', 'township', 'village', 'grid'] as const;
export type UnitKind = (typeof UNIT_KINDS)[number];

/** Grid risk colours, most severe first. */
export const RISK_COLOURS = ['red', 'orange', 'yellow', 'blue', 'green'] as const;
export type RiskColour = (typeof RISK_COLOURS)[number];

/** Member roles (PRODUCT.md §1). */
export const ROLES = ['commander', 'duty_officer', 'inspector', 'township_officer', 'grid_leader', 'grid_worker', 'grid_member'] as const;
export type Role = (typeof ROLES)[number];

export const units = sqliteTable(
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
    updatedAt: integer('updated_at', { mode: 'timestamp_ms' }).notNull(),
  },
  (t) => [index('units_parent').on(t.parentId), index('units_township').on(t.townshipId), index('units_kind').on(t.kind)],
);

/** Every change of a unit's control level or risk colour: the history PRODUCT.md §1 asks for. */
export const unitStatusHistory = sqliteTable(
  'unit_status_history',
  {
    id: integer('id').primaryKey({ autoIncrement: true }),
    unitId: text('unit_id').notNull(),
    field: text('field', { enum: ['control_level', 'risk_colour'] }).notNull(),
    value: text('value'),
    changedAt: integer('changed_at', { mode: 'timestamp_ms' }).notNull(),
    /** Where the change came from: `roster-import`, or a message id. */
    source: text('source').notNull(),
  },
  (t) => [index('unit_status_history_unit').on(t.unitId)],
);

export const groups = sqliteTable('groups', {
  conversationId: text('conversation_id').primaryKey(),
  unitId: text('unit_id').notNull().unique(),
  title: text('title').notNull(),
});

export const members = sqliteTable(
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

export type Unit = typeof units.$inferSelect;
export type Group = typeof groups.$inferSelect;
export type Member = typeof members.$inferSelect;
