/**
 * The tables every query uses, for the one SQL dialect this process runs on: SQLite (the default) or
 * PostgreSQL.
 *
 * Why a switch: drizzle has no dialect-neutral tables — a `sqliteTable` builds SQLite SQL only and a
 * `pgTable` PostgreSQL SQL only — so the schema exists twice (./sqlite/, ./pg/, kept alike by
 * test/db/schema-parity.test.ts). A process talks to one database, hence uses one dialect for its whole
 * life: it calls {@link useDialect} once at start-up, before any query runs, and every
 * `import { directives } from '…/schema/index.js'` sees the chosen table (ESM exports are live bindings).
 *
 * The bindings are typed as the SQLite tables whatever the dialect: the PostgreSQL tables have the same
 * property keys and the same row shapes (Date, boolean, number, the same JSON types), so the query code
 * type-checks once for both.
 *
 * Every const, JSON shape and row type (DIRECTIVE_KINDS, Directive, TaskScope, …) is re-exported from
 * ./sqlite/ as before; each table is re-declared below so that the switch can reassign it. A table added
 * to the schema must be added here too (the parity test fails otherwise).
 */
import * as sqlite from './sqlite/index.js';
import * as pg from './pg/index.js';

export * from './sqlite/index.js';
export * as sqliteSchema from './sqlite/index.js';
export * as pgSchema from './pg/index.js';

/** The SQL dialects gridrelay runs on. */
export type Dialect = 'sqlite' | 'pg';

let dialect: Dialect = 'sqlite';

export let units = sqlite.units;
export let unitStatusHistory = sqlite.unitStatusHistory;
export let groups = sqlite.groups;
export let members = sqlite.members;
export let inboundMessages = sqlite.inboundMessages;
export let outboundMessages = sqlite.outboundMessages;
export let consoleMessages = sqlite.consoleMessages;
export let consoleFiles = sqlite.consoleFiles;
export let counters = sqlite.counters;
export let directives = sqlite.directives;
export let directiveTargets = sqlite.directiveTargets;
export let acknowledgements = sqlite.acknowledgements;
export let directiveTallies = sqlite.directiveTallies;
export let directiveEvents = sqlite.directiveEvents;
export let auditLog = sqlite.auditLog;
export let timers = sqlite.timers;
export let leads = sqlite.leads;
export let leadEvents = sqlite.leadEvents;
export let taskSeries = sqlite.taskSeries;
export let tasks = sqlite.tasks;
export let taskTargets = sqlite.taskTargets;
export let readReceipts = sqlite.readReceipts;
export let instance = sqlite.instance;
export let inspections = sqlite.inspections;
export let errands = sqlite.errands;

/**
 * Points every table binding of this module at the tables of dialect `d` (call once at start-up, before
 * any query; tests may switch back and forth). Idempotent.
 * @param d `sqlite` (the default) or `pg`
 */
export function useDialect(d: Dialect): void {
  if (d === 'pg') {
    // same property keys and row shapes as the sqlite tables (see the module comment)
    units = pg.units as unknown as typeof sqlite.units;
    unitStatusHistory = pg.unitStatusHistory as unknown as typeof sqlite.unitStatusHistory;
    groups = pg.groups as unknown as typeof sqlite.groups;
    members = pg.members as unknown as typeof sqlite.members;
    inboundMessages = pg.inboundMessages as unknown as typeof sqlite.inboundMessages;
    outboundMessages = pg.outboundMessages as unknown as typeof sqlite.outboundMessages;
    consoleMessages = pg.consoleMessages as unknown as typeof sqlite.consoleMessages;
    consoleFiles = pg.consoleFiles as unknown as typeof sqlite.consoleFiles;
    counters = pg.counters as unknown as typeof sqlite.counters;
    directives = pg.directives as unknown as typeof sqlite.directives;
    directiveTargets = pg.directiveTargets as unknown as typeof sqlite.directiveTargets;
    acknowledgements = pg.acknowledgements as unknown as typeof sqlite.acknowledgements;
    directiveTallies = pg.directiveTallies as unknown as typeof sqlite.directiveTallies;
    directiveEvents = pg.directiveEvents as unknown as typeof sqlite.directiveEvents;
    auditLog = pg.auditLog as unknown as typeof sqlite.auditLog;
    timers = pg.timers as unknown as typeof sqlite.timers;
    leads = pg.leads as unknown as typeof sqlite.leads;
    leadEvents = pg.leadEvents as unknown as typeof sqlite.leadEvents;
    taskSeries = pg.taskSeries as unknown as typeof sqlite.taskSeries;
    tasks = pg.tasks as unknown as typeof sqlite.tasks;
    taskTargets = pg.taskTargets as unknown as typeof sqlite.taskTargets;
    readReceipts = pg.readReceipts as unknown as typeof sqlite.readReceipts;
    instance = pg.instance as unknown as typeof sqlite.instance;
    inspections = pg.inspections as unknown as typeof sqlite.inspections;
    errands = pg.errands as unknown as typeof sqlite.errands;
  } else {
    units = sqlite.units;
    unitStatusHistory = sqlite.unitStatusHistory;
    groups = sqlite.groups;
    members = sqlite.members;
    inboundMessages = sqlite.inboundMessages;
    outboundMessages = sqlite.outboundMessages;
    consoleMessages = sqlite.consoleMessages;
    consoleFiles = sqlite.consoleFiles;
    counters = sqlite.counters;
    directives = sqlite.directives;
    directiveTargets = sqlite.directiveTargets;
    acknowledgements = sqlite.acknowledgements;
    directiveTallies = sqlite.directiveTallies;
    directiveEvents = sqlite.directiveEvents;
    auditLog = sqlite.auditLog;
    timers = sqlite.timers;
    leads = sqlite.leads;
    leadEvents = sqlite.leadEvents;
    taskSeries = sqlite.taskSeries;
    tasks = sqlite.tasks;
    taskTargets = sqlite.taskTargets;
    readReceipts = sqlite.readReceipts;
    instance = sqlite.instance;
    inspections = sqlite.inspections;
    errands = sqlite.errands;
  }
  dialect = d;
}

/** The dialect the table bindings currently point at (`sqlite` until {@link useDialect} says otherwise). */
export function currentDialect(): Dialect {
  return dialect;
}
