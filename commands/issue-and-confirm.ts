/**
 * What `/令` and `/通告` share: parse the text and its fields, issue, confirm.
 *
 * Fields, anywhere in the text, ASCII or full-width colon:
 * - `范围:清溪街道、华岭镇` — scope terms (see workflows/directive/scope.ts); default the whole county
 *   (a township officer's notice: their township);
 * - `时限:30分钟` (also `1小时`, `半小时`, `45m`) — acknowledgement window; default `ACK_ESCALATE_AFTER`; or a
 *   time, as `截止:` in `/任务` reads it (`今晚12点`, `下班前`, `明天上午10点`), at most 7 days ahead;
 * - `回执:否` — no receipt asked (no ladder);
 * - `紧急:是`, or the text starting with `紧急`/`【紧急】` — reminders ignore quiet hours.
 */
import type { CommandContext } from '../src/core/command.js';
import { formatDeadline, isDeadlineText, readDeadline } from '../src/time/deadline.js';
import { parseDuration } from '../src/time/duration.js';
import { UsageError } from '../src/core/errors.js';
import type { Reply } from '../src/core/message.js';
import { foldWidth } from '../src/core/router.js';
import type { DirectiveKind } from '../src/db/schema/index.js';
import { formatNumber, issue, refWord, splitScope } from '../workflows/directive/index.js';
import { checkLength, MAX_CHARS, requireText } from './limits.js';

export interface IssueArgs {
  text: string;
  ackRequired: boolean;
  /** Scope terms; absent = default scope. */
  scope?: string[];
  /** Acknowledgement window in ms; absent = `ACK_ESCALATE_AFTER`. */
  ackWindowMs?: number;
  /** `时限:` written as a time (`今晚12点`, `下班前`): read against the clock when issued, see {@link issueAndConfirm}. */
  ackBy?: string;
  urgent: boolean;
}

const FIELD_WORDS = '范围|时限|回执|紧急';
const ITEM = `(?:(?!(?:${FIELD_WORDS})\\s*[:：])[^\\s、,，;；])+`;
/** A colour or control-level term (`红色网格`, `橙色及以上`, `一级管控`): one may follow a place after a space, `范围:马坞镇 红色网格`. */
const SET_TERM = '(?:[红橙黄蓝绿]色(?:码)?(?:风险)?(?:网格)?(?:及以上|以上)?(?:网格)?|[一二三123]级(?:及以上|以上)?管控(?:乡镇|街道|乡镇街道)?)(?=$|[\\s、,，;；])';
const SCOPE_RE = new RegExp(`范围\\s*[:：]\\s*(${ITEM}(?:(?:\\s*[、,，;；]\\s*|[ \\t\\u3000]+(?=${SET_TERM}))${ITEM})*)`);
/** A clock after a day (`时限:明天 18:00`, `时限:1.15 9点`): part of the 时限, not of the text. */
const CLOCK_AFTER_DAY = '(?:(?<=\\d|[日号號]|[今明后後]天)\\s+(?:上午|下午|晚上|早上)?\\d{1,2}(?:[:：]\\d{2}|[点點时](?:半|\\d{1,2}分?)?)(?![\\d:：]))?';
const DEADLINE_RE = new RegExp(`时限\\s*[:：]\\s*((?:(?!(?:${FIELD_WORDS})\\s*[:：])\\S)+${CLOCK_AFTER_DAY})`);

/** The longest acknowledgement window (`时限:`) accepted: 7 days, ms. */
export const MAX_ACK_WINDOW_MS = 7 * 86_400_000;

const ZH_UNIT_MS: Record<string, number> = { 秒: 1000, 秒钟: 1000, 分: 60_000, 分钟: 60_000, 小时: 3_600_000, 个小时: 3_600_000, 时: 3_600_000, 天: 86_400_000 };

/**
 * Parses a 时限 value: `30分钟`, `1小时`, `1.5小时`, `半小时`, `2小时内`, `45m`, `2h`.
 * @returns milliseconds, or null when it is not a duration.
 */
export function parseWindow(text: string): number | null {
  const t = text.replace(/内$/, '').trim();
  if (t === '半小时' || t === '半个小时') return 1_800_000;
  const m = /^(\d+(?:\.\d+)?)\s*(秒钟|秒|分钟|分|个小时|小时|时|天)$/.exec(t);
  if (m) return Math.round(Number(m[1]) * ZH_UNIT_MS[m[2]!]!);
  return parseDuration(t);
}

/**
 * `text` without `text.slice(start, end)` (a field): the spaces on both sides of it become one space, or
 * none at a line's start or end, so the words around it stay as typed.
 */
function cut(text: string, start: number, end: number): string {
  const before = text.slice(0, start).replace(/[ \t\u3000]+$/, '');
  const after = text.slice(end).replace(/^[ \t\u3000]+/, '');
  return before && after && !before.endsWith('\n') && !after.startsWith('\n') ? `${before} ${after}` : before + after;
}

/**
 * Parses the body of `/令` or `/通告` and its fields, from the text as typed (`verbatim`): the labels
 * (`范围`, `时限`, `回执`, `紧急`) are read with either colon and their values width-folded, and the rest —
 * the body — is kept character for character (full-width `：`, digits and spacing included).
 * @throws UsageError when the text is empty, has no letter or digit or is too long ({@link MAX_CHARS}),
 *   `范围:` is empty, or `时限:` is neither a duration nor a time, or is longer than {@link MAX_ACK_WINDOW_MS}.
 */
export function parseIssueArgs(args: string): IssueArgs {
  checkLength(args.trim(), '内容', MAX_CHARS.directive);
  let ackRequired = true;
  let urgent = false;
  let scope: string[] | undefined;
  let ackWindowMs: number | undefined;
  let rest = args;
  const receipt = /回执\s*[:：]\s*(否|不需要|无|no)/i.exec(rest);
  if (receipt) {
    ackRequired = false;
    rest = cut(rest, receipt.index, receipt.index + receipt[0].length);
  }
  const urgentField = /紧急\s*[:：]\s*(是|yes|1)/i.exec(rest);
  if (urgentField) {
    urgent = true;
    rest = cut(rest, urgentField.index, urgentField.index + urgentField[0].length);
  }
  if (/^\s*(【紧急】|紧急\s)/.test(rest)) urgent = true;
  if (/^\s*紧急\s/.test(rest)) rest = rest.replace(/^\s*紧急\s+/, '');
  let ackBy: string | undefined;
  const deadline = DEADLINE_RE.exec(rest);
  if (deadline) {
    // the value width-folded (`时限：１小时`), cut from the body as typed
    const value = foldWidth(deadline[1]!);
    const ms = parseWindow(value);
    if (ms === null && isDeadlineText(value)) {
      ackBy = value;
    } else {
      if (ms === null || ms <= 0) throw new UsageError(`时限「${deadline[1]!.slice(0, 24)}」看不懂，请写如 时限:30分钟、时限:今晚12点、时限:下班前`);
      if (ms > MAX_ACK_WINDOW_MS) throw new UsageError('时限太长（最多7天）');
      ackWindowMs = ms;
    }
    rest = cut(rest, deadline.index, deadline.index + deadline[0].length);
  }
  const sc = SCOPE_RE.exec(rest);
  if (sc) {
    scope = splitScope(foldWidth(sc[1]!));
    rest = cut(rest, sc.index, sc.index + sc[0].length);
  } else if (/范围\s*[:：]/.test(rest)) {
    throw new UsageError('范围为空，请写如 范围:清溪街道、红色网格');
  }
  const text = requireText(rest, '内容', MAX_CHARS.directive);
  return { text, ackRequired, urgent, ...(scope ? { scope } : {}), ...(ackWindowMs ? { ackWindowMs } : {}), ...(ackBy ? { ackBy } : {}) };
}

/**
 * Issues and returns the confirmation, with its preview line: how many township rooms and grid groups
 * the scope reached.
 * A `时限:` written as a time is read here against `ctx.now` (in `TIMEZONE`, `下班` = `WORKDAY_END`), and any
 * `时限:` given is restated in the confirmation as an absolute date with its weekday.
 * @param within a township id when a township officer issues to their own township
 * @throws UsageError when the `时限:` time is past or more than {@link MAX_ACK_WINDOW_MS} ahead (nothing is issued)
 */
export async function issueAndConfirm(ctx: CommandContext, kind: DirectiveKind, args: IssueArgs, within?: string): Promise<Reply> {
  const tz = ctx.deps.config.TIMEZONE;
  let ackWindowMs = args.ackWindowMs;
  if (args.ackBy !== undefined) {
    const by = readDeadline(args.ackBy, ctx.now, tz, { what: '时限', workdayEnd: ctx.deps.config.WORKDAY_END, maxAheadMs: MAX_ACK_WINDOW_MS, maxAheadText: '最多7天' });
    ackWindowMs = by.getTime() - ctx.now.getTime();
  }
  const r = await issue(ctx.deps, {
    kind,
    text: args.text,
    ackRequired: args.ackRequired,
    scope: args.scope,
    ackWindowMs,
    urgent: args.urgent,
    within,
    issuer: ctx.sender,
    conversationId: ctx.group.conversationId,
    inboundId: ctx.message.inboundId,
    // the drill script's message issues a drill item
    drill: ctx.message.drill === true,
  });
  const n = formatNumber(r.directive);
  // the scope as written, cut: a long list of names is not echoed back in full
  const scope = r.scope ? `范围「${r.scope.length > 40 ? `${r.scope.slice(0, 39)}…` : r.scope}」：` : '';
  const follow = args.ackRequired ? `/进度 ${refWord(r.directive)} 查看确认情况。` : '无需回执。';
  // to the minute (`时限:30分钟` issued at 09:30:02 reads 10:00, as the relay's 「请于10:00前」)
  const by = ackWindowMs !== undefined && r.directive.ackDeadline ? `确认时限 ${formatDeadline(new Date(Math.floor(r.directive.ackDeadline.getTime() / 60_000) * 60_000), tz)}。` : '';
  return { text: `已发布 ${n}，${scope}下发 ${r.townships} 个乡镇指挥室、${r.grids} 个网格群。${by}${follow}` };
}
