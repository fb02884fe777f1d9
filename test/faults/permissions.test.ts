/**
 * The permission matrix (PRODUCT.md §2.5, fail closed): every chat command × every role (and a sender not
 * in the roster) × a set of groups — the sender's own group, other units' groups of the same tier, groups
 * of the wrong tier. What is not allowed is refused with a short reason and changes nothing (no new
 * directive, lead, task, acknowledgement, colour or audit row, nothing posted but the refusal); what is
 * allowed is not refused (a write changes state, a read shows its view). Then: a lead's text never
 * reaches a group outside its grid group, its township room and (once escalated) the command group.
 *
 * The expected matrix below is written from the contract, not derived from `commands/`.
 *
 * Driven over the console HTTP contract (`say`) on one test app; instead of `ask`'s 100 ms polling, each
 * exchange waits for the inbox to go idle and reads the reply from the outbox (stored in the message's
 * own transaction), so ~1,100 cases take seconds.
 */
import { sqliteClient } from '../../src/db/client.js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildTestApp, type TestApp } from '../helpers/app.js';
import { COMMANDS } from '../../commands/index.js';
import { county, say } from '../helpers/console.js';
import { recordFault } from './record.js';

const c = county();

// ── who and where ─────────────────────────────────────────────────────────────────────────────────────

const ROLES = ['commander', 'duty_officer', 'inspector', 'township_officer', 'grid_leader', 'grid_worker', 'grid_member'] as const;
type Role = (typeof ROLES)[number];
type Sender = Role | 'unknown';
const SENDERS: readonly Sender[] = [...ROLES, 'unknown'];

/** The units of the test: county C01; township T1 (the officer's) and T2; grid G1 (the grid roles'), G1b (same township), G2 (in T2). */
const UNIT = { C: 'C01', T1: 'T01', T2: 'T02', G1: 'T01-V01-G1', G1b: 'T01-V01-G2', G2: 'T02-V01-G1' } as const;
type Place = keyof typeof UNIT;
const PLACES = Object.keys(UNIT) as Place[];
const ALL: readonly Place[] = PLACES;
const GRIDS: readonly Place[] = ['G1', 'G1b', 'G2'];
const group = (p: Place) => c.groupOf[UNIT[p]]!;

const senderUnit: Record<Role, string> = {
  commander: UNIT.C, duty_officer: UNIT.C, inspector: UNIT.C,
  township_officer: UNIT.T1,
  grid_leader: UNIT.G1, grid_worker: UNIT.G1, grid_member: UNIT.G1,
};
const memberId = (s: Sender) => (s === 'unknown' ? 'nobody-not-in-roster' : c.members.find((m) => m.role === s && m.unit_id === senderUnit[s])!.member_id!);

// ── the expected matrix, from PRODUCT.md §2.5 ────────────────────────────────────────────────────────
// A role acts from its own unit's group (the county from the command group, a township officer from its
// room, grid roles from their grid group); leads are reported in a grid group. Reads (progress, stats,
// leads, task lists): county roles everywhere; a township officer in its room and its own grids' groups;
// grid roles in their own grid group. The unknown sender may do nothing anywhere.

type Cmd =
  | 'directive' | 'notice' | 'ack' | 'ack-plain' | 'progress' | 'amend' | 'revoke' | 'report' | 'accept' | 'verify' | 'handle' | 'close'
  | 'escalate' | 'transfer' | 'leads' | 'lead' | 'task' | 'done' | 'reschedule' | 'cancel-task' | 'tasks' | 'stats' | 'risk' | 'help'
  | 'inspect' | 'inspections' | 'inspection' | 'rectify' | 'inspect-close' | 'publish'
  | 'export' | 'chase' | 'errand' | 'errand-list';

const READ: Partial<Record<Sender, readonly Place[]>> = {
  commander: ALL, duty_officer: ALL, inspector: ALL,
  township_officer: ['T1', 'G1', 'G1b'],
  grid_leader: ['G1'], grid_worker: ['G1'], grid_member: ['G1'],
};
const COUNTY_ISSUE = { commander: ['C'], duty_officer: ['C'] } as const;
const ISSUE_OR_OWN_TOWNSHIP = { ...COUNTY_ISSUE, township_officer: ['T1'] } as const;
const OWN_UNIT_ACK = { grid_leader: ['G1'], grid_worker: ['G1'], grid_member: ['G1'] } as const;
const REPORT = Object.fromEntries(ROLES.map((r) => [r, GRIDS])) as Record<Role, readonly Place[]>;
// 督查: inspectors and commanders record, close and publish in the command group; a township officer
// rectifies its own township's findings in its room and reads its own; the county reads everywhere but grid
// groups — one finding (of T1) only in the command group and T1's room; grid roles see nothing of it
const INSPECTORS = { commander: ['C'], inspector: ['C'] } as const;
const FINDINGS_READ = { commander: ['C', 'T1', 'T2'], duty_officer: ['C', 'T1', 'T2'], inspector: ['C', 'T1', 'T2'], township_officer: ['T1'] } as const;
const FINDING_READ = { commander: ['C', 'T1'], duty_officer: ['C', 'T1'], inspector: ['C', 'T1'], township_officer: ['T1'] } as const;

const EXPECTED: Record<Cmd, Partial<Record<Sender, readonly Place[]>>> = {
  // directive, notice, amend, revoke: county-wide by commander/duty officer; a township officer only notices to (and of) own township
  directive: COUNTY_ISSUE,
  notice: ISSUE_OR_OWN_TOWNSHIP,
  amend: ISSUE_OR_OWN_TOWNSHIP,
  revoke: ISSUE_OR_OWN_TOWNSHIP,
  // acknowledge: for own township / own grid. Complete a task: tasks go to grids only (§2.3), so for own grid.
  ack: { township_officer: ['T1'], ...OWN_UNIT_ACK },
  'ack-plain': { township_officer: ['T1'], ...OWN_UNIT_ACK },
  done: OWN_UNIT_ACK,
  // report a lead: every role, in a grid group
  report: REPORT,
  // move a lead: county any, township officer own township's
  accept: ISSUE_OR_OWN_TOWNSHIP,
  verify: ISSUE_OR_OWN_TOWNSHIP,
  handle: ISSUE_OR_OWN_TOWNSHIP,
  close: ISSUE_OR_OWN_TOWNSHIP,
  // /上报县: a township officer escalates its own township's lead from its room; in a grid group it is
  // refused with the way to report (never filed as a lead whose text is 县)
  escalate: { township_officer: ['T1'] },
  // /转: the county sends a lead to a township, from the command group (issue 17)
  transfer: COUNTY_ISSUE,
  // task: county any units, township officer own township's grids (and changing / cancelling them)
  task: ISSUE_OR_OWN_TOWNSHIP,
  reschedule: ISSUE_OR_OWN_TOWNSHIP,
  'cancel-task': ISSUE_OR_OWN_TOWNSHIP,
  // progress, stats, lead and task lists: by the asker
  progress: READ,
  stats: READ,
  leads: READ,
  lead: READ,
  tasks: READ,
  // set risk colour: county any grid, township officer own township's grids
  risk: ISSUE_OR_OWN_TOWNSHIP,
  help: Object.fromEntries(ROLES.map((r) => [r, ALL])),
  inspect: INSPECTORS,
  'inspect-close': INSPECTORS,
  publish: INSPECTORS,
  rectify: { township_officer: ['T1'] },
  inspections: FINDINGS_READ,
  inspection: FINDING_READ,
  // one item's export link (it carries the dashboard token, which reads every township): county roles, command group
  export: { commander: ['C'], duty_officer: ['C'], inspector: ['C'] },
  // chase the silent units of an item: county any units (command group), township officer own township's grids (its room)
  chase: ISSUE_OR_OWN_TOWNSHIP,
  // 红色代办: grid roles order (and settle, deliver) for their own grid, in its group; a township officer
  // runs its own township's list in its room (`/代办` alone shows it); the county reads errands in reports
  errand: OWN_UNIT_ACK,
  'errand-list': { township_officer: ['T1'] },
};
const READS: ReadonlySet<Cmd> = new Set(['progress', 'stats', 'leads', 'lead', 'tasks', 'help', 'inspections', 'inspection', 'export', 'errand-list']);
const allowed = (cmd: Cmd, s: Sender, p: Place) => (EXPECTED[cmd][s] ?? []).includes(p);

// ── driving the bot ──────────────────────────────────────────────────────────────────────────────────

let app: TestApp;
const sql = <T = Record<string, unknown>>(q: string, ...args: unknown[]) => sqliteClient(app.db).prepare(q).all(...args) as T[];
const one = <T = Record<string, unknown>>(q: string, ...args: unknown[]) => sql<T>(q, ...args)[0]!;

/** Everything a refused command must leave as it was. */
function fingerprint(): string {
  return JSON.stringify(one(`select
    (select count(*) from directives) d, (select group_concat(status || '/' || revision) from directives) ds,
    (select count(*) from acknowledgements) a, (select count(*) from directive_events) de,
    (select count(*) from leads) l, (select group_concat(state || '/' || coalesce(escalated_at, '')) from leads) ls,
    (select count(*) from lead_events) le,
    (select count(*) from tasks) t, (select group_concat(status || '/' || deadline || '/' || rev) from tasks) ts,
    (select count(*) from task_targets where done_at is not null) td, (select count(*) from task_series) tse,
    (select count(*) from unit_status_history) h, (select group_concat(coalesce(risk_colour, '-')) from units where kind = 'grid') rc,
    (select count(*) from inspections) i, (select group_concat(state || '/' || coalesce(published_at, '') || '/' || json_array_length(attachments)) from inspections) iss,
    (select count(*) from errands) e, (select group_concat(state) from errands) es,
    (select count(*) from audit_log) au`));
}

interface Exchange {
  reply: string;
  /** Messages posted for this one, besides the reply. */
  posted: { conversationId: string; text: string }[];
  changed: boolean;
}

/** Says `text` as `sender` in `place`'s group (console HTTP), waits for the inbox, returns the reply and what changed. */
async function exchange(s: Sender | { id: string }, p: Place, text: string): Promise<Exchange> {
  const before = fingerprint();
  const lastOut = one<{ m: number | null }>('select max(id) m from outbound_messages').m ?? 0;
  const r = await say(app.http, group(p), typeof s === 'string' ? memberId(s) : s.id, text);
  if (r.status !== 202) throw new Error(`inbound answered ${r.status}: ${JSON.stringify(r.body)}`);
  await app.inbox.idle();
  const inbound = one<{ id: number; status: string }>('select id, status from inbound_messages where platform_msg_id = ?', r.body.msgId);
  const out = sql<{ conversationId: string; text: string; replyTo: number | null }>(
    'select conversation_id conversationId, text, reply_to_inbound_id replyTo from outbound_messages where id > ? order by id',
    lastOut,
  );
  const reply = out.find((m) => m.replyTo === inbound.id);
  if (!reply) throw new Error(`no reply to ${text} (inbound ${inbound.status})`);
  return { reply: reply.text, posted: out.filter((m) => m !== reply), changed: fingerprint() !== before };
}

/** A setup step that must succeed. */
async function must(s: Sender | { id: string }, p: Place, text: string, re: RegExp): Promise<RegExpExecArray> {
  const { reply } = await exchange(s, p, text);
  const m = re.exec(reply);
  if (!m) throw new Error(`setup "${text}" answered: ${reply}`);
  return m;
}

let token = 0;
/** A unique marker for texts: `K0001` … */
const tok = () => `K${String(++token).padStart(4, '0')}`;

// ── items to act on ──────────────────────────────────────────────────────────────────────────────────

const FIVE_GROUPS = '范围:清溪街道周家坞村第1网格、清溪街道周家坞村第2网格、华岭镇林家坪村第1网格';
const T1_GRIDS = '范围:周家坞村第1网格、周家坞村第2网格';
const DEADLINE = () => `${20 + (token % 300)}小时内`;

/** A county directive to T1, T2, G1, G1b, G2: its reference (`令3`). */
const newDirective = async (scope = FIVE_GROUPS) => `令${(await must('commander', 'C', `/令 核查${tok()} ${scope}`, /指挥部令〔\d{4}〕第(\d+)号/))[1]}`;
/** A notice of T1's officer to grids of T1, in T1's own series: `清溪街道通告4`. */
const newOfficerNotice = async () => {
  const m = await must('township_officer', 'T1', `/通告 乡镇通知${tok()} 范围:周家坞村第1网格`, /(\S+?通告)〔\d{4}〕第(\d+)号/);
  return `${m[1]}${m[2]}`;
};

type LeadState = 'reported' | 'accepted' | 'escalated';
const officerOf = (t: string) => c.memberOf(t, 'township_officer');
/** A lead reported by the grid worker of `grid` (in its group), moved to `state` by its township officer; its full number. */
async function newLead(grid: Place, state: LeadState = 'reported', marker = tok()): Promise<string> {
  const unit = UNIT[grid];
  const worker = c.memberOf(unit, 'grid_worker');
  const r = await say(app.http, group(grid), worker, `/上报 ${marker} 独居老人发热待送医`);
  expect(r.status).toBe(202);
  await app.inbox.idle();
  const lead = one<{ day: number; number: number; townshipId: string }>('select day, number, township_id townshipId from leads order by id desc limit 1');
  const ref = `${lead.day}-${String(lead.number).padStart(3, '0')}`;
  const room = c.groupOf[lead.townshipId]!;
  const officer = officerOf(lead.townshipId);
  const step = async (text: string) => {
    await say(app.http, room, officer, text);
    await app.inbox.idle();
  };
  if (state === 'accepted') await step(`/受理 ${ref}`);
  if (state === 'escalated') await step(`/上报县 ${ref} 需县里协调`);
  const now = one<{ state: string; escalated: number | null }>('select state, escalated_at escalated from leads where day = ? and number = ?', lead.day, lead.number);
  expect(state === 'escalated' ? now.escalated !== null : now.state === state).toBe(true);
  return ref;
}

/** A 督查 finding on G1 (in T1), recorded by an inspector in the command group: its number. */
const newFinding = async (grid = '清溪街道周家坞村第1网格') => Number((await must('inspector', 'C', `/督查 ${grid} 卡口无人值守${tok()}`, /督查〔\d{4}〕第(\d+)号/))[1]);

/** A task to G1 and G1b (and the grid named 林家坪村第1网格), by the county or by T1's officer: its number. */
async function newTask(by: 'county' | 'officer'): Promise<number> {
  const scope = by === 'county' ? `${T1_GRIDS}、华岭镇林家坪村第1网格` : T1_GRIDS;
  const [s, p]: [Sender, Place] = by === 'county' ? ['commander', 'C'] : ['township_officer', 'T1'];
  return Number((await must(s, p, `/任务 巡查${tok()} 截止:30天内 ${scope}`, /专项任务〔\d{4}〕第(\d+)号/))[1]);
}

/** Items shared by the cases expected to be refused (a refused case changes nothing); dropped after a leak. */
const shared = new Map<string, Promise<string | number>>();
const once = <T extends string | number>(key: string, make: () => Promise<T>): Promise<T> => {
  if (!shared.has(key)) shared.set(key, make());
  return shared.get(key)! as Promise<T>;
};

const COLOURS = ['红', '橙', '黄', '蓝', '绿'];
const COLOUR_OF: Record<string, number> = { red: 0, orange: 1, yellow: 2, blue: 3, green: 4 };
/** A colour the grid does not have now, so a `/风险` that goes through changes it. */
const otherColour = (unitId: string) => COLOURS[((COLOUR_OF[one<{ c: string }>('select risk_colour c from units where id = ?', unitId).c] ?? 0) + 1) % 5]!;

/**
 * The text for `cmd` sent by `s` in `p`, creating what it acts on: fresh items when the case is expected to
 * go through (so it can change something), shared ones otherwise. The item is the one the sender could
 * most plausibly act on (a township officer: its own notice, task, township's lead), so a refusal is about
 * who and where, not about the item.
 */
async function textFor(cmd: Cmd, s: Sender, p: Place, fresh: boolean): Promise<string> {
  const item = <T extends string | number>(key: string, make: () => Promise<T>) => (fresh ? make() : once(key, make));
  const officer = s === 'township_officer';
  const t = tok();
  switch (cmd) {
    case 'directive': return `/令 测试令${t} 范围:周家坞村第1网格`;
    case 'notice': return `/通告 测试通告${t} 范围:周家坞村第1网格`;
    case 'ack': return `/收到 ${await item('directive', () => newDirective())}`;
    case 'ack-plain': return fresh ? (await newDirective(), '收到') : '收到';
    case 'progress': return `/进度 ${await once('directive', () => newDirective())}`;
    case 'amend':
    case 'revoke': {
      const ref = officer ? await item('notice', newOfficerNotice) : await item('directive', () => newDirective());
      return `${cmd === 'amend' ? '/更正' : '/撤回'} ${ref} 更正${t}`;
    }
    case 'report': return `/上报 ${t} 有人从外地返回`;
    case 'accept': return `/受理 ${await item('lead-reported', () => newLead('G1'))}`;
    case 'verify': return `/核查 ${await item('lead-accepted', () => newLead('G1', 'accepted'))} 核查${t}`;
    case 'handle': return `/处置 ${await item('lead-accepted', () => newLead('G1', 'accepted'))} 处置${t}`;
    case 'close': return `/办结 ${await item('lead-accepted', () => newLead('G1', 'accepted'))} 办结${t}`;
    case 'escalate': return `/上报县 ${await (p === 'T1' && fresh ? newLead('G1') : once('lead-reported', () => newLead('G1')))} ${t}需协调`;
    // a transferred lead's text was in its first township's room before: this one carries no K-marker, so the
    // check below (text only in the lead's current township's room) stays about leaks, not about transfers
    case 'transfer': return `/转 ${fresh ? await newLead('G1', 'reported', `X${tok().slice(1)}`) : await once('lead-reported', () => newLead('G1'))} 大坑乡`;
    case 'leads': return '/线索';
    case 'lead': {
      // a lead that is the group's own: reported in it, or in one of its grids; the county's an escalated one
      const from: Record<Place, [Place, LeadState]> = { C: ['G1', 'escalated'], T1: ['G1', 'reported'], G1: ['G1', 'reported'], G1b: ['G1b', 'reported'], T2: ['G2', 'reported'], G2: ['G2', 'reported'] };
      const [grid, state] = from[p];
      return `/线索 ${await once(`lead-${grid}-${state}`, () => newLead(grid, state))}`;
    }
    case 'task': return `/任务 测试任务${t} 截止:30天内 范围:周家坞村第1网格`;
    case 'done': return `/完成 ${await item('task-county', () => newTask('county'))}`;
    case 'reschedule':
    case 'cancel-task': {
      const n = officer ? await item('task-officer', () => newTask('officer')) : await item('task-county', () => newTask('county'));
      return cmd === 'reschedule' ? `/改期 ${n} 截止:${DEADLINE()}` : `/取消任务 ${n}`;
    }
    case 'tasks': return '/任务列表';
    case 'stats': return '/统计';
    case 'risk': return `/风险 周家坞村第1网格 ${otherColour(UNIT.G1)}`;
    case 'help': return '/帮助';
    case 'inspect': return `/督查 清溪街道周家坞村第1网格 卡口无人值守${t}`;
    case 'inspections': return '/督查列表';
    case 'inspection': return `/督查列表 ${await once('finding', () => newFinding())}`;
    case 'rectify': return `/整改 ${await item('finding', () => newFinding())} 整改${t}`;
    case 'inspect-close': return `/督查结案 ${await item('finding', () => newFinding())}`;
    case 'publish': return `/通报 ${await item('finding', () => newFinding())}`;
    case 'export': return `/导出 ${await once('directive', () => newDirective())}`;
    case 'chase': return `/催办 ${await item('directive', () => newDirective())}`;
    case 'errand': return `/代办 大米10斤 酱油两瓶 ${t}`;
    case 'errand-list': return '/代办';
  }
}

/** What a read shows when it goes through (a refusal shows none of it). */
function readShown(cmd: Cmd, text: string, reply: string): boolean {
  switch (cmd) {
    case 'progress': return reply.includes('确认进度');
    case 'stats': return reply.startsWith('📊');
    case 'leads': return reply.startsWith('未办结线索');
    case 'lead': return reply.includes(leadToken(text.split(' ')[1]!));
    case 'tasks': return /专项任务/.test(reply);
    case 'help': return reply.startsWith('可用指令') || /没有你（.+）可用的指令/.test(reply);
    case 'inspections': return reply.startsWith('督查问题');
    case 'inspection': return reply.includes('\n单位：');
    case 'export': return reply.includes('确认明细');
    case 'errand-list': return reply.startsWith('本乡镇暂无待汇总') || reply.startsWith('截至目前');
    default: return false;
  }
}
/** The marker (`K0001`) in a lead's text, by its number `20260129-007`. */
function leadToken(ref: string): string {
  const [day, number] = ref.split('-');
  return /K\d{4}/.exec(one<{ text: string }>('select text from leads where day = ? and number = ?', Number(day), Number(number)).text)![0];
}

// ── the run ──────────────────────────────────────────────────────────────────────────────────────────

interface Case {
  name: string;
  sender: Sender;
  place: Place;
  /** Expected to go through. */
  ok: boolean;
  /** A read (judged by what it shows) rather than a write (judged by what it changes). */
  read?: boolean;
  /** Builds the text; `fresh` when the case is expected to go through. */
  text: (fresh: boolean) => Promise<string>;
  /** For reads: whether the reply shows the view. */
  shown?: (text: string, reply: string) => boolean;
}

const leaks: string[] = [];
const wronglyRefused: string[] = [];
let checked = 0;

async function run(k: Case): Promise<void> {
  const text = await k.text(k.ok);
  const x = await exchange(k.sender, k.place, text);
  checked++;
  const label = `${k.name} · ${k.sender} in ${k.place}: ${text} → ${x.reply.replace(/\n/g, ' ').slice(0, 80)}`;
  if (k.ok) {
    const through = k.read ? k.shown!(text, x.reply) && !x.changed : x.changed;
    if (!through) wronglyRefused.push(label);
    return;
  }
  const shown = k.read && k.shown!(text, x.reply);
  const said = /[\u4e00-\u9fff]/.test(x.reply) && x.reply.length <= 120;
  if (x.changed || x.posted.length > 0 || shown || !said) {
    leaks.push(`${label}${x.changed ? ' [changed state]' : ''}${x.posted.length ? ` [posted ${x.posted.length}]` : ''}${shown ? ' [showed it]' : ''}${said ? '' : ' [no short reason]'}`);
    shared.clear(); // an item may have been used up by the leak
  }
}

/** Cases about whose item it is (§2.5: own township's leads, grids, notices, tasks; own unit's directives). */
function itemCases(): Case[] {
  const w = (name: string, sender: Sender, place: Place, ok: boolean, text: (fresh: boolean) => Promise<string>): Case => ({ name, sender, place, ok, text });
  const r = (name: string, sender: Sender, place: Place, text: () => Promise<string>): Case => ({
    name, sender, place, ok: false, read: true, text, shown: (t, reply) => readShown('lead', t, reply),
  });
  const t2Lead = (state: LeadState = 'reported') => once(`lead-G2-${state}`, () => newLead('G2', state));
  return [
    w('move another township\'s lead', 'township_officer', 'T1', false, async () => `/受理 ${await t2Lead()}`),
    w('escalate another township\'s lead', 'township_officer', 'T1', false, async () => `/上报县 ${await t2Lead()} 需协调`),
    w('the county moves any township\'s lead', 'duty_officer', 'C', true, async () => `/受理 ${await newLead('G2')}`),
    w('notice to another township', 'township_officer', 'T1', false, async () => `/通告 通知${tok()} 范围:华岭镇`),
    w('task to another township', 'township_officer', 'T1', false, async () => `/任务 巡查${tok()} 截止:30天内 范围:华岭镇`),
    w('task to another township\'s grid', 'township_officer', 'T1', false, async () => `/任务 巡查${tok()} 截止:30天内 范围:林家坪村第1网格`),
    w('risk colour of another township\'s grid', 'township_officer', 'T1', false, async () => `/风险 ${UNIT.G2} 红`),
    w('the county sets any grid\'s colour', 'commander', 'C', true, async () => `/风险 ${UNIT.G2} ${otherColour(UNIT.G2)}`),
    w('amend a county directive from a township room', 'township_officer', 'T1', false, async () => `/更正 ${await once('directive', () => newDirective())} 改为明天`),
    w('revoke a county directive from a township room', 'township_officer', 'T1', false, async () => `/撤回 ${await once('directive', () => newDirective())}`),
    w('amend another township\'s notice', 'township_officer', 'T1', false, async () => {
      const n = await once('t2-notice', async () => {
        const m = await must({ id: officerOf(UNIT.T2) }, 'T2', `/通告 华岭通知${tok()}`, /(\S+?通告)〔\d{4}〕第(\d+)号/);
        return `${m[1]}${m[2]}`;
      });
      return `/更正 ${n} 改为明天`;
    }),
    w('reschedule a county task from a township room', 'township_officer', 'T1', false, async () => `/改期 ${await once('task-county', () => newTask('county'))} 截止:${DEADLINE()}`),
    w('cancel a county task from a township room', 'township_officer', 'T1', false, async () => `/取消任务 ${await once('task-county', () => newTask('county'))}`),
    w('acknowledge a directive not sent to the grid', 'grid_worker', 'G1', false, async () => `/收到 ${await once('directive-t2', () => newDirective('范围:华岭镇林家坪村第1网格'))}`),
    w('complete a task not sent to the grid', 'grid_worker', 'G1', false, async () => {
      const n = await once('task-t2', async () => Number((await must('commander', 'C', `/任务 巡查${tok()} 截止:30天内 范围:华岭镇`, /专项任务〔\d{4}〕第(\d+)号/))[1]));
      return `/完成 ${n}`;
    }),
    // a lead is read only where its text may go: the county reading G1's lead in other groups
    r('read a lead in another grid\'s group', 'commander', 'G1b', async () => `/线索 ${await once('lead-G1-reported', () => newLead('G1'))}`),
    r('read a lead in another township\'s room', 'inspector', 'T2', async () => `/线索 ${await once('lead-G1-reported', () => newLead('G1'))}`),
    r('read a lead in another township\'s grid', 'duty_officer', 'G2', async () => `/线索 ${await once('lead-G1-reported', () => newLead('G1'))}`),
    // a finding is T2's: T1's officer may neither rectify nor read it
    w('rectify another township\'s finding', 'township_officer', 'T1', false, async () => `/整改 ${await once('finding-t2', () => newFinding('华岭镇林家坪村第1网格'))} 已整改`),
    {
      name: 'read another township\'s finding', sender: 'township_officer', place: 'T1', ok: false, read: true,
      text: async () => `/督查列表 ${await once('finding-t2', () => newFinding('华岭镇林家坪村第1网格'))}`,
      shown: (t, reply) => readShown('inspection', t, reply),
    },
  ];
}

beforeAll(async () => {
  app = await buildTestApp();
});
afterAll(async () => {
  await app?.close();
});

describe('permission matrix (PRODUCT.md §2.5)', () => {
  it('covers every command', () => {
    // the variants: /线索 <号> (one lead) beside /线索 (the list); a plain 收到 beside /收到; /督查列表 <号> beside /督查列表;
    // /代办 alone (a township's list so far) beside /代办 <物品> (an order)
    expect(new Set([...COMMANDS.map((k) => k.name), 'lead', 'ack-plain', 'inspection', 'errand-list'])).toEqual(new Set(Object.keys(EXPECTED)));
  });

  it('refuses, with a reason and changing nothing, whatever the contract does not allow; lets through what it does', async () => {
    for (const cmd of Object.keys(EXPECTED) as Cmd[]) {
      for (const s of SENDERS) {
        for (const p of PLACES) {
          await run({
            name: cmd,
            sender: s,
            place: p,
            ok: allowed(cmd, s, p),
            read: READS.has(cmd),
            text: (fresh) => textFor(cmd, s, p, fresh),
            shown: (text, reply) => readShown(cmd, text, reply),
          });
        }
      }
    }
    for (const k of itemCases()) await run(k);

    // a lead's text only in its grid group, its township room and — once escalated — the command group
    const leads = sql<{ text: string; reportedIn: string; townshipId: string; escalated: number | null; sla: number | null }>(
      'select text, reported_in reportedIn, township_id townshipId, escalated_at escalated, sla_breached_at sla from leads',
    );
    const out = sql<{ conversationId: string; text: string }>('select conversation_id conversationId, text from outbound_messages');
    let textLeaks = 0;
    for (const l of leads) {
      const marker = /K\d{4}/.exec(l.text)?.[0];
      if (!marker) continue;
      const may = new Set([l.reportedIn, c.groupOf[l.townshipId]!, ...(l.escalated !== null || l.sla !== null ? [c.commandGroup] : [])]);
      for (const m of out) {
        if (m.text.includes(marker) && !may.has(m.conversationId)) {
          textLeaks++;
          leaks.push(`lead text ${marker} posted in ${m.conversationId}: ${m.text.slice(0, 60)}`);
        }
      }
    }

    recordFault('permission cases checked', checked);
    recordFault('permission leaks found', leaks.length, 'expected 0');
    expect(leads.length).toBeGreaterThan(10);
    expect(textLeaks).toBe(0);
    expect(leaks).toEqual([]);
    expect(wronglyRefused).toEqual([]);
  });

  it('/帮助 offers each person exactly what the matrix lets them do in that group', async () => {
    const byWord = new Map(COMMANDS.flatMap((k) => k.words.map((w) => [w, k.name] as const)));
    const wrong: string[] = [];
    for (const s of ROLES) {
      for (const p of PLACES) {
        const { reply } = await exchange(s, p, '/帮助');
        const listed = new Set((reply.match(/\/[^\s<\[、，（]+/g) ?? []).map((w) => byWord.get(w) ?? w));
        const want = new Set<string>((Object.keys(EXPECTED) as Cmd[]).filter((k) => k !== 'help' && allowed(k, s, p)).map((k) => (k === 'lead' ? 'leads' : k === 'ack-plain' ? 'ack' : k === 'inspection' ? 'inspections' : k === 'errand-list' ? 'errand' : k)));
        const extra = [...listed].filter((k) => !want.has(k));
        const missing = [...want].filter((k) => !listed.has(k));
        if (extra.length || missing.length) wrong.push(`${s} in ${p}: extra ${extra.join(',')} missing ${missing.join(',')}`);
        // nothing usable here: the answer says so, instead of an empty list
        if (want.size === 0 && !/没有你（.+）可用的指令/.test(reply)) wrong.push(`${s} in ${p}: ${reply.slice(0, 40)}`);
      }
    }
    expect(wrong).toEqual([]);
  });
});
