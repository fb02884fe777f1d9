/**
 * What a correction (`/更正`) changed, for its relay and its answer: the lines that changed when the
 * correction restates a text of several lines, the changed words when it restates a one-line text, else
 * the previous version for reference (a correction that is a note, `时间改为明日9时`). Pure; the texts are
 * masked before they are compared (so no part of a personal number shows) and what is shown is cut, so a
 * long text is never echoed in full.
 */
import { maskPersonal } from '../../src/core/mask.js';
import { clip } from '../../src/core/text.js';

/** Lines of what changed shown at most; longer diffs end with `…等N处`. */
const MAX_LINES = 6;
/** Characters of one line shown at most. */
const LINE_CHARS = 40;
/** Characters of the previous version shown at most when it is given for reference. */
const PREVIOUS_CHARS = 80;

const linesOf = (text: string) => text.split(/\r?\n/).map((l) => l.trim()).filter(Boolean);

/** The removed and added lines of `a` → `b` (longest common subsequence of lines), in order, hunk by hunk. */
function lineDiff(a: string[], b: string[]): { removed: string[]; added: string[] }[] {
  const n = a.length;
  const m = b.length;
  const lcs: number[][] = Array.from({ length: n + 1 }, () => new Array<number>(m + 1).fill(0));
  for (let i = n - 1; i >= 0; i--) for (let j = m - 1; j >= 0; j--) lcs[i]![j] = a[i] === b[j] ? lcs[i + 1]![j + 1]! + 1 : Math.max(lcs[i + 1]![j]!, lcs[i]![j + 1]!);
  const hunks: { removed: string[]; added: string[] }[] = [];
  let hunk = { removed: [] as string[], added: [] as string[] };
  const close = () => {
    if (hunk.removed.length || hunk.added.length) hunks.push(hunk);
    hunk = { removed: [], added: [] };
  };
  let i = 0;
  let j = 0;
  while (i < n || j < m) {
    if (i < n && j < m && a[i] === b[j]) {
      close();
      i++;
      j++;
    } else if (j < m && (i === n || lcs[i]![j + 1]! >= lcs[i + 1]![j]!)) {
      hunk.added.push(b[j++]!);
    } else {
      hunk.removed.push(a[i++]!);
    }
  }
  close();
  return hunks;
}

/** Characters that make one token together (a number, a time, a masked phone number): a change is shown whole. */
const TOKEN = /[0-9A-Za-z*.:：]/;

/**
 * The changed middle of a one-line text: what is left of `a` and `b` once their common start and end are
 * taken off, widened to whole numbers (`138****0001`, not `1`).
 */
function wordDiff(a: string, b: string): { before: string; after: string; common: number } {
  let p = 0;
  while (p < a.length && p < b.length && a[p] === b[p]) p++;
  let q = 0;
  while (q < a.length - p && q < b.length - p && a[a.length - 1 - q] === b[b.length - 1 - q]) q++;
  const common = p + q;
  while (p > 0 && TOKEN.test(a[p - 1]!)) p--;
  while (q > 0 && TOKEN.test(a[a.length - q]!)) q--;
  return { before: a.slice(p, a.length - q), after: b.slice(p, b.length - q), common };
}

/**
 * The lines saying what a correction changed, from the version it replaces (`previous`) to its text
 * (`next`):
 * - both texts of several lines sharing a line → `改动：` then `原：<line>` / `新：<line>` per changed
 *   line (at most {@link MAX_LINES}, each cut);
 * - one-line texts mostly the same (their common start and end at least 40% of the shorter, and 4
 *   characters) → `改动：「old」→「new」` (`删去「…」`, `增加「…」` when one side is empty);
 * - else (a correction written as a note) → `上一版：<previous, cut>` for reference.
 * @returns [] when nothing changed (the same text again).
 */
export function whatChanged(previous: string, next: string): string[] {
  if (linesOf(previous).join('\n') === linesOf(next).join('\n')) return [];
  const a = linesOf(maskPersonal(previous));
  const b = linesOf(maskPersonal(next));
  const same = a.join('\n') === b.join('\n'); // only a personal number changed: say what it was
  if (!same && (a.length > 1 || b.length > 1) && a.some((l) => b.includes(l))) {
    const lines = lineDiff(a, b).flatMap((h) => [...h.removed.map((l) => `原：${clip(l, LINE_CHARS)}`), ...h.added.map((l) => `新：${clip(l, LINE_CHARS)}`)]);
    const shown = lines.slice(0, MAX_LINES);
    return ['改动：', ...shown, ...(lines.length > MAX_LINES ? [`…等${lines.length}处`] : [])];
  }
  if (!same && a.length === 1 && b.length === 1) {
    const d = wordDiff(a[0]!, b[0]!);
    if (d.common >= 4 && d.common >= 0.4 * Math.min(a[0]!.length, b[0]!.length)) {
      const q = (s: string) => `「${clip(s, LINE_CHARS)}」`;
      if (!d.before) return [`改动：增加${q(d.after)}`];
      if (!d.after) return [`改动：删去${q(d.before)}`];
      return [`改动：${q(d.before)}→${q(d.after)}`];
    }
  }
  return [`上一版：${clip(a.join(' '), PREVIOUS_CHARS)}`];
}
