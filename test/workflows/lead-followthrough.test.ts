/**
 * Issue 17 point 4 — leads that cannot wait: an urgent lead @-mentions the township officers and has its
 * own SLA; an unaccepted lead is escalated again at each further SLA interval, folded per group; the
 * county takes a lead (`/受理` in the command group) and sends it to a township (`/转`).
 */
import { eq } from 'drizzle-orm';
import { afterEach, describe, expect, it } from 'vitest';
import { leads, timers } from '../../src/db/schema/index.js';
import { dayKey } from '../../workflows/lead/index.js';
import { askIn, sleep } from '../directives/util.js';
import { buildTestApp, type TestApp } from '../helpers/app.js';
import { ask, county, outbound, say, waitFor } from '../helpers/console.js';

const apps: TestApp[] = [];
afterEach(async () => {
  await Promise.all(apps.splice(0).map((a) => a.close()));
});

async function start(env: Record<string, string> = {}) {
  const app = await buildTestApp({ env });
  apps.push(app);
  return app;
}

const c = county();
const G1 = 'T01-V01-G1';
const G1b = 'T01-V01-G2';
const grid1 = c.groupOf[G1]!;
const worker1 = c.memberOf(G1, 'grid_worker');
const room1 = c.groupOf['T01']!;
const officer1 = c.memberOf('T01', 'township_officer');
const T01officers = c.members.filter((m) => m.unit_id === 'T01' && m.role === 'township_officer').map((m) => m.member_id!);
const G2 = c.grids.find((g) => g.unit_id!.startsWith('T02-'))!.unit_id!;
const room2 = c.groupOf['T02']!;
const officer2 = c.memberOf('T02', 'township_officer');
const T15 = c.townships.find((t) => t.name === '大坑乡')!;
const room15 = c.groupOf[T15.unit_id!]!;
const officer15 = c.memberOf(T15.unit_id!, 'township_officer');
const duty = c.members.find((m) => m.role === 'duty_officer')!.member_id!;
const no = (n: number) => `${dayKey(new Date(), 'Asia/Shanghai')}-${String(n).padStart(3, '0')}`;
const alarms = async (app: TestApp, conv: string) => (await outbound(app.http, conv)).filter((m) => m.text.startsWith('⏰'));

describe('leads that cannot wait (issue 17 point 4)', () => {
  it('an urgent lead @-mentions the township officers and is escalated after LEAD_URGENT_ACCEPT_SLA; an ordinary one waits for LEAD_ACCEPT_SLA', async () => {
    const app = await start({ LEAD_ACCEPT_SLA: '1h', LEAD_URGENT_ACCEPT_SLA: '2s' });
    const { http } = app;
    expect(await ask(http, grid1, worker1, '/上报 老人高烧不退 紧急:是')).toContain('（紧急）');
    expect(await ask(http, grid1, worker1, '/上报 有人不戴口罩')).toContain(no(2));
    const room = await waitFor(http, room1, (m) => m.filter((x) => x.text.startsWith('【线索')).length === 2);
    const urgent = room.find((m) => m.text.startsWith(`【线索 ${no(1)}】`))!;
    const ordinary = room.find((m) => m.text.startsWith(`【线索 ${no(2)}】`))!;
    expect(urgent.text).toContain('请2秒内受理');
    expect([...(urgent.mentions ?? [])].sort()).toEqual([...T01officers].sort());
    expect(urgent.text).not.toContain('所有人');
    expect(ordinary.mentions ?? []).toEqual([]);
    expect(ordinary.text).toContain('请1小时内受理');

    await waitFor(http, c.commandGroup, (m) => m.some((x) => x.text.includes(`线索 ${no(1)}】🔴紧急`)), 10_000);
    await sleep(300);
    expect((await outbound(http, c.commandGroup)).some((m) => m.text.includes(no(2)))).toBe(false);
  });

  it('escalates an unaccepted lead again at each further interval, one message per group listing every lead due, until accepted', async () => {
    const app = await start({ LEAD_ACCEPT_SLA: '4s' });
    const { http } = app;
    const said = await Promise.all([
      say(http, grid1, worker1, '/上报 村口有人发热'),
      say(http, c.groupOf[G1b]!, c.memberOf(G1b, 'grid_worker'), '/上报 3组有人聚餐'),
      say(http, c.groupOf[G2]!, c.memberOf(G2, 'grid_worker'), '/上报 返乡人员未报备'),
    ]);
    expect(said.every((r) => r.status === 202)).toBe(true);
    await app.inbox.idle();
    const ids = app.db.select().from(leads).all();
    expect(ids).toHaveLength(3);
    const short = (l: { number: number }) => String(l.number).padStart(3, '0');
    const t01 = ids.filter((l) => l.townshipId === 'T01').map(short);
    const t02 = ids.filter((l) => l.townshipId === 'T02').map(short);

    // two rounds: each round one ⏰ to the command group naming all three, one to each room naming its own
    const county = await waitFor(http, c.commandGroup, (m) => m.filter((x) => x.text.startsWith('⏰')).length >= 2, 20_000);
    const [first, second] = county.filter((x) => x.text.startsWith('⏰'));
    expect(first!.text).toContain('3 条线索上报超过4秒，尚未受理');
    expect(second!.text).toContain('3 条线索上报超过4秒，仍未受理');
    for (const n of [...t01, ...t02]) {
      expect(first!.text).toContain(`· ${n} `);
      expect(second!.text).toMatch(new RegExp(`· ${n} .*（第2次）`));
    }
    const r1 = await waitFor(http, room1, (m) => m.filter((x) => x.text.startsWith('⏰')).length >= 2, 10_000);
    for (const m of r1.filter((x) => x.text.startsWith('⏰'))) {
      expect(m.text).toContain('本乡镇 2 条线索');
      for (const n of t01) expect(m.text).toContain(n);
    }
    const r2 = await waitFor(http, room2, (m) => m.filter((x) => x.text.startsWith('⏰')).length >= 2, 10_000);
    const r2alarms = r2.filter((x) => x.text.startsWith('⏰'));
    expect(r2alarms[0]!.text).toContain('已报指挥部');
    expect(r2alarms[1]!.text).toContain('已第2次报指挥部');

    // accepted: no more reminders, the timers are cancelled
    for (const n of t01) expect(await askIn(http, room1, officer1, `/受理 ${n}`)).toContain('已受理');
    for (const n of t02) expect(await askIn(http, room2, officer2, `/受理 ${n}`)).toContain('已受理');
    const seen = (await alarms(app, c.commandGroup)).length;
    await sleep(5000);
    expect((await alarms(app, c.commandGroup)).length).toBe(seen);
    for (const l of ids) expect(app.db.select().from(timers).where(eq(timers.id, `lead-${l.id}-sla`)).get()!.status).toBe('cancelled');
    // the lead's record shows each time it was reported
    const detail = await askIn(http, room1, officer1, `/线索 ${t01[0]}`);
    expect(detail.match(/超时报指挥部/g)?.length ?? 0).toBeGreaterThanOrEqual(2);
  });

  it('the county takes a lead with /受理 in the command group and sends it to a township with /转; the rooms and the grid are told', async () => {
    const app = await start();
    const { http } = app;
    expect(await ask(http, grid1, worker1, '/上报 河边有人聚集钓鱼 地点:大坑乡交界')).toContain(no(1));
    const took = await ask(http, c.commandGroup, c.commander, '/受理 1');
    expect(took).toContain('已受理');
    expect(took).toContain('/转 001 <乡镇>');
    expect(await ask(http, c.commandGroup, c.commander, '/转 1 大坑 请核实后处置，联系人13800000009')).toMatch(new RegExp(`线索 ${no(1)} 已转交大坑乡，已告知大坑乡、清溪街道、上报网格`));
    const arrived = (await waitFor(http, room15, (m) => m.some((x) => x.text.includes('指挥部转来')))).find((x) => x.text.includes('指挥部转来'))!;
    expect(arrived.text).toContain(`【线索 ${no(1)}】指挥部转来`);
    expect(arrived.text).toContain('河边有人聚集钓鱼');
    expect(arrived.text).toContain('当前已受理');
    expect(arrived.text).toContain('说明：请核实后处置，联系人138****0009');
    // the grid stays where it is: named with its own township, not the one the lead was sent to
    const gridName = c.units.find((u) => u.unit_id === G1)!.name;
    expect(arrived.text).toContain(`网格：清溪街道 ${gridName}`);
    expect(arrived.text).not.toContain(`网格：大坑乡`);
    await waitFor(http, room1, (m) => m.some((x) => x.text.includes('已由指挥部转交大坑乡办理')));
    await waitFor(http, grid1, (m) => m.some((x) => x.text.includes('已由指挥部转交大坑乡办理')));
    // it is the new township's now: it moves it, the old one may not
    expect(await askIn(http, room1, officer1, '/核查 1 已联系')).toContain('不属于清溪街道');
    expect(await askIn(http, room15, officer15, '/处置 1 已劝离')).toContain('处置中');
    expect(app.db.select().from(leads).get()!.townshipId).toBe(T15.unit_id);
    expect(await ask(http, c.commandGroup, c.commander, '/线索 1')).toContain('指挥部转交');
  });

  it('a lead still waiting for acceptance gets a fresh SLA in its new township', async () => {
    const app = await start({ LEAD_ACCEPT_SLA: '3s' });
    const { http } = app;
    expect(await ask(http, grid1, worker1, '/上报 东头有外地车辆 类别:返乡')).toContain(no(1));
    await waitFor(http, c.commandGroup, (m) => m.some((x) => x.text.startsWith('⏰')), 10_000);
    const answer = await askIn(http, c.commandGroup, duty, `/转 ${no(1)} 到华岭镇`);
    expect(answer).toContain('已转交华岭镇');
    expect(answer).toContain('3秒内未受理将再报指挥部');
    const arrived = (await waitFor(http, room2, (m) => m.some((x) => x.text.includes('指挥部转来')))).find((x) => x.text.includes('指挥部转来'))!;
    expect(arrived.text).toContain('请3秒内受理：/受理 001');
    // the new township's first timeout is its first (已报指挥部), whatever happened before
    const late = await waitFor(http, room2, (m) => m.some((x) => x.text.startsWith('⏰')), 10_000);
    expect(late.find((x) => x.text.startsWith('⏰'))!.text).toMatch(/仍未受理，已报指挥部/);
    expect(await askIn(http, room2, officer2, '/受理 1')).toContain('已受理');
  });

  it('refuses /转 where it does not belong, with the reason', async () => {
    const app = await start();
    const { http } = app;
    expect(await ask(http, grid1, worker1, '/上报 桥头有人摆酒')).toContain(no(1));
    expect(await askIn(http, room1, officer1, '/转 1 大坑乡')).toContain('/上报县');
    expect(await ask(http, c.commandGroup, c.commander, '/转 1')).toContain('缺少乡镇');
    expect(await ask(http, c.commandGroup, c.commander, '/转 1 火星乡')).toContain('没有名为「火星乡」的乡镇');
    expect(await ask(http, c.commandGroup, c.commander, '/转 1 清溪街道')).toContain('已在清溪街道（待受理），无需转交');
    expect(await ask(http, c.commandGroup, c.commander, '/转 9 大坑乡')).toContain(`没有线索 ${no(9)}`);
    expect(await askIn(http, room1, officer1, '/受理 1')).toContain('已受理');
    expect(await askIn(http, room1, officer1, '/办结 1 已劝散')).toContain('已办结');
    expect(await ask(http, c.commandGroup, c.commander, '/转 1 大坑乡')).toContain('已办结，不能再转');
    const help = await ask(http, c.commandGroup, c.commander, '/帮助');
    expect(help).toContain('/转 <号> <乡镇>');
    expect(await askIn(http, room1, officer1, '/帮助')).not.toContain('/转');
  });
});
