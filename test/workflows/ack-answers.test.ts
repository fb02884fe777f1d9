/**
 * The answers a person gets instead of 没看懂 (issue 11 §1), in the situations the corpus does not set up:
 * an amended item re-posted with its correction, nothing left to acknowledge, the command group, a
 * township room naming itself, an item of another township, and a message that only looks like 收到.
 * Nothing here may count as an acknowledgement except the lines that say so.
 */
import { sqliteClient } from '../../src/db/client.js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildTestApp, type TestApp } from '../helpers/app.js';
import { ask, county } from '../helpers/console.js';

const c = county();
const YEAR = new Date().toLocaleString('en', { timeZone: 'Asia/Shanghai', year: 'numeric' });
const T = 'T15'; // 大坑乡
const ROOM = c.groupOf[T]!;
const OFFICER = c.memberOf(T, 'township_officer');
const G = ['T15-V01-G1', 'T15-V01-G2', 'T15-V01-G3'];
const grid = (g: string) => c.groupOf[g]!;
const worker = (g: string) => c.memberOf(g, 'grid_worker');
const acks = (app: TestApp, unitId: string) =>
  (sqliteClient(app.db).prepare('select d.kind, d.number, a.revision from acknowledgements a join directives d on d.id = a.directive_id where a.unit_id = ?').all(unitId) as { kind: string; number: number; revision: number }[]).map(
    (r) => `${r.kind === 'notice' ? '通告' : '令'}${r.number}v${r.revision}`,
  );

describe('answers to plain words about what is open', () => {
  let app: TestApp;
  beforeAll(async () => {
    app = await buildTestApp();
    // 令1 to 大坑乡, then amended; 令2 to another township only
    expect(await ask(app.http, c.commandGroup, c.commander, '/令 各网格排查外来车辆\n登记车牌和人数 范围:大坑乡')).toContain('已发布');
    expect(await ask(app.http, c.commandGroup, c.commander, '/更正 1 排查范围扩大到所有出入口')).toContain('已更正');
    expect(await ask(app.http, c.commandGroup, c.commander, '/令 林岗乡另行部署 范围:林岗乡')).toContain('已发布');
  }, 60_000);
  afterAll(async () => {
    await app?.close();
  });

  it('再发一遍 re-posts the item with its correction and the deadline, and counts nothing', async () => {
    const answer = await ask(app.http, grid(G[0]!), worker(G[0]!), '刚才没看到，麻烦再发一遍');
    expect(answer).toContain(`【重发】【指挥部令〔${YEAR}〕第1号】`);
    expect(answer).toContain('各网格排查外来车辆\n登记车牌和人数');
    expect(answer).toContain('【更正·第2版');
    expect(answer).toContain('排查范围扩大到所有出入口');
    expect(answer).toMatch(/请于\d+月\d+日 \d\d:\d\d前回复「收到」确认/);
    expect(acks(app, G[0]!)).toEqual([]);
  });

  it('是哪个令 lists the open item by number and first line; after 收到 it says nothing is left', async () => {
    const list = await ask(app.http, grid(G[1]!), worker(G[1]!), '领导，是哪个令啊');
    expect(list).toBe(`本群待确认1条：\n· 指挥部令〔${YEAR}〕第1号：各网格排查外来车辆\n回复「收到」确认；要看全文请回复「再发一遍」。`);
    expect(await ask(app.http, grid(G[1]!), worker(G[1]!), '收到[抱拳]')).toContain(`已确认指挥部令〔${YEAR}〕第1号（更正后第2版）`);
    expect(acks(app, G[1]!)).toEqual(['令1v2']);
    expect(await ask(app.http, grid(G[1]!), worker(G[1]!), '是什么通知')).toBe(
      `本群当前没有待确认的指挥部令或通告。最近一条：指挥部令〔${YEAR}〕第1号（已确认）：各网格排查外来车辆`,
    );
    const again = await ask(app.http, grid(G[1]!), worker(G[1]!), '再发一遍');
    expect(again).toContain('本群已确认，无需再回复。');
  });

  it('a message that only looks like 收到 is answered as not counted, with what is pending', async () => {
    const answer = await ask(app.http, grid(G[2]!), worker(G[2]!), '收到了吗？');
    expect(answer).toBe(
      `这条消息没有计为确认（含否定、疑问或其他内容）。\n本群待确认：令1（指挥部令〔${YEAR}〕第1号：各网格排查外来车辆）\n已收到请单独回复「收到」；发「是哪个令」看列表，发 /帮助 查看指令。`,
    );
    expect((await ask(app.http, grid(G[2]!), worker(G[2]!), '今天天气不错')).startsWith('没看懂这条消息。\n本群待确认：令1')).toBe(true);
    expect(acks(app, G[2]!)).toEqual([]);
  });

  it('an item of another township is not re-posted here, and naming it in 收到 is refused', async () => {
    expect(await ask(app.http, grid(G[2]!), worker(G[2]!), '2号令没收到')).toBe('胡下庄村第3网格没有待确认的指挥部令第2号。发「是哪个令」查看本群待确认的。');
    expect(await ask(app.http, grid(G[2]!), worker(G[2]!), '收到2号令')).toContain('不是发给胡下庄村第3网格的');
    expect(acks(app, G[2]!)).toEqual([]);
  });

  it('the township room acknowledges naming itself; the command group gets 没看懂, not a refusal', async () => {
    expect(await ask(app.http, ROOM, OFFICER, '大坑乡指挥室已收到，马上部署')).toContain(`✅ 大坑乡已确认指挥部令〔${YEAR}〕第1号`);
    expect(acks(app, T)).toEqual(['令1v2']);
    for (const text of ['是哪个令', '这边没收到', '有人吗']) {
      expect(await ask(app.http, c.commandGroup, c.commander, text), text).toBe('没看懂这条消息。发送 /帮助 查看可用指令。');
    }
  });

  it('a bare number shared by a directive and a newer notice acknowledges the directive', async () => {
    expect(await ask(app.http, c.commandGroup, c.commander, '/通告 大坑乡集市暂停 范围:大坑乡')).toContain(`通告〔${YEAR}〕第1号`);
    const g = 'T15-V02-G1';
    expect(await ask(app.http, grid(g), worker(g), '收到1号')).toContain(`已确认指挥部令〔${YEAR}〕第1号`);
    expect(await ask(app.http, grid(g), worker(g), '/收到 1')).toContain(`已于`);
    expect(await ask(app.http, grid(g), worker(g), '一号通告收到')).toContain(`已确认通告〔${YEAR}〕第1号`);
    expect(acks(app, g).sort()).toEqual(['令1v2', '通告1v1']);
  });
});
