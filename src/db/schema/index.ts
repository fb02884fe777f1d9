export * from './roster.js';
export * from './messages.js';
export * from './directives.js';
export * from './audit.js';
export * from './timers.js';
export * from './leads.js';
export * from './tasks.js';
export * from './receipts.js';
