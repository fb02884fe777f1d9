/**
 * The fault-and-abuse table: fault tests record what they measured (kills survived, duplicates seen,
 * bad inputs answered, permission cases, leaks …) with {@link recordFault}; `summary.ts` (vitest
 * globalSetup) prints one table after the run and writes it to `test-results/faults.json`.
 *
 * Rows are keyed by name; recording the same row again adds to it (numbers) so several files can
 * count into one row, e.g. `recordFault('leaks found', 0)`.
 */
import { appendFileSync, mkdirSync } from 'node:fs';
import { join, resolve } from 'node:path';

/** Where rows are appended as JSON lines: one file per run, shared by every test worker. */
export const FAULTS_DIR = resolve(import.meta.dirname, '../../test-results');
export const FAULTS_FILE = join(FAULTS_DIR, 'faults.jsonl');

/** One measured figure of the fault table. */
export interface FaultRow {
  /** What was measured, e.g. `kills survived (kill -9 mid-relay)`. */
  row: string;
  /** A count (summed over recordings) … */
  value: number;
  /** … and, optionally, what it should be compared with, e.g. `expected 0`. */
  note?: string;
}

/** Appends one figure to the run's fault table (numbers with the same `row` are summed). */
export function recordFault(row: string, value: number, note?: string): void {
  mkdirSync(FAULTS_DIR, { recursive: true });
  appendFileSync(FAULTS_FILE, JSON.stringify({ row, value, ...(note ? { note } : {}) } satisfies FaultRow) + '\n');
}
