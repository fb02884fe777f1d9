/**
 * Reading a lead report (`/上报 …`): the optional fields `类别:` `地点:` `人数:` `紧急:` (ASCII or
 * full-width colon, any order, anywhere in the text), the free description, and lead numbers as people
 * write them (`20260129-007`, `007`, `7`). Pure functions; nothing here touches the database.
 */
import { UsageError } from '../../src/core/errors.js';
import { parseNumeral } from '../../src/core/numerals.js';
import type { LeadUrgency } from '../../src/db/schema/index.js';
import { quoted } from '../../src/core/text.js';

/** The four optional fields, by their Chinese names. */
export type LeadField = '类别' | '地点' | '人数' | '紧急';

/** Field labels people write, mapped to the field. */
const LABELS: Record<string, LeadField> = {
  类别: '类别', 类型: '类别', 地点: '地点', 地址: '地点', 位置: '地点', 人数: '人数', 紧急: '紧急', 紧急程度: '紧急',
};
const LABEL_RE = new RegExp(`(${Object.keys(LABELS).sort((a, b) => b.length - a.length).join('|')})\\s*[:：]\\s*`, 'g');
/** A field value ends at whitespace or at one of these. */
const VALUE_END = /[\s,，。;；!！?？、]/;

/** Known categories (canonical name → words people use). An unknown one is kept as written and noted. */
export const CATEGORIES: Record<string, readonly string[]> = {
  返乡人员: ['返乡', '返乡人员', '外来人员', '外地返乡', '来返人员', '返乡人口', '外来', '入境'],
  发热: ['发热', '发烧', '发热病人', '症状', '咳嗽', '有症状'],
  密接: ['密接', '密切接触', '密切接触者', '次密接', '疑似'],
  聚集: ['聚集', '聚餐', '聚会', '聚集活动', '红白喜事', '摆酒'],
  隔离: ['隔离', '违反隔离', '居家隔离', '擅自外出', '脱管'],
  物资: ['物资', '生活困难', '求助', '生活物资', '就医', '买药'],
  舆情: ['舆情', '谣言'],
  其他: ['其他', '其它'],
};

const URGENCY: Record<string, LeadUrgency> = {
  是: 'high', 高: 'high', 急: 'high', 紧急: 'high', 特急: 'high', 加急: 'high', yes: 'high', high: 'high',
  中: 'medium', 一般: 'medium', medium: 'medium',
  否: 'low', 低: 'low', 不: 'low', 不急: 'low', 无: 'low', no: 'low', low: 'low',
};

/** What `/上报` read from its text. Values are as written; `notUnderstood` names fields that could not be read. */
export interface LeadReport {
  /** The description with the fields taken out (may be empty when fields alone say enough). */
  description: string;
  category?: string | undefined;
  location?: string | undefined;
  people?: string | undefined;
  peopleCount?: number | undefined;
  /** `紧急:` as written. */
  urgencyText?: string | undefined;
  urgency?: LeadUrgency | undefined;
  /** `紧急:是/高`. */
  urgent: boolean;
  /** Chinese field names not understood, e.g. `['人数']`; the value stays as written. */
  notUnderstood: LeadField[];
  /** The normalised argument text: the same report sent twice has the same key. */
  dedupText: string;
}

const DIGITS: Record<string, number> = { 零: 0, 〇: 0, 一: 1, 二: 2, 两: 2, 三: 3, 四: 4, 五: 5, 六: 6, 七: 7, 八: 8, 九: 9 };

/** Reads `3`, `3人`, `三口人`, `十二名`, `约5人` as a count (1–99999). @returns null when not a count (also 0 or a negative). */
export function parsePeople(value: string): number | null {
  const v = value.replace(/^(约|大约|共|合计)/, '').replace(/(口人|个人|人|口|名|位|个)$/, '');
  if (/^\d{1,5}$/.test(v)) return Number(v) > 0 ? Number(v) : null;
  const m = /^([一二两三四五六七八九])?(十)?([一二三四五六七八九])?$/.exec(v);
  if (!m || v === '') return null;
  if (!m[2]) return m[3] ? null : DIGITS[m[1]!]!;
  return (m[1] ? DIGITS[m[1]]! : 1) * 10 + (m[3] ? DIGITS[m[3]]! : 0);
}

/** The canonical category of what was written, or null when unknown. */
export function knownCategory(value: string): string | null {
  for (const [name, words] of Object.entries(CATEGORIES)) if (name === value || words.includes(value)) return name;
  return null;
}

/**
 * Reads the text after `/上报`. Fields are taken out of the text wherever they are; a field that cannot
 * be read is kept as written and named in `notUnderstood` — it never blocks the report.
 * @throws UsageError when there is nothing to act on: no description and no 类别 or 地点.
 */
export function parseLeadReport(args: string): LeadReport {
  const text = args.replace(/：/g, ':').replace(/\u3000/g, ' ');
  const found: { field: LeadField; value: string; start: number; end: number }[] = [];
  const labels = [...text.matchAll(LABEL_RE)];
  labels.forEach((m, i) => {
    const valueStart = m.index + m[0].length;
    const nextLabel = labels[i + 1]?.index ?? text.length;
    let end = valueStart;
    while (end < nextLabel && !VALUE_END.test(text.charAt(end))) end++;
    found.push({ field: LABELS[m[1]!]!, value: text.slice(valueStart, end), start: m.index, end });
  });
  let description = '';
  let at = 0;
  for (const f of found) {
    description += `${text.slice(at, f.start)} `;
    at = f.end;
  }
  description += text.slice(at);
  description = description
    .replace(/\s+/g, ' ')
    .replace(/\s*([,，。;；、])(\s*[,，。;；、])+/g, '$1')
    .replace(/^[\s,，。;；、]+|[\s,，;；、]+$/g, '')
    .trim();

  const first = (field: LeadField) => found.find((f) => f.field === field)?.value;
  const notUnderstood: LeadField[] = [];
  const category = first('类别');
  const location = first('地点');
  const people = first('人数');
  const urgencyText = first('紧急');
  if (category !== undefined && !knownCategory(category)) notUnderstood.push('类别');
  if (location !== undefined && location === '') notUnderstood.push('地点');
  let peopleCount: number | undefined;
  if (people !== undefined) {
    const n = parsePeople(people);
    if (n === null) notUnderstood.push('人数');
    else peopleCount = n;
  }
  let urgency: LeadUrgency | undefined;
  if (urgencyText !== undefined) {
    urgency = URGENCY[urgencyText.toLowerCase()];
    if (!urgency) notUnderstood.push('紧急');
  }
  if (!description && !category && !location) throw new UsageError('缺少线索内容：请写明发生了什么、在哪里');
  return {
    description,
    category,
    location,
    people,
    peopleCount,
    urgencyText,
    urgency,
    urgent: urgency === 'high',
    notUnderstood,
    dedupText: text.replace(/\s+/g, ' ').trim().toLowerCase(),
  };
}

/** A lead number as written: a day (`YYYYMMDD`) or today, and the number within the day. */
export interface LeadRef {
  day?: number;
  number: number;
}

/**
 * Parses `20260129-007`, `线索 20260129-007`, `007`, `7`, `7号`, `第七号` (the number within the day in Arabic
 * digits or Chinese numerals). @returns null when it is not a lead number.
 */
export function parseLeadRef(text: string): LeadRef | null {
  const t = text.trim().replace(/^线索\s*/, '').replace(/^第\s*/, '').replace(/\s*号$/, '');
  let m = /^(\d{8})[-_—－](\d{1,4})$/.exec(t);
  if (m && Number(m[2]) > 0) return { day: Number(m[1]), number: Number(m[2]) };
  const n = /^\d{1,4}$/.test(t) || !/\d/.test(t) ? parseNumeral(t, 9999) : null;
  return n !== null && n > 0 ? { number: n } : null;
}

/**
 * Splits `<号> <说明>` for the lead moves.
 * @param needsNote whether the note is required (`/核查 7 <说明>`)
 * @param noteName the note's name for the error, e.g. `说明`, `结果`, `理由`
 * @throws UsageError naming what is missing.
 */
export function parseMoveArgs(args: string, needsNote: boolean, noteName = '说明'): { ref: LeadRef; note: string } {
  const m = /^(\S+)\s*([\s\S]*)$/.exec(args.trim());
  if (!m) throw new UsageError('缺少线索编号');
  let ref = parseLeadRef(m[1]!);
  let note = m[2]!.trim();
  if (!ref && /^线索$/.test(m[1]!)) {
    const again = /^(\S+)\s*([\s\S]*)$/.exec(note);
    ref = again ? parseLeadRef(again[1]!) : null;
    note = again ? again[2]!.trim() : '';
  }
  if (!ref) throw new UsageError(`${quoted(m[1]!)}不是线索编号`);
  if (needsNote && !note) throw new UsageError(`缺少${noteName}`);
  return { ref, note };
}
