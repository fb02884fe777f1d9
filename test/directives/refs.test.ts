/**
 * References to directives and notices as people write them: which item `/进度 1` means when a directive
 * and a notice share the number, years in references, Chinese numerals, what is not a number, a bare
 * `/进度`, and a quoted reply that names no item.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { parseChangeArgs } from '../../commands/change-args.js';
import { parseNumeral } from '../../src/core/numerals.js';
import { findRef, parseRef, splitRef } from '../../workflows/directive/ref.js';
import { parseLeadRef } from '../../workflows/lead/fields.js';
import { parseTaskRef } from '../../workflows/task/index.js';
import { buildTestApp, type TestApp } from '../helpers/app.js';
import { ask, county, outbound, say, waitFor } from '../helpers/console.js';
import { askIn } from './util.js';

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
const YEAR = Number(new Date().toLocaleString('en', { timeZone: 'Asia/Shanghai', year: 'numeric' }));
/** 周家坞村 (township 清溪街道): three grids and the township room. */
const VILLAGE = '周家坞村';
const GRID = 'T01-V01-G1';
const GRID_CID = c.groupOf[GRID]!;
const GRID_WORKER = c.memberOf(GRID, 'grid_worker');
const ROOM_CID = c.groupOf['T01']!;
const OTHER_TOWNSHIP_GRID = 'T02-V01-G1';

describe('reading a reference', () => {
  it('reads Chinese numerals, 第N号令 / N号通告 and years; 1.5, 1 4, 0 and -3 are not numbers', () => {
    expect(parseRef('十七')).toEqual({ number: 17 });
    expect(parseRef('第二号令')).toEqual({ kind: 'directive', number: 2 });
    expect(parseRef('5号令')).toEqual({ kind: 'directive', number: 5 });
    expect(parseRef('18号通告')).toEqual({ kind: 'notice', number: 18 });
    expect(parseRef('通告 二十')).toEqual({ kind: 'notice', number: 20 });
    expect(parseRef('一百零五')).toEqual({ number: 105 });
    expect(parseRef('指挥部令〔2026〕第17号')).toEqual({ kind: 'directive', number: 17, year: 2026 });
    expect(parseRef('令〔2025〕3')).toEqual({ kind: 'directive', number: 3, year: 2025 });
    expect(parseRef('2025年第3号')).toEqual({ number: 3, year: 2025 });
    expect(parseRef('二〇二五年第一号')).toEqual({ number: 1, year: 2025 });
    for (const t of ['1 4', '1.5', '0', '-3', '1e3', '十十', '令5号通告', '〔2025〕〔2026〕1', '五号楼']) expect(parseRef(t), t).toBeNull();
    expect([parseNumeral('两千五'), parseNumeral('一百一'), parseNumeral('一〇五'), parseNumeral('1十')]).toEqual([2500, 110, 105, null]);
  });

  it('reads task and lead numbers the same way', () => {
    expect(['三', '第十二号', '任务 十二', '专项任务〔2026〕第3号'].map(parseTaskRef)).toEqual([3, 12, 12, 3]);
    expect(['1 4', '1.5', '0'].map(parseTaskRef)).toEqual([null, null, null]);
    expect(['第七号', '七', '007', '线索 20260129-007'].map(parseLeadRef)).toEqual([{ number: 7 }, { number: 7 }, { number: 7 }, { day: 20260129, number: 7 }]);
    expect(['1 4', '1.5'].map(parseLeadRef)).toEqual([null, null]);
  });

  it('splits /更正 and /撤回 arguments; 1.5, 1。5, 1、2 and 1 4 are refused, not read as No. 1', () => {
    expect(splitRef('第三号 发错了')).toEqual({ ref: { number: 3 }, rest: '发错了' });
    expect(splitRef('通告18，发错了')).toEqual({ ref: { kind: 'notice', number: 18 }, rest: '发错了' });
    expect(parseChangeArgs('17，18点前完成', true)).toEqual({ ref: { number: 17 }, text: '18点前完成' });
    for (const a of ['1.5 x', '1。5 x', '1、2 x', '1 4', '1 、2']) expect(() => parseChangeArgs(a, true), a).toThrow(/编号/);
  });

  it('finds a reference inside a reply (for the acknowledgement reader) but not a grid, a date or a time', () => {
    const found = (t: string) => findRef(t)?.ref ?? null;
    expect(found('收到5号令')).toEqual({ kind: 'directive', number: 5 });
    expect(found('5号令已收到')).toEqual({ kind: 'directive', number: 5 });
    expect(found('第五号收到')).toEqual({ number: 5 });
    expect(found('令5收到')).toEqual({ kind: 'directive', number: 5 });
    expect(found('收到五号指挥部令')).toEqual({ kind: 'directive', number: 5 });
    expect(found('通告6收到')).toEqual({ kind: 'notice', number: 6 });
    expect(findRef('收到五号指挥部令')).toMatchObject({ index: 2, length: 6 });
    for (const t of ['李家村2网格收到', '第2网格收到', '2号网格收到', '收到，5号前完成', '12月5号前', '111', '命令收到', '通告3个村']) expect(found(t), t).toBeNull();
  });
});

describe('which item a reference names', () => {
  it('/进度 1 with 令1 and 通告1 answers for the directive and names the notice; hints say 令N and 通告N', async () => {
    const app = await start();
    const issued = await ask(app.http, c.commandGroup, c.commander, `/令 请各网格排查返乡人员 范围:${VILLAGE}`);
    expect(issued).toContain('/进度 令1');
    await ask(app.http, c.commandGroup, c.commander, `/通告 明日起卡口恢复值守 范围:${VILLAGE}`);
    const both = await ask(app.http, c.commandGroup, c.commander, '/进度 1');
    expect(both.split('\n')[0]).toContain(`指挥部令〔${YEAR}〕第1号`);
    expect(both).toContain(`另有通告〔${YEAR}〕第1号：/进度 通告1`);
    expect((await ask(app.http, c.commandGroup, c.commander, '/进度 通告1')).split('\n')[0]).toContain(`通告〔${YEAR}〕第1号`);
    expect((await ask(app.http, c.commandGroup, c.commander, '/进度 第一号令')).split('\n')[0]).toContain(`指挥部令〔${YEAR}〕第1号`);
    expect(await ask(app.http, c.commandGroup, c.commander, '/进度 1 4')).toContain('用法：/进度');
    // only a notice has number 2: a bare 2 is the notice
    await ask(app.http, c.commandGroup, c.commander, `/通告 第二条通告 范围:${VILLAGE}`);
    expect((await ask(app.http, c.commandGroup, c.commander, '/进度 二')).split('\n')[0]).toContain(`通告〔${YEAR}〕第2号`);
    // changing a shared number still asks which one, in the words a person types
    expect(await ask(app.http, c.commandGroup, c.commander, '/撤回 1')).toContain('/撤回 令1 或 /撤回 通告1');
  });

  it('a year must match: /撤回 〔2019〕第1号 is refused and revokes nothing; the right year works', async () => {
    const app = await start();
    await ask(app.http, c.commandGroup, c.commander, `/令 请各网格排查返乡人员 范围:${VILLAGE}`);
    const wrong = await ask(app.http, c.commandGroup, c.commander, '/撤回 〔2019〕第1号');
    expect(wrong).toContain('没有〔2019〕第1号');
    expect(wrong).not.toContain('已撤回');
    expect(await ask(app.http, c.commandGroup, c.commander, '/进度 令1')).not.toContain('已撤回');
    expect(await ask(app.http, c.commandGroup, c.commander, '/更正 指挥部令〔2019〕第1号 改为明天')).toContain('没有指挥部令〔2019〕第1号');
    expect(await ask(app.http, c.commandGroup, c.commander, `/撤回 〔${YEAR}〕第1号 发错了`)).toContain(`已撤回 指挥部令〔${YEAR}〕第1号`);
  });

  it('from January, last year\'s items answer to their year; a bare number means this year\'s', async () => {
    // a clock in the future, so that no reminder of these items falls due while the test runs
    const y = YEAR + 1;
    let now = new Date(`${y}-12-31T10:00:00+08:00`);
    const app = await start({ now: () => now });
    await ask(app.http, c.commandGroup, c.commander, `/令 年底排查 范围:${VILLAGE}`);
    await waitFor(app.http, GRID_CID, (m) => m.some((x) => x.text.startsWith(`【指挥部令〔${y}〕第1号】`)));
    now = new Date(`${y + 1}-01-02T09:00:00+08:00`);
    const bare = await ask(app.http, c.commandGroup, c.commander, '/进度 1');
    expect(bare).toContain(`今年（${y + 1}年）没有第1号`);
    expect(bare).toContain(`/进度 令〔${y}〕1`);
    expect((await ask(app.http, c.commandGroup, c.commander, `/进度 令〔${y}〕1`)).split('\n')[0]).toContain(`指挥部令〔${y}〕第1号`);
    // the new year's series starts again at 1; a bare 1 is now the new one
    expect(await ask(app.http, c.commandGroup, c.commander, `/令 新年第一条 范围:${VILLAGE}`)).toContain(`指挥部令〔${y + 1}〕第1号`);
    await waitFor(app.http, GRID_CID, (m) => m.some((x) => x.text.startsWith(`【指挥部令〔${y + 1}〕第1号】`)));
    expect((await ask(app.http, c.commandGroup, c.commander, '/进度 1')).split('\n')[0]).toContain(`指挥部令〔${y + 1}〕第1号`);
    // the grid acknowledges either by year; a bare 令1 is this year's
    expect(await askIn(app.http, GRID_CID, GRID_WORKER, '/收到 令1')).toContain(`已确认指挥部令〔${y + 1}〕第1号`);
    expect(await askIn(app.http, GRID_CID, GRID_WORKER, `/收到 令〔${y}〕1`)).toContain(`已确认指挥部令〔${y}〕第1号`);
    expect(await ask(app.http, c.commandGroup, c.commander, `/撤回 〔${y}〕第1号`)).toContain(`已撤回 指挥部令〔${y}〕第1号`);
    expect(await ask(app.http, c.commandGroup, c.commander, '/进度 1')).not.toContain('已撤回');
  });
});

describe('bare /进度', () => {
  it('answers for the latest open item this group can see, names the others, and says when there is none', async () => {
    const app = await start();
    const otherGrid = c.groupOf[OTHER_TOWNSHIP_GRID]!;
    const otherWorker = c.memberOf(OTHER_TOWNSHIP_GRID, 'grid_worker');
    expect(await ask(app.http, c.commandGroup, c.commander, '/进度')).toContain('没有进行中的指挥部令或通告');
    await ask(app.http, c.commandGroup, c.commander, `/令 请各网格排查返乡人员 范围:${VILLAGE}`);
    await ask(app.http, c.commandGroup, c.commander, `/通告 华岭镇卡口恢复值守 范围:华岭镇`);
    const county = await ask(app.http, c.commandGroup, c.commander, '/进度');
    expect(county.split('\n')[0]).toContain(`通告〔${YEAR}〕第1号`);
    expect(county).toContain('另有进行中：/进度 令1');
    // a grid of 周家坞村 sees only the directive; a grid of 华岭镇 only the notice
    expect((await askIn(app.http, GRID_CID, GRID_WORKER, '/进度')).split('\n')[0]).toContain(`指挥部令〔${YEAR}〕第1号`);
    expect((await askIn(app.http, otherGrid, otherWorker, '/进度')).split('\n')[0]).toContain(`通告〔${YEAR}〕第1号`);
    expect((await askIn(app.http, ROOM_CID, c.memberOf('T01', 'township_officer'), '/进度')).split('\n')[0]).toContain(`指挥部令〔${YEAR}〕第1号`);
    // a revoked item is no longer the latest open one
    await ask(app.http, c.commandGroup, c.commander, '/撤回 通告1');
    expect((await ask(app.http, c.commandGroup, c.commander, '/进度')).split('\n')[0]).toContain(`指挥部令〔${YEAR}〕第1号`);
    expect(await askIn(app.http, otherGrid, otherWorker, '/进度')).toContain('没有进行中的指挥部令或通告');
  });
});

describe('a quoted reply', () => {
  async function quote(app: TestApp, cid: string, who: string, text: string, quotedSeq: number): Promise<string> {
    const before = (await outbound(app.http, cid)).length;
    const r = await app.http.inject({ method: 'POST', url: '/console/v1/inbound', payload: { conversationId: cid, senderId: who, text, quotedSeq } });
    expect(r.statusCode).toBe(202);
    const msgs = await waitFor(app.http, cid, (m) => m.slice(before).some((x) => !x.text.startsWith('【')));
    return msgs.slice(before).find((x) => !x.text.startsWith('【'))!.text;
  }

  it('that names no item of this group is answered as such, and nothing is acknowledged', async () => {
    const app = await start();
    await ask(app.http, c.commandGroup, c.commander, `/令 请各网格排查返乡人员 范围:${VILLAGE}`);
    const relays = await waitFor(app.http, GRID_CID, (m) => m.some((x) => x.text.startsWith('【指挥部令')));
    // the bot's answer to a remark in this group, and a relay posted in another group
    const chatter = await askIn(app.http, GRID_CID, GRID_WORKER, '今天雨好大');
    const chatterSeq = (await outbound(app.http, GRID_CID)).find((m) => m.text === chatter)!.seq;
    const elsewhere = (await outbound(app.http, c.groupOf['T01-V01-G2']!)).find((m) => m.text.startsWith('【指挥部令'))!.seq;
    for (const seq of [chatterSeq, elsewhere, 999_999]) {
      const reply = await quote(app, GRID_CID, GRID_WORKER, '收到', seq);
      expect(reply).toContain('所引用的消息不是本群的指挥部令或通告');
      expect(reply).not.toContain('已确认');
    }
    expect(await askIn(app.http, GRID_CID, GRID_WORKER, '/进度 1')).toContain('未确认');
    // quoting the relay itself still acknowledges it, and quoting the bot's confirmation finds the same item
    const relaySeq = relays.find((x) => x.text.startsWith('【指挥部令'))!.seq;
    expect(await quote(app, GRID_CID, GRID_WORKER, '收到', relaySeq)).toContain(`已确认指挥部令〔${YEAR}〕第1号`);
    const confirmSeq = (await outbound(app.http, GRID_CID)).find((m) => m.text.startsWith('✅'))!.seq;
    expect(await quote(app, GRID_CID, c.memberOf(GRID, 'grid_member'), '收到', confirmSeq)).toContain('无需重复');
    expect((await quote(app, GRID_CID, GRID_WORKER, '/进度', relaySeq)).split('\n')[0]).toContain(`指挥部令〔${YEAR}〕第1号`);
    expect(await quote(app, GRID_CID, GRID_WORKER, '/进度', chatterSeq)).toContain('所引用的消息不是本群的指挥部令或通告');
  });

  it("that quotes a colleague's 收到 acknowledges the same item", async () => {
    const app = await start();
    await ask(app.http, c.commandGroup, c.commander, `/令 第一条 范围:${VILLAGE}`);
    await ask(app.http, c.commandGroup, c.commander, `/令 第二条 范围:${VILLAGE}`);
    await waitFor(app.http, GRID_CID, (m) => m.filter((x) => x.text.startsWith('【指挥部令')).length === 2);
    // the colleague's message id as the platform knows it; the console quotes by number
    await say(app.http, GRID_CID, GRID_WORKER, '/收到 令1', '880001');
    await waitFor(app.http, GRID_CID, (m) => m.some((x) => x.text.startsWith('✅')));
    expect(await quote(app, GRID_CID, c.memberOf(GRID, 'grid_member'), '收到', 880001)).toContain(`指挥部令〔${YEAR}〕第1号`);
  });
});
