/**
 * Words that must not change, and answers that say the real reason (issue 11 §4), on the fixture county:
 * the body relayed as typed, township notices in their own series, 范围 read alike by /令 /通告 /任务,
 * refusals naming the township, a short /帮助, /进度 of a notice without receipt, no long echoes.
 */
import Database from 'better-sqlite3';
import { drizzle } from 'drizzle-orm/better-sqlite3';
import { migrate } from 'drizzle-orm/better-sqlite3/migrator';
import { cpSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { MIGRATIONS_DIR, closeDb, openDb, sqliteClient } from '../../src/db/client.js';
import { findByNumber, nextNumber } from '../../src/db/queries/directives.js';
import { formatNumber } from '../../workflows/directive/format.js';
import { buildTestApp, type TestApp } from '../helpers/app.js';
import { ask, county, waitFor } from '../helpers/console.js';
import { askIn } from './util.js';
import { longestEcho } from '../helpers/echo.js';
import { parseChangeArgs } from '../../commands/change-args.js';
import { parseIssueArgs } from '../../commands/issue-and-confirm.js';

/** The current year in the fixture's time zone (numbers are per year). */
const YEAR = new Date().toLocaleString('en', { timeZone: 'Asia/Shanghai', year: 'numeric' });

const c = county();
const tid = (name: string) => c.townships.find((t) => t.name === name)!.unit_id!;
const gridsOf = (townshipId: string) => c.grids.filter((g) => c.units.find((v) => v.unit_id === g.parent_id)!.parent_id === townshipId);
/** Grids whose name no other grid has. */
const unique = (grids: Record<string, string>[]) => grids.filter((g) => c.grids.filter((o) => o.name === g.name).length === 1);

describe('reading /令 /通告 /更正 as typed', () => {
  it('keeps the body character for character and reads the fields leniently', () => {
    expect(parseIssueArgs('各网格：今日  完成（第１批） 范围：清溪街道，华岭镇 时限：３０分钟\n重点：老人 回执：否')).toEqual({
      text: '各网格：今日  完成（第１批）\n重点：老人',
      scope: ['清溪街道', '华岭镇'],
      ackWindowMs: 1_800_000,
      ackRequired: false,
      urgent: false,
    });
    expect(parseIssueArgs('核酸范围:红色网格 检测')).toMatchObject({ text: '核酸 检测', scope: ['红色网格'] });
    // a colour or a level after a space still belongs to 范围 (as in /任务); any other word is the body
    expect(parseIssueArgs('排查 范围:马坞镇 红色网格 一级管控 今晚')).toMatchObject({ text: '排查 今晚', scope: ['马坞镇', '红色网格', '一级管控'] });
    expect(parseIssueArgs('范围:红色网格 红色预警处置')).toMatchObject({ text: '红色预警处置', scope: ['红色网格'] });
    expect(parseChangeArgs('１７ 改为：明日１２点', true)).toEqual({ ref: { number: 17 }, text: '改为：明日１２点' });
    expect(parseChangeArgs('通告１８，取消', true)).toEqual({ ref: { kind: 'notice', number: 18 }, text: '取消' });
  });
});

describe('words that must not change', () => {
  let app: TestApp;
  beforeAll(async () => {
    app = await buildTestApp();
  });
  afterAll(async () => app.close());

  it('relays the body as typed: full-width colon, digits and letters, spacing; only the fields are read leniently', async () => {
    const grid = unique(gridsOf(tid('大坑乡')))[0]!;
    const body = '请各网格排查返乡人员：今日完成（第１批，ＡＢ两类）  重点：老人';
    const reply = await ask(app.http, c.commandGroup, c.commander, `／令 ${body} 范围：${grid.name} 时限：３０分钟`);
    expect(reply).toMatch(/已发布 指挥部令/);
    const relays = await waitFor(app.http, c.groupOf[grid.unit_id!]!, (ms) => ms.some((m) => m.text.startsWith('【指挥部令')));
    const relay = relays.find((m) => m.text.startsWith('【指挥部令'))!.text;
    expect(relay.split('\n')[1]).toBe(body);
    expect(relay).toContain('30分钟内');
    // a correction keeps its words too
    const n = /第(\d+)号/.exec(reply)![1];
    await ask(app.http, c.commandGroup, c.commander, `/更正 ${n} 改为：明日１２点前完成`);
    const amended = await waitFor(app.http, c.groupOf[grid.unit_id!]!, (ms) => ms.some((m) => m.text.includes('【更正】')));
    expect(amended.find((m) => m.text.includes('【更正】'))!.text).toContain('改为：明日１２点前完成');
  });

  it('/进度 of a notice without receipt shows it delivered, never unacknowledged, in every tier', async () => {
    const t = tid('大坑乡');
    const grids = gridsOf(t);
    const reply = await ask(app.http, c.commandGroup, c.commander, '/通告 明日起各卡口恢复24小时值守 回执:否 范围:大坑乡');
    const n = /通告〔\d{4}〕第(\d+)号/.exec(reply)![1];
    await waitFor(app.http, undefined, (ms) => ms.filter((m) => m.text.startsWith('【通告')).length >= grids.length + 1);
    const countyView = await ask(app.http, c.commandGroup, c.commander, `/进度 通告${n}`);
    expect(countyView).not.toMatch(/未确认|\d%/);
    expect(countyView).toContain(`已送达：${grids.length + 1}/${grids.length + 1} 个群`);
    const room = await ask(app.http, c.groupOf[t]!, c.memberOf(t, 'township_officer'), `/进度 通告${n}`);
    expect(room).not.toMatch(/未确认|\d%/);
    expect(room).toContain(`已送达：${grids.length + 1}/${grids.length + 1} 个群`);
    const g = grids[0]!.unit_id!;
    const gridView = await ask(app.http, c.groupOf[g]!, c.memberOf(g, 'grid_worker'), `/进度 通告${n}`);
    expect(gridView).not.toMatch(/未确认|\d%/);
    expect(gridView).toContain(`${grids[0]!.name}：已送达`);
  });

  it('/帮助 lists only what this person may do in this group, in at most 10 short lines', async () => {
    const t = tid('大坑乡');
    const g = gridsOf(t)[0]!.unit_id!;
    const inspector = c.members.find((m) => m.role === 'inspector')!.member_id!;
    const duty = c.members.find((m) => m.role === 'duty_officer')!.member_id!;
    const cases: [string, string, string[], string[]][] = [
      // [group, sender, must list, must not list]
      [c.commandGroup, c.commander, ['/令', '/通告', '/进度', '/更正', '/撤回', '/任务', '/统计', '/风险', '/受理'], ['/收到', '/上报 ', '/完成', '/上报县']],
      [c.commandGroup, inspector, ['/进度', '/统计', '/线索', '/任务列表'], ['/令', '/通告', '/任务 ', '/风险', '/受理']],
      [c.groupOf[t]!, c.memberOf(t, 'township_officer'), ['/通告', '/收到', '/进度', '/任务', '/风险', '/上报县', '/受理'], ['/令', '/完成', '/上报 ']],
      [c.groupOf[g]!, c.memberOf(g, 'grid_worker'), ['/收到', '/进度', '/上报', '/完成', '/任务列表'], ['/令', '/通告', '/任务 ', '/风险', '/受理', '/更正']],
      [c.groupOf[g]!, duty, ['/进度', '/上报', '/线索'], ['/令', '/收到', '/完成', '/风险']],
    ];
    for (const [group, sender, yes, no] of cases) {
      const help = await ask(app.http, group, sender, '/帮助');
      const lines = help.split('\n');
      expect(lines[0], help).toMatch(/^可用指令/);
      expect(lines.length, help).toBeLessThanOrEqual(10);
      for (const l of lines) expect(l.length, l).toBeLessThanOrEqual(40);
      for (const w of yes) expect(help, `${sender} ${w}`).toContain(w);
      for (const w of no) expect(`${help}\n`.replace(/\n/g, ' '), `${sender} ${w}`).not.toContain(w);
    }
  });

  it('a duty officer\'s 收到 in the command group is answered as such, not refused as a role that may not acknowledge', async () => {
    const duty = c.members.find((m) => m.role === 'duty_officer')!.member_id!;
    for (const text of ['收到', '/收到']) {
      const reply = await ask(app.http, c.commandGroup, duty, text);
      expect(reply, text).toContain('指挥部群无需回复收到');
      expect(reply, text).not.toMatch(/不能使用|仅限/);
    }
    const reply = await ask(app.http, c.commandGroup, c.commander, '/令 范围:大坑乡 今晚完成排查');
    const n = /第(\d+)号/.exec(reply)![1];
    const after = await ask(app.http, c.commandGroup, duty, '收到');
    expect(after).toMatch(new RegExp(`指挥部令〔\\d{4}〕第${n}号 已确认 0/\\d+`));
    expect(after).toContain('/进度');
  });

  it('范围 reads the same in /令, /通告 and /任务: township-qualified names, ambiguous names refused, colours narrowing places', async () => {
    const officer = c.memberOf(tid('马坞镇'), 'township_officer');
    const room = c.groupOf[tid('马坞镇')]!;
    const twin = c.units.filter((u) => u.kind === 'village' && u.name === '高垄口村');
    expect(twin.length).toBe(2);
    const gridsOfVillage = (vid: string) => c.grids.filter((g) => g.parent_id === vid);
    const own = twin.find((v) => v.parent_id === tid('马坞镇'))!;
    /** The grid groups a /令 or /通告 reached (from its confirmation and relays), or the refusal. */
    const directiveGrids = async (text: string, group = c.commandGroup, sender = c.commander) => {
      const reply = await askIn(app.http, group, sender, text);
      const m = /已发布 ((?:\S+)?(?:指挥部令|通告)〔\d{4}〕第\d+号)/.exec(reply);
      if (!m) return reply;
      const grids = Number(/(\d+) 个网格群/.exec(reply)![1]);
      const header = `【${m[1]}】`;
      const ms = await waitFor(app.http, undefined, (xs) => xs.filter((x) => x.text.startsWith(header)).length >= grids);
      const convs = new Set(ms.filter((x) => x.text.startsWith(header)).map((x) => x.conversationId));
      return new Set(c.grids.filter((g) => convs.has(c.groupOf[g.unit_id!]!)).map((g) => g.unit_id!));
    };
    /** The grids a /任务 went to (from the database), or the refusal. */
    const taskGrids = async (scope: string, group = c.commandGroup, sender = c.commander) => {
      const reply = await askIn(app.http, group, sender, `/任务 核对台账 截止:30天内 范围:${scope}`);
      const m = /专项任务〔\d{4}〕第(\d+)号/.exec(reply);
      if (!m) return reply;
      const rows = sqliteClient(app.db).prepare('select unit_id u from task_targets tt join tasks t on t.id = tt.task_id where t.number = ?').all(Number(m[1])) as { u: string }[];
      return new Set(rows.map((r) => r.u));
    };

    // a township-qualified village name, alike in all three
    const qualified = new Set(gridsOfVillage(own.unit_id!).map((g) => g.unit_id!));
    expect(await directiveGrids('/令 排查 范围:马坞镇高垄口村')).toEqual(qualified);
    expect(await directiveGrids('/通告 排查 范围:马坞镇高垄口村')).toEqual(qualified);
    expect(await taskGrids('马坞镇高垄口村')).toEqual(qualified);
    // an ambiguous name refused in all three, naming both townships
    for (const reply of [await directiveGrids('/令 排查 范围:高垄口村'), await directiveGrids('/通告 排查 范围:高垄口村'), await taskGrids('高垄口村')]) {
      expect(typeof reply).toBe('string');
      expect(reply).toMatch(/「高垄口村」有2个（马坞镇、音溪乡）/);
    }
    // a township officer's own is meant: no ambiguity inside the own township
    expect(await directiveGrids('/通告 排查 范围:高垄口村', room, officer)).toEqual(qualified);
    expect(await taskGrids('高垄口村', room, officer)).toEqual(qualified);
    // places united, colours narrowing them — alike
    const hot = (t: string) => new Set(gridsOf(tid(t)).filter((g) => g.risk_color === 'red' || g.risk_color === 'orange').map((g) => g.unit_id!));
    const want = new Set([...hot('马坞镇'), ...hot('华岭镇')]);
    expect(want.size).toBeGreaterThan(0);
    expect(await directiveGrids('/令 排查 范围:马坞镇、华岭镇 橙色及以上')).toEqual(want);
    expect(await taskGrids('马坞镇、华岭镇 橙色及以上')).toEqual(want);
    // a control level in /任务 as in /令
    const level1 = new Set(c.townships.filter((t) => t.control_level === '1').flatMap((t) => gridsOf(t.unit_id!).map((g) => g.unit_id!)));
    expect(await directiveGrids('/令 排查 范围:一级管控')).toEqual(level1);
    expect(await taskGrids('一级管控')).toEqual(level1);
  });

  it('a place of another township is refused as 不属于<乡镇>, in /通告, /任务 and /风险', async () => {
    const t = tid('大坑乡');
    const officer = c.memberOf(t, 'township_officer');
    const room = c.groupOf[t]!;
    const elsewhere = ['华岭镇', '高垄口村', '高垄口村第1网格', '马坞镇高垄口村第1网格'];
    for (const place of elsewhere) {
      for (const text of [`/通告 排查 范围:${place}`, `/任务 排查 截止:30天内 范围:${place}`, `/风险 ${place} 红`]) {
        if (text.startsWith('/风险') && !place.endsWith('网格')) continue;
        const reply = await askIn(app.http, room, officer, text);
        expect(reply, text).toContain('不属于大坑乡');
        expect(reply, text).not.toMatch(/没有网格|不是乡镇/);
      }
    }
  });

  it('never echoes more than 50 characters of what a person typed, also when it goes through', async () => {
    const names = unique(gridsOf(tid('马坞镇'))).slice(0, 12).map((g) => g.name!);
    const inputs: [string, string, string][] = [
      [c.commandGroup, c.commander, `/令 排查 范围:${names.join('、')}`],
      [c.commandGroup, c.commander, `/通告 排查 回执:否 范围:${names.join('、')}`],
      [c.commandGroup, c.commander, `/任务 ${'每户逐一核对返乡人员健康码行程卡并登记'.repeat(4)} 每天18点 范围:${names.join('、')}`],
      [c.commandGroup, c.commander, `/任务 核对 截止:30天内 范围:${names.join('、')}`],
    ];
    const g = gridsOf(tid('马坞镇'))[0]!.unit_id!;
    inputs.push([c.groupOf[g]!, c.memberOf(g, 'grid_worker'), `/上报 有人发热 人数:${'很多很多'.repeat(30)} 地点:村口`]);
    for (const [group, sender, text] of inputs) {
      const reply = await askIn(app.http, group, sender, text);
      expect(reply, text).toMatch(/^(已发布|已下达|已建立|✅)/);
      expect(longestEcho(text, reply), reply).toBeLessThanOrEqual(50);
    }
    const progress = await ask(app.http, c.commandGroup, c.commander, '/进度 通告3');
    expect(longestEcho(inputs[1]![2], progress), progress).toBeLessThanOrEqual(50);
  });
});

describe('township notices in their own series', () => {
  let app: TestApp;
  beforeAll(async () => {
    app = await buildTestApp();
  });
  afterAll(async () => app.close());

  it('numbers a township officer\'s notices per township, so the county\'s notices stay gapless; references find them', async () => {
    const dk = tid('大坑乡');
    const mw = tid('马坞镇');
    const dkRoom = c.groupOf[dk]!;
    const mwRoom = c.groupOf[mw]!;
    const dkOfficer = c.memberOf(dk, 'township_officer');
    const mwOfficer = c.memberOf(mw, 'township_officer');
    expect(await ask(app.http, c.commandGroup, c.commander, '/通告 全县暂停集市 范围:大坑乡、马坞镇')).toContain(`已发布 通告〔${YEAR}〕第1号`);
    expect(await askIn(app.http, dkRoom, dkOfficer, '/通告 大坑乡今晚排查')).toContain(`已发布 大坑乡通告〔${YEAR}〕第1号`);
    expect(await askIn(app.http, dkRoom, dkOfficer, '/通告 大坑乡明早复查')).toContain(`已发布 大坑乡通告〔${YEAR}〕第2号`);
    expect(await askIn(app.http, mwRoom, mwOfficer, '/通告 马坞镇今晚排查')).toContain(`已发布 马坞镇通告〔${YEAR}〕第1号`);
    const county2 = await ask(app.http, c.commandGroup, c.commander, '/通告 全县恢复集市 范围:大坑乡');
    expect(county2).toContain(`已发布 通告〔${YEAR}〕第2号`);

    // the relay carries the township's name; the grid acknowledges each by its own name
    const g = gridsOf(dk)[0]!.unit_id!;
    const grid = c.groupOf[g]!;
    const worker = c.memberOf(g, 'grid_worker');
    await waitFor(app.http, grid, (ms) => ms.some((m) => m.text.startsWith(`【大坑乡通告〔${YEAR}〕第1号】`)));
    expect(await askIn(app.http, grid, worker, '/收到 大坑乡通告1')).toContain(`已确认大坑乡通告〔${YEAR}〕第1号`);
    expect(await askIn(app.http, grid, worker, '/收到 通告1')).toContain(`已确认通告〔${YEAR}〕第1号`);

    // /进度 通告1: the county's in the command group, the room's own in a township room; named series anywhere
    expect((await ask(app.http, c.commandGroup, c.commander, '/进度 通告1')).split('\n')[0]).toContain(`通告〔${YEAR}〕第1号`);
    expect((await ask(app.http, c.commandGroup, c.commander, '/进度 通告1')).split('\n')[0]).not.toContain('大坑乡');
    expect((await askIn(app.http, dkRoom, dkOfficer, '/进度 通告1')).split('\n')[0]).toContain(`大坑乡通告〔${YEAR}〕第1号`);
    expect((await ask(app.http, c.commandGroup, c.commander, '/进度 马坞镇通告1')).split('\n')[0]).toContain(`马坞镇通告〔${YEAR}〕第1号`);
    expect(await ask(app.http, c.commandGroup, c.commander, '/进度 通告3')).toMatch(/没有通告第3号/);
    expect(await ask(app.http, c.commandGroup, c.commander, '/进度 火星乡通告1')).toContain('没有名为「火星乡」的乡镇');

    // a room changes its own notice by its bare number, never another township's
    expect(await askIn(app.http, dkRoom, dkOfficer, '/更正 通告2 改为后天复查')).toContain(`已更正 大坑乡通告〔${YEAR}〕第2号`);
    expect(await askIn(app.http, mwRoom, mwOfficer, '/撤回 大坑乡通告2')).toMatch(/乡镇只能撤回本乡镇指挥室发布的通告/);
    expect(await askIn(app.http, mwRoom, mwOfficer, '/撤回 通告1')).toContain(`已撤回 马坞镇通告〔${YEAR}〕第1号`);
  });

  it('keeps notices stored before township series readable, as the county\'s', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'gridrelay-series-'));
    try {
      // a database migrated up to before the series, holding a notice, then opened by this version
      const old = join(dir, 'migrations');
      cpSync(MIGRATIONS_DIR, old, { recursive: true });
      const journalPath = join(old, 'meta', '_journal.json');
      const journal = JSON.parse(readFileSync(journalPath, 'utf8')) as { entries: { tag: string }[] };
      const at = journal.entries.findIndex((e) => e.tag.endsWith('township-notice-series'));
      expect(at).toBeGreaterThan(0);
      for (const e of journal.entries.slice(at)) rmSync(join(old, `${e.tag}.sql`));
      journal.entries = journal.entries.slice(0, at);
      writeFileSync(journalPath, JSON.stringify(journal));
      const file = join(dir, 'old.db');
      const sqlite = new Database(file);
      migrate(drizzle(sqlite), { migrationsFolder: old });
      sqlite.prepare(`insert into directives (kind, year, number, text, issuer_id, issued_in, issued_at, ack_required) values ('notice', 2026, 7, '旧通告', 'staff00001', 'c', 0, 1)`).run();
      sqlite.prepare(`insert into counters (kind, year, last) values ('notice', 2026, 7)`).run();
      sqlite.close();
      const db = await openDb(file);
      const d = (await findByNumber(db, 'notice', 7))!;
      expect(d.text).toBe('旧通告');
      expect(formatNumber(d)).toBe('通告〔2026〕第7号');
      expect(await nextNumber(db, 'notice', 2026)).toBe(8);
      await closeDb(db);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
