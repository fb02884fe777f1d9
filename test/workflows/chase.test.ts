/**
 * The commander's follow-through (issue 17, points 1, 2 and 6) through the console API on the demo county:
 * the whole silent list where the commander is (`/进度 N 全部`, phone-sized pieces), one chase
 * (`/催办 N`: the silent grids' groups with mentions, the township rooms, the gap, a township officer's own
 * grids, quiet hours), the export link (`/导出 N`), and the scoped directive's township-room line.
 */
import { sqliteClient } from '../../src/db/client.js';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { buildTestApp, type TestApp } from '../helpers/app.js';
import { ask, county, outbound, say, waitFor, type Posted } from '../helpers/console.js';
import { PIECE_CHARS, packPieces } from '../../workflows/directive/index.js';

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
const worker = (g: { unit_id?: string }) => c.memberOf(g.unit_id!, 'grid_worker');
const gridsOf = (tid: string) => c.grids.filter((g) => g.unit_id!.startsWith(`${tid}-`));

/** Whether `text` names the grid: in full, or its number in its village's folded list (`周家坞村第1、2网格`). */
function names(text: string, grid: string): boolean {
  if (text.includes(grid)) return true;
  const m = /^(.*?)第(\d+)网格$/.exec(grid);
  return !!m && new RegExp(`${m[1]}第(?:\\d+、)*${m[2]}(?:、\\d+)*网格`).test(text);
}

/** Issues `/令 <text>` and waits until its relay reached `groups` groups; returns its number. */
async function issue(app: TestApp, text: string, groups: number): Promise<number> {
  const confirm = await ask(app.http, c.commandGroup, c.commander, `/令 ${text}`);
  const n = Number(/指挥部令〔\d{4}〕第(\d+)号/.exec(confirm)?.[1]);
  expect(n, confirm).toBeGreaterThan(0);
  await waitFor(app.http, undefined, (m) => m.filter((x) => x.text.startsWith(`【指挥部令`) && x.text.includes(`第${n}号`)).length >= groups, 30_000);
  return n;
}

/** Waits until the inbox is idle and the outbox has sent everything stored. */
async function settle(app: TestApp): Promise<void> {
  await app.inbox.idle();
  const pending = () => (sqliteClient(app.db).prepare("select count(*) n from outbound_messages where status = 'pending'").get() as { n: number }).n;
  // a county-wide relay on a loaded machine may take a while: wait for it (up to 45 s), then fail loudly
  for (let i = 0; i < 900 && pending() > 0; i++) await new Promise((res) => setTimeout(res, 50));
  expect(pending(), 'messages still unsent').toBe(0);
}

/** Posts once everything before is sent, and waits until it is handled; returns what was posted for it. */
async function post(app: TestApp, conversationId: string, senderId: string, text: string): Promise<Posted[]> {
  await settle(app);
  const mark = Math.max(0, ...(await outbound(app.http)).map((m) => m.seq));
  const r = await say(app.http, conversationId, senderId, text);
  expect(r.status).toBe(202);
  await settle(app);
  return (await outbound(app.http)).filter((m) => m.seq > mark);
}

describe('/进度 N 全部: the whole silent list where the commander is', () => {
  it('packs lines into pieces, cutting an over-long line between villages and marking its continuation', () => {
    const villages = Array.from({ length: 40 }, (_, i) => `村${i}第1、2、3网格`);
    const pieces = packPieces(['令1 未确认名单', '网格 120/120 未确认'], '令1 未确认名单', [{ text: `· 甲镇 120 个：${villages.join('；')}`, cont: '· 甲镇（续）：' }, { text: '· 乙镇（指挥室未确认）', cont: '' }], 200);
    expect(pieces.length).toBeGreaterThan(2);
    for (const p of pieces) expect(p.length).toBeLessThanOrEqual(200);
    const all = pieces.join('\n');
    for (const v of villages) expect(all.split(v).length - 1).toBe(1);
    expect(pieces[1]).toMatch(/^令1 未确认名单（2\/\d+）\n· 甲镇（续）：村\d+第1、2、3网格/);
    expect(pieces.at(-1)).toContain('· 乙镇（指挥室未确认）');
    expect(packPieces(['head'], 'head', [{ text: 'one', cont: '' }])).toEqual(['head\none']);
  });

  it('names all 60 silent grids of 华岭镇, folded per village, and the ordinary /进度 says how to ask for it', { timeout: 120_000 }, async () => {
    const app = await start();
    const t02 = gridsOf('T02');
    const n = await issue(app, '请各网格上报今日排查情况 范围:华岭镇', t02.length + 1);
    const acking = t02.slice(0, t02.length - 60);
    for (const g of acking) await say(app.http, c.groupOf[g.unit_id!]!, worker(g), '收到');
    await app.inbox.idle();
    const silent = t02.slice(t02.length - 60);
    const list = await post(app, c.commandGroup, c.commander, `/进度 ${n} 全部`);
    const text = list.map((m) => m.text).join('\n');
    expect(list.every((m) => m.conversationId === c.commandGroup)).toBe(true);
    expect(text).toContain('网格 60/67 未确认');
    expect(text).toContain('乡镇指挥室 1/1 未确认');
    for (const g of silent) expect(names(text, g.name!), g.name).toBe(true);
    for (const g of acking) expect(names(text, g.name!), g.name).toBe(false);
    expect(text).toMatch(/第\d+(、\d+)+网格/); // folded, not one name per grid
    for (const m of list) expect(m.text.length).toBeLessThanOrEqual(PIECE_CHARS);
    // 未确认 works as 全部
    const again = await post(app, c.commandGroup, c.commander, `/进度 令${n} 未确认`);
    expect(again.map((m) => m.text).join('\n')).toBe(text);
  });

  it('with every grid silent: 747 grids in phone-sized pieces, numbered k/n, each grid named once', { timeout: 120_000 }, async () => {
    const app = await start();
    const n = await issue(app, '请各网格今日内完成返乡人员排查', 762);
    // a few grids acknowledge so the list is not the whole roster
    for (const g of c.grids.slice(0, 5)) await say(app.http, c.groupOf[g.unit_id!]!, worker(g), '收到');
    await app.inbox.idle();
    // pieces are separate messages sent by concurrent workers: they may arrive in any order, and each is
    // numbered k/n so that a reader puts them in order — as this test does
    const piece = (m: Posted) => Number(/（(\d+)\/\d+）/.exec(m.text)?.[1] ?? 0);
    const pieces = (await post(app, c.commandGroup, c.commander, `/进度 ${n} 全部`)).sort((a, b) => piece(a) - piece(b));
    expect(pieces.length).toBeGreaterThan(3);
    for (const [k, m] of pieces.entries()) {
      expect(m.text.length, m.text).toBeLessThanOrEqual(PIECE_CHARS);
      expect(m.text).toContain(`（${k + 1}/${pieces.length}）`);
    }
    const text = pieces.map((m) => m.text).join('\n');
    expect(text).toContain('网格 742/747 未确认');
    expect(text).toContain('乡镇指挥室 15/15 未确认');
    for (const g of c.grids.slice(5)) expect(names(text, g.name!), g.name).toBe(true);
    // (village names repeat across townships: look in 清溪街道's lines only)
    const t01 = text.split('\n').filter((l) => l.startsWith(`· ${c.townships[0]!.name}`)).join('\n');
    for (const g of c.grids.slice(0, 5)) expect(names(t01, g.name!), g.name).toBe(false);
    expect(names(t01, c.grids[5]!.name!)).toBe(true);
    // the ordinary /进度 names five per township and says how to get the rest
    const short = await ask(app.http, c.commandGroup, c.commander, `/进度 ${n}`);
    expect(short).toContain(`完整名单：/进度 令${n} 全部`);
    // a township room's full list: its own grids only
    const room = await post(app, c.groupOf['T15']!, c.memberOf('T15', 'township_officer'), `/进度 ${n} 全部`);
    const roomText = room.map((m) => m.text).join('\n');
    for (const g of gridsOf('T15')) expect(names(roomText, g.name!)).toBe(true);
    expect(names(roomText, gridsOf('T14')[0]!.name!)).toBe(false);
  });
});

describe('a scoped directive tells each township room which of its grids it covers', () => {
  it('范围:红色网格 → each room gets 本乡镇 N 个红色网格 with its own red grids; grid groups and 全县 relays get no such line', { timeout: 120_000 }, async () => {
    const app = await start();
    const red = c.grids.filter((g) => g.risk_color === 'red');
    const rooms = [...new Set(red.map((g) => g.unit_id!.split('-')[0]!))];
    const n = await issue(app, '红色网格今晚加强巡查 范围:红色网格', red.length + rooms.length);
    await settle(app);
    const relays = (await outbound(app.http)).filter((m) => m.text.startsWith('【指挥部令') && m.text.includes(`第${n}号`));
    for (const tid of rooms) {
      const own = red.filter((g) => g.unit_id!.startsWith(`${tid}-`));
      const text = relays.find((m) => m.conversationId === c.groupOf[tid])!.text;
      expect(text).toContain(`本乡镇 ${own.length} 个红色网格：`);
      for (const g of own) expect(names(text, g.name!), g.name).toBe(true);
      // only its own: another township's red grid is not named
      const other = red.find((g) => !g.unit_id!.startsWith(`${tid}-`) && !own.some((o) => o.name === g.name))!;
      expect(text).not.toContain(other.name!);
      // the line stands before the request to acknowledge
      expect(text.indexOf('本乡镇')).toBeLessThan(text.indexOf('请于'));
    }
    for (const g of red) expect(relays.find((m) => m.conversationId === c.groupOf[g.unit_id!])!.text).not.toContain('本乡镇');
    // 清溪街道 has two red grids, folded or listed
    expect(relays.find((m) => m.conversationId === c.groupOf['T01'])!.text).toMatch(/本乡镇 2 个红色网格：叶湾里村第1网格；方溪口村第2网格/);

    // a whole township named: 全部; a village: its grids; no scope: nothing
    const m = await issue(app, '排查 范围:大坑乡、华岭镇林家坪村', gridsOf('T15').length + 2 + 3);
    await settle(app);
    const second = (await outbound(app.http)).filter((x) => x.text.startsWith('【指挥部令') && x.text.includes(`第${m}号`));
    expect(second.find((x) => x.conversationId === c.groupOf['T15'])!.text).toContain(`本乡镇全部 ${gridsOf('T15').length} 个网格。`);
    expect(second.find((x) => x.conversationId === c.groupOf['T02'])!.text).toContain('本乡镇 3 个网格：林家坪村第1、2、3网格');
    const k = await issue(app, '全县排查', 762);
    await settle(app);
    const third = (await outbound(app.http)).filter((x) => x.text.startsWith('【指挥部令') && x.text.includes(`第${k}号`));
    expect(third.some((x) => x.text.includes('本乡镇'))).toBe(false);
  });
});

describe('/导出 N: one item\'s XLSX, one link away', () => {
  it('answers with the export URL of that item when DASHBOARD_TOKEN is set; the link serves that item\'s rows only', { timeout: 120_000 }, async () => {
    const token = 'tok-0123456789abcdef';
    const app = await start({ env: { DASHBOARD_TOKEN: token, PUBLIC_URL: 'https://gr.example.cn/' } });
    const n = await issue(app, '大坑乡排查 范围:大坑乡', gridsOf('T15').length + 1);
    await issue(app, '全县排查', 762);
    await say(app.http, c.groupOf[gridsOf('T15')[0]!.unit_id!]!, worker(gridsOf('T15')[0]!), `/收到 令${n}`);
    await settle(app);
    const answer = await ask(app.http, c.commandGroup, c.commander, `/导出 ${n}`);
    expect(answer).toContain(`指挥部令〔`);
    const url = /https:\/\/gr\.example\.cn(\/api\/v1\/reports\/response-rate\?\S+)/.exec(answer)?.[1];
    expect(url, answer).toBeDefined();
    expect(url).toContain('format=xlsx');
    expect(url).toContain(`token=${token}`);
    const r = await app.http.inject({ method: 'GET', url: url! });
    expect(r.statusCode).toBe(200);
    expect(r.headers['content-type']).toContain('spreadsheetml');
    const ExcelJS = (await import('exceljs')).default;
    const wb = new ExcelJS.Workbook();
    await wb.xlsx.load(r.rawPayload as unknown as ArrayBuffer);
    const raw = wb.worksheets[1]!;
    expect(raw.rowCount - 1).toBe(gridsOf('T15').length + 1); // one row per target unit of this item, not of 令2
    // without the token the link is refused; an unknown item is a 400
    expect((await app.http.inject({ method: 'GET', url: url!.replace(`token=${token}`, 'token=wrong') })).statusCode).toBe(401);
    const unknown = await app.http.inject({ method: 'GET', url: url!.replace(/item=\d+/, 'item=999') });
    expect(unknown.statusCode).toBe(400);
    expect(unknown.json().error).toBe('unknown_item');
    // only county roles in the command group; an item without receipt says why there is nothing to export
    const t15 = c.groupOf['T15']!;
    expect(await ask(app.http, t15, c.memberOf('T15', 'township_officer'), `/导出 ${n}`)).toContain('不能使用 /导出');
    await ask(app.http, c.commandGroup, c.commander, '/通告 知悉即可 回执:否');
    expect(await ask(app.http, c.commandGroup, c.commander, '/导出 通告1')).toContain('无需回执');
    expect(await ask(app.http, c.commandGroup, c.commander, '/导出')).toContain('用法：/导出 <编号>');
  });

  it('without DASHBOARD_TOKEN says why there is no link', { timeout: 120_000 }, async () => {
    const app = await start();
    const n = await issue(app, '大坑乡排查 范围:大坑乡', gridsOf('T15').length + 1);
    const answer = await ask(app.http, c.commandGroup, c.commander, `/export ${n}`);
    expect(answer).toContain('未设置 DASHBOARD_TOKEN');
    expect(answer).not.toContain('http');
  });
});

describe('/催办 N: chase the silent units once', () => {
  it('reaches exactly the silent grids\' groups (@ leader and worker) and one line per township room; a second chase within the gap is refused; /进度 shows it', { timeout: 120_000 }, async () => {
    const app = await start();
    const t02 = gridsOf('T02');
    const t15 = gridsOf('T15');
    const n = await issue(app, '今日排查 范围:华岭镇、大坑乡', t02.length + t15.length + 2);
    const acking = [...t02.slice(0, 40), ...t15.slice(0, 20)];
    for (const g of acking) await say(app.http, c.groupOf[g.unit_id!]!, worker(g), '收到');
    await say(app.http, c.groupOf['T15']!, c.memberOf('T15', 'township_officer'), '收到');
    const silent = [...t02.slice(40), ...t15.slice(20)];
    const posted = await post(app, c.commandGroup, c.commander, `/催办 ${n}`);
    const reply = posted.find((m) => m.conversationId === c.commandGroup)!;
    expect(reply.text).toContain(`已催办指挥部令〔`);
    expect(reply.text).toContain(`${silent.length} 个未确认网格（2 个乡镇）`);
    // each silent grid: one message, mentioning exactly its grid leader and grid worker
    for (const g of silent) {
      const mine = posted.filter((m) => m.conversationId === c.groupOf[g.unit_id!]);
      expect(mine, g.name).toHaveLength(1);
      expect(mine[0]!.text).toContain(`【催办】${g.name}尚未确认`);
      expect(new Set(mine[0]!.mentions)).toEqual(new Set([c.memberOf(g.unit_id!, 'grid_leader'), worker(g)]));
    }
    for (const g of acking) expect(posted.some((m) => m.conversationId === c.groupOf[g.unit_id!]), g.name).toBe(false);
    // one line per township room: 华岭镇's room is silent itself (its officers mentioned), 大坑乡's is not
    const room02 = posted.filter((m) => m.conversationId === c.groupOf['T02']);
    const room15 = posted.filter((m) => m.conversationId === c.groupOf['T15']);
    expect(room02).toHaveLength(1);
    expect(room15).toHaveLength(1);
    expect(room02[0]!.text).toContain('本乡镇 27 个网格未确认');
    expect(room02[0]!.text).toContain('本指挥室也未确认');
    expect(room02[0]!.mentions).toEqual(expect.arrayContaining([c.memberOf('T02', 'township_officer')]));
    expect(room15[0]!.text).toContain(`本乡镇 ${t15.length - 20} 个网格未确认`);
    for (const g of t15.slice(20)) expect(names(room15[0]!.text, g.name!)).toBe(true);
    expect(room15[0]!.mentions ?? []).toEqual([]);
    expect(posted.length).toBe(silent.length + 3);
    expect(posted.some((m) => m.text.includes('@所有人'))).toBe(false);

    // within CHASE_MIN_GAP (default 10 min): refused with the reason, nothing sent
    const again = await post(app, c.commandGroup, c.commander, `/催办 令${n}`);
    expect(again).toHaveLength(1);
    expect(again[0]!.text).toMatch(/已于(?:\d{1,2}月\d{1,2}日 )?\d\d:\d\d由指挥部催办，10分钟内不再催办，(?:\d{1,2}月\d{1,2}日 )?\d\d:\d\d后可再催/);

    // /进度 shows when it was last chased, in the command group and in the township room
    const progress = await ask(app.http, c.commandGroup, c.commander, `/进度 ${n}`);
    expect(progress).toMatch(new RegExp(`最近催办：\\d\\d:\\d\\d（指挥部，${silent.length} 个网格）`));
    expect(progress).toContain('指挥部催办');
    expect(await ask(app.http, c.groupOf['T15']!, c.memberOf('T15', 'township_officer'), `/进度 ${n}`)).toMatch(/最近催办：(?:\d{1,2}月\d{1,2}日 )?\d\d:\d\d（指挥部/);
    // audited
    const audits = sqliteClient(app.db).prepare("select actor_id actor, detail from audit_log where action = 'directive.chase'").all() as { actor: string; detail: string }[];
    expect(audits).toHaveLength(1);
    expect(audits[0]!.actor).toBe(c.commander);
  });

  it('a township officer chases only its own township\'s grids, from its room; the county\'s chase then leaves that township out', { timeout: 120_000 }, async () => {
    const app = await start({ env: { CHASE_MIN_GAP: '2s' } });
    const n = await issue(app, '全县排查', 762);
    const t15 = gridsOf('T15');
    for (const g of t15.slice(0, 9)) await say(app.http, c.groupOf[g.unit_id!]!, worker(g), '收到');
    const officer = c.memberOf('T15', 'township_officer');
    const room = c.groupOf['T15']!;
    const posted = await post(app, room, officer, `/催办 ${n}`);
    const reply = posted.find((m) => m.conversationId === room)!;
    expect(reply.text).toContain('已催办指挥部令〔');
    expect(reply.text).toContain(`本乡镇 ${t15.length - 9} 个未确认网格`);
    const chased = posted.filter((m) => m.conversationId !== room);
    expect(new Set(chased.map((m) => m.conversationId))).toEqual(new Set(t15.slice(9).map((g) => c.groupOf[g.unit_id!]!)));
    expect(chased.every((m) => m.text.endsWith('——大坑乡'))).toBe(true);
    // the room has not acknowledged: the officer's chase still posts nothing else to the command group or other rooms
    expect(posted.some((m) => m.conversationId === c.commandGroup)).toBe(false);

    // not from another township's room, nor from the command group
    expect(await ask(app.http, c.groupOf['T14']!, officer, `/催办 ${n}`)).toContain('只有本乡镇干部可以催办');
    expect(await ask(app.http, c.commandGroup, officer, `/催办 ${n}`)).toContain('乡镇干部请在本乡镇指挥室催办');
    expect(await ask(app.http, c.groupOf[t15[0]!.unit_id!]!, worker(t15[0]!), `/催办 ${n}`)).toContain('不能使用 /催办');

    // the county right after: every township but 大坑乡
    const county = await post(app, c.commandGroup, c.commander, `/催办 ${n}`);
    expect(county.find((m) => m.conversationId === c.commandGroup)!.text).toContain('大坑乡2秒内已催办，本次略过');
    expect(county.some((m) => m.conversationId === room || t15.some((g) => m.conversationId === c.groupOf[g.unit_id!]))).toBe(false);
    expect(county.filter((m) => c.townships.some((t) => m.conversationId === c.groupOf[t.unit_id!]))).toHaveLength(14);
    // after the gap (CHASE_MIN_GAP=2s) the officer may chase again
    await new Promise((r) => setTimeout(r, 2100));
    const later = await post(app, room, officer, `/催办 ${n}`);
    expect(later.filter((m) => m.conversationId !== room)).toHaveLength(t15.length - 9);
  });

  it('in quiet hours a chase of an item that is not urgent is held (a pending timer); an urgent item is chased at once', { timeout: 120_000 }, async () => {
    const now = new Date();
    const hm = (d: Date) => d.toLocaleTimeString('en-GB', { timeZone: 'Asia/Shanghai', hour: '2-digit', minute: '2-digit', hourCycle: 'h23' });
    const quiet = `${hm(new Date(now.getTime() - 3_600_000))}-${hm(new Date(now.getTime() + 3_600_000))}`;
    const dir = mkdtempSync(join(tmpdir(), 'gridrelay-chase-'));
    const app = await start({ env: { QUIET_HOURS: quiet }, dir });
    const n = await issue(app, '排查 范围:大坑乡', gridsOf('T15').length + 1);
    const held = await post(app, c.commandGroup, c.commander, `/催办 ${n}`);
    expect(held).toHaveLength(1);
    expect(held[0]!.text).toMatch(/现在是免打扰时段，指挥部令〔\d{4}〕第\d+号的催办将于(?:\d{1,2}月\d{1,2}日 )?\d\d:\d\d发出/);
    const timers = sqliteClient(app.db).prepare("select status, urgent from timers where kind = 'directive.chase'").all() as { status: string; urgent: number }[];
    expect(timers).toEqual([{ status: 'pending', urgent: 0 }]);
    // it counts as chased: a second one within the gap is refused
    expect((await post(app, c.commandGroup, c.commander, `/催办 ${n}`))[0]!.text).toContain('不再催办');

    const m = await issue(app, '紧急排查 范围:大坑乡 紧急:是', gridsOf('T15').length + 1);
    const urgent = await post(app, c.commandGroup, c.commander, `/催办 ${m}`);
    expect(urgent.find((x) => x.conversationId === c.commandGroup)!.text).toContain('已催办');
    expect(urgent.filter((x) => x.text.startsWith('【催办】'))).toHaveLength(gridsOf('T15').length + 1);

    // while held, a grid acknowledges; when quiet hours end (here: the same database restarted without
    // them) the held chase goes out to the grids still silent then, once
    const first = gridsOf('T15')[0]!;
    await say(app.http, c.groupOf[first.unit_id!]!, worker(first), `/收到 令${n}`);
    await settle(app);
    const mark = Math.max(...(await outbound(app.http)).map((x) => x.seq));
    await app.close();
    apps.splice(apps.indexOf(app), 1);
    const after = await start({ roster: false, config: { ...app.config, QUIET_HOURS: null }, dir });
    const sent = await waitFor(after.http, undefined, (ms) => ms.filter((x) => x.seq > mark && x.text.includes(`第${n}号`) && x.text.startsWith('【催办】')).length >= gridsOf('T15').length);
    await settle(after);
    const chased = (await outbound(after.http)).filter((x) => x.seq > mark && x.text.startsWith('【催办】'));
    expect(sent.length).toBeGreaterThan(0);
    expect(new Set(chased.map((x) => x.conversationId))).toEqual(new Set([...gridsOf('T15').slice(1).map((g) => c.groupOf[g.unit_id!]!), c.groupOf['T15']!]));
    expect(chased).toHaveLength(gridsOf('T15').length);
    apps.splice(apps.indexOf(after), 1);
    await after.close();
    rmSync(dir, { recursive: true, force: true });
  });
});
