/**
 * Whole numbers as people type them in chat: Arabic digits (`17`, `007`) or Chinese numerals — positional
 * (`十七`, `二十`, `一百零五`, `一百一`, `两千`) or digit by digit (`一〇五`, `二〇二六`), in common or
 * financial characters (`壹拾柒`). Never a decimal (`1.5`), a sign (`-3`) or digits split by spaces (`1 4`).
 */

const DIGITS: Record<string, number> = {
  零: 0, 〇: 0, 一: 1, 二: 2, 两: 2, 三: 3, 四: 4, 五: 5, 六: 6, 七: 7, 八: 8, 九: 9,
  壹: 1, 贰: 2, 叁: 3, 肆: 4, 伍: 5, 陆: 6, 柒: 7, 捌: 8, 玖: 9,
};
const UNITS: Record<string, number> = { 十: 10, 拾: 10, 百: 100, 佰: 100, 千: 1000, 仟: 1000 };

/** The characters a Chinese numeral is written with (for building patterns). */
export const CHINESE_NUMERAL_CHARS = '零〇一二两三四五六七八九壹贰叁肆伍陆柒捌玖十拾百佰千仟万';

/**
 * A regular-expression source matching one number as written: 1–6 Arabic digits, or 1–12 Chinese numeral
 * characters. No groups; a match still has to be read by {@link parseNumeral} (`十十` matches but is not a number).
 */
export const NUMERAL_SOURCE = `(?:\\d{1,6}|[${CHINESE_NUMERAL_CHARS}]{1,12})`;

/** A section below 万: `一千二百零五`, `十七`, `一百一` (= 110). @returns null when malformed. */
function section(s: string): number | null {
  if (s === '') return 0;
  let total = 0;
  let digit: number | null = null;
  let lastUnit = 10_000;
  let zeroSeen = false;
  for (const ch of s) {
    if (ch in DIGITS) {
      if (digit !== null) return null; // two digits in a row: `一二十`
      digit = DIGITS[ch]!;
      if (digit === 0) {
        zeroSeen = true;
        digit = null;
      }
      continue;
    }
    const unit = UNITS[ch];
    if (unit === undefined || unit >= lastUnit) return null; // units must fall: `十百`, `百百`
    if (digit === null && !(unit === 10 && total === 0 && !zeroSeen)) return null; // only a leading 十 may stand alone
    total += (digit ?? 1) * unit;
    lastUnit = unit;
    digit = null;
    zeroSeen = false;
  }
  if (digit !== null) {
    // `一百一` is 110 and `两千五` 2,500 (colloquial), but `一百零一` is 101
    total += !zeroSeen && lastUnit > 10 && lastUnit < 10_000 ? (digit * lastUnit) / 10 : digit;
  }
  return total;
}

/**
 * Reads a whole number written in Arabic digits or Chinese numerals (surrounding spaces ignored).
 * @returns the number (≥ 0), or null when the text is anything else: empty, a decimal, signed, spaced
 *   digits, mixed scripts (`1十`), malformed numerals (`十十`), or above `max` (default 999,999).
 */
export function parseNumeral(text: string, max = 999_999): number | null {
  const t = text.trim();
  if (/^\d+$/.test(t)) {
    const n = Number(t);
    return t.length <= 9 && n <= max ? n : null;
  }
  if (!t || t.length > 12 || ![...t].every((ch) => ch in DIGITS || ch in UNITS || ch === '万')) return null;
  let n: number | null;
  if (![...t].some((ch) => ch in UNITS || ch === '万')) {
    // digit by digit: `一〇五`, `二〇二六`
    n = Number([...t].map((ch) => DIGITS[ch]).join(''));
  } else {
    const parts = t.split('万');
    if (parts.length > 2) return null;
    if (parts.length === 2) {
      const high = parts[0] === '' ? null : section(parts[0]!);
      const rest = parts[1]!;
      // `一万五` is 15,000 (colloquial), `一万零五` 10,005
      const low = rest.length === 1 && rest in DIGITS ? DIGITS[rest]! * 1000 : section(rest.replace(/^[零〇]/, ''));
      n = high === null || low === null ? null : high * 10_000 + low;
    } else {
      n = section(parts[0]!);
    }
  }
  return n !== null && Number.isSafeInteger(n) && n <= max ? n : null;
}
