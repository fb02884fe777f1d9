/**
 * A person's action is timed when the platform (or the console) received their message, not when it was
 * processed: a 收到 or /完成 that arrived before the deadline but was processed after it (a Redis outage, a
 * restart) counts as on time, and lead times count from report to the officer's message.
 *
 * The app's clock is moved forward (buildTestApp({ now })) after the message "arrived": the message is
 * handed to the inbox with the platform's receive time (`sentAt`), as DingTalk and Slack do.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { clockIn, isoDayIn } from '../../src/time/clock.js';
import { buildTestApp, type TestApp } from '../helpers/app.js';
import { ask, county, outbound, waitFor } from '../helpers/console.js';

const c = county();
const apps: TestApp[] = [];
afterEach(async () => {
  await Promise.all(apps.splice(0).map((a) => a.close()));
});

const TZ = 'Asia/Shanghai';
const MIN = 60_000;
const G = ['T01-V01-G1', 'T01-V01-G2', 'T01-V01-G3'] as const;
const grid = (u: string) => c.groupOf[u]!;
const worker = (u: string) => c.memberOf(u, 'grid_worker');
const ROOM = c.groupOf['T01']!;
const OFFICER = c.memberOf('T01', 'township_officer');

/** An app whose clock is `Date.now() + clock.offset`. */
async function start() {
  const clock = { offset: 0 };
  const now = () => new Date(Date.now() + clock.offset);
  const app = await buildTestApp({ now });
  apps.push(app);
  return { app, clock, now };
}

let seq = 0;
/** Hands a message to the inbox as received by the platform at `receivedAt`; returns the bot's answer there. */
async function receivedAt(app: TestApp, conversationId: string, senderId: string, text: string, at: Date): Promise<string> {
  const before = (await outbound(app.http, conversationId)).length;
  expect(await app.inbox.accept({ platform: 'console', platformMsgId: `rt-${process.pid}-${++seq}`, conversationId, senderId, text, sentAt: at })).toBe('accepted');
  const isAnswer = (t: string) => !t.startsWith('【') && !t.startsWith('⏰');
  const msgs = await waitFor(app.http, conversationId, (m) => m.slice(before).some((x) => isAnswer(x.text)));
  return msgs.slice(before).find((x) => isAnswer(x.text))!.text;
}

/** `/统计` over yesterday…tomorrow (Shanghai), so a moved clock never leaves today's items outside. */
const span = () => `${isoDayIn(new Date(Date.now() - 86_400_000), TZ)}~${isoDayIn(new Date(Date.now() + 86_400_000), TZ)}`;

describe('the time of a person’s action is when their message was received', () => {
  it('a 收到 received before the 时限 but processed after it counts as on time in /进度 and /统计; one received after it is late', async () => {
    const { app, clock, now } = await start();
    const confirm = await ask(app.http, c.commandGroup, c.commander, `/令 排查返乡人员 范围:${G.map((g) => c.units.find((u) => u.unit_id === g)!.name).join('、')} 时限:10分钟`);
    const n = Number(/第(\d+)号/.exec(confirm)![1]);
    await waitFor(app.http, grid(G[2]), (m) => m.some((x) => x.text.includes(`第${n}号`)));
    const issued = now();
    clock.offset += 30 * MIN; // processed half an hour later, 20 minutes past the 时限

    const inTime = await receivedAt(app, grid(G[0]), worker(G[0]), '收到', new Date(issued.getTime() + 2 * MIN));
    expect(inTime).toContain('已确认');
    expect(inTime).not.toContain('逾期');
    const late = await receivedAt(app, grid(G[1]), worker(G[1]), `/收到 ${n}`, new Date(issued.getTime() + 15 * MIN));
    expect(late).toContain('（逾期）');
    // a platform clock ahead of ours is not believed: the acknowledgement is timed now, not in three hours
    const ahead = new Date(now().getTime() + 3 * 60 * MIN);
    expect(await receivedAt(app, grid(G[2]), worker(G[2]), '收到', ahead)).toContain('（逾期）');

    const own = await ask(app.http, grid(G[0]), worker(G[0]), `/进度 ${n}`);
    expect(own).toContain(`已确认（${clockIn(new Date(issued.getTime() + 2 * MIN), TZ)}）`);
    expect(await ask(app.http, grid(G[2]), worker(G[2]), `/进度 ${n}`)).not.toContain(clockIn(ahead, TZ));
    const county = await ask(app.http, c.commandGroup, c.commander, `/进度 ${n}`);
    expect(county).toContain('网格：3/3（100.0%），逾期确认 2');
    const stats = await ask(app.http, c.commandGroup, c.commander, `/统计 ${n}`);
    const rate = (word: string) => new RegExp(`${word} (\\d+\\.\\d)%`).exec(stats)?.[1];
    // 3 grids and the township room are targeted; the room is silent: 3/4 acknowledged, 1/4 on time
    expect([rate('响应率'), rate('按时率')], stats).toEqual(['75.0', '25.0']);
  });

  it('a /完成 received before the deadline but processed after it is on time in the answer, /任务列表 and /统计', async () => {
    const { app, clock, now } = await start();
    const confirm = await ask(app.http, c.commandGroup, c.commander, '/任务 排查返乡人员 截止:10分钟内 范围:周家坞村第1网格');
    const number = Number(/第(\d+)号/.exec(confirm)![1]);
    const issued = now();
    clock.offset += 30 * MIN;
    const done = await receivedAt(app, grid(G[0]), worker(G[0]), `/完成 ${number} 已排查`, new Date(issued.getTime() + 5 * MIN));
    expect(done).toContain('已完成');
    expect(done).not.toContain('逾期');
    expect(await ask(app.http, grid(G[0]), worker(G[0]), '/任务列表')).toContain('✅已完成');
    const stats = await ask(app.http, c.commandGroup, c.commander, `/统计 ${span()}`);
    expect(stats).toContain('专项任务 1 项：完成 1/1（100.0%），逾期未完成 0，逾期完成 0');
  });

  it('a lead accepted two minutes after its report, processed half an hour later, took two minutes (answer and /统计)', async () => {
    const { app, clock, now } = await start();
    const filed = await ask(app.http, grid(G[0]), worker(G[0]), '/上报 村口有人发热 人数:1');
    const no = /线索 (\d{8}-\d{3})/.exec(filed)![1]!;
    await waitFor(app.http, ROOM, (m) => m.some((x) => x.text.includes(`【线索 ${no}】`)));
    const reported = now();
    clock.offset += 30 * MIN;
    expect(await receivedAt(app, ROOM, OFFICER, `/受理 ${no}`, new Date(reported.getTime() + 2 * MIN))).toContain('距上报2分钟');
    expect(await ask(app.http, c.commandGroup, c.commander, `/统计 ${span()}`)).toContain('受理用时 中位2分钟');
  });
});
