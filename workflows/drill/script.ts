/**
 * The drill's script (see ./index.ts for the story): its cast read from the loaded roster, and its steps. Each
 * message goes through `say` (the inbox, marked `drill`); what it created is read back by the message's id.
 */
import type { CoreDeps } from '../../src/core/deps.js';
import { eventsOf } from '../../src/db/queries/directives.js';
import { messageOutcome, type MessageOutcome } from '../../src/db/queries/drill.js';
import { countyUnit, groupOfUnit, membersWithRoles, townships, unitsWithGroups } from '../../src/db/queries/roster.js';
import type { Directive } from '../../src/db/schema/index.js';
import { ladderTimes } from '../directive/ladder.js';

/** The steps of a drill, in order. */
export type DrillStep = 'directive' | 'acks' | 'reminder' | 'late' | 'lead' | 'task' | 'progress';

/** Each step as `GET /console/v1/drill` names it. */
export const STEP_ZH: Record<DrillStep, string> = {
  directive: '发布指挥部令',
  acks: '网格陆续确认',
  reminder: '等待系统提醒未确认网格',
  late: '迟到确认',
  lead: '上报并受理线索',
  task: '下达并完成专项任务',
  progress: '查看确认进度',
};

/** What the script is given: the deps, its pace, how to speak and how to report its step. */
export interface ScriptContext {
  deps: CoreDeps;
  /** The gap between two scripted messages, ms. */
  paceMs: number;
  /** How long to wait for one message to be processed, ms. */
  timeoutMs: number;
  /** Aborted when the app stops: every pause ends at once and the script throws. */
  signal: AbortSignal;
  /** Stores a person's message (marked `drill`). @returns its platform message id */
  say(conversationId: string, senderId: string, text: string): Promise<string>;
  /** Reports the step beginning now. */
  step(step: DrillStep): Promise<void>;
}

/** A grid the drill plays, with its group and the member who answers for it. */
interface CastGrid {
  id: string;
  name: string;
  conversationId: string;
  worker: string;
  /** on time, late (after the ladder's reminder) or silent. */
  plays: 'on-time' | 'late' | 'silent';
}

/** Who plays the drill: a commander in the command group, the first township (room, officer) with grids. */
interface Cast {
  commandGroup: string;
  commander: string;
  township: { id: string; name: string; room: string; officer: string };
  grids: CastGrid[];
}

/** The grids the drill plays at most (a big township's first ones). */
const MAX_GRIDS = 120;

/**
 * The cast from the roster: the county's first commander (or duty officer), and the first township (by id) with a
 * room, an officer and at least 4 grid groups with a member; of its grids every eighth (from the 3rd) is late, every
 * eighth (from the 6th) silent.
 * @throws Error when the roster has no such county or township (no roster loaded)
 */
async function castOf(deps: CoreDeps): Promise<Cast> {
  const { db } = deps;
  const county = await countyUnit(db);
  const commandGroup = county && (await groupOfUnit(db, county.id))?.conversationId;
  const commander = county && (await membersWithRoles(db, county.id, ['commander', 'duty_officer']))[0];
  if (!county || !commandGroup || !commander) throw new Error('drill: the roster has no county with a command group and a commander');
  const gridGroups = await unitsWithGroups(db, ['grid']);
  for (const t of await townships(db)) {
    const room = (await groupOfUnit(db, t.id))?.conversationId;
    const officer = (await membersWithRoles(db, t.id, ['township_officer']))[0];
    if (!room || !officer) continue;
    const grids: CastGrid[] = [];
    for (const g of gridGroups.filter((u) => u.townshipId === t.id).slice(0, MAX_GRIDS)) {
      const worker = (await membersWithRoles(db, g.id, ['grid_worker', 'grid_leader', 'grid_member']))[0];
      if (!worker) continue;
      const i = grids.length;
      grids.push({ id: g.id, name: g.name, conversationId: g.conversationId, worker, plays: i % 8 === 2 ? 'late' : i % 8 === 5 ? 'silent' : 'on-time' });
    }
    if (grids.length >= 4) return { commandGroup, commander, township: { id: t.id, name: t.name, room, officer }, grids };
  }
  throw new Error('drill: no township with a room, an officer and grid groups');
}

/** Ways a grid acknowledges directive `n` (each names it, so a real item open in the group is never the one acknowledged). */
const ACK_WORDS = (n: number) => [`/收到 令${n}`, `收到${n}号令`, `${n}号令收到`, `收到${n}号令，马上落实`, `/收到 令${n}`, `${n}号令已收到`];

/** Runs the script (./index.ts tells it). @throws when a message is not processed in time, or when aborted */
export async function runScript(ctx: ScriptContext): Promise<void> {
  const { deps, paceMs, say, step } = ctx;
  const pause = (ms = paceMs) => sleep(ms, ctx.signal);
  const cast = await castOf(deps);
  const { township: t, commandGroup, commander } = cast;
  const onTime = cast.grids.filter((g) => g.plays === 'on-time');

  await step('directive');
  // the reminder (half the window) falls after the on-time acknowledgements
  const windowS = Math.max(2, Math.ceil((2 * (onTime.length + 2) * paceMs) / 1000));
  const issued = await outcome(ctx, await say(commandGroup, commander, `/令 演练科目：请${t.name}各网格立即核查卡口值守和返乡人员登记情况，结果报乡镇指挥室 范围:${t.name} 时限:${windowS}秒 紧急:是`), 'directive');
  const d = issued.directive!;
  await pause();

  await step('acks');
  await say(t.room, t.officer, `收到${d.number}号令`);
  const words = ACK_WORDS(d.number);
  for (const [i, g] of onTime.entries()) {
    await pause();
    await say(g.conversationId, g.worker, words[i % words.length]!);
  }

  await step('reminder');
  await remindedOrDue(ctx, d);
  await pause();

  await step('late');
  for (const g of cast.grids.filter((x) => x.plays === 'late')) {
    await say(g.conversationId, g.worker, `收到${d.number}号令，刚看到消息`);
    await pause();
  }

  await step('lead');
  const reporter = cast.grids[0]!;
  const reported = await outcome(ctx, await say(reporter.conversationId, reporter.worker, `/上报 按${d.number}号令排查，发现一户3人从外地返乡未登记 类别:返乡人员 地点:${reporter.name} 人数:3`), 'lead');
  await pause();
  await outcome(ctx, await say(t.room, t.officer, `/受理 ${String(reported.lead!.number).padStart(3, '0')}`));
  await pause();

  await step('task');
  const issuedTask = await outcome(ctx, await say(commandGroup, commander, `/任务 卡口值守人员到岗核查（演练） 截止:2小时内 范围:${t.name} 回报:到岗人数`), 'task');
  for (const [i, g] of onTime.slice(0, 3).entries()) {
    await pause();
    await say(g.conversationId, g.worker, `/完成 ${issuedTask.task!.number} 到岗人数:${2 + i}`);
  }
  await pause();

  await step('progress');
  await outcome(ctx, await say(commandGroup, commander, `/进度 令${d.number}`));
}

/**
 * Waits until the message is processed (and, with `item`, created that item). @returns its outcome
 * @throws Error when it failed, created nothing, or is not processed within `ctx.timeoutMs`
 */
async function outcome(ctx: ScriptContext, platformMsgId: string, item?: 'directive' | 'lead' | 'task'): Promise<MessageOutcome> {
  const until = Date.now() + ctx.timeoutMs;
  for (;;) {
    const o = await messageOutcome(ctx.deps.db, 'console', platformMsgId);
    if (o.status === 'failed') throw new Error(`drill: message ${platformMsgId} failed`);
    if (o.status === 'processed') {
      if (item && !o[item]) throw new Error(`drill: message ${platformMsgId} created no ${item} (refused?)`);
      return o;
    }
    if (Date.now() > until) throw new Error(`drill: message ${platformMsgId} not processed within ${ctx.timeoutMs} ms`);
    await sleep(Math.min(100, Math.max(10, ctx.paceMs)), ctx.signal);
  }
}

/** Waits until the ladder reminded the silent units of `d` (its `remind` event), at most until a while after it fell due. */
async function remindedOrDue(ctx: ScriptContext, d: Directive): Promise<void> {
  const due = ladderTimes(ctx.deps.config, d.issuedAt, d.ackWindowMs ?? 0)[1].getTime();
  const until = Math.max(Date.now(), due) + ctx.timeoutMs;
  while (Date.now() < until) {
    if ((await eventsOf(ctx.deps.db, d.id)).some((e) => e.kind === 'remind')) return;
    await sleep(Math.min(250, Math.max(10, ctx.paceMs)), ctx.signal);
  }
}

/** Resolves after `ms`; rejects at once when `signal` is aborted. */
function sleep(ms: number, signal: AbortSignal): Promise<void> {
  return new Promise((resolve, reject) => {
    if (signal.aborted) return reject(new Error('drill stopped'));
    const timer = setTimeout(() => {
      signal.removeEventListener('abort', onAbort);
      resolve();
    }, ms);
    const onAbort = () => {
      clearTimeout(timer);
      reject(new Error('drill stopped'));
    };
    signal.addEventListener('abort', onAbort, { once: true });
  });
}
