import { Queue } from 'bullmq';
import { Redis } from 'ioredis';
import { afterEach, describe, expect, it } from 'vitest';
import { isoDayIn, yearIn } from '../../src/time/clock.js';
import { instanceId, sqliteClient } from '../../src/db/client.js';
import { queueName } from '../../src/jobs/queues.js';
import { buildTestApp, type TestApp } from '../helpers/app.js';
import { ask, county, outbound, say, waitFor, type Posted } from '../helpers/console.js';

const apps: TestApp[] = [];
afterEach(async () => {
  await Promise.all(apps.splice(0).map((a) => a.close()));
});

const c = county();
const CMD = c.commandGroup;
const BOSS = c.commander;
const G = ['T01-V01-G1', 'T01-V01-G2', 'T01-V01-G3'] as const;
const T01_ROOM = c.groupOf['T01']!;
const T01_OFFICER = c.memberOf('T01', 'township_officer');
const T02_OFFICER = c.memberOf('T02', 'township_officer');
const grid = (u: string) => c.groupOf[u]!;
const leader = (u: string) => c.memberOf(u, 'grid_leader');
const worker = (u: string) => c.memberOf(u, 'grid_worker');
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
/** A day `days` ahead in Shanghai as `YYYY-MM-DD` and as read back (`M月D日`); a deadline may be at most a year away. */
const ahead = (days: number) => {
  const day = isoDayIn(new Date(Date.now() + days * 86_400_000), 'Asia/Shanghai');
  const [y, m, d] = day.split('-').map(Number) as [number, number, number];
  return { day, y, md: `${m}月${d}日` };
};
const D1 = ahead(60);
const D2 = ahead(61);

async function start(env: Record<string, string> = {}, extra: Partial<Parameters<typeof buildTestApp>[0]> = {}) {
  const app = await buildTestApp({ env: { TASK_REMIND_BEFORE: '2h,30m', ...env }, ...extra });
  apps.push(app);
  return app;
}

/** Issues a task to the three grids of 周家坞村 and returns its number. */
async function issue(app: TestApp, deadline: string, title = '排查返乡人员'): Promise<{ number: number; reply: string }> {
  const reply = await ask(app.http, CMD, BOSS, `/任务 ${title} 截止:${deadline} 范围:周家坞村`);
  const m = /专项任务〔\d{4}〕第(\d+)号/.exec(reply);
  if (!m) throw new Error(`not issued: ${reply}`);
  return { number: Number(m[1]), reply };
}

const reminders = (msgs: Posted[]) => msgs.filter((m) => m.text.startsWith('⏰'));
const rows = (app: TestApp, sql: string, ...args: unknown[]) => sqliteClient(app.db).prepare(sql).all(...args) as Record<string, unknown>[];

describe('/任务 issue', () => {
  it('confirms with the absolute deadline, relays to each target grid @-mentioning leader and worker, and tells the township room', async () => {
    const app = await start();
    const { number, reply } = await issue(app, `${D1.day} 18:00`);
    expect(reply).toMatch(new RegExp(`截止 ${D1.y}年${D1.md} 18:00（周[一二三四五六日]）`));
    expect(reply).toContain('共 3 个网格（1 个乡镇）');
    for (const u of G) {
      const msgs = await waitFor(app.http, grid(u), (m) => m.length > 0);
      expect(msgs).toHaveLength(1);
      expect(msgs[0]!.text).toContain(`专项任务〔`);
      expect(msgs[0]!.text).toContain(`/完成 ${number}`);
      expect(msgs[0]!.mentions?.sort()).toEqual([leader(u), worker(u)].sort());
    }
    const room = await waitFor(app.http, T01_ROOM, (m) => m.length > 0);
    expect(room[0]!.text).toContain('已下达本乡镇 3 个网格');
    expect(await outbound(app.http, grid('T01-V02-G1'))).toHaveLength(0);
  });

  it('a task due in 2 hours gets no "2 hours left" reminder right after its relay: only the 30-minute one, and the answer says so', async () => {
    const app = await start();
    const { reply } = await issue(app, '2小时内');
    expect(reply).toContain('截止前 30分钟 提醒');
    expect(reply).not.toContain('2小时、30分钟');
    const pending = (kind: string) => (sqliteClient(app.db).prepare("select count(*) n from timers where kind = ? and status = 'pending'").get(kind) as { n: number }).n;
    expect(pending('task.remind')).toBe(1);
    expect(pending('task.due')).toBe(1);
  });

  it('without 范围 goes to every grid of the county', async () => {
    const app = await start();
    const reply = await ask(app.http, CMD, BOSS, '/任务 全面排查 截止:明天18点');
    expect(reply).toContain('共 747 个网格（15 个乡镇）');
    expect(reply).toContain('截止前 2小时、30分钟 提醒未完成网格');
    expect(rows(app, 'select count(*) as n from task_targets')[0]!.n).toBe(747);
  });

  it('numbers tasks 专项任务〔YYYY〕第N号 consecutively', async () => {
    const app = await start();
    const a = await issue(app, `${D1.day} 18:00`);
    const b = await issue(app, `${D2.day} 18:00`);
    expect(b.number).toBe(a.number + 1);
  });

  it('refuses a deadline in the past or unreadable, with examples, and issues nothing', async () => {
    const app = await start();
    expect(await ask(app.http, CMD, BOSS, '/任务 排查 截止:2020-01-01 18:00')).toMatch(/已过。请写将来的时间，如：今天18点/);
    expect(await ask(app.http, CMD, BOSS, '/任务 排查 截止:等通知')).toMatch(/看不懂截止时间「等通知」。可以写：今天18点/);
    expect(await ask(app.http, CMD, BOSS, '/任务 排查')).toMatch(/缺少截止时间.*用法：\/任务/);
    expect(await ask(app.http, CMD, BOSS, '/任务 排查 截止:-3天内')).toMatch(/看不懂截止时间「-3天内」.*用法：\/任务/);
    expect(await ask(app.http, CMD, BOSS, '/任务 排查 截止:99999999天内')).toMatch(/截止时间太远（最多一年）。用法：\/任务/);
    expect(await ask(app.http, CMD, BOSS, '/任务 排查 截止:2月30日')).toContain('看不懂截止时间「2月30日」');
    expect(rows(app, 'select * from tasks')).toHaveLength(0);
  });

  it('lets a township officer task only own township grids, in own room; grid roles may not issue', async () => {
    const app = await start();
    const own = await ask(app.http, T01_ROOM, T01_OFFICER, '/任务 清查 截止:明天18点 范围:红色网格');
    expect(own).toContain('本乡镇 2 个网格'); // 叶湾里村第1网格, 方溪口村第2网格
    expect(await ask(app.http, T01_ROOM, T01_OFFICER, '/任务 清查 截止:明天18点 范围:华岭镇')).toContain('「华岭镇」不属于清溪街道');
    expect(await ask(app.http, c.groupOf['T02']!, T01_OFFICER, '/任务 清查 截止:明天18点')).toContain('不属于本群所在单位');
    expect(await ask(app.http, CMD, T02_OFFICER, '/任务 清查 截止:明天18点')).toContain('不属于本群所在单位');
    expect(await ask(app.http, grid(G[0]), leader(G[0]), '/任务 清查 截止:明天18点')).toContain('不能使用 /任务');
  });
});

describe('/完成', () => {
  it('records completion once, keeps attachments as evidence, and counts a late completion as done and late', async () => {
    const app = await start({ TASK_REMIND_BEFORE: '1h' });
    const { number } = await issue(app, '3秒内');
    const year = yearIn(new Date(), 'Asia/Shanghai');
    expect(await ask(app.http, grid(G[0]), worker(G[0]), `/完成 ${number} 已全部排查`)).toBe(`✅ 周家坞村第1网格已完成专项任务〔${year}〕第${number}号。`);
    expect(await ask(app.http, grid(G[0]), leader(G[0]), `/完成 ${number}`)).toContain('已完成过');
    // a picture in the same message (adapter attachments) is kept
    const before = (await outbound(app.http, grid(G[1]))).length;
    await app.inbox.accept({ platform: 'console', platformMsgId: 'pic-1', conversationId: grid(G[1]), senderId: worker(G[1]), text: `/完成 ${number}`, attachments: [{ kind: 'picture', ref: 'media-123' }] });
    const msgs = await waitFor(app.http, grid(G[1]), (m) => m.length > before);
    expect(msgs.at(-1)!.text).toContain('已留存附件 1 个');
    expect(rows(app, `select evidence from task_targets where unit_id = ?`, G[1])[0]!.evidence).toBe(JSON.stringify([{ kind: 'picture', ref: 'media-123' }]));
    await sleep(3200);
    expect(await ask(app.http, grid(G[2]), worker(G[2]), `/完成 ${number}`)).toContain('（逾期完成）');
    expect(rows(app, 'select unit_id, late from task_targets order by unit_id').map((r) => r.late)).toEqual([0, 0, 1]);
    // not a target: another village's grid
    expect(await ask(app.http, grid('T01-V02-G1'), worker('T01-V02-G1'), `/完成 ${number}`)).toContain('不是发给');
  });
});

describe('evidence in the next message', () => {
  it('a picture sent right after /完成 is kept with that completion; a picture after other talk is not', async () => {
    const app = await start({ TASK_REMIND_BEFORE: '1h' });
    const { number } = await issue(app, '明天18点');
    await ask(app.http, grid(G[0]), worker(G[0]), `/完成 ${number}`);
    const before = (await outbound(app.http, grid(G[0]))).length;
    await app.inbox.accept({ platform: 'console', platformMsgId: 'pic-next', conversationId: grid(G[0]), senderId: worker(G[0]), text: '', attachments: [{ kind: 'picture', ref: 'media-9' }] });
    const msgs = await waitFor(app.http, grid(G[0]), (m) => m.length > before);
    expect(msgs.at(-1)!.text).toBe(`已将图片作为专项任务〔${yearIn(new Date(), 'Asia/Shanghai')}〕第${number}号的完成材料留存（共1个）。`);
    expect(rows(app, `select evidence from task_targets where unit_id = ?`, G[0])[0]!.evidence).toBe(JSON.stringify([{ kind: 'picture', ref: 'media-9' }]));

    await ask(app.http, grid(G[1]), worker(G[1]), `/完成 ${number}`);
    await ask(app.http, grid(G[1]), worker(G[1]), '今天天气不错');
    const before2 = (await outbound(app.http, grid(G[1]))).length;
    await app.inbox.accept({ platform: 'console', platformMsgId: 'pic-late', conversationId: grid(G[1]), senderId: worker(G[1]), text: '', attachments: [{ kind: 'picture', ref: 'media-10' }] });
    const msgs2 = await waitFor(app.http, grid(G[1]), (m) => m.length > before2);
    expect(msgs2.at(-1)!.text).toContain('没看懂');
    expect(rows(app, `select evidence from task_targets where unit_id = ?`, G[1])[0]!.evidence).toBeNull();
  });
});

describe('reminders', () => {
  it('go only to grids not done, once per step, and at the deadline the township room and the issuer get the overdue list', async () => {
    const app = await start({ TASK_REMIND_BEFORE: '4s,2s' });
    const { number } = await issue(app, '7秒内'); // reminders at +3s and +5s, deadline +7s
    await ask(app.http, grid(G[0]), worker(G[0]), `/完成 ${number}`); // before any reminder
    await waitFor(app.http, grid(G[1]), (m) => reminders(m).length === 1, 6000);
    await ask(app.http, grid(G[1]), worker(G[1]), `/完成 ${number}`); // after the first reminder
    const cmd = await waitFor(app.http, CMD, (m) => m.some((x) => x.text.startsWith('📋')), 10_000);
    await app.timers.resync(); // a re-queue after firing posts nothing more
    await sleep(800);
    expect(reminders(await outbound(app.http, grid(G[0])))).toHaveLength(0);
    expect(reminders(await outbound(app.http, grid(G[1])))).toHaveLength(1);
    const third = reminders(await outbound(app.http, grid(G[2])));
    expect(third).toHaveLength(2);
    expect(third[0]!.mentions?.sort()).toEqual([leader(G[2]), worker(G[2])].sort());
    const room = (await outbound(app.http, T01_ROOM)).filter((m) => m.text.startsWith('⚠️'));
    expect(room).toHaveLength(1);
    expect(room[0]!.text).toContain('1 个网格未完成');
    expect(room[0]!.text).toContain('周家坞村第3网格');
    expect(room[0]!.text).not.toContain('周家坞村第1网格');
    const rollup = cmd.filter((m) => m.text.startsWith('📋'));
    expect(rollup).toHaveLength(1);
    expect(rollup[0]!.text).toContain('已完成 2/3');
  });

  it('a step with nobody left posts nothing; the issuer hears once when all are done', async () => {
    const app = await start({ TASK_REMIND_BEFORE: '2s' });
    const { number } = await issue(app, '4秒内');
    for (const u of G) await ask(app.http, grid(u), worker(u), `/完成 ${number}`);
    await sleep(4500);
    for (const u of G) expect(reminders(await outbound(app.http, grid(u)))).toHaveLength(0);
    expect((await outbound(app.http, T01_ROOM)).filter((m) => m.text.startsWith('⚠️'))).toHaveLength(0);
    const cmd = await outbound(app.http, CMD);
    expect(cmd.filter((m) => m.text.startsWith('📋'))).toHaveLength(0);
    expect(cmd.filter((m) => m.text.includes('全部 3 个网格已完成'))).toHaveLength(1);
  });

  it('/改期 moves the same reminder timers; nothing fires at the old time', async () => {
    const app = await start({ TASK_REMIND_BEFORE: '2s' });
    const { number } = await issue(app, '3秒内');
    const id = rows(app, 'select id from tasks')[0]!.id;
    const moved = await ask(app.http, CMD, BOSS, `/改期 ${number} 截止:6秒内`);
    expect(moved).toContain('已改期');
    const timers = rows(app, `select id, version, status from timers where id like 'task-%' order by id`);
    expect(timers).toEqual([
      { id: `task-${id}-due`, version: 2, status: 'pending' },
      { id: `task-${id}-s0`, version: 2, status: 'pending' },
    ]);
    await sleep(3000); // past the old deadline and reminder
    expect(reminders(await outbound(app.http, grid(G[0])))).toHaveLength(0);
    expect(await outbound(app.http, grid(G[0]))).toEqual(expect.arrayContaining([expect.objectContaining({ text: expect.stringContaining('截止时间改为') })]));
    await waitFor(app.http, grid(G[0]), (m) => reminders(m).length === 1, 5000);
    await waitFor(app.http, T01_ROOM, (m) => m.some((x) => x.text.startsWith('⚠️')), 5000);
  });

  it('/改期 after a reminder fired re-arms it for the new deadline; /取消任务 cancels every timer', async () => {
    const app = await start({ TASK_REMIND_BEFORE: '2s' });
    const { number } = await issue(app, '3秒内');
    await waitFor(app.http, grid(G[0]), (m) => reminders(m).length === 1, 5000);
    await ask(app.http, CMD, BOSS, `/改期 ${number} 截止:4秒内`);
    await waitFor(app.http, grid(G[0]), (m) => reminders(m).length === 2, 5000);
    expect(await ask(app.http, CMD, BOSS, `/取消任务 ${number}`)).toContain('已取消');
    expect(rows(app, `select count(*) as n from timers where id like 'task-%' and status = 'pending'`)[0]!.n).toBe(0);
    await sleep(3000);
    expect(reminders(await outbound(app.http, grid(G[0])))).toHaveLength(2);
    expect((await outbound(app.http, T01_ROOM)).filter((m) => m.text.startsWith('⚠️'))).toHaveLength(0);
    expect(await ask(app.http, grid(G[0]), worker(G[0]), `/完成 ${number}`)).toContain('已取消');
  });

  it('a restart and a second app at once do not double any reminder', async () => {
    const a = await start({ TASK_REMIND_BEFORE: '3s,1s' });
    const { number } = await issue(a, '5秒内');
    const { config, dir } = a;
    await a.stop();
    const b = await buildTestApp({ config, dir, roster: false });
    apps.push(b);
    const c2 = await buildTestApp({ config, dir, roster: false });
    apps.push(c2);
    await waitFor(b.http, CMD, (m) => m.some((x) => x.text.startsWith('📋')), 10_000);
    await Promise.all([b.timers.resync(), c2.timers.resync()]);
    await sleep(1000);
    for (const u of G) {
      const r = reminders(await outbound(b.http, grid(u)));
      expect(r).toHaveLength(2);
      expect(r[0]!.text).toContain(`第${number}号`);
    }
    expect((await outbound(b.http, T01_ROOM)).filter((m) => m.text.startsWith('⚠️'))).toHaveLength(1);
    expect((await outbound(b.http, CMD)).filter((m) => m.text.startsWith('📋'))).toHaveLength(1);
  });

  it('Redis keys lost across the due time: after resync the reminder fires once, marked late', async () => {
    let shift = 0;
    const app = await start({ TASK_REMIND_BEFORE: '2s' }, { now: () => new Date(Date.now() + shift) });
    await issue(app, '4秒内');
    await app.timers.queue.obliterate({ force: true }); // Redis lost every timer job
    await sleep(4500);
    expect(reminders(await outbound(app.http, grid(G[0])))).toHaveLength(0);
    shift = 2 * 60_000; // "Redis comes back" two minutes later
    await app.timers.resync();
    await waitFor(app.http, grid(G[0]), (m) => reminders(m).length === 1, 5000);
    await waitFor(app.http, T01_ROOM, (m) => m.some((x) => x.text.startsWith('⚠️')), 5000);
    await app.timers.resync();
    await sleep(800);
    expect(reminders(await outbound(app.http, grid(G[0])))).toHaveLength(1);
    expect(rows(app, `select id, late from timers where id like 'task-%' order by id`).map((r) => r.late)).toEqual([1, 1]);
  });
});

describe('one reminder per grid', () => {
  it('a grid with two open tasks due at the same time gets one reminder listing both; a grid done with one hears only of the other', async () => {
    const app = await start({ TASK_REMIND_BEFORE: '3s' });
    const a = await issue(app, '6秒内', '排查返乡人员');
    const b = await issue(app, '6秒内', '清理卫生死角');
    await ask(app.http, grid(G[0]), worker(G[0]), `/完成 ${a.number}`);
    const g1 = await waitFor(app.http, grid(G[1]), (m) => reminders(m).length >= 1, 10_000);
    const both = reminders(g1)[0]!.text;
    expect(both).toContain('本网格尚有 2 项专项任务未完成');
    expect(both).toContain('「排查返乡人员」');
    expect(both).toContain('「清理卫生死角」');
    expect(both).toContain(`/完成 ${a.number}、/完成 ${b.number}`);
    const g0 = await waitFor(app.http, grid(G[0]), (m) => reminders(m).length >= 1, 10_000);
    expect(reminders(g0)[0]!.text).toContain('「清理卫生死角」');
    expect(reminders(g0)[0]!.text).not.toContain('排查返乡人员');
    await sleep(1500);
    for (const u of G) expect(reminders(await outbound(app.http, grid(u)))).toHaveLength(1);
    expect(reminders(g1)[0]!.mentions?.sort()).toEqual([leader(G[1]), worker(G[1])].sort());
  });
});

describe('/任务列表', () => {
  it('shows open tasks and progress for the asker tier', async () => {
    const app = await start();
    const { number } = await issue(app, `${D1.day} 18:00`);
    await ask(app.http, grid(G[0]), worker(G[0]), `/完成 ${number}`);
    expect(await ask(app.http, CMD, BOSS, '/任务列表')).toContain(`第${number}号 排查返乡人员 截止${D1.md} 18:00：完成 1/3（33.3%）`);
    const town = await ask(app.http, T01_ROOM, T01_OFFICER, '/任务列表');
    expect(town).toContain('完成 1/3');
    expect(town).toContain('未完成：周家坞村第2网格、周家坞村第3网格');
    expect(await ask(app.http, grid(G[0]), leader(G[0]), '/任务列表')).toContain('✅已完成');
    expect(await ask(app.http, grid(G[1]), leader(G[1]), '/任务列表')).toContain('未完成');
    // without a number, /完成 takes the grid's only open task
    expect(await ask(app.http, grid(G[1]), leader(G[1]), '/完成')).toContain(`已完成专项任务〔`);
    expect(await ask(app.http, CMD, BOSS, '/任务列表')).toContain('完成 2/3');
  });
});

describe('recurring tasks', () => {
  it('open one numbered occurrence per scheduler tick, also with two apps running, until /取消任务 ends the series', async () => {
    const a = await start({ TASK_RECUR_EVERY: '2s', TASK_REMIND_BEFORE: '1h' });
    const b = await buildTestApp({ config: a.config, dir: a.dir, roster: false });
    apps.push(b);
    const reply = await ask(a.http, CMD, BOSS, '/任务 体温日报 每天18点 范围:周家坞村第1网格');
    expect(reply).toContain('已建立定期任务「体温日报」（每天 18:00）');
    const first = Number(/第(\d+)号/.exec(reply)![1]);
    await waitFor(a.http, grid(G[0]), (m) => m.length >= 4, 12_000);
    const occ = rows(a, 'select number, tick_at from tasks where series_id is not null order by number');
    const ticks = occ.slice(1).map((r) => Number(r.tick_at));
    expect(new Set(ticks).size).toBe(ticks.length);
    for (let i = 1; i < ticks.length; i++) expect(ticks[i]! - ticks[i - 1]!).toBe(2000);
    expect(occ.map((r) => r.number)).toEqual(occ.map((_, i) => first + i));
    for (const r of rows(a, 'select deadline, tick_at from tasks where series_id is not null')) expect(Number(r.deadline) - Number(r.tick_at)).toBe(2000);
    // each occurrence relayed once to the grid
    const relays = (await outbound(a.http, grid(G[0]))).filter((m) => m.text.startsWith('【专项任务'));
    expect(relays.length).toBe(rows(a, 'select count(*) as n from tasks where series_id is not null')[0]!.n);
    // the command group also gets each occurrence's 📋 roll-up: wait for the answer itself
    const before = (await outbound(a.http, CMD)).length;
    await say(a.http, CMD, BOSS, `/取消任务 ${first}`);
    const answers = await waitFor(a.http, CMD, (m) => m.slice(before).some((x) => x.text.startsWith('已取消')));
    expect(answers.slice(before).find((x) => x.text.startsWith('已取消'))!.text).toContain('不再生成新的一期');
    await sleep(500);
    const after = rows(a, 'select count(*) as n from tasks')[0]!.n;
    await sleep(4500);
    expect(rows(a, 'select count(*) as n from tasks')[0]!.n).toBe(after);
  });

  it('每周一9点 becomes a cron job scheduler in TIMEZONE; the first occurrence is due at the next Monday 09:00; /取消任务 removes the scheduler', async () => {
    const app = await start({ TASK_REMIND_BEFORE: '1h' });
    const reply = await ask(app.http, T01_ROOM, T01_OFFICER, '/任务 周报 每周一9点 范围:周家坞村');
    expect(reply).toContain('（每周一 09:00）');
    expect(reply).toMatch(/截止 \d{4}年\d{1,2}月\d{1,2}日 09:00（周一）/);
    const connection = new Redis(app.config.REDIS_URL, { maxRetriesPerRequest: null });
    const q = new Queue(queueName('task-series', instanceId(app.db)), { connection, prefix: app.config.QUEUE_PREFIX });
    try {
      let schedulers = await q.getJobSchedulers();
      for (let i = 0; i < 50 && schedulers.length === 0; i++) {
        await sleep(100);
        schedulers = await q.getJobSchedulers();
      }
      expect(schedulers).toHaveLength(1);
      expect(schedulers[0]).toMatchObject({ pattern: '0 9 * * 1', tz: 'Asia/Shanghai' });
      const next = new Date(schedulers[0]!.next!);
      expect(new Intl.DateTimeFormat('en-GB', { timeZone: 'Asia/Shanghai', weekday: 'short', hour: '2-digit', minute: '2-digit', hourCycle: 'h23' }).format(next)).toBe('Mon 09:00');
      const number = /第(\d+)号/.exec(reply)![1];
      expect(await ask(app.http, T01_ROOM, T01_OFFICER, `/取消任务 ${number}`)).toContain('不再生成新的一期');
      for (let i = 0; i < 50 && schedulers.length > 0; i++) {
        await sleep(100);
        schedulers = await q.getJobSchedulers();
      }
      expect(schedulers).toHaveLength(0);
    } finally {
      await q.close();
      await connection.quit();
    }
  });
});
