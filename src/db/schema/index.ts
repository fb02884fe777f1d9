/** Every table, const and row type of the SQLite schema (./sqlite/). */
export * from './sqlite/index.js';
