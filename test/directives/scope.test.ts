import { beforeAll, afterAll, describe, expect, it } from 'vitest';
import { buildTestApp, type TestApp } from '../helpers/app.js';
import { ask, county, outbound, waitFor } from '../helpers/console.js';
import { askIn, receivers } from './util.js';

/** The current year in the fixture's time zone (numbers are per year). */
const YEAR = new Date().toLocaleString('en', { timeZone: 'Asia/Shanghai', year: 'numeric' });

const c = county();
const gridsWhere = (pred: (u: Record<string, string>) => boolean) => c.grids.filter(pred);
const convs = (units: Record<string, string>[]) => new Set(units.map((u) => c.groupOf[u.unit_id!]!));
const roomsOf = (grids: Record<string, string>[]) => {
  const tids = new Set(grids.map((g) => c.units.find((v) => v.unit_id === g.parent_id)!.parent_id!));
  return new Set([...tids].map((t) => c.groupOf[t]!));
};
const townshipId = (name: string) => c.townships.find((t) => t.name === name)!.unit_id!;
const gridsOfTownship = (tid: string) => gridsWhere((g) => c.units.find((v) => v.unit_id === g.parent_id)!.parent_id === tid);

/** Issues in the command group, waits for the relays, returns the set of groups the item reached. */
async function reached(app: TestApp, text: string, header: string): Promise<{ reply: string; groups: Set<string> }> {
  const reply = await ask(app.http, c.commandGroup, c.commander, text);
  const m = /下发 (\d+) 个乡镇指挥室、(\d+) 个网格群/.exec(reply);
  expect(m, reply).not.toBeNull();
  const total = Number(m![1]) + Number(m![2]);
  await waitFor(app.http, undefined, (ms) => ms.filter((x) => x.text.startsWith(header)).length >= total);
  return { reply, groups: new Set((await receivers(app.http, header)).keys()) };
}

describe('directive scopes on the fixture county', () => {
  let app: TestApp;
  beforeAll(async () => {
    app = await buildTestApp();
  });
  afterAll(async () => app.close());

  it('范围:红色网格 reaches every red grid and nothing else but their township rooms', async () => {
    const red = gridsWhere((g) => g.risk_color === 'red');
    expect(red.length).toBe(10);
    const { reply, groups } = await reached(app, '/令 范围:红色网格 立即开展全员核酸检测', `【指挥部令〔${YEAR}〕第1号】`);
    const rooms = roomsOf(red);
    expect(reply).toContain(`下发 ${rooms.size} 个乡镇指挥室、10 个网格群`);
    expect(reply).toContain('范围「红色网格」');
    expect(groups).toEqual(new Set([...convs(red), ...rooms]));
  });

  it('范围：橙色及以上 (full-width colon) reaches the 27 red and orange grids', async () => {
    const hot = gridsWhere((g) => g.risk_color === 'red' || g.risk_color === 'orange');
    expect(hot.length).toBe(27);
    const { groups } = await reached(app, '/令 范围：橙色及以上 封控区域加强巡查', `【指挥部令〔${YEAR}〕第2号】`);
    expect(groups).toEqual(new Set([...convs(hot), ...roomsOf(hot)]));
  });

  it('townships by name reach their rooms and all their grids; by control level likewise', async () => {
    const t1 = townshipId('清溪街道');
    const t2 = townshipId('华岭镇');
    const { reply, groups } = await reached(app, '/令 卡口值守人员今晚到位 范围:清溪街道、华岭镇', `【指挥部令〔${YEAR}〕第3号】`);
    const want = new Set([c.groupOf[t1]!, c.groupOf[t2]!, ...convs(gridsOfTownship(t1)), ...convs(gridsOfTownship(t2))]);
    expect(groups).toEqual(want);
    expect(reply).toContain(`下发 2 个乡镇指挥室、${want.size - 2} 个网格群`);

    const level1 = c.townships.filter((t) => t.control_level === '1');
    const { groups: g2 } = await reached(app, '/通告 范围:一级管控 暂停集市', `【通告〔${YEAR}〕第1号】`);
    expect(g2).toEqual(new Set(level1.flatMap((t) => [c.groupOf[t.unit_id!]!, ...convs(gridsOfTownship(t.unit_id!))])));
  });

  it('a named grid reaches that grid and its township room', async () => {
    const grid = c.grids[5]!;
    const { groups } = await reached(app, `/令 范围:${grid.name} 核查返乡人员`, `【指挥部令〔${YEAR}〕第4号】`);
    expect(groups).toEqual(new Set([c.groupOf[grid.unit_id!]!, ...roomsOf([grid])]));
  });

  it('a grid name used in two townships is refused as ambiguous, and accepted with its township first', async () => {
    const counts = new Map<string, Record<string, string>[]>();
    for (const g of c.grids) counts.set(g.name!, [...(counts.get(g.name!) ?? []), g]);
    const [name, twins] = [...counts].find(([, gs]) => gs.length > 1)!;
    const before = (await outbound(app.http)).length;
    const refused = await ask(app.http, c.commandGroup, c.commander, `/令 范围:${name} 核查`);
    expect(refused).toContain(`「${name}」有${twins.length}个`);
    expect((await outbound(app.http)).length).toBe(before + 1);
    const tid = c.units.find((v) => v.unit_id === twins[1]!.parent_id)!.parent_id!;
    const tname = c.townships.find((t) => t.unit_id === tid)!.name!;
    const { groups } = await reached(app, `/令 范围:${tname}${name} 核查`, `【指挥部令〔${YEAR}〕第5号】`);
    expect(groups).toEqual(new Set([c.groupOf[twins[1]!.unit_id!]!, c.groupOf[tid]!]));
  });

  it('an unknown name is refused by name, sends nothing and uses no number', async () => {
    const before = (await outbound(app.http)).length;
    const reply = await ask(app.http, c.commandGroup, c.commander, '/令 范围:清溪街道、火星镇 测试');
    expect(reply).toContain('火星镇');
    expect(reply).toContain('未下发');
    expect((await outbound(app.http)).length).toBe(before + 1);
    const next = await ask(app.http, c.commandGroup, c.commander, `/令 范围:${c.grids[0]!.name} 编号连续`);
    expect(next).toContain('第6号');
  });

  it('a township officer may issue a notice to their own township only, from their room', async () => {
    const tid = townshipId('马坞镇');
    const officer = c.memberOf(tid, 'township_officer');
    const room = c.groupOf[tid]!;
    const refusedHere = await ask(app.http, c.commandGroup, officer, '/通告 明日起暂停集市');
    expect(refusedHere).toMatch(/乡镇干部|不能/);
    const other = await askIn(app.http, room, officer, '/通告 范围:华岭镇 暂停集市');
    expect(other).toContain('华岭镇');
    expect(other).toContain('不属于马坞镇');
    const reply = await askIn(app.http, room, officer, '/通告 明日起暂停集市');
    // the township's own series
    const n = new RegExp(`马坞镇通告〔${YEAR}〕第(\\d+)号`).exec(reply)![1];
    const header = `【马坞镇通告〔${YEAR}〕第${n}号】`;
    const own = gridsOfTownship(tid);
    expect(reply).toContain(`下发 0 个乡镇指挥室、${own.length} 个网格群`);
    await waitFor(app.http, undefined, (ms) => ms.filter((x) => x.text.startsWith(header)).length >= own.length);
    await new Promise((r) => setTimeout(r, 300));
    // its grids and nothing else — not even a copy back to the issuing room
    expect(new Set((await receivers(app.http, header)).keys())).toEqual(convs(own));
    // colour scope from a township officer narrows to the own township
    const red = await askIn(app.http, room, officer, '/通告 范围:红色网格 加强巡查');
    const ownRed = own.filter((g) => g.risk_color === 'red').length;
    if (ownRed) expect(red).toContain(`${ownRed} 个网格群`);
    else expect(red).toContain('没有可下发');
    // a grid member may not issue
    const gid = own[0]!.unit_id!;
    expect(await ask(app.http, c.groupOf[gid]!, c.memberOf(gid, 'grid_leader'), '/通告 测试')).toContain('不能使用');
  });
});
