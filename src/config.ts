/**
 * gridrelay configuration: PRODUCT.md §4, parsed once from the environment with zod.
 * A bad value stops start-up with a message naming the variable and the accepted form.
 */
import { z } from 'zod';
import { parseDuration, parseRate, type Rate } from './time/duration.js';
import { GridrelayError } from './core/errors.js';

const duration = (name: string) =>
  z.string().transform((v, ctx) => {
    const ms = parseDuration(v);
    if (ms === null || ms <= 0) {
      ctx.addIssue({ code: 'custom', message: `${name}="${v}" is not a duration; write e.g. 30s, 15m, 2h` });
      return z.NEVER;
    }
    return ms;
  });

const rate = (name: string) =>
  z.string().transform((v, ctx): Rate => {
    const r = parseRate(v);
    if (!r) {
      ctx.addIssue({ code: 'custom', message: `${name}="${v}" is not a rate; write e.g. 20/min, 1/s or 20` });
      return z.NEVER;
    }
    return r;
  });

const clock = (name: string) =>
  z.string().regex(/^([01]?\d|2[0-3]):[0-5]\d$/, `${name} must be a time of day HH:MM, e.g. 20:00`);

const quietHours = z.string().transform((v, ctx) => {
  if (v.trim() === '') return null;
  const m = /^\s*(\d{1,2}):(\d{2})\s*-\s*(\d{1,2}):(\d{2})\s*$/.exec(v);
  if (!m || Number(m[1]) > 23 || Number(m[3]) > 23 || Number(m[2]) > 59 || Number(m[4]) > 59) {
    ctx.addIssue({ code: 'custom', message: `QUIET_HOURS="${v}" must be HH:MM-HH:MM (e.g. 22:00-07:00) or empty for off` });
    return z.NEVER;
  }
  return { startMin: Number(m[1]) * 60 + Number(m[2]), endMin: Number(m[3]) * 60 + Number(m[4]) };
});

const durationList = (name: string) =>
  z.string().transform((v, ctx) => {
    const parts = v.split(',').map((p) => p.trim()).filter(Boolean);
    const out: number[] = [];
    for (const p of parts) {
      const ms = parseDuration(p);
      if (ms === null) {
        ctx.addIssue({ code: 'custom', message: `${name}="${v}" must be a comma-separated list of durations, e.g. 2h,30m` });
        return z.NEVER;
      }
      out.push(ms);
    }
    return out;
  });

const timezone = z.string().refine((tz) => {
  try {
    new Intl.DateTimeFormat('en', { timeZone: tz });
    return true;
  } catch {
    return false;
  }
}, 'TIMEZONE must be an IANA time zone such as Asia/Shanghai');

const databaseUrl = z.string().refine((v) => v.startsWith('file:') || v === ':memory:' || /^postgres(ql)?:\/\//.test(v), {
  message: 'DATABASE_URL must be file:<path> (SQLite, e.g. file:./data/gridrelay.db) or postgres://user@host:port/db (PostgreSQL)',
});

export const configSchema = z.object({
  DATABASE_URL: databaseUrl.default('file:./data/gridrelay.db'),
  REDIS_URL: z.string().regex(/^rediss?:\/\//, 'REDIS_URL must be redis://host:port[/db]').default('redis://127.0.0.1:6379'),
  PORT: z.coerce.number().int('PORT must be an integer 0-65535').min(0).max(65535).default(3000),
  /** Address the HTTP server listens on; anything but loopback on the console platform needs `CONSOLE_TOKEN`. */
  HOST: z.string().default('127.0.0.1'),
  TIMEZONE: timezone.default('Asia/Shanghai'),
  ACK_REMIND_AFTER: duration('ACK_REMIND_AFTER').prefault('15m'),
  ACK_ESCALATE_AFTER: duration('ACK_ESCALATE_AFTER').prefault('30m'),
  ACK_ESCALATE_COUNTY_AFTER: duration('ACK_ESCALATE_COUNTY_AFTER').prefault('60m'),
  LEAD_ACCEPT_SLA: duration('LEAD_ACCEPT_SLA').prefault('10m'),
  /** The acceptance SLA of an urgent lead (`紧急:是`), never longer than LEAD_ACCEPT_SLA; repeated until accepted like it. */
  LEAD_URGENT_ACCEPT_SLA: duration('LEAD_URGENT_ACCEPT_SLA').prefault('5m'),
  LEAD_DEDUP_WINDOW: duration('LEAD_DEDUP_WINDOW').prefault('30m'),
  /** A 督查 finding not rectified within this after it is recorded is listed to its township room and the command group (once). */
  INSPECTION_RECTIFY_SLA: duration('INSPECTION_RECTIFY_SLA').prefault('24h'),
  /** `/催办`: the same item is chased (in the same township) at most once within this. */
  CHASE_MIN_GAP: duration('CHASE_MIN_GAP').prefault('10m'),
  TASK_REMIND_BEFORE: durationList('TASK_REMIND_BEFORE').prefault('2h,30m'),
  /** Tests only: recurring tasks repeat at this fixed interval instead of their `每天18点` pattern (ms). */
  TASK_RECUR_EVERY: duration('TASK_RECUR_EVERY').optional(),
  DAILY_REPORT_AT: clock('DAILY_REPORT_AT').default('20:00'),
  /** 红色代办's daily cut-off (`HH:MM` in TIMEZONE): each township room gets its purchase list then; orders after it go on the next day's. */
  ERRAND_CUTOFF: clock('ERRAND_CUTOFF').default('10:00'),
  /** End of the working day (`HH:MM` in TIMEZONE): what `下班前` means in `截止:` and `时限:`. */
  WORKDAY_END: clock('WORKDAY_END').default('17:30'),
  /** Overrides DAILY_REPORT_AT with a cron pattern (5 or 6 fields, seconds first), e.g. every 2 s in tests: "0-59/2 * * * * *". */
  DAILY_REPORT_CRON: z
    .string()
    .regex(/^\S+(\s+\S+){4,5}$/, 'DAILY_REPORT_CRON must be a cron pattern of 5 or 6 fields, e.g. 0 20 * * *')
    .optional(),
  /**
   * Overrides when the errand cut-off job fires (a cron pattern, 5 or 6 fields), e.g. never in a test run:
   * "0 3 1 1 *". Which day's list an order belongs to still follows ERRAND_CUTOFF.
   */
  ERRAND_CUTOFF_CRON: z
    .string()
    .regex(/^\S+(\s+\S+){4,5}$/, 'ERRAND_CUTOFF_CRON must be a cron pattern of 5 or 6 fields, e.g. 0 10 * * *')
    .optional(),
  /** Token for /dashboard and /api/v1/reports (`?token=` or `Authorization: Bearer`); unset → localhost only. */
  DASHBOARD_TOKEN: z.string().optional(),
  /**
   * Where people open gridrelay's HTTP routes (dashboard, exports), for the links the bot posts (`/导出`),
   * e.g. `https://gridrelay.example.gov.cn`; unset → `http://HOST:PORT`.
   */
  PUBLIC_URL: z.url('PUBLIC_URL must be a URL, e.g. https://gridrelay.example.gov.cn').optional(),
  /**
   * Token for every `/console/` route (`Authorization: Bearer <token>` or `?token=`); required when `HOST`
   * is not loopback on the console platform. Unset → the console API is open to whoever reaches it.
   */
  CONSOLE_TOKEN: z
    .string()
    .min(16, 'CONSOLE_TOKEN must be at least 16 characters, e.g. from `openssl rand -hex 16`')
    .regex(/^[\x21-\x7e]+$/, 'CONSOLE_TOKEN may hold printable ASCII only, no spaces')
    .optional(),
  QUIET_HOURS: quietHours.prefault('22:00-07:00'),
  DINGTALK_CLIENT_ID: z.string().optional(),
  DINGTALK_CLIENT_SECRET: z.string().optional(),
  DINGTALK_ROBOT_CODE: z.string().optional(),
  DINGTALK_API_BASE: z.url('DINGTALK_API_BASE must be a URL').default('https://api.dingtalk.com'),
  DINGTALK_GATEWAY_URL: z.url('DINGTALK_GATEWAY_URL must be a URL').default('https://api.dingtalk.com/v1.0/gateway/connections/open'),
  DINGTALK_GROUP_RATE: rate('DINGTALK_GROUP_RATE').prefault('20/min'),
  DINGTALK_APP_QPS: z.coerce.number().int().positive('DINGTALK_APP_QPS must be a positive integer').default(20),
  /** Stream: reconnect when no frame (not even a SYSTEM ping) arrived for this long. */
  DINGTALK_IDLE_TIMEOUT: duration('DINGTALK_IDLE_TIMEOUT').prefault('60s'),
  /** Stream: give up on one ticket request (POST DINGTALK_GATEWAY_URL) or WebSocket open after this long. */
  DINGTALK_TICKET_TIMEOUT: duration('DINGTALK_TICKET_TIMEOUT').prefault('10s'),
  /** Stream: first reconnect delay; doubles per failed attempt (with jitter) up to DINGTALK_RECONNECT_MAX. */
  DINGTALK_RECONNECT_BASE: duration('DINGTALK_RECONNECT_BASE').prefault('1s'),
  DINGTALK_RECONNECT_MAX: duration('DINGTALK_RECONNECT_MAX').prefault('60s'),
  /** OpenAPI / session-webhook request timeout. */
  DINGTALK_HTTP_TIMEOUT: duration('DINGTALK_HTTP_TIMEOUT').prefault('10s'),
  /**
   * Interactive cards (互动卡片): the card template id (卡片平台, see docs/platforms.md). Set → relays with a 收到
   * button and messages that @ people go out as cards; unset → text.
   */
  DINGTALK_CARD_TEMPLATE_ID: z.string().trim().min(1).optional(),
  /**
   * DingTalk DING (`robot/ding/send`, in-app; only editions that have it — 专业版/专属版): `app` DINGs the township
   * officers of an urgent lead not accepted within its SLA and the county duty officers at an urgent directive's
   * county step; `off` (default) never DINGs.
   */
  DINGTALK_DING: z.enum(['off', 'app'], { message: 'DINGTALK_DING must be off or app' }).default('off'),
  SLACK_BOT_TOKEN: z.string().optional(),
  SLACK_APP_TOKEN: z.string().optional(),
  SLACK_SIGNING_SECRET: z.string().optional(),
  SLACK_API_URL: z.url('SLACK_API_URL must be a URL').default('https://slack.com/api/'),
  /** Slack: send rate per channel (Slack allows about 1 message/s per channel). */
  SLACK_CHANNEL_RATE: rate('SLACK_CHANNEL_RATE').prefault('1/s'),
  /** Read receipts (DingTalk): poll who has read a directive's relays at these offsets after it goes out. */
  READ_RECEIPT_POLL: durationList('READ_RECEIPT_POLL').prefault('2m,10m,30m,2h'),
  /** A relay that fails for good is reported to the issuer's group after this window (failures in it are listed together). */
  SEND_FAILURE_REPORT_AFTER: duration('SEND_FAILURE_REPORT_AFTER').prefault('1m'),
  CONSOLE_GROUP_RATE: rate('CONSOLE_GROUP_RATE').prefault('120/min'),
  OUTBOX_CONCURRENCY: z.coerce.number().int().min(1, 'OUTBOX_CONCURRENCY must be ≥ 1').default(16),
  /**
   * The drill (演练, workflows/drill/): the gap between two of its scripted messages, ms. The default spreads the first
   * township's acknowledgements over about a minute; tests set a few ms.
   */
  DRILL_PACE_MS: z.coerce.number().int('DRILL_PACE_MS must be an integer (ms), e.g. 900').min(1, 'DRILL_PACE_MS must be at least 1 (ms)').default(900),
  /** How often (ms) the inbox looks for messages stored but left unprocessed (another process died after storing); 0: never. */
  INBOX_POLL_MS: z.coerce.number().int().min(0, 'INBOX_POLL_MS must be ≥ 0').default(5000),
  /**
   * The Redis key prefix of every queue and lock. On Redis Cluster wrap it in braces, `{gridrelay}`: a hash tag, so
   * every key of a queue lands in one slot, as BullMQ needs (docs/scaling.md).
   */
  QUEUE_PREFIX: z
    .string()
    .regex(/^(\{[A-Za-z0-9_-]+\}|[A-Za-z0-9_-]+)$/, 'QUEUE_PREFIX may hold letters, digits, _ and - only, optionally all in one {hash tag}')
    .default('gridrelay'),
  /**
   * The leader lease (src/jobs/leader.ts), ms: how long the process holding the platform's inbound
   * connection keeps the lease without renewing it. A killed leader is replaced within
   * LEADER_LEASE_MS + LEADER_RENEW_MS.
   */
  LEADER_LEASE_MS: z.coerce.number().int('LEADER_LEASE_MS must be an integer (ms), e.g. 10000').min(100, 'LEADER_LEASE_MS must be at least 100 (ms), e.g. 10000').default(10_000),
  /** How often the leader renews its lease and the other processes try to take it, ms; unset → LEADER_LEASE_MS / 3. */
  LEADER_RENEW_MS: z.coerce.number().int('LEADER_RENEW_MS must be an integer (ms), e.g. 3000').positive('LEADER_RENEW_MS must be positive (ms), e.g. 3000').optional(),
  DEMO_ROSTER: z.string().default('examples/demo-county'),
  LOG_LEVEL: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).default('info'),
});

/** The parsed configuration; durations in milliseconds, rates as {@link Rate}. */
export type Config = z.infer<typeof configSchema>;

/** Thrown by {@link loadConfig} (`GR_ERR_CONFIG`); `message` lists every bad variable, one per line. */
export class ConfigError extends GridrelayError {
  override name = 'ConfigError';
  constructor(message: string) {
    super('GR_ERR_CONFIG', message);
  }
}

/**
 * Parses configuration from an environment (default `process.env`); empty strings count as unset,
 * except `QUIET_HOURS` where empty means "off".
 * @throws ConfigError naming each bad variable and its accepted form.
 */
export function loadConfig(env: Record<string, string | undefined> = process.env): Config {
  const keys = Object.keys(configSchema.shape) as (keyof Config)[];
  const input: Record<string, string> = {};
  for (const k of keys) {
    const v = env[k];
    if (v === undefined) continue;
    if (v === '' && k !== 'QUIET_HOURS') continue;
    input[k] = v;
  }
  const parsed = configSchema.safeParse(input);
  if (!parsed.success) {
    const lines = parsed.error.issues.map((i) => {
      const name = String(i.path[0] ?? '');
      return i.message.includes(name) ? i.message : `${name}: ${i.message}`;
    });
    throw new ConfigError(`invalid configuration:\n  ${lines.join('\n  ')}`);
  }
  const problems = combinationProblems(parsed.data);
  if (problems.length) throw new ConfigError(`invalid configuration:\n  ${problems.join('\n  ')}`);
  return parsed.data;
}

/** Whether `host` is a loopback address (127.0.0.0/8, ::1, localhost): only this machine can connect. */
export function isLoopbackHost(host: string): boolean {
  const h = host.trim().toLowerCase().replace(/^\[(.*)\]$/, '$1');
  return h === 'localhost' || h === '::1' || /^(::ffff:)?127(\.\d{1,3}){3}$/.test(h);
}

/**
 * Variables that are each valid but wrong together, one line per problem naming the variable to set:
 * half a set of platform credentials (which would otherwise silently start the console), an open
 * console API on a non-loopback `HOST` without `CONSOLE_TOKEN`, and a leader lease renewed less often
 * than twice per lease.
 */
function combinationProblems(c: Config): string[] {
  const out: string[] = [];
  const dingtalkPair = { DINGTALK_CLIENT_ID: c.DINGTALK_CLIENT_ID, DINGTALK_CLIENT_SECRET: c.DINGTALK_CLIENT_SECRET };
  const missing = Object.entries(dingtalkPair).filter(([, v]) => !v).map(([k]) => k);
  const given = [...Object.keys(dingtalkPair).filter((k) => !missing.includes(k)), ...(c.DINGTALK_ROBOT_CODE ? ['DINGTALK_ROBOT_CODE'] : [])];
  if (given.length && missing.length) {
    out.push(`${missing.join(' and ')} ${missing.length > 1 ? 'are' : 'is'} not set: ${given.join(' and ')} alone cannot select DingTalk, which needs both DINGTALK_CLIENT_ID and DINGTALK_CLIENT_SECRET (set both, or clear ${given.join(' and ')})`);
  }
  // no DingTalk variable at all → Slack's (with DingTalk complete, DingTalk is used and Slack's are ignored)
  if (given.length === 0) {
    const slackExtras = [...(c.SLACK_APP_TOKEN ? ['SLACK_APP_TOKEN'] : []), ...(c.SLACK_SIGNING_SECRET ? ['SLACK_SIGNING_SECRET'] : [])];
    if (!c.SLACK_BOT_TOKEN && slackExtras.length) {
      out.push(`SLACK_BOT_TOKEN is not set: ${slackExtras.join(' and ')} alone cannot select Slack (set SLACK_BOT_TOKEN, or clear ${slackExtras.join(' and ')})`);
    }
    if (c.SLACK_BOT_TOKEN && !slackExtras.length) {
      out.push('SLACK_APP_TOKEN or SLACK_SIGNING_SECRET is not set: Slack needs SLACK_APP_TOKEN (Socket Mode) or SLACK_SIGNING_SECRET (HTTP events) beside SLACK_BOT_TOKEN');
    }
  }
  if (out.length === 0 && platformOf(c) === 'console' && !isLoopbackHost(c.HOST) && !c.CONSOLE_TOKEN) {
    out.push(`CONSOLE_TOKEN is not set: with HOST=${c.HOST} (not loopback) anyone who reaches the console API could post as any member and read every group; set CONSOLE_TOKEN, or HOST=127.0.0.1`);
  }
  if (c.LEADER_RENEW_MS !== undefined && c.LEADER_RENEW_MS * 2 > c.LEADER_LEASE_MS) {
    out.push(`LEADER_RENEW_MS=${c.LEADER_RENEW_MS} is more than half of LEADER_LEASE_MS=${c.LEADER_LEASE_MS}: the lease would lapse between renews; set LEADER_RENEW_MS to at most LEADER_LEASE_MS / 2 (default LEADER_LEASE_MS / 3)`);
  }
  return out;
}

/** The platform chosen by configuration: DingTalk credentials → dingtalk; Slack token → slack; else console. */
export function platformOf(config: Config): 'console' | 'dingtalk' | 'slack' {
  if (config.DINGTALK_CLIENT_ID && config.DINGTALK_CLIENT_SECRET) return 'dingtalk';
  if (config.SLACK_BOT_TOKEN) return 'slack';
  return 'console';
}

/** Whether the chosen platform reports who read a message (DingTalk's read receipts); only then is a read rate shown. */
export function platformReportsReads(config: Config): boolean {
  return platformOf(config) === 'dingtalk';
}

/** Whether DINGs are sent (DingTalk with `DINGTALK_DING=app`); elsewhere no DING row is stored (src/core/ding.ts). */
export function platformDings(config: Config): boolean {
  return platformOf(config) === 'dingtalk' && config.DINGTALK_DING === 'app';
}
