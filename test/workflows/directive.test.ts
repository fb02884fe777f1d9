import { afterEach, describe, expect, it } from 'vitest';
import { buildTestApp, type TestApp } from '../helpers/app.js';
import { ask, county, outbound, say, waitFor } from '../helpers/console.js';

const c = county();
const apps: TestApp[] = [];
afterEach(async () => {
  await Promise.all(apps.splice(0).map((a) => a.close()));
});
async function start(opts: Parameters<typeof buildTestApp>[0] = {}) {
  const app = await buildTestApp(opts);
  apps.push(app);
  return app;
}
const targets = new Set([...c.grids, ...c.townships].map((u) => c.groupOf[u.unit_id!]!));
const worker = (g: { unit_id?: string }) => c.memberOf(g.unit_id!, 'grid_worker');

/** Issues a directive and waits until every target group has it; returns its number. */
async function issueAndRelay(app: TestApp, text = '请各网格今日内完成返乡人员排查'): Promise<number> {
  const confirm = await ask(app.http, c.commandGroup, c.commander, `/令 ${text}`);
  const n = Number(/指挥部令〔\d{4}〕第(\d+)号/.exec(confirm)?.[1]);
  expect(n).toBeGreaterThan(0);
  await waitFor(app.http, undefined, (m) => new Set(m.filter((x) => targets.has(x.conversationId) && x.text.includes(`第${n}号`)).map((x) => x.conversationId)).size === targets.size, 30_000);
  return n;
}

describe('the main job: a numbered directive relayed to the whole county', () => {
  it('numbers the directive, confirms in the command group and reaches all 762 target groups exactly once', async () => {
    const shared = await start();
    const confirm = await ask(shared.http, c.commandGroup, c.commander, '/令 请各网格今日内完成返乡人员排查');
    const year = new Date().toLocaleString('en', { timeZone: 'Asia/Shanghai', year: 'numeric' });
    expect(confirm).toContain(`已发布 指挥部令〔${year}〕第1号`);
    expect(confirm).toContain('15 个乡镇指挥室、747 个网格群');
    const all = await waitFor(shared.http, undefined, (m) => m.filter((x) => x.text.includes('【指挥部令')).length >= 762, 30_000);
    await shared.inbox.idle();
    await new Promise((r) => setTimeout(r, 300));
    const relays = (await outbound(shared.http)).filter((x) => x.text.includes('【指挥部令'));
    expect(relays).toHaveLength(762);
    expect(new Set(relays.map((r) => r.conversationId))).toEqual(targets);
    expect(relays[0]!.text).toContain('请各网格今日内完成返乡人员排查');
    expect(relays.some((r) => r.text.includes('@所有人'))).toBe(false);
    expect(all.filter((x) => x.conversationId === c.commandGroup && !x.text.startsWith('已发布'))).toHaveLength(0);
  });

  it('700 of 747 grids acknowledging in varied words → /进度 reports 700/747 (93.7%) and names the 47 silent grids', async () => {
    const app = await start();
    const n = await issueAndRelay(app);
    const words = ['收到', '收到！', '已收到', '收悉', '明白', '好的收到', `/收到 ${n}`, 'OK'];
    const acking = c.grids.slice(0, 700);
    for (const [i, g] of acking.entries()) {
      const r = await say(app.http, c.groupOf[g.unit_id!]!, worker(g), words[i % words.length]!);
      expect(r.status).toBe(202);
    }
    // a second acknowledgement from the same grid counts once
    await say(app.http, c.groupOf[c.grids[0]!.unit_id!]!, c.memberOf(c.grids[0]!.unit_id!, 'grid_leader'), '收到');
    // every acknowledgement processed before the commander asks (this counts; bench measures how fast)
    await app.inbox.idle();
    const answer = await ask(app.http, c.commandGroup, c.commander, `/进度 ${n}`);
    expect(answer).toContain('网格：700/747（93.7%）');
    expect(answer).toContain('乡镇指挥室：0/15');
    expect(answer).toContain('未确认网格（47）');
    const silent = c.grids.slice(700);
    const silentTownships = new Set(silent.map((g) => g.unit_id!.split('-')[0]));
    for (const g of silent) expect(answer).toContain(g.name!);
    expect(answer).not.toContain(`${c.grids[0]!.name}、`);
    const perTownship = answer.split('\n').filter((l) => l.startsWith('· ') && l.includes('：'));
    expect(perTownship.length).toBe(silentTownships.size);

    const repeat = await ask(app.http, c.groupOf[c.grids[0]!.unit_id!]!, c.memberOf(c.grids[0]!.unit_id!, 'grid_member'), '收到');
    expect(repeat).toMatch(/已于\d\d:\d\d确认.*无需重复/);
  });

  it('two commanders issuing at once — even from two processes on one database — get distinct consecutive numbers', async () => {
    const a = await start();
    const b = await start({ roster: false, config: a.config, dir: a.dir });
    const commanders = c.members.filter((m) => m.role === 'commander').map((m) => m.member_id!);
    await Promise.all([
      say(a.http, c.commandGroup, commanders[0]!, '/令 甲'),
      say(b.http, c.commandGroup, commanders[1]!, '/令 乙'),
      say(a.http, c.commandGroup, commanders[2]!, '/令 丙'),
      say(b.http, c.commandGroup, commanders[3]!, '/令 丁'),
    ]);
    const msgs = await waitFor(a.http, c.commandGroup, (m) => m.filter((x) => x.text.startsWith('已发布')).length === 4);
    const numbers = msgs.filter((x) => x.text.startsWith('已发布')).map((x) => Number(/第(\d+)号/.exec(x.text)![1])).sort((x, y) => x - y);
    expect(numbers).toEqual([1, 2, 3, 4]);
  });

  it('every grid acknowledging at once through two processes on one database: all 747 count, none answered with an error', async () => {
    const a = await start();
    const b = await start({ roster: false, config: a.config, dir: a.dir });
    const n = await issueAndRelay(a);
    // townships interleaved, so that two processes' batches touch the same townships' tallies in opposite orders
    const grids = [...c.grids].sort((x, y) => (x.unit_id!.split('-').at(-1)! < y.unit_id!.split('-').at(-1)! ? -1 : 1));
    for (let i = 0; i < grids.length; i += 60) {
      const answers = await Promise.all(grids.slice(i, i + 60).map(async (g, j) => (await say((j % 2 ? b : a).http, c.groupOf[g.unit_id!]!, worker(g), '收到')).status));
      expect(answers.every((s) => s === 202)).toBe(true);
    }
    const answered = (m: { text: string }[]) => m.filter((x) => x.text.startsWith('✅') || x.text.includes('处理这条消息时出错')).length;
    await waitFor(a.http, undefined, (m) => answered(m) >= 747, 120_000);
    await Promise.all([a.inbox.idle(), b.inbox.idle()]);
    const all = await outbound(a.http);
    expect(all.filter((x) => x.text.includes('处理这条消息时出错'))).toEqual([]);
    const progress = await ask(a.http, c.commandGroup, c.commander, `/进度 ${n}`);
    expect(progress).toContain('网格：747/747（100.0%）');
  }, 180_000);

  it('a repeated inbound msgId is accepted once and processed once', async () => {
    const app = await start();
    const first = await say(app.http, c.commandGroup, c.commander, '/令 重复投递测试', 'dup-1');
    const second = await say(app.http, c.commandGroup, c.commander, '/令 重复投递测试', 'dup-1');
    expect(first).toEqual({ status: 202, body: { msgId: 'dup-1' } });
    expect(second).toEqual({ status: 202, body: { msgId: 'dup-1', duplicate: true } });
    await waitFor(app.http, c.commandGroup, (m) => m.length >= 1);
    await app.inbox.idle();
    const next = await ask(app.http, c.commandGroup, c.commander, '/令 第二条');
    expect(next).toContain('第2号');
    expect((await outbound(app.http, c.commandGroup)).filter((m) => m.text.includes('第1号'))).toHaveLength(1);
  });

  it('refuses a grid worker’s /令 and creates nothing', async () => {
    const app = await start();
    const g = c.grids[0]!;
    const answer = await ask(app.http, c.groupOf[g.unit_id!]!, worker(g), '/令 网格员试图发令');
    expect(answer).toContain('网格员不能使用 /令');
    const next = await ask(app.http, c.commandGroup, c.commander, '/令 正式指令');
    expect(next).toContain('第1号');
  });

  it('numbers notices separately, acknowledges the latest open item, and tells a group with nothing open', async () => {
    const app = await start();
    const g = c.grids[5]!;
    const cid = c.groupOf[g.unit_id!]!;
    expect(await ask(app.http, cid, worker(g), '收到')).toBe('本群当前没有待确认的指挥部令或通告。');
    await ask(app.http, c.commandGroup, c.commander, '/令 指令一');
    const notice = await ask(app.http, c.commandGroup, c.commander, '/通告 通告一');
    expect(notice).toMatch(/已发布 通告〔\d{4}〕第1号/);
    await waitFor(app.http, cid, (m) => m.filter((x) => x.text.startsWith('【')).length === 2);
    const ack1 = await ask(app.http, cid, worker(g), '收到');
    expect(ack1).toContain('已确认通告〔');
    expect(ack1).toContain('尚未确认：指挥部令〔');
    const ack2 = await ask(app.http, cid, worker(g), '/收到 令1');
    expect(ack2).toContain('已确认指挥部令〔');
    const progress = await ask(app.http, c.commandGroup, c.commander, '/进度 通告1');
    expect(progress).toContain('网格：1/747');
    const own = await ask(app.http, cid, worker(g), '/进度 1');
    expect(own).toMatch(/已确认/);
  });

  it('a quoted reply through the console API acknowledges the quoted directive, not the latest', async () => {
    const app = await start();
    const g = c.grids[3]!;
    const cid = c.groupOf[g.unit_id!]!;
    await ask(app.http, c.commandGroup, c.commander, '/令 第一条');
    await ask(app.http, c.commandGroup, c.commander, '/令 第二条');
    const relayed = await waitFor(app.http, cid, (m) => m.filter((x) => x.text.startsWith('【指挥部令')).length === 2);
    const first = relayed.find((x) => x.text.includes('第一条'))!;
    const before = relayed.length;
    const r = await app.http.inject({ method: 'POST', url: '/console/v1/inbound', payload: { conversationId: cid, senderId: worker(g), text: '收到', quotedSeq: first.seq } });
    expect(r.statusCode).toBe(202);
    const reply = (await waitFor(app.http, cid, (m) => m.length > before))[before]!.text;
    expect(reply).toMatch(/已确认指挥部令〔\d{4}〕第1号/);
    const bad = await app.http.inject({ method: 'POST', url: '/console/v1/inbound', payload: { conversationId: cid, senderId: worker(g), text: '收到', quotedSeq: 'x' } });
    expect(bad.statusCode).toBe(400);
  });

  it('a notice with 回执:否 asks nobody to reply', async () => {
    const app = await start();
    const confirm = await ask(app.http, c.commandGroup, c.commander, '/通告 明日起恢复公交 回执:否');
    expect(confirm).toContain('无需回执');
    const g = c.grids[0]!;
    const relayed = await waitFor(app.http, c.groupOf[g.unit_id!]!, (m) => m.length === 1);
    expect(relayed[0]!.text).toContain('明日起恢复公交');
    expect(relayed[0]!.text).not.toContain('收到');
    expect(await ask(app.http, c.groupOf[g.unit_id!]!, worker(g), '收到')).toBe('本群当前没有待确认的指挥部令或通告。');
  });

  it('answers every message: usage for malformed commands, help by role, refusals for strangers and wrong groups', async () => {
    const app = await start();
    const g = c.grids[0]!;
    const gcid = c.groupOf[g.unit_id!]!;
    expect(await ask(app.http, c.commandGroup, c.commander, '/令')).toMatch(/^缺少内容。用法：\/令 <内容>/);
    expect(await ask(app.http, c.commandGroup, c.commander, '/进度 abc')).toContain('用法：/进度 [编号]');
    expect(await ask(app.http, c.commandGroup, c.commander, '/进度 99')).toContain('没有第99号');
    expect(await ask(app.http, c.commandGroup, c.commander, '/飞行')).toContain('没有指令 /飞行');
    expect(await ask(app.http, c.commandGroup, 'stranger-1', '/令 x')).toContain('不在本县花名册');
    expect(await ask(app.http, 'cid-unknown', c.commander, '/令 x')).toContain('本群未登记');
    expect(await ask(app.http, gcid, c.commander, '/令 在网格群发令')).toContain('只能在指挥部群使用');
    const other = c.grids[1]!;
    expect(await ask(app.http, gcid, worker(other), '收到')).toContain('你不属于本群所在单位');
    expect(await ask(app.http, gcid, worker(g), '你好')).toContain('/帮助');
    const commanderHelp = await ask(app.http, c.commandGroup, c.commander, '/帮助');
    expect(commanderHelp).toContain('/令 <内容>');
    expect(commanderHelp).not.toContain('/收到');
    const workerHelp = await ask(app.http, gcid, worker(g), '/help');
    expect(workerHelp).toContain('/收到 [编号]');
    expect(workerHelp).not.toContain('/令 <内容>');
  });
});
