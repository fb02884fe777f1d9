/**
 * The SQLite tables (drizzle-orm/sqlite-core), with the consts, row types and JSON shapes they use.
 * `../pg/` holds the same tables for PostgreSQL; `../index.ts` picks one of the two for the queries.
 * drizzle-kit generates `migrations/sqlite` from this file (drizzle.config.ts).
 */
export * from './roster.js';
export * from './messages.js';
export * from './directives.js';
export * from './audit.js';
export * from './timers.js';
export * from './leads.js';
export * from './tasks.js';
export * from './receipts.js';
export * from './instance.js';
export * from './inspections.js';
export * from './errands.js';
