import { like } from 'drizzle-orm';
import { afterEach, describe, expect, it } from 'vitest';
import { timers } from '../../src/db/schema/index.js';
import { buildTestApp, type TestApp } from '../helpers/app.js';
import { ask, county, outbound, say, waitFor } from '../helpers/console.js';
import { askIn, expandGridNames, posted, receivers, sleep } from './util.js';

/** The current year in the fixture's time zone (numbers are per year). */
const YEAR = new Date().toLocaleString('en', { timeZone: 'Asia/Shanghai', year: 'numeric' });

const c = county();
const apps: TestApp[] = [];
afterEach(async () => {
  await Promise.all(apps.splice(0).map((a) => a.close()));
});
const start = async (env: Record<string, string>) => {
  const app = await buildTestApp({ env });
  apps.push(app);
  return app;
};
const townshipId = (name: string) => c.townships.find((t) => t.name === name)!.unit_id!;
const gridsOf = (tid: string) => c.grids.filter((g) => c.units.find((v) => v.unit_id === g.parent_id)!.parent_id === tid);
const ackAs = (unitId: string, role: string, text = '收到') => say(httpOf!, c.groupOf[unitId]!, c.memberOf(unitId, role), text);
let httpOf: TestApp['http'] | undefined;

/** Every message that starts with `prefix`, counted per conversation. Fails if any conversation got two. */
async function once(app: TestApp, prefix: string): Promise<Set<string>> {
  const r = await receivers(app.http, prefix);
  for (const [cid, n] of r) expect(n, `${prefix} posted ${n} times in ${cid}`).toBe(1);
  return new Set(r.keys());
}

describe('the reminder-and-escalation ladder', () => {
  it('reminds only silent units, lists each township its silent grids, rolls up to the command group; late acks count', async () => {
    const app = await start({ ACK_REMIND_AFTER: '3s', ACK_ESCALATE_AFTER: '5s', ACK_ESCALATE_COUNTY_AFTER: '6s' });
    httpOf = app.http;
    const t1 = townshipId('清溪街道');
    const t2 = townshipId('华岭镇');
    const g1 = gridsOf(t1);
    const g2 = gridsOf(t2);
    const reply = await ask(app.http, c.commandGroup, c.commander, '/令 范围:清溪街道、华岭镇 今晚24时前完成返乡人员排查');
    expect(reply).toContain(`下发 2 个乡镇指挥室、${g1.length + g2.length} 个网格群`);
    // before the reminder: the T01 room, 20 grids of T01 and 10 of T02 acknowledge
    const early = [...g1.slice(0, 20), ...g2.slice(0, 10)].map((g) => g.unit_id!);
    await ackAs(t1, 'township_officer');
    for (const id of early) await ackAs(id, 'grid_worker');
    await app.inbox.idle();

    await waitFor(app.http, undefined, (ms) => ms.filter((m) => m.text.startsWith('【提醒】')).length >= g1.length + g2.length + 2 - early.length - 1);
    const silent1 = new Set([c.groupOf[t2]!, ...[...g1, ...g2].map((g) => g.unit_id!).filter((id) => !early.includes(id)).map((id) => c.groupOf[id]!)]);
    expect(await once(app, '【提醒】')).toEqual(silent1);
    const sample = g1[25]!.unit_id!;
    const rem = (await posted(app.http, '【提醒】')).find((m) => m.conversationId === c.groupOf[sample])!;
    expect(rem.text).toContain(`指挥部令〔${YEAR}〕第1号`);
    expect(new Set(rem.mentions)).toEqual(new Set([c.memberOf(sample, 'grid_leader'), c.memberOf(sample, 'grid_worker')]));

    // between the steps 5 more T02 grids acknowledge: they drop out of the township lists
    const between = g2.slice(10, 15).map((g) => g.unit_id!);
    for (const id of between) await ackAs(id, 'grid_leader');
    await app.inbox.idle();

    const roll = await waitFor(app.http, c.commandGroup, (ms) => ms.some((m) => m.text.startsWith('【超时未确认汇总】')));
    await sleep(500);
    expect(await once(app, '【逾期未确认】')).toEqual(new Set([c.groupOf[t1]!, c.groupOf[t2]!]));
    const acked = new Set([...early, ...between]);
    for (const [tid, grids] of [[t1, g1], [t2, g2]] as const) {
      const msg = (await posted(app.http, '【逾期未确认】')).find((m) => m.conversationId === c.groupOf[tid])!;
      const want = grids.filter((g) => !acked.has(g.unit_id!)).map((g) => g.name!);
      const listed = expandGridNames(msg.text.split('\n')[2]!);
      expect(listed.sort()).toEqual(want.sort());
      expect(msg.text).toContain(`本乡镇 ${want.length} 个网格未确认`);
      expect(msg.text.includes('本指挥室也未确认')).toBe(tid === t2);
      // the township's officers, who must chase the grids, are @-mentioned
      expect(new Set(msg.mentions)).toEqual(new Set(c.members.filter((m) => m.unit_id === tid && m.role === 'township_officer').map((m) => m.member_id)));
    }
    expect(await once(app, '【超时未确认汇总】')).toEqual(new Set([c.commandGroup]));
    const rollText = roll.find((m) => m.text.startsWith('【超时未确认汇总】'))!.text;
    expect(rollText).toContain(`· 清溪街道：${g1.length - 20}个网格`);
    expect(rollText).toContain(`· 华岭镇：${g2.length - 15}个网格`);
    expect(rollText).toContain('指挥室未确认');
    expect(rollText.split('\n').filter((l) => l.startsWith('· ')).length).toBe(2);

    // a late acknowledgement counts and is marked late
    const late = g1[30]!.unit_id!;
    expect(await askIn(app.http, c.groupOf[late]!, c.memberOf(late, 'grid_worker'), '收到')).toContain('（逾期）');
    const progress = await ask(app.http, c.commandGroup, c.commander, '/进度 1');
    const total = g1.length + g2.length;
    expect(progress).toContain(`网格：${acked.size + 1}/${total}（`);
    expect(progress).toContain('逾期确认 1');
    expect(progress).toContain('提醒');
    // per tier: the township room sees its grids, a grid its own status
    const inRoom = await askIn(app.http, c.groupOf[t1]!, c.memberOf(t1, 'township_officer'), '/进度 1');
    expect(inRoom).toContain(`网格：21/${g1.length}`);
    expect(inRoom).not.toContain(g2[20]!.name!);
    expect(inRoom).toContain(g1[20]!.name!);
    expect(await askIn(app.http, c.groupOf[late]!, c.memberOf(late, 'grid_member'), '/进度 1')).toContain('已确认');
  });

  it('a step whose list is empty sends nothing', async () => {
    const app = await start({ ACK_REMIND_AFTER: '1s', ACK_ESCALATE_AFTER: '2s', ACK_ESCALATE_COUNTY_AFTER: '3s' });
    const grid = c.grids[100]!;
    const tid = c.units.find((v) => v.unit_id === grid.parent_id)!.parent_id!;
    await ask(app.http, c.commandGroup, c.commander, `/令 范围:${grid.name} 核查`);
    await say(app.http, c.groupOf[grid.unit_id!]!, c.memberOf(grid.unit_id!, 'grid_worker'), '收到');
    await say(app.http, c.groupOf[tid]!, c.memberOf(tid, 'township_officer'), '收到');
    await app.inbox.idle();
    await waitFor(app.http, undefined, () => {
      const t = app.db.select().from(timers).where(like(timers.id, 'dir-1-%')).all();
      return t.length === 3 && t.every((x) => x.status === 'done');
    });
    await sleep(300);
    const ladder = (await outbound(app.http)).filter((m) => /^【(提醒|逾期未确认|超时未确认汇总)】/.test(m.text));
    expect(ladder).toEqual([]);
  });

  it('a grid with two items due at the same time gets one reminder listing both', async () => {
    const app = await start({ ACK_REMIND_AFTER: '2s', ACK_ESCALATE_AFTER: '30s', ACK_ESCALATE_COUNTY_AFTER: '60s' });
    const tid = townshipId('大坑乡');
    const grids = gridsOf(tid);
    await say(app.http, c.commandGroup, c.commander, '/令 范围:大坑乡 第一件事');
    await say(app.http, c.commandGroup, c.commander, '/通告 范围:大坑乡 第二件事');
    await waitFor(app.http, undefined, (ms) => ms.filter((m) => m.text.startsWith('【提醒】')).length >= grids.length + 1);
    await sleep(1000);
    expect(await once(app, '【提醒】')).toEqual(new Set([c.groupOf[tid]!, ...grids.map((g) => c.groupOf[g.unit_id!]!)]));
    const one = (await posted(app.http, '【提醒】')).find((m) => m.conversationId === c.groupOf[grids[0]!.unit_id!])!;
    expect(one.text).toContain(`指挥部令〔${YEAR}〕第1号`);
    expect(one.text).toContain(`通告〔${YEAR}〕第1号`);
  });
});

describe('exactly once', () => {
  const env = { ACK_REMIND_AFTER: '2s', ACK_ESCALATE_AFTER: '4s', ACK_ESCALATE_COUNTY_AFTER: '5s' };

  async function expectEachOnce(app: TestApp, tid: string) {
    const grids = gridsOf(tid);
    await waitFor(app.http, c.commandGroup, (ms) => ms.some((m) => m.text.startsWith('【超时未确认汇总】')));
    await sleep(1500);
    expect(await once(app, '【提醒】')).toEqual(new Set([c.groupOf[tid]!, ...grids.map((g) => c.groupOf[g.unit_id!]!)]));
    expect(await once(app, '【逾期未确认】')).toEqual(new Set([c.groupOf[tid]!]));
    expect(await once(app, '【超时未确认汇总】')).toEqual(new Set([c.commandGroup]));
  }

  it('nothing is sent twice when the app restarts between steps', async () => {
    const a = await buildTestApp({ env });
    const tid = townshipId('长岭乡');
    await ask(a.http, c.commandGroup, c.commander, '/令 范围:长岭乡 重启测试');
    await waitFor(a.http, undefined, (ms) => ms.some((m) => m.text.startsWith('【提醒】')));
    await a.stop();
    const b = await buildTestApp({ roster: false, config: a.config, dir: a.dir });
    apps.push(b);
    await expectEachOnce(b, tid);
  });

  it('nothing is sent twice when two apps run on the same database and queues', async () => {
    const a = await start(env);
    const b = await buildTestApp({ roster: false, config: a.config, dir: a.dir });
    apps.push(b);
    const tid = townshipId('何源乡');
    await ask(a.http, c.commandGroup, c.commander, '/令 范围:何源乡 双进程测试');
    await b.timers.resync();
    await expectEachOnce(a, tid);
  });
});

describe('amend and revoke', () => {
  it('a revoked directive sends no further reminders; acknowledging it is refused', async () => {
    const app = await start({ ACK_REMIND_AFTER: '1s', ACK_ESCALATE_AFTER: '2s', ACK_ESCALATE_COUNTY_AFTER: '3s' });
    const tid = townshipId('中坪乡');
    const grids = gridsOf(tid);
    await ask(app.http, c.commandGroup, c.commander, '/令 范围:中坪乡 撤回测试');
    const r = await ask(app.http, c.commandGroup, c.commander, '/撤回 1 误发');
    expect(r).toContain(`已撤回 指挥部令〔${YEAR}〕第1号`);
    await waitFor(app.http, undefined, (ms) => ms.filter((m) => m.text.startsWith('【撤回】')).length >= grids.length + 1);
    expect(await once(app, '【撤回】')).toEqual(new Set([c.groupOf[tid]!, ...grids.map((g) => c.groupOf[g.unit_id!]!)]));
    await sleep(3500);
    expect((await outbound(app.http)).filter((m) => /^【(提醒|逾期未确认|超时未确认汇总)】/.test(m.text))).toEqual([]);
    expect(app.db.select().from(timers).where(like(timers.id, 'dir-1-%')).all().map((t) => t.status)).toEqual(['cancelled', 'cancelled', 'cancelled']);
    const g = grids[0]!.unit_id!;
    expect(await askIn(app.http, c.groupOf[g]!, c.memberOf(g, 'grid_worker'), '/收到 1')).toContain('已撤回');
    const p = await ask(app.http, c.commandGroup, c.commander, '/进度 1');
    expect(p).toContain('已撤回');
    expect(p).toContain('撤回：误发');
    expect(p).not.toContain('未确认网格');
    expect(await ask(app.http, c.commandGroup, c.commander, '/撤回 1')).toContain('已撤回');
  });

  it('an amendment relays 【更正】 to the same groups and re-opens acknowledgement', async () => {
    const app = await start({ ACK_REMIND_AFTER: '2s', ACK_ESCALATE_AFTER: '30s', ACK_ESCALATE_COUNTY_AFTER: '60s' });
    const tid = townshipId('音溪乡');
    const grids = gridsOf(tid);
    const [a, b] = [grids[0]!.unit_id!, grids[1]!.unit_id!];
    await ask(app.http, c.commandGroup, c.commander, '/令 范围:音溪乡 明日8时集中核酸');
    expect(await askIn(app.http, c.groupOf[a]!, c.memberOf(a, 'grid_worker'), '收到')).toContain('已确认');
    expect(await askIn(app.http, c.groupOf[b]!, c.memberOf(b, 'grid_worker'), '收到')).toContain('已确认');
    const r = await ask(app.http, c.commandGroup, c.commander, '/更正 1 时间改为明日9时');
    expect(r).toContain(`已更正 指挥部令〔${YEAR}〕第1号（第2版）`);
    expect(r).toContain(`下发 ${grids.length + 1} 个群`);
    await waitFor(app.http, undefined, (ms) => ms.filter((m) => m.text.startsWith('【更正】')).length >= grids.length + 1);
    expect(await once(app, '【更正】')).toEqual(new Set([c.groupOf[tid]!, ...grids.map((g) => c.groupOf[g.unit_id!]!)]));
    const p = await ask(app.http, c.commandGroup, c.commander, '/进度 1');
    expect(p).toContain(`网格：0/${grids.length}`);
    expect(p).toContain('更正为第2版：时间改为明日9时（第1版已确认 2）');
    // a's fresh acknowledgement is taken (not "already"); b, silent on version 2, is reminded
    expect(await askIn(app.http, c.groupOf[a]!, c.memberOf(a, 'grid_worker'), '收到')).toMatch(/^✅/);
    await waitFor(app.http, c.groupOf[b], (ms) => ms.some((m) => m.text.startsWith('【提醒】')));
    await sleep(500);
    const reminded = await once(app, '【提醒】');
    expect(reminded.has(c.groupOf[b]!)).toBe(true);
    expect(reminded.has(c.groupOf[a]!)).toBe(false);
    expect(reminded.size).toBe(grids.length); // every grid but a, plus the room
    // only the issuer's side may amend
    expect(await askIn(app.http, c.groupOf[tid]!, c.memberOf(tid, 'township_officer'), '/更正 1 改'), '').toContain('乡镇只能更正本乡镇');
  });
  it("a township officer may amend and revoke their own township's notice, nothing else", async () => {
    const app = await start({});
    const tid = townshipId('林岗乡');
    const officer = c.memberOf(tid, 'township_officer');
    const room = c.groupOf[tid]!;
    await ask(app.http, c.commandGroup, c.commander, '/令 范围:林岗乡 县里的令');
    expect(await askIn(app.http, room, officer, '/通告 本乡镇集市暂停')).toContain(`已发布 林岗乡通告〔${YEAR}〕第1号`);
    expect(await askIn(app.http, room, officer, '/更正 1 改了')).toContain('请写明：/更正 令1 或 /更正 林岗乡通告1');
    expect(await askIn(app.http, room, officer, '/更正 令1 县里的令改了')).toContain('乡镇只能更正本乡镇指挥室发布的通告');
    expect(await askIn(app.http, room, officer, '/更正 通告1 集市暂停至周五')).toContain(`已更正 林岗乡通告〔${YEAR}〕第1号（第2版）`);
    const other = townshipId('池口镇');
    expect(await askIn(app.http, c.groupOf[other]!, c.memberOf(other, 'township_officer'), '/撤回 林岗乡通告1')).toContain('乡镇只能撤回');
    expect(await askIn(app.http, room, officer, '/撤回 通告1')).toContain(`已撤回 林岗乡通告〔${YEAR}〕第1号`);
    const g = gridsOf(tid)[0]!.unit_id!;
    expect(await askIn(app.http, c.groupOf[g]!, c.memberOf(g, 'grid_leader'), '/撤回 令1')).toContain('不能使用');
    expect(await ask(app.http, c.commandGroup, c.commander, '/撤回 林岗乡通告1')).toContain('已撤回');
  });
});

describe('which directive a 收到 answers', () => {
  it('the latest open one; /收到 N names one; a quoted reply names the quoted one; nothing open gets a short answer', async () => {
    const app = await start({});
    const grid = c.grids[200]!.unit_id!;
    const cid = c.groupOf[grid]!;
    const worker = c.memberOf(grid, 'grid_worker');
    for (const t of ['第一条', '第二条', '第三条']) await ask(app.http, c.commandGroup, c.commander, `/令 范围:${c.grids[200]!.name} ${t}`);
    expect(await askIn(app.http, cid, worker, '收到')).toContain('第3号');
    expect(await askIn(app.http, cid, worker, '/收到 1')).toContain('第1号');
    const relay2 = (await outbound(app.http, cid)).find((m) => m.text.startsWith(`【指挥部令〔${YEAR}〕第2号】`))!;
    const before = (await outbound(app.http, cid)).length;
    await app.inbox.accept({ platform: 'console', platformMsgId: 'quoted-1', conversationId: cid, senderId: worker, text: '收到', quotedMsgId: String(relay2.seq) });
    const replies = await waitFor(app.http, cid, (ms) => ms.length > before);
    expect(replies[before]!.text).toContain(`已确认指挥部令〔${YEAR}〕第2号`);
    expect(await askIn(app.http, cid, worker, '收到')).toContain('无需重复');
    // after a correction of №1, a plain 收到 answers the correction: it is the latest sent out
    await ask(app.http, c.commandGroup, c.commander, '/令 范围:' + c.grids[200]!.name + ' 第四条');
    await ask(app.http, c.commandGroup, c.commander, '/更正 令1 第一条改期');
    expect(await askIn(app.http, cid, worker, '收到')).toContain(`已确认指挥部令〔${YEAR}〕第1号（更正后第2版）`);
    const other = c.grids[300]!.unit_id!;
    expect(await askIn(app.http, c.groupOf[other]!, c.memberOf(other, 'grid_worker'), '收到')).toContain('没有待确认');
  });
});
