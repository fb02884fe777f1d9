/**
 * Reads a roster: a folder with units.csv, groups.csv and members.csv, or one XLSX with sheets named
 * units, groups and members. Each row keeps where it came from (file and 1-based row, header = row 1).
 */
import { parse } from 'csv-parse/sync';
import type ExcelJS from 'exceljs';
import { existsSync, readFileSync, statSync } from 'node:fs';
import { basename, join } from 'node:path';
import { GridrelayError } from '../core/errors.js';

export const ROSTER_TABLES = ['units', 'groups', 'members'] as const;
export type RosterTable = (typeof ROSTER_TABLES)[number];

/** One data row: column → trimmed text, plus its source file and row number. */
export interface SourceRow {
  file: string;
  row: number;
  values: Record<string, string>;
}

export type RawRoster = Record<RosterTable, SourceRow[]>;

/** A problem with a roster file, located by file and row (row 0 = the file as a whole). */
export interface RosterProblem {
  file: string;
  row: number;
  reason: string;
}

/** Thrown when a roster cannot be read or validated (`GR_ERR_ROSTER`); nothing has been applied. */
export class RosterError extends GridrelayError {
  override name = 'RosterError';
  constructor(readonly problems: RosterProblem[]) {
    super('GR_ERR_ROSTER', problems.map((p) => `${p.file}${p.row ? `:${p.row}` : ''}: ${p.reason}`).join('\n'));
  }
}

/**
 * Reads the roster at `path` (folder of CSVs or `.xlsx` file).
 * @throws RosterError when the path, a file or a sheet is missing or unreadable.
 */
export async function readRoster(path: string): Promise<RawRoster> {
  if (!existsSync(path)) throw new RosterError([{ file: path, row: 0, reason: 'no such file or folder' }]);
  if (statSync(path).isDirectory()) return readCsvFolder(path);
  if (/\.xlsx$/i.test(path)) return readXlsx(path);
  throw new RosterError([{ file: path, row: 0, reason: 'expected a folder with units.csv, groups.csv, members.csv, or an .xlsx file' }]);
}

function readCsvFolder(dir: string): RawRoster {
  const out = {} as RawRoster;
  const problems: RosterProblem[] = [];
  for (const table of ROSTER_TABLES) {
    const file = join(dir, `${table}.csv`);
    const name = `${table}.csv`;
    if (!existsSync(file)) {
      problems.push({ file: name, row: 0, reason: 'file missing' });
      continue;
    }
    let text: string;
    try {
      text = new TextDecoder('utf-8', { fatal: true }).decode(readFileSync(file));
    } catch {
      problems.push({ file: name, row: 0, reason: 'not UTF-8 text (Excel: save as "CSV UTF-8", or import the .xlsx itself)' });
      continue;
    }
    try {
      const records = parse(text, {
        bom: true,
        skip_empty_lines: true,
        trim: true,
        relax_column_count: true,
        info: true,
      }) as unknown as { record: string[]; info: { lines: number } }[];
      const [header, ...rows] = records;
      const head = (header?.record ?? []).map((h) => h.trim());
      out[table] = rows.map(({ record, info }) => ({
        file: name,
        row: info.lines,
        values: Object.fromEntries(head.map((h, i) => [h, (record[i] ?? '').trim()])),
      }));
    } catch (err) {
      problems.push({ file: name, row: 0, reason: `not valid CSV: ${(err as Error).message}` });
    }
  }
  if (problems.length) throw new RosterError(problems);
  return out;
}

async function readXlsx(path: string): Promise<RawRoster> {
  // loaded only for an XLSX roster (exceljs costs start-up time and memory)
  const { default: Excel } = await import('exceljs');
  const wb = new Excel.Workbook();
  try {
    await wb.xlsx.readFile(path);
  } catch (err) {
    throw new RosterError([{ file: basename(path), row: 0, reason: `not a readable XLSX: ${(err as Error).message}` }]);
  }
  const out = {} as RawRoster;
  const problems: RosterProblem[] = [];
  for (const table of ROSTER_TABLES) {
    const sheet = wb.getWorksheet(table);
    const file = `${basename(path)}[${table}]`;
    if (!sheet) {
      problems.push({ file, row: 0, reason: `sheet "${table}" missing` });
      continue;
    }
    const head: string[] = [];
    sheet.getRow(1).eachCell({ includeEmpty: true }, (cell, col) => (head[col - 1] = cellText(cell.value)));
    const rows: SourceRow[] = [];
    sheet.eachRow((row, n) => {
      if (n === 1) return;
      const values: Record<string, string> = {};
      head.forEach((h, i) => (values[h] = cellText(row.getCell(i + 1).value)));
      if (Object.values(values).every((v) => v === '')) return;
      rows.push({ file, row: n, values });
    });
    out[table] = rows;
  }
  if (problems.length) throw new RosterError(problems);
  return out;
}

function cellText(v: ExcelJS.CellValue): string {
  if (v === null || v === undefined) return '';
  if (typeof v === 'object') {
    if ('text' in v && typeof v.text === 'string') return v.text.trim();
    if ('result' in v) return String(v.result ?? '').trim();
    if ('richText' in v) return v.richText.map((r) => r.text).join('').trim();
    if (v instanceof Date) return v.toISOString();
  }
  return String(v).trim();
}
