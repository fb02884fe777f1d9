import { eq } from 'drizzle-orm';
import { afterEach, describe, expect, it } from 'vitest';
import { leads, timers } from '../../src/db/schema/index.js';
import { dayKey, leadNumber } from '../../workflows/lead/index.js';
import { askIn } from '../directives/util.js';
import { buildTestApp, type TestApp } from '../helpers/app.js';
import { ask, county, outbound, say, waitFor, type Posted } from '../helpers/console.js';

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
const grid1 = c.groupOf[G1]!;
const worker1 = c.memberOf(G1, 'grid_worker');
const leader1 = c.memberOf(G1, 'grid_leader');
const room1 = c.groupOf['T01']!;
const officer1 = c.memberOf('T01', 'township_officer');
const G2 = c.grids.find((g) => g.unit_id!.startsWith('T02-'))!.unit_id!;
const grid2 = c.groupOf[G2]!;
const worker2 = c.memberOf(G2, 'grid_worker');
const room2 = c.groupOf['T02']!;
const officer2 = c.memberOf('T02', 'township_officer');
const today = () => dayKey(new Date(), 'Asia/Shanghai');
const no = (n: number) => `${today()}-${String(n).padStart(3, '0')}`;
const convs = (msgs: Posted[]) => [...new Set(msgs.map((m) => m.conversationId))].sort();
const settle = (ms = 400) => new Promise((r) => setTimeout(r, ms));

const REPORT =
  '/上报 一家三口从重庆返乡，孩子发烧，联系电话13800000001 身份证500101199001011234 类别：返乡人员 人数:3 地点:周家坞村3组 紧急:是';

describe('lead reports (线索)', () => {
  it('runs the full chain: grid → township room → accepted → verified → escalated → handled → closed, each step only where it belongs', async () => {
    const app = await start();
    const { http } = app;

    const answer = await ask(http, grid1, worker1, REPORT);
    expect(answer).toContain(`线索 ${no(1)}`);
    expect(answer).toContain('清溪街道综合信息指挥室');
    const roomPost = (await waitFor(http, room1, (m) => m.some((x) => x.text.includes(`【线索 ${no(1)}】`)))).at(-1)!;
    expect(roomPost.text).toContain('🔴紧急');
    expect(roomPost.text).toContain('孩子发烧');
    expect(roomPost.text).toContain('138****0001');
    expect(roomPost.text).toContain('500101********1234');
    expect(roomPost.text).toContain('类别：返乡人员');
    expect(roomPost.text).toContain('地点：周家坞村3组');
    expect(roomPost.text).toContain('周家坞村第1网格');
    expect(roomPost.text).toMatch(/上报：\S+（网格员）/);
    expect(convs(await outbound(http))).toEqual([grid1, room1].sort());

    expect(await ask(http, room1, officer1, '/受理 1')).toMatch(new RegExp(`线索 ${no(1)} 已受理`));
    await waitFor(http, grid1, (m) => m.some((x) => x.text.startsWith(`线索 ${no(1)} 已受理`)));
    expect(await ask(http, room1, officer1, '/受理 001')).toContain('当前已受理，无需重复受理');

    expect(await ask(http, room1, officer1, '/核查 007x 说明')).toContain('不是线索编号');
    expect(await ask(http, room1, officer1, `/核查 ${no(1)}`)).toContain('缺少说明');
    expect(await ask(http, room1, officer1, '/核查 001 已电话联系本人13800000001，确认发热38.5度')).toContain('核查中');
    const verifyTold = (await waitFor(http, grid1, (m) => m.some((x) => x.text.includes('核查中')))).find((x) => x.text.includes('核查中'))!;
    expect(verifyTold.text).toContain('138****0001');
    expect(convs(await outbound(http))).toEqual([grid1, room1].sort());

    expect(await ask(http, room1, officer1, '/上报县 1 需县里协调120转运')).toContain('已上报县指挥部');
    const countyPost = (await waitFor(http, c.commandGroup, (m) => m.length > 0))[0]!;
    expect(countyPost.text).toContain(`线索 ${no(1)} 清溪街道上报县`);
    expect(countyPost.text).toContain('理由：需县里协调120转运');
    expect(countyPost.text).toContain('孩子发烧');
    expect(countyPost.text).toContain('138****0001');
    await waitFor(http, grid1, (m) => m.some((x) => x.text.includes('已由清溪街道上报县指挥部')));
    expect(await ask(http, room1, officer1, '/上报县 1 再报一次')).toContain('无需重复');

    expect(await ask(http, room1, officer1, '/处置 1 已由120转运至县人民医院')).toContain('处置中');
    await waitFor(http, c.commandGroup, (m) => m.some((x) => x.text.includes('处置中')));
    expect(await ask(http, c.commandGroup, c.commander, `/办结 ${no(1)} 已收治，家属居家隔离`)).toContain('已办结');
    await waitFor(http, room1, (m) => m.some((x) => x.text.includes('已办结（指挥部')));
    await waitFor(http, grid1, (m) => m.some((x) => x.text.includes('已办结')));
    expect(await ask(http, room1, officer1, '/处置 1 再处置')).toContain('已办结，不能再处置');

    await settle();
    const all = await outbound(http);
    expect(convs(all)).toEqual([grid1, room1, c.commandGroup].sort());
    for (const m of all) {
      expect(m.text).not.toContain('13800000001');
      expect(m.text).not.toContain('500101199001011234');
      if (m.text.includes('孩子发烧')) expect([room1, c.commandGroup]).toContain(m.conversationId);
    }
    const row = app.db.select().from(leads).get()!;
    expect(row.text).toContain('13800000001'); // stored in full only in the record
    expect(row.state).toBe('closed');
    expect(row.acceptedAt).toBeInstanceOf(Date);
    expect(row.closedAt!.getTime()).toBeGreaterThanOrEqual(row.acceptedAt!.getTime());
    expect(row.result).toBe('已收治，家属居家隔离');
  });

  // issue 17 point 4: no longer once only — again at each further LEAD_ACCEPT_SLA interval until accepted
  it('tells the command group when a lead is not accepted within LEAD_ACCEPT_SLA, again at each further interval, and never after acceptance', async () => {
    const app = await start({ LEAD_ACCEPT_SLA: '1s' });
    const { http } = app;
    expect(await ask(http, grid1, worker1, '/上报 村口小卖部有人从武汉回来 类别:返乡')).toContain(no(1));
    expect(await ask(http, grid1, worker1, '/上报 3组有人聚餐 类别:聚集')).toContain(no(2));
    expect(await ask(http, room1, officer1, '/受理 2')).toContain('已受理');

    const sla = await waitFor(http, c.commandGroup, (m) => m.some((x) => x.text.includes(`线索 ${no(1)}`)), 10_000);
    expect(sla[0]!.text).toContain('尚未受理');
    expect(sla[0]!.text).toContain('村口小卖部');
    await waitFor(http, room1, (m) => m.some((x) => x.text.includes('仍未受理，已报指挥部')));
    await settle(2500);
    const county = await outbound(http, c.commandGroup);
    const told = county.filter((m) => m.text.includes(no(1)));
    expect(told.length).toBeGreaterThanOrEqual(2);
    expect(told[1]!.text).toContain('仍未受理（第2次提醒）');
    expect(county.some((m) => m.text.includes(no(2)))).toBe(false);

    // accepting it now is told to the county too, since the county has it
    expect(await ask(http, room1, officer1, '/受理 1')).toContain('已受理');
    await waitFor(http, c.commandGroup, (m) => m.some((x) => x.text.startsWith(`线索 ${no(1)} 已受理`)));
    expect(convs(await outbound(http))).toEqual([grid1, room1, c.commandGroup].sort());
    const t = app.db.select().from(timers).where(eq(timers.id, 'lead-2-sla')).get()!;
    expect(t.status).toBe('cancelled');
  });

  it('folds the timeouts of 40 leads reported together: one ⏰ to the room and one to the command group naming all 40; one accepted in time is not listed', async () => {
    const app = await start({ LEAD_ACCEPT_SLA: '6s' });
    const { http } = app;
    const grids = c.grids.filter((g) => g.unit_id!.startsWith('T01-')).slice(0, 41);
    const said = await Promise.all(grids.map((g, i) => say(http, c.groupOf[g.unit_id!]!, c.memberOf(g.unit_id!, 'grid_worker'), `/上报 第${i + 1}户有人发热 地点:${i + 1}组`)));
    expect(said.every((r) => r.status === 202)).toBe(true);
    await app.inbox.idle();
    const all = app.db.select().from(leads).all();
    expect(all).toHaveLength(41);
    const inTime = all.find((l) => l.unitId === grids[0]!.unit_id)!;
    expect(await askIn(http, room1, officer1, `/受理 ${leadNumber(inTime)}`)).toContain('已受理');

    await waitFor(http, c.commandGroup, (m) => m.some((x) => x.text.startsWith('⏰')), 20_000);
    await waitFor(http, room1, (m) => m.some((x) => x.text.startsWith('⏰')), 20_000);
    await settle(2500);
    const roomNotices = (await outbound(http, room1)).filter((x) => x.text.startsWith('⏰'));
    const countyNotices = (await outbound(http, c.commandGroup)).filter((x) => x.text.startsWith('⏰'));
    expect(roomNotices).toHaveLength(1);
    expect(countyNotices).toHaveLength(1);
    const late = all.filter((l) => l.id !== inTime.id);
    const short = (l: { number: number }) => String(l.number).padStart(3, '0');
    const named = new Set(roomNotices[0]!.text.split(/[：、\n]/));
    expect(roomNotices[0]!.text).toContain('本乡镇 40 条线索');
    expect(late.filter((l) => !named.has(short(l)))).toEqual([]);
    expect(named.has(short(inTime))).toBe(false);
    expect(countyNotices[0]!.text).toContain('40 条线索上报超过6秒，尚未受理');
    expect(countyNotices[0]!.text).toContain('等40条');
    expect(countyNotices[0]!.text).not.toContain(`· ${short(inTime)} `);
    const after = app.db.select().from(leads).all();
    expect(after.filter((l) => l.slaBreachedAt !== null).map((l) => l.id).sort()).toEqual(late.map((l) => l.id).sort());
  });

  it('escalates an urgent lead during quiet hours; a non-urgent one waits', async () => {
    const hm = (d: Date) => new Intl.DateTimeFormat('en-GB', { timeZone: 'Asia/Shanghai', hour: '2-digit', minute: '2-digit', hourCycle: 'h23' }).format(d);
    const quiet = `${hm(new Date(Date.now() - 3_600_000))}-${hm(new Date(Date.now() + 3_600_000))}`;
    const app = await start({ LEAD_ACCEPT_SLA: '1s', QUIET_HOURS: quiet });
    const { http } = app;
    expect(await ask(http, grid1, worker1, '/上报 老人高烧不退 紧急:高')).toContain('（紧急）');
    expect(await ask(http, grid1, worker1, '/上报 有人不戴口罩 紧急:否')).toContain(no(2));
    await waitFor(http, c.commandGroup, (m) => m.some((x) => x.text.includes(no(1))), 10_000);
    await settle(2000);
    expect((await outbound(http, c.commandGroup)).some((m) => m.text.includes(no(2)))).toBe(false);
  });

  it('recognises the same report from the same reporter within LEAD_DEDUP_WINDOW', async () => {
    const app = await start({ LEAD_DEDUP_WINDOW: '2s' });
    const { http } = app;
    const text = '/上报 5组王某家来了外地亲戚 人数:4';
    expect(await ask(http, grid1, worker1, text)).toContain(no(1));
    expect(await ask(http, grid1, worker1, '/上报   5组王某家来了外地亲戚  人数：4 ')).toContain(`与线索 ${no(1)} 重复`);
    expect(await ask(http, grid1, leader1, text)).toContain(no(2)); // another reporter: a lead of its own
    expect(await ask(http, grid1, worker1, '/上报 5组王某家来了外地亲戚 人数:5')).toContain(no(3));
    await settle(2100);
    expect(await ask(http, grid1, worker1, text)).toContain(no(4));
    await settle();
    const posts = (await outbound(http, room1)).filter((m) => m.text.startsWith('【线索'));
    expect(posts.map((m) => m.text.split('\n')[0])).toEqual([1, 2, 3, 4].map((n) => `【线索 ${no(n)}】`));
  });

  it('answers every malformed /上报: refused with what to do when there is nothing to act on, else accepted with a note', async () => {
    const app = await start();
    const { http } = app;
    const empty = await ask(http, grid1, worker1, '/上报');
    expect(empty).toContain('缺少线索内容');
    expect(empty).toContain('用法：/上报 <情况>');
    expect(await ask(http, grid1, worker1, '/上报 紧急:是 人数:2')).toContain('缺少线索内容');
    const many = await ask(http, grid1, worker1, '/上报 村口有人聚集打牌 人数:很多 类别:打牌');
    expect(many).toContain(`线索 ${no(1)}`);
    expect(many).toContain('人数「很多」');
    expect(many).toContain('类别「打牌」');
    const urgent = await ask(http, grid1, worker1, '／上报　类别：发热　紧急：马上 地点：2组');
    expect(urgent).toContain(no(2));
    expect(urgent).toContain('紧急「马上」');
    // the longest command word wins: /上报县 is the township's escalation, refused here with the way to report
    for (const text of ['/上报县医院门口有人聚集', '/上报县', '／上报县 1 看看']) {
      const county = await ask(http, grid1, worker1, text);
      expect(county, text).toContain('在网格群上报线索请用 /上报 <情况>');
    }
    expect(app.db.select().from(leads).all()).toHaveLength(2);
    expect(await ask(http, grid1, worker1, '/上报 县医院门口有人聚集')).toContain(no(3));
    expect(await ask(http, room1, officer1, '/上报 有情况')).toContain('只能在网格群使用');
    expect(await ask(http, grid1, worker1, '/上报 有人发热 人数:13800000009')).toContain('人数「138****0009」');
    // a number of people that cannot be (negative, zero, absurd) is noted like any unreadable field, never blocks the report
    for (const p of ['-5', '0', '99999999999']) expect(await ask(http, grid1, worker1, `/上报 有人发热${p} 人数:${p}`)).toContain(`人数「${p}」`);
    await waitFor(http, room1, (m) => m.filter((x) => x.text.startsWith('【线索')).length === 7);
    const posts = (await outbound(http, room1)).filter((x) => x.text.startsWith('【线索'));
    expect(posts[0]!.text).toContain('人数：很多');
    expect(posts[0]!.text).toContain('类别：打牌');
    expect(posts[2]!.text).toContain('情况：县医院门口有人聚集');
    expect(posts[3]!.text).toContain('人数：138****0009');
    expect((await outbound(http)).some((m) => m.text.includes('13800000009'))).toBe(false);
    expect(app.db.select().from(leads).all()).toHaveLength(7);
    expect(app.db.select().from(leads).all().filter((l) => l.peopleCount !== null && l.peopleCount <= 0)).toEqual([]);
  });

  it('keeps township A’s leads out of township B, and lists leads per tier', async () => {
    const app = await start();
    const { http } = app;
    expect(await ask(http, grid1, worker1, '/上报 A镇线索：张三发热 电话13900001111')).toContain(no(1));
    expect(await ask(http, grid2, worker2, '/上报 B镇线索：李四返乡')).toContain(no(2));
    await waitFor(http, room2, (m) => m.some((x) => x.text.includes(no(2))));
    expect(await ask(http, room2, officer2, '/受理 1')).toContain('不属于');
    expect(await ask(http, room2, officer2, '/上报县 1 看看')).toContain('不属于');
    expect(await ask(http, room2, officer2, `/线索 ${no(1)}`)).toContain('不在本群范围');
    expect(await ask(http, room1, officer2, '/受理 1')).toContain('不属于本群所在单位');
    const inspector = c.members.find((m) => m.role === 'inspector')!.member_id!;
    expect(await ask(http, c.commandGroup, inspector, '/受理 1')).toContain('督查员不能使用');
    expect(await ask(http, grid1, worker1, '/受理 1')).toContain('网格员不能使用');

    const listA = await ask(http, room1, officer1, '/线索');
    expect(listA).toContain('001 待受理');
    expect(listA).not.toContain('002');
    const listB = await ask(http, room2, officer2, '/线索');
    expect(listB).toContain('002 待受理');
    expect(listB).not.toContain('001');
    const listCounty = await ask(http, c.commandGroup, c.commander, '/线索');
    expect(listCounty).toContain('001');
    expect(listCounty).toContain('002');
    expect(listCounty).not.toContain('张三'); // not escalated: no text in the command group
    const detailCounty = await ask(http, c.commandGroup, c.commander, '/线索 1');
    expect(detailCounty).toContain('内容仅乡镇可见');
    expect(detailCounty).not.toContain('张三');
    const gridList = await ask(http, grid1, leader1, '/线索 今日');
    expect(gridList).toContain('001');
    expect(gridList).not.toContain('002');
    const detailRoom = await ask(http, room1, officer1, '/线索 001');
    expect(detailRoom).toContain('139****1111');

    await settle();
    const all = await outbound(http);
    for (const m of all) {
      if (m.text.includes('张三')) expect([grid1, room1]).toContain(m.conversationId);
      if (m.text.includes('李四')) expect([grid2, room2]).toContain(m.conversationId);
      expect(m.text).not.toContain('13900001111');
    }
    // room B only ever hears the number in its refusals, never the lead itself
    expect((await outbound(http, room2)).filter((m) => m.text.includes(no(1))).every((m) => /不属于|不在本群范围/.test(m.text))).toBe(true);
    expect((await outbound(http, room2)).some((m) => m.text.includes(`【线索 ${no(1)}`))).toBe(false);
  });

  it('keeps pictures sent with the report or as the reporter’s next message', async () => {
    const app = await start();
    const { http } = app;
    const before = (await outbound(http, grid1)).length;
    await app.inbox.accept({ platform: 'console', platformMsgId: 'p1', conversationId: grid1, senderId: worker1, text: '/上报 河边有人野炊聚集', attachments: [{ kind: 'picture', ref: 'pic-1' }] });
    const first = await waitFor(http, grid1, (m) => m.length > before);
    expect(first[before]!.text).toContain('附图1张');
    await waitFor(http, room1, (m) => m.some((x) => x.text.includes('附图：1张')));

    await app.inbox.accept({ platform: 'console', platformMsgId: 'p2', conversationId: grid1, senderId: worker1, text: '', attachments: [{ kind: 'picture', ref: 'pic-2' }] });
    const second = await waitFor(http, grid1, (m) => m.length > before + 1);
    expect(second[before + 1]!.text).toBe(`已将图片附到线索 ${no(1)}（共2张）。`);
    await waitFor(http, room1, (m) => m.some((x) => x.text.includes('补充图片1张（共2张）')));

    await app.inbox.accept({ platform: 'console', platformMsgId: 'p3', conversationId: grid1, senderId: leader1, text: '', attachments: [{ kind: 'picture', ref: 'pic-3' }] });
    const third = await waitFor(http, grid1, (m) => m.length > before + 2);
    expect(third[before + 2]!.text).toContain('没看懂');
    expect(app.db.select().from(leads).get()!.attachments.map((a) => a.ref)).toEqual(['pic-1', 'pic-2']);
  });

  it('numbers leads gaplessly per day even when reports arrive at once', async () => {
    const app = await start();
    const { http } = app;
    const members = c.members.filter((m) => m.unit_id === G1);
    await Promise.all(
      Array.from({ length: 12 }, (_, i) =>
        http.inject({ method: 'POST', url: '/console/v1/inbound', payload: { conversationId: grid1, senderId: members[i % members.length]!.member_id, text: `/上报 第${i}条情况`, msgId: `burst-${i}` } }),
      ),
    );
    await waitFor(http, room1, (m) => m.filter((x) => x.text.startsWith('【线索')).length === 12);
    const numbers = app.db.select().from(leads).all().map((l) => l.number).sort((a, b) => a - b);
    expect(numbers).toEqual(Array.from({ length: 12 }, (_, i) => i + 1));
  });
});
