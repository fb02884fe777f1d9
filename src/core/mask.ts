/**
 * Masks personal numbers in text that is relayed to a group (PRODUCT.md §2.2):
 *
 * - mainland mobiles (11 digits, `1[3-9]…`) keep the first three and last four digits: `138****5678`;
 *   a `+86` / `86` / `0086` prefix is kept as written;
 * - 18-character ID-card numbers keep the first six and last four (`110101********123X`), the old
 *   15-digit ones the first six and last three (`110101******123`).
 *
 * However they are written: with spaces, dashes or dots between digit groups (`138 1234 5678`,
 * `138.1234.5678`, `110101 19900101 123X`), digit by digit (`1 3 8 1 2 3 4 5 6 7 8`), in full-width digits
 * (`１３８…`), or several run together (`1381234567813912345678`). A masked number is written in its
 * plain form (`138****5678`), separators dropped.
 *
 * Not masked: anything that is not such a number — dates and times (`2026-02-01 18:00`), lead numbers
 * (`20261202-007`), document numbers (`〔2026〕第17号`), counts, timestamps, other long digit runs. An ID
 * number must look like one (a province code, a real month and day of birth) to be masked.
 */

/** Separator characters allowed between the digit groups of one number: spaces, hyphens and dashes, dots, `_`, `·`. */
const SEPARATORS = new Set([...' \t\u00a0\u3000-\u2010\u2011\u2012\u2013\u2014\u2015\u2212\uff0d.\uff0e_\u00b7\u30fb']);
/** At most this many separator characters between two groups (`138 - 1234`). */
const MAX_GAP = 3;
/** The longest digit string a number can be (`0086` + 11, or an 18-character ID). */
const MAX_DIGITS = 18;

/** Province codes: the first two digits of an ID number. */
const PROVINCES = new Set([11, 12, 13, 14, 15, 21, 22, 23, 31, 32, 33, 34, 35, 36, 37, 41, 42, 43, 44, 45, 46, 50, 51, 52, 53, 54, 61, 62, 63, 64, 65, 71, 81, 82, 83]);

const isDigit = (ch: string) => (ch >= '0' && ch <= '9') || (ch >= '\uff10' && ch <= '\uff19');
const isX = (ch: string | undefined) => ch === 'X' || ch === 'x' || ch === '\uff38' || ch === '\uff58';
const isWordChar = (ch: string | undefined) => !!ch && (isDigit(ch) || /[A-Za-z\uff21-\uff3a\uff41-\uff5a]/.test(ch));
/** A digit or X as ASCII (`５` → `5`, `ｘ` → `X`). */
const ascii = (ch: string) => (isX(ch) ? 'X' : ch >= '\uff10' ? String.fromCharCode(ch.charCodeAt(0) - 0xff10 + 48) : ch);

/** A maximal run of digits (optionally ending in an ID's X) in the text: `[start, end)` and its ASCII digits. */
interface Group {
  start: number;
  end: number;
  digits: string;
}

/** What a digit string is: a mobile (after `prefix` digits of `86`/`0086`) or an ID number. */
type Kind = { kind: 'mobile'; prefix: number } | { kind: 'id18' } | { kind: 'id15' };

function validDate(mm: string, dd: string): boolean {
  const m = Number(mm);
  const d = Number(dd);
  return m >= 1 && m <= 12 && d >= 1 && d <= 31;
}

/** What `d` (ASCII digits, maybe a final X) is as a whole, or null. */
function classify(d: string): Kind | null {
  if (d.includes('X') && !(d.length === 18 && d.indexOf('X') === 17)) return null;
  const mobile = (s: string) => /^1[3-9]\d{9}$/.test(s);
  if (mobile(d)) return { kind: 'mobile', prefix: 0 };
  if (d.length === 13 && d.startsWith('86') && mobile(d.slice(2))) return { kind: 'mobile', prefix: 2 };
  if (d.length === 15 && d.startsWith('0086') && mobile(d.slice(4))) return { kind: 'mobile', prefix: 4 };
  if (!PROVINCES.has(Number(d.slice(0, 2)))) return null;
  if (/^\d{17}[\dX]$/.test(d) && /^(18|19|20)\d\d$/.test(d.slice(6, 10)) && validDate(d.slice(10, 12), d.slice(12, 14))) return { kind: 'id18' };
  if (/^\d{15}$/.test(d) && validDate(d.slice(8, 10), d.slice(10, 12))) return { kind: 'id15' };
  return null;
}

/** The masked form of a number classified as `k` (without its prefix). */
function masked(d: string, k: Kind): string {
  switch (k.kind) {
    case 'mobile': {
      const m = d.slice(k.prefix);
      return `${m.slice(0, 3)}****${m.slice(7)}`;
    }
    case 'id18':
      return `${d.slice(0, 6)}********${d.slice(14)}`;
    case 'id15':
      return `${d.slice(0, 6)}******${d.slice(12)}`;
  }
}

/** Runs of digit groups separated by at most {@link MAX_GAP} separator characters. */
function runsOf(text: string): Group[][] {
  const runs: Group[][] = [];
  let run: Group[] = [];
  let i = 0;
  while (i < text.length) {
    // a run starts at a digit; within a run (after separators) a group may also be an ID's final X alone (`… 3 4 X`)
    if (!isDigit(text[i]!) && !(run.length && isX(text[i]))) {
      i++;
      continue;
    }
    const start = i;
    let digits = '';
    while (i < text.length && isDigit(text[i]!)) digits += ascii(text[i++]!);
    if (isX(text[i]) && !isWordChar(text[i + 1])) digits += ascii(text[i++]!);
    run.push({ start, end: i, digits });
    let j = i;
    while (j < text.length && j - i < MAX_GAP && SEPARATORS.has(text[j]!)) j++;
    // the run goes on after separators with digits or a lone final X; nothing follows an X
    const next = j > i && j < text.length && (isDigit(text[j]!) || (isX(text[j]) && !isWordChar(text[j + 1])));
    if (next && !digits.endsWith('X')) {
      i = j; // the next group belongs to this run
      continue;
    }
    runs.push(run);
    run = [];
  }
  if (run.length) runs.push(run);
  return runs;
}

/** Splits one long group into numbers written back to back (11, 15 or 18 digits each), or null when it is not that. */
function splitRunTogether(d: string): { at: number; len: number; kind: Kind }[] | null {
  const from: ({ len: number; kind: Kind } | null)[] = new Array(d.length + 1).fill(null);
  const reach: boolean[] = new Array(d.length + 1).fill(false);
  reach[0] = true;
  for (let p = 0; p < d.length; p++) {
    if (!reach[p]) continue;
    for (const len of [18, 15, 11]) {
      if (p + len > d.length || reach[p + len]) continue;
      const kind = classify(d.slice(p, p + len));
      if (kind && (kind.kind !== 'mobile' || kind.prefix === 0)) {
        reach[p + len] = true;
        from[p + len] = { len, kind };
      }
    }
  }
  if (!reach[d.length]) return null;
  const parts: { at: number; len: number; kind: Kind }[] = [];
  for (let p = d.length; p > 0; ) {
    const f = from[p]!;
    parts.unshift({ at: p - f.len, len: f.len, kind: f.kind });
    p -= f.len;
  }
  return parts;
}

/** Returns `text` with every mobile and ID-card number masked (see above). Pure. */
export function maskPersonal(text: string): string {
  const edits: { start: number; end: number; text: string }[] = [];
  for (const run of runsOf(text)) {
    let i = 0;
    while (i < run.length) {
      // the longest number starting at group i and ending at a group boundary
      let best: { j: number; kind: Kind; digits: string } | null = null;
      let digits = '';
      for (let j = i; j < run.length; j++) {
        digits += run[j]!.digits;
        if (digits.length > MAX_DIGITS) break;
        const kind = classify(digits);
        if (kind) best = { j, kind, digits };
      }
      if (best) {
        const start = run[i]!.start;
        let prefix = '';
        if (best.kind.kind === 'mobile' && best.kind.prefix) {
          // keep the prefix as written: everything up to the mobile's first digit
          let seen = 0;
          let k = start;
          while (seen < best.kind.prefix) if (isDigit(text[k++]!)) seen++;
          while (!isDigit(text[k]!)) k++;
          prefix = text.slice(start, k);
        }
        edits.push({ start, end: run[best.j]!.end, text: prefix + masked(best.digits, best.kind) });
        i = best.j + 1;
        continue;
      }
      const g = run[i]!;
      const parts = g.digits.length > MAX_DIGITS ? splitRunTogether(g.digits) : null;
      if (parts) edits.push({ start: g.start, end: g.end, text: parts.map((p) => masked(g.digits.slice(p.at, p.at + p.len), p.kind)).join('') });
      i++;
    }
  }
  let out = text;
  for (const e of edits.reverse()) out = out.slice(0, e.start) + e.text + out.slice(e.end);
  return out;
}

/**
 * Masks the people `names` in `text` — roster names in a text relayed where nobody is to be named (a 督查
 * finding in a township room, a 通报): each occurrence of a name of two characters or more keeps its first
 * character, the rest become `*` (`张三` → `张*`, `欧阳小明` → `欧***`). Longer names are masked first, so a
 * name inside another (`王小` in `王小明`) is not left half-masked. Names not in `names` are not recognised.
 * Pure.
 */
export function maskNames(text: string, names: readonly string[]): string {
  const present = [...new Set(names)].filter((n) => [...n].length >= 2 && text.includes(n)).sort((a, b) => b.length - a.length);
  let out = text;
  for (const name of present) {
    const chars = [...name];
    out = out.split(name).join(chars[0]! + '*'.repeat(chars.length - 1));
  }
  return out;
}

/**
 * Masks a household's address as relayed (an errand order's `地址:`): the place name before the first
 * digit is kept, every digit and numeral after it becomes `*` (`王家边3组12号` → `王家边*组**号`,
 * `王家边三组` → `王家边*组`); personal numbers in it are masked too. Pure.
 */
export function maskAddress(text: string): string {
  const m = /[0-9０-９一二三四五六七八九十百〇零两]/.exec(text);
  if (!m) return maskPersonal(text);
  const head = text.slice(0, m.index);
  const tail = text.slice(m.index).replace(/[0-9０-９一二三四五六七八九十百〇零两]/g, '*');
  return head + tail;
}
