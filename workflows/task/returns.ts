/**
 * Returns with figures (回报): a task may ask each grid for numbers back (`/任务 … 回报:排查户数,返乡人数`),
 * which the grid fills with `/完成 <号> 排查户数:86 返乡人数:3`. How the fields are declared and read, how
 * figures are read from a completion's text, and how they sum.
 *
 * A figure is a whole number ≥ 0 in Arabic digits (full-width too) or Chinese numerals (`八十六`, `三`;
 * src/core/numerals.ts), after `:` or `：` (`排查户数：八十六`), or straight after the field's name
 * (`返乡人数3`); a measure word after it is allowed (`86户`, `3人`). A grid's return counts once every
 * field has a figure: then the target is done; until then the figures given so far are kept and the
 * missing ones asked for by name.
 */
import { UsageError } from '../../src/core/errors.js';
import { parseNumeral } from '../../src/core/numerals.js';
import { quoted } from '../../src/core/text.js';
import type { Task, TaskReturns } from '../../src/db/schema/index.js';

/** At most this many fields per task (so the sums stay one phone line per township). */
export const MAX_RETURN_FIELDS = 6;
/** Longest field name, in characters. */
export const MAX_FIELD_NAME = 10;

const SEPARATORS = /[,，、;；\s]+/;
/** What ends a figure as written (and what may stand before a field's name). */
const BOUNDARY = '\\s,，、;；。';
/** Measure words allowed after a figure (`86户`, `3人`). */
const MEASURE = /[户人个名处次份家间辆条只头座所]$/;

/**
 * Reads the fields declared with `回报:` — names separated by `,` `，` `、` `;` or spaces, in order, each
 * named once (a repeat is dropped).
 * @returns the field names (1 to {@link MAX_RETURN_FIELDS}).
 * @throws UsageError when none is named, there are too many, or a name is too long, has no letter
 *   (`123`) or holds a colon.
 */
export function readReturnFields(text: string): string[] {
  const names = [...new Set(text.split(SEPARATORS).map((s) => s.trim()).filter(Boolean))];
  if (names.length === 0) throw new UsageError('回报:后请写回报项，如 回报:排查户数,返乡人数');
  if (names.length > MAX_RETURN_FIELDS) throw new UsageError(`回报项太多（${names.length}项，最多${MAX_RETURN_FIELDS}项）`);
  for (const n of names) {
    if (n.length > MAX_FIELD_NAME) throw new UsageError(`回报项${quoted(n)}太长（最多${MAX_FIELD_NAME}字）`);
    if (/[:：]/.test(n)) throw new UsageError(`回报项${quoted(n)}里不能有冒号，多项用逗号分开：回报:排查户数,返乡人数`);
    if (!/\p{L}/u.test(n) || parseNumeral(n) !== null) throw new UsageError(`回报项${quoted(n)}不是名称，如 回报:排查户数,返乡人数`);
  }
  return names;
}

/** A field whose figure could not be read, with what was written (`''` when nothing followed the colon). */
export interface UnreadableFigure {
  field: string;
  text: string;
}

/** What a completion's text says about the task's fields. */
export interface ReadReturns {
  /** Figures read, by field name. */
  values: TaskReturns;
  /** Fields written with something that is not a whole number. */
  unreadable: UnreadableFigure[];
  /** The text without the fields and their figures (the completion's note), trimmed. */
  rest: string;
}

const escape = (s: string) => s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');

/**
 * Reads a figure as written: a whole number in Arabic digits (full-width too) or Chinese numerals, with
 * an optional measure word after it. @returns the number, or null.
 */
export function readFigure(text: string): number | null {
  const t = text.normalize('NFKC').trim();
  return parseNumeral(t) ?? (MEASURE.test(t) ? parseNumeral(t.slice(0, -1)) : null);
}

/**
 * Reads the figures of `fields` from a completion's text (`排查户数:86 返乡人数：三`). A field's name counts
 * only at the start of the text or after a space or separator (so `人数` is not read inside `返乡人数`);
 * without a colon only when a figure follows at once (`返乡人数3`). A field written twice: the last one.
 */
export function readReturns(text: string, fields: readonly string[]): ReadReturns {
  const values: TaskReturns = {};
  const unreadable = new Map<string, string>();
  if (!fields.length || !text) return { values, unreadable: [], rest: text.trim() };
  const names = [...fields].sort((a, b) => b.length - a.length).map(escape).join('|');
  // after the colon, spaces are skipped unless the next field follows (`排查户数: 返乡人数:3` leaves the first empty)
  const re = new RegExp(`(^|[${BOUNDARY}])(${names})\\s*(?:([:：])(?:\\s+(?!(?:${names})\\s*[:：]))?)?([^${BOUNDARY}]*)`, 'g');
  let rest = '';
  let last = 0;
  for (const m of text.matchAll(re)) {
    const [, before, field, colon, written] = m as unknown as [string, string, string, string | undefined, string];
    const n = readFigure(written);
    if (n === null && !colon) continue; // `排查户数 已完成`: just words
    if (n === null) {
      unreadable.set(field, written);
      delete values[field];
    } else {
      values[field] = n;
      unreadable.delete(field);
    }
    rest += text.slice(last, m.index) + before;
    last = m.index + m[0].length;
  }
  rest += text.slice(last);
  const tidy = rest.replace(/\s+/g, ' ').replace(new RegExp(`^[${BOUNDARY}]+|[${BOUNDARY}]+$`, 'g'), '');
  return { values, unreadable: [...unreadable].map(([field, t]) => ({ field, text: t })), rest: tidy };
}

/** Fields of `fields` without a figure in `values`, in declared order. */
export function missingFields(fields: readonly string[], values: TaskReturns): string[] {
  return fields.filter((f) => values[f] === undefined);
}

/** A number as shown in sums: `3,440`. */
export const figure = (n: number) => n.toLocaleString('en-US');

/** `排查户数 86、返乡人数 3` — the fields in declared order, those with a figure only. */
export function formatReturns(fields: readonly string[], values: TaskReturns): string {
  return fields.filter((f) => values[f] !== undefined).map((f) => `${f} ${figure(values[f]!)}`).join('、');
}

/** Sums each field over the returns given (a field nobody returned sums to 0). */
export function sumReturns(fields: readonly string[], returns: readonly (TaskReturns | null)[]): TaskReturns {
  const out: TaskReturns = Object.fromEntries(fields.map((f) => [f, 0]));
  for (const r of returns) for (const f of fields) out[f]! += r?.[f] ?? 0;
  return out;
}

/** The task's fields (empty when it asks for none). */
export const fieldsOf = (task: Pick<Task, 'returnFields'>): string[] => task.returnFields ?? [];

/**
 * What a grid types to complete the task: `/完成 5 排查户数:<数字> 返乡人数:<数字>`, or `/完成 5 [说明]`
 * for a task without fields; `only` narrows it to some fields (the ones still missing).
 */
export function doneHint(task: Pick<Task, 'number' | 'returnFields'>, only?: readonly string[]): string {
  const fields = only ?? fieldsOf(task);
  return fields.length ? `/完成 ${task.number} ${fields.map((f) => `${f}:<数字>`).join(' ')}` : `/完成 ${task.number} [说明]`;
}
