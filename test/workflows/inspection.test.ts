/**
 * 纠察督导 (issue 19): a finding recorded in the command group, tied to a directive, reaches only its
 * township room; the township rectifies it, the county closes or publishes it (a 通报 in the county's
 * notice series, to the 15 township rooms); a finding not rectified in time is listed once per group; who
 * may do what is refused as PRODUCT.md §2.5 says. Driven through the console API on the demo county.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { count, eq } from 'drizzle-orm';
import { auditLog, inspections, outboundMessages } from '../../src/db/schema/index.js';
import { buildTestApp, type TestApp } from '../helpers/app.js';
import { ask, county, outbound, waitFor, type Posted } from '../helpers/console.js';
import { until } from '../helpers/wait.js';

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
const year = Number(new Intl.DateTimeFormat('en', { timeZone: 'Asia/Shanghai', year: 'numeric' }).format(new Date()));
const cg = c.commandGroup;
const commander = c.commander;
const inspector = c.members.find((m) => m.role === 'inspector')!.member_id!;
const duty = c.members.find((m) => m.role === 'duty_officer')!.member_id!;
/** 马坞镇 (T03) and its grid 高垄口村第2网格 (a grid name also used in 音溪乡, T11). */
const T = 'T03';
const G = 'T03-V10-G2';
const room = c.groupOf[T]!;
const officer = c.memberOf(T, 'township_officer');
const gridGroup = c.groupOf[G]!;
const worker = c.memberOf(G, 'grid_worker');
const workerName = c.members.find((m) => m.member_id === worker)!.name!;
const T1 = 'T01';
const room1 = c.groupOf[T1]!;
const officer1 = c.memberOf(T1, 'township_officer');
const rooms = c.townships.map((t) => c.groupOf[t.unit_id!]!);
const convs = (msgs: Posted[]) => [...new Set(msgs.map((m) => m.conversationId))].sort();
const settle = (ms = 400) => new Promise((r) => setTimeout(r, ms));
/** Until the outbox has sent everything stored so far (a county-wide relay takes longer than any fixed pause on a loaded machine). */
const idle = async (app: TestApp) =>
  await until('the outbox sent everything', async () => (await app.db.select({ n: count() }).from(outboundMessages).where(eq(outboundMessages.status, 'pending')))[0]!.n === 0 || null, 30_000);
const after = async (app: TestApp, seq: number) => (await outbound(app.http)).filter((m) => m.seq > seq);
const lastSeq = async (app: TestApp) => Math.max(0, ...(await outbound(app.http)).map((m) => m.seq));

describe('inspections (纠察督导)', () => {
  it('records a finding tied to a directive, tells only its township room (nobody named), and takes it through rectified to closed', async () => {
    const app = await start();
    const { http } = app;
    expect(await ask(http, cg, commander, '/令 各卡口24小时值守')).toContain('指挥部令');
    await waitFor(http, room, (m) => m.length > 0);
    await idle(app);
    const mark = await lastSeq(app);

    const problem = `卡口无人值守，网格员${workerName}脱岗，电话13800000001`;
    await app.inbox.accept({ platform: 'console', platformMsgId: 'f1', conversationId: cg, senderId: inspector, text: `/督查 马坞镇高垄口村第2网格 令1 ${problem} 人数:2`, attachments: [{ kind: 'picture', ref: 'pic-1' }] });
    const reply = (await waitFor(http, cg, (m) => m.some((x) => x.seq > mark)))!.find((x) => x.seq > mark)!.text;
    expect(reply).toContain(`✅ 已登记 督查〔${year}〕第1号：马坞镇 高垄口村第2网格，已转马坞镇综合信息指挥室，限`);
    expect(reply).toMatch(/限\d+月\d+日 \d\d:\d\d前（24小时内）整改/);
    expect(reply).toContain('关联：指挥部令');
    expect(reply).toContain('附图1张');
    const told = await waitFor(http, room, (m) => m.some((x) => x.text.includes('督查发现问题')));
    const relay = told.find((x) => x.text.includes('督查发现问题'))!.text;
    expect(relay).toContain(`【督查〔${year}〕第1号】`);
    expect(relay).toContain('单位：马坞镇 高垄口村第2网格');
    expect(relay).toContain('卡口无人值守');
    expect(relay).toContain('（涉及2人）');
    expect(relay).toContain(`关联：指挥部令〔${year}〕第1号`);
    expect(relay).toContain('附图：1张');
    expect(relay).toContain('/整改 1 <整改情况>');
    // nobody named: not the person in the problem, not the inspector; numbers masked
    expect(relay).not.toContain(workerName);
    expect(relay).toContain(`${workerName[0]}${'*'.repeat(workerName.length - 1)}`);
    expect(relay).toContain('138****0001');
    expect(relay).not.toContain(c.members.find((m) => m.member_id === inspector)!.name!);
    await settle();
    // the finding went to its township room only: not its grid group, not another room
    expect(convs(await after(app, mark))).toEqual([cg, room].sort());

    // a picture as the inspector's next message is evidence too
    await app.inbox.accept({ platform: 'console', platformMsgId: 'f1-pic', conversationId: cg, senderId: inspector, text: '', attachments: [{ kind: 'picture', ref: 'pic-2' }] });
    await waitFor(http, cg, (m) => m.some((x) => x.text === `已将图片附到督查〔${year}〕第1号（共2张）。`));
    await waitFor(http, room, (m) => m.some((x) => x.text.includes('补充图片1张（共2张）')));
    expect(app.db.select().from(inspections).get()!.attachments.map((a) => a.ref)).toEqual(['pic-1', 'pic-2']);

    // /进度 of the directive lists its findings — in the command group and the township room, not in a grid group
    expect(await ask(http, cg, commander, '/进度 1')).toMatch(/督查发现（1）：\n· 督查〔\d{4}〕第1号 马坞镇 高垄口村第2网格：卡口无人值守.*（待整改）/);
    expect(await ask(http, room, officer, '/进度 令1')).toContain('督查发现（1）');
    expect(await ask(http, gridGroup, worker, '/进度 令1')).not.toContain('督查');

    // rectified by the township officer, from its room: the command group is told
    const mark2 = await lastSeq(app);
    expect(await ask(http, room, officer, '/整改 1 已安排专人24小时轮班值守')).toBe(`✅ 督查〔${year}〕第1号 已整改，已报指挥部。如有整改图片，请紧接着发到本群。`);
    const rect = (await waitFor(http, cg, (m) => m.some((x) => x.text.startsWith(`【督查〔${year}〕第1号 已整改】`)))).find((x) => x.text.startsWith('【督查'))!.text;
    expect(rect).toContain('整改情况：已安排专人24小时轮班值守');
    expect(rect).toContain('/督查结案 1');
    await app.inbox.accept({ platform: 'console', platformMsgId: 'r1-pic', conversationId: room, senderId: officer, text: '', attachments: [{ kind: 'picture', ref: 'pic-r' }] });
    await waitFor(http, room, (m) => m.some((x) => x.text.includes('的整改材料留存（共1张）')));
    expect(await ask(http, room, officer, '/整改 1 再整改一次')).toContain('无需重复');

    // closed by the inspector: the township room is told
    expect(await ask(http, cg, inspector, '/督查结案 1 复查合格')).toBe(`✅ 督查〔${year}〕第1号 已结案，已告知所在乡镇指挥室。`);
    await waitFor(http, room, (m) => m.some((x) => x.text.includes('已结案（指挥部')));
    expect(await ask(http, cg, commander, '/督查结案 1')).toContain('无需重复');
    expect(await ask(http, room, officer, '/整改 1 补充')).toContain('已结案');
    await settle();
    expect(convs(await after(app, mark2))).toEqual([cg, room].sort());

    const row = app.db.select().from(inspections).get()!;
    expect(row).toMatchObject({ state: 'closed', number: 1, year, unitId: G, townshipId: T, people: 2, rectifyNote: '已安排专人24小时轮班值守', closeNote: '复查合格' });
    expect(row.text).toContain(workerName); // in full only in the record
    expect(row.rectifyAttachments.map((a) => a.ref)).toEqual(['pic-r']);
    const steps = app.db.select().from(auditLog).all().filter((a) => a.action.startsWith('inspection.')).map((a) => a.action);
    expect(steps).toEqual(['inspection.record', 'inspection.picture', 'inspection.rectify', 'inspection.picture', 'inspection.close']);

    // the lists: the command group sees it, a township room its own
    expect(await ask(http, cg, duty, '/督查列表')).toBe('督查问题：暂无未结案的。');
    expect(await ask(http, room, officer, '/督查列表 1')).toMatch(/^督查〔\d{4}〕第1号（已结案）\n单位：马坞镇 高垄口村第2网格/);
    expect(await ask(http, room1, officer1, '/督查列表 1')).toContain('不属于清溪街道');
  });

  it('publishes a finding as a 通报: the next county notice number, relayed to the 15 township rooms and nowhere else', async () => {
    const app = await start();
    const { http } = app;
    expect(await ask(http, cg, commander, '/通告 请各乡镇做好返乡人员登记')).toContain(`通告〔${year}〕第1号`);
    await waitFor(http, room, (m) => m.length > 0);
    expect(await ask(http, cg, inspector, `/督查 马坞镇 卡口登记台账不全，${workerName}未签字`)).toContain(`督查〔${year}〕第1号：马坞镇，`);
    expect(await ask(http, cg, inspector, '/督查 周家坞村第1网格 未落实测温')).toContain(`督查〔${year}〕第2号：清溪街道 周家坞村第1网格`);
    await idle(app);
    const mark = await lastSeq(app);

    expect(await ask(http, cg, commander, '/通报 1 请各乡镇举一反三')).toBe(`✅ 已通报 督查〔${year}〕第1号：通告〔${year}〕第2号，下发 15 个乡镇指挥室（无需回执）。`);
    const posted = await waitFor(http, undefined, (m) => m.filter((x) => x.seq > mark && rooms.includes(x.conversationId)).length >= 15);
    await settle();
    const fresh = (await after(app, mark)).filter((m) => m.conversationId !== cg);
    expect(fresh.length).toBe(15);
    expect(convs(fresh)).toEqual([...rooms].sort());
    for (const m of fresh) {
      expect(m.text).toContain(`【通告〔${year}〕第2号】`);
      expect(m.text).toContain(`督查通报（督查〔${year}〕第1号）`);
      expect(m.text).toContain('马坞镇：卡口登记台账不全');
      expect(m.text).toContain('请各乡镇举一反三');
      expect(m.text).not.toContain(workerName);
    }
    expect(posted.length).toBeGreaterThan(0);
    expect(await ask(http, cg, inspector, '/通报 1')).toContain('无需重复');
    // it is a notice of the county's series: /进度 shows its delivery, no receipt asked
    expect(await ask(http, cg, commander, '/进度 通告2')).toContain('送达情况（无需回执）');
    expect(await ask(http, cg, commander, '/通告 下一条通告')).toContain(`通告〔${year}〕第3号`);
    expect(app.db.select().from(inspections).all().find((f) => f.number === 1)).toMatchObject({ state: 'open', publishedBy: commander });
  });

  it('reads the unit leniently and says what was not found', async () => {
    const app = await start();
    const { http } = app;
    expect(await ask(http, cg, inspector, '/督查 马坞镇 高垄口村第2网格 台账缺失')).toContain('马坞镇 高垄口村第2网格');
    expect(await ask(http, cg, inspector, '/督查 马坞 高垄口村第2网格 台账缺失')).toContain('马坞镇 高垄口村第2网格');
    expect(await ask(http, cg, inspector, '/督查 周家坞村第1网格 台账缺失')).toContain('清溪街道 周家坞村第1网格');
    expect(await ask(http, cg, inspector, '/督查 大坑乡 台账缺失')).toContain('：大坑乡，');
    const unknown = await ask(http, cg, inspector, '/督查 火星村第9网格 台账缺失');
    expect(unknown).toContain('没有找到网格或乡镇「火星村第9网格」');
    expect(unknown).toContain('用法：/督查');
    expect(await ask(http, cg, inspector, '/督查 高垄口村第2网格 台账缺失')).toMatch(/有2个（马坞镇、音溪乡）.*用法：/);
    expect(await ask(http, cg, inspector, '/督查 马坞镇高垄口村 台账缺失')).toContain('是村（社区），请写到网格');
    expect(await ask(http, cg, inspector, '/督查 马坞镇')).toContain('缺少问题');
    expect(await ask(http, cg, inspector, '/督查 马坞镇 令99 台账缺失')).toContain('没有指挥部令');
    expect(await ask(http, cg, inspector, '/督查 马坞镇 台账缺失 人数:很多')).toContain('人数「很多」看不懂');
    expect(await ask(http, cg, inspector, '/督查 2')).toContain('/督查列表 2');
    expect(app.db.select().from(inspections).all().map((f) => f.number)).toEqual([1, 2, 3, 4]);
  });

  it('lists a finding not rectified within INSPECTION_RECTIFY_SLA once, one message per group, and never one rectified in time', async () => {
    const app = await start({ INSPECTION_RECTIFY_SLA: '8s' });
    const { http } = app;
    const mark = await lastSeq(app);
    for (const text of ['/督查 马坞镇高垄口村第2网格 卡口无人值守', '/督查 马坞镇 台账不全', '/督查 周家坞村第1网格 未测温', '/督查 周家坞村第2网格 未消杀']) await app.inbox.accept({ platform: 'console', platformMsgId: `sla-${text}`, conversationId: cg, senderId: inspector, text });
    await app.inbox.idle();
    await waitFor(http, room1, (m) => m.filter((x) => x.text.includes('督查发现问题')).length === 2);
    expect(await ask(http, room1, officer1, '/整改 4 已消杀')).toContain('已整改');

    const late = (m: Posted) => m.text.startsWith('⏰');
    await waitFor(http, cg, (m) => m.some(late), 25_000);
    await waitFor(http, room, (m) => m.some(late), 5_000);
    await waitFor(http, room1, (m) => m.some(late), 5_000);
    await settle(3000);
    const all = (await after(app, mark)).filter(late);
    const county = all.filter((m) => m.conversationId === cg);
    expect(county).toHaveLength(1);
    expect(county[0]!.text).toContain('督查问题超过8秒未整改（3条）');
    for (const n of [1, 2, 3]) expect(county[0]!.text).toContain(`督查〔${year}〕第${n}号`);
    expect(county[0]!.text).not.toContain(`第4号`);
    const inRoom = all.filter((m) => m.conversationId === room);
    expect(inRoom).toHaveLength(1);
    expect(inRoom[0]!.text).toContain('本乡镇督查问题超过8秒未整改（2条）');
    const inRoom1 = all.filter((m) => m.conversationId === room1);
    expect(inRoom1).toHaveLength(1);
    expect(inRoom1[0]!.text).toContain(`第3号`);
    expect(inRoom1[0]!.text).toContain('/整改 3 <整改情况>');
    expect(convs(all)).toEqual([cg, room, room1].sort());
    const rows = app.db.select().from(inspections).all();
    expect(rows.filter((f) => f.overdueAt !== null).map((f) => f.number)).toEqual([1, 2, 3]);
    expect(app.db.select().from(auditLog).all().filter((a) => a.action === 'inspection.overdue')).toHaveLength(3);
    expect(await ask(http, cg, commander, '/督查列表')).toContain('（待整改（超时））');
  });

  it('refuses who may not, with the reason, and changes nothing', async () => {
    const app = await start();
    const { http } = app;
    expect(await ask(http, cg, inspector, '/督查 马坞镇 台账不全')).toContain('已登记');
    const count = () => app.db.select().from(auditLog).all().length;
    const before = count();
    const refusals: [string, string, string, RegExp][] = [
      [cg, duty, '/督查 马坞镇 台账不全', /值班员不能使用 \/督查/],
      [room, officer, '/督查 马坞镇 台账不全', /乡镇干部不能使用 \/督查/],
      [gridGroup, worker, '/督查列表', /网格员不能使用 \/督查列表/],
      [gridGroup, worker, '/整改 1 已整改', /网格员不能使用 \/整改/],
      [gridGroup, officer, '/督查列表', /只能在指挥部群或乡镇指挥室使用/],
      [cg, officer, '/整改 1 已整改', /只能在乡镇指挥室使用/],
      [room1, officer1, '/整改 1 已整改', /不属于清溪街道，不能整改/],
      [room1, officer1, '/督查列表 1', /不属于清溪街道/],
      [room, officer1, '/督查列表', /只能查看本乡镇的督查/],
      [cg, duty, '/通报 1', /值班员不能使用 \/通报/],
      [cg, duty, '/督查结案 1', /值班员不能使用 \/督查结案/],
      [room, officer, '/通报 1', /乡镇干部不能使用 \/通报/],
    ];
    for (const [group, who, text, want] of refusals) expect(await ask(http, group, who, text), text).toMatch(want);
    expect(count()).toBe(before);
    expect(app.db.select().from(inspections).get()!.state).toBe('open');
    // /帮助 offers each what they may do
    expect(await ask(http, cg, inspector, '/帮助')).toContain('/督查 <单位> [令N] <问题>、/督查列表 /督查结案 /通报 <号>');
    expect(await ask(http, room, officer, '/帮助')).toContain('/整改 <督查号> <整改情况>、/督查列表');
    expect(await ask(http, gridGroup, worker, '/帮助')).not.toContain('督查');
  });
});
