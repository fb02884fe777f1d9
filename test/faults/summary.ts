/**
 * vitest globalSetup: clears the fault table before the run and prints it after (see record.ts).
 */
import { existsSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { FAULTS_DIR, FAULTS_FILE, type FaultRow } from './record.js';

export function setup(): void {
  rmSync(FAULTS_FILE, { force: true });
}

export function teardown(): void {
  if (!existsSync(FAULTS_FILE)) return;
  const rows = new Map<string, { value: number; notes: Set<string> }>();
  for (const line of readFileSync(FAULTS_FILE, 'utf8').split('\n')) {
    if (!line.trim()) continue;
    const r = JSON.parse(line) as FaultRow;
    const cur = rows.get(r.row) ?? { value: 0, notes: new Set<string>() };
    cur.value += r.value;
    if (r.note) cur.notes.add(r.note);
    rows.set(r.row, cur);
  }
  if (rows.size === 0) return;
  const table = [...rows].map(([row, { value, notes }]) => ({ row, value, note: [...notes].join('; ') }));
  const w = Math.max(...table.map((t) => t.row.length));
  const lines = ['', 'fault and abuse suite', '-'.repeat(w + 20), ...table.map((t) => `${t.row.padEnd(w)}  ${String(t.value).padStart(6)}  ${t.note}`), ''];
  console.log(lines.join('\n'));
  writeFileSync(join(FAULTS_DIR, 'faults.json'), JSON.stringify(table, null, 2));
}
