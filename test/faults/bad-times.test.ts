/**
 * Impossible times, wherever a time is read (`时限:` in /令 and /通告, `截止:` in /任务 and /改期, /统计
 * periods): negative durations, dates past any sane horizon, overflowing numbers, hours and days that do
 * not exist, times already gone. Each gets exactly one usage answer (never the generic error reply) and
 * changes nothing; a time that was read but refused (past, too far) is restated with its weekday.
 *
 * One app, sequential posts (about 80, a few seconds).
 */
import { sqliteClient } from '../../src/db/client.js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildTestApp, type TestApp } from '../helpers/app.js';
import { ask, county } from '../helpers/console.js';
import { recordFault } from './record.js';

const c = county();
const CMD = c.commandGroup;
const BOSS = c.commander;
const ROOM = c.groupOf['T01']!;
const OFFICER = c.memberOf('T01', 'township_officer');
const GRID = c.grids.find((g) => g.unit_id!.startsWith('T02-') && c.grids.filter((x) => x.name === g.name).length === 1)!.name!;

/** Impossible or unreadable in any time field. */
const BAD_TIMES = [
  '-3天内', '－3小时', '负2小时', '-3天', '9999-12-31', '99999999天', '99999999天内', '99999999小时', '1e9小时', '昨天18点',
  '今晚25点', '24:30', '123点', '明天18:61', '2月30日', '13.1', '1.32', '0000-01-01', '99999-12-31', '2020-01-01',
];
/** Readable as a task deadline but not as an acknowledgement window (more than 7 days). */
const TOO_LONG_FOR_ACK = ['8天后', '下下周五', '30天内'];

let app: TestApp;
beforeAll(async () => {
  app = await buildTestApp();
  expect(await ask(app.http, CMD, BOSS, `/任务 测试任务 截止:明天18点 范围:${GRID}`)).toContain('已下达');
  await app.inbox.idle();
});
afterAll(async () => {
  await app?.close();
});

describe('impossible times are answered with a usage hint and change nothing', () => {
  it('every time field refuses them', async () => {
    const cases: [string, string, string][] = [
      ...[...BAD_TIMES, ...TOO_LONG_FOR_ACK].map((t): [string, string, string] => [CMD, BOSS, `/令 排查 范围:${GRID} 时限:${t}`]),
      ...BAD_TIMES.slice(0, 6).map((t): [string, string, string] => [ROOM, OFFICER, `/通告 排查 时限:${t}`]),
      ...BAD_TIMES.map((t): [string, string, string] => [CMD, BOSS, `/任务 排查 截止:${t} 范围:${GRID}`]),
      ...BAD_TIMES.map((t): [string, string, string] => [CMD, BOSS, `/改期 1 截止:${t}`]),
      ...['9999-12-31', '2099-01-01~2099-01-02', '12月1日到', '12月3日到1日', '2月30日', '13月1日', '0月1日', '2026-00-01', '99999999-01-01', '-3天']
        .map((t): [string, string, string] => [CMD, BOSS, `/统计 ${t}`]),
    ];
    const db = sqliteClient(app.db);
    const state = () => JSON.stringify(db.prepare(`select (select count(*) from directives) d, (select count(*) || '/' || sum(deadline) || '/' || sum(rev) from tasks) t, (select count(*) from timers) m, (select count(*) from audit_log) a`).get());
    const failures: string[] = [];
    let restated = 0;
    for (const [conv, who, text] of cases) {
      const before = state();
      const a = await ask(app.http, conv, who, text);
      await app.inbox.idle();
      const problem =
        a.includes('处理这条消息时出错') ? 'the generic error reply'
        : !a.includes('用法：') ? `no usage hint: ${a.slice(0, 60)}`
        : state() !== before ? `changed state: ${a.slice(0, 60)}`
        : /已过|读作/.test(a) && !/（周[一二三四五六日]）/.test(a) ? `a time read but not restated with its weekday: ${a.slice(0, 80)}`
        : /\b2028\b/.test(a) && !text.includes('2028') ? `a year that was not written: ${a.slice(0, 80)}`
        : null;
      if (/已过|读作/.test(a)) restated++;
      if (problem) failures.push(`${text}: ${problem}`);
    }
    recordFault('impossible times tried', cases.length);
    recordFault('impossible times applied or answered without usage', failures.length, 'expected 0');
    expect(failures).toEqual([]);
    expect(restated).toBeGreaterThanOrEqual(8);
  });
});
