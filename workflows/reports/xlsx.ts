/**
 * Writing an XLSX file with exceljs' streaming writer (several times faster than the in-memory one for a
 * month of rows), for the exports (export.ts, errands.ts).
 */
import type ExcelJS from 'exceljs';
import { PassThrough } from 'node:stream';

/** Adds one row of cells to a sheet and commits it (the streaming writer keeps no committed row in memory). */
export type AddRow = (ws: ExcelJS.Worksheet, cells: unknown[]) => void;

/**
 * Builds a workbook: `fill` adds the sheets (committing each when done) with `add`; the workbook is then
 * committed and its bytes returned.
 * @returns the XLSX file's bytes.
 */
export async function writeXlsx(fill: (wb: ExcelJS.stream.xlsx.WorkbookWriter, add: AddRow) => void): Promise<Buffer> {
  const sink = new PassThrough();
  const chunks: Buffer[] = [];
  sink.on('data', (c: Buffer) => chunks.push(c));
  const done = new Promise<void>((res, rej) => {
    sink.on('end', () => res());
    sink.on('error', rej);
  });
  // loaded on the first export: exceljs costs start-up time and memory every process would pay for nothing
  const { default: Excel } = await import('exceljs');
  const wb = new Excel.stream.xlsx.WorkbookWriter({ stream: sink, useSharedStrings: false, useStyles: false });
  wb.creator = 'gridrelay';
  fill(wb, (ws, cells) => ws.addRow(cells).commit());
  await wb.commit();
  await done;
  return Buffer.concat(chunks);
}
