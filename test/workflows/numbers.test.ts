/**
 * Issue 17 point 5 — numbers that continue: `gridrelay numbers set` continues a series issued by hand
 * (audited, never reusing a number gridrelay issued), and `/更正` shows what it changed.
 */
import { execFile } from 'node:child_process';
import { join, resolve } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { auditLog } from '../../src/db/schema/index.js';
import { yearIn } from '../../src/time/clock.js';
import { setNextNumber, whatChanged } from '../../workflows/directive/index.js';
import { askIn } from '../directives/util.js';
import { buildTestApp, type TestApp } from '../helpers/app.js';
import { ask, county, waitFor } from '../helpers/console.js';

const c = county();
const root = resolve(import.meta.dirname, '../..');
const YEAR = yearIn(new Date(), 'Asia/Shanghai');
let app: TestApp;

beforeAll(async () => {
  app = await buildTestApp();
});
afterAll(async () => {
  await app?.close();
});

/** Runs `npm run gridrelay -- <args>` on the test app's database: exit code, stdout, stderr. */
async function cli(...args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  try {
    const r = await promisify(execFile)(join(root, 'node_modules/.bin/tsx'), ['src/cli.ts', ...args], {
      cwd: root,
      env: { ...process.env, DATABASE_URL: app.config.DATABASE_URL, LOG_LEVEL: 'silent' },
    });
    return { code: 0, stdout: r.stdout, stderr: r.stderr };
  } catch (e) {
    const err = e as { code: number; stdout: string; stderr: string };
    return { code: err.code, stdout: err.stdout, stderr: err.stderr };
  }
}

describe('numbers that continue (issue 17 point 5)', () => {
  it('numbers set makes the next directive No. 17; a number gridrelay issued is never reused; audited', async () => {
    const set = await cli('numbers', 'set', '--kind', 'directive', '--year', String(YEAR), '--next', '17');
    expect(set.stderr).toBe('');
    expect(set.code).toBe(0);
    expect(set.stdout).toContain(`指挥部令〔${YEAR}〕: the next number is now 第17号 (was 第1号)`);
    expect(await ask(app.http, c.commandGroup, c.commander, '/令 各网格今晚完成返乡人员排查')).toContain(`指挥部令〔${YEAR}〕第17号`);

    const again = await cli('numbers', 'set', '--kind', 'directive', '--year', String(YEAR), '--next', '17');
    expect(again.code).toBe(1);
    expect(again.stderr).toContain(`指挥部令〔${YEAR}〕第17号 was already issued by gridrelay`);
    expect(again.stderr).toContain('the lowest allowed is 18');
    expect((await cli('numbers', 'set', '--kind', 'directive', '--next', '5')).code).toBe(1);
    expect(await ask(app.http, c.commandGroup, c.commander, '/令 明早8点前上报排查结果')).toContain(`指挥部令〔${YEAR}〕第18号`);

    // the county's notices have their own series; --year defaults to this year
    expect((await cli('numbers', 'set', '--kind', 'notice', '--next', '40')).code).toBe(0);
    expect(await ask(app.http, c.commandGroup, c.commander, '/通告 明日起集市暂停')).toContain(`通告〔${YEAR}〕第40号`);

    const audited = (await app.db.select().from(auditLog)).filter((a) => a.action === 'numbers.set');
    expect(audited.map((a) => [a.subject, a.detail?.previousNext, a.detail?.next])).toEqual([
      [`指挥部令〔${YEAR}〕`, 1, 17],
      [`通告〔${YEAR}〕`, 1, 40],
    ]);
    expect(audited[0]!.actorId).toBe('cli');
  });

  it('refuses bad usage with exit code 2, changing nothing', async () => {
    for (const args of [['--kind', 'task', '--next', '3'], ['--kind', 'directive'], ['--kind', 'directive', '--next', '0'], ['--kind', 'directive', '--next', '9', '--year', '26']]) {
      const r = await cli('numbers', 'set', ...args);
      expect(r.code, args.join(' ')).toBe(2);
      expect(r.stderr).toContain('usage:');
    }
  });

  it('setNextNumber refuses a next number at or below the highest issued, and allows the one after it', async () => {
    const next = YEAR + 1; // a year of its own
    expect(await setNextNumber(app.db, { kind: 'directive', year: next, next: 3 })).toMatchObject({ ok: true, previousNext: 1, next: 3 });
    expect(await setNextNumber(app.db, { kind: 'directive', year: next, next: 2 })).toMatchObject({ ok: false, lowestNext: 3 });
    expect(await setNextNumber(app.db, { kind: 'directive', year: next, next: 3 })).toMatchObject({ ok: true, previousNext: 3 });
  });
});

describe('/更正 shows what changed (issue 17 point 5)', () => {
  it('relays and answers the changed lines, the changed words, or the previous version', async () => {
    const grid = c.groupOf['T01-V01-G1']!;
    const issued = await ask(app.http, c.commandGroup, c.commander, '/令 一、今晚18点前完成返乡人员排查\n二、结果报乡镇指挥室\n三、发现发热人员立即上报 范围:清溪街道');
    const n = /第(\d+)号/.exec(issued)![1];
    const answer = await ask(app.http, c.commandGroup, c.commander, `/更正 令${n} 一、明天9点前完成返乡人员排查\n二、结果报乡镇指挥室\n三、发现发热人员立即上报`);
    expect(answer).toContain('已更正');
    expect(answer).toContain('改动：\n原：一、今晚18点前完成返乡人员排查\n新：一、明天9点前完成返乡人员排查');
    expect(answer).not.toContain('二、结果报乡镇指挥室');
    const relay = (await waitFor(app.http, grid, (m) => m.some((x) => x.text.startsWith('【更正】')))).find((x) => x.text.startsWith('【更正】'))!;
    expect(relay.text).toContain('原：一、今晚18点前完成返乡人员排查\n新：一、明天9点前完成返乡人员排查');

    // a one-line correction of a one-line text: the words that changed
    const one = /第(\d+)号/.exec(await ask(app.http, c.commandGroup, c.commander, '/令 今晚18点前完成全员核酸采样 范围:清溪街道'))![1];
    expect(await askIn(app.http, c.commandGroup, c.commander, `/更正 令${one} 明天12点前完成全员核酸采样`)).toContain('改动：「今晚18」→「明天12」');
    // a correction written as a note: the version it replaces, for reference
    expect(await askIn(app.http, c.commandGroup, c.commander, `/更正 令${one} 采样点改到村委会`)).toContain('上一版：明天12点前完成全员核酸采样');
  });

  it('whatChanged: lines, words, notes; personal numbers masked before comparing', () => {
    expect(whatChanged('同一条', '同一条')).toEqual([]);
    expect(whatChanged('a\nb\nc', 'a\nB\nc\nd')).toEqual(['改动：', '原：b', '新：B', '新：d']);
    expect(whatChanged('请于今晚完成排查', '请于今晚完成排查并上报')).toEqual(['改动：增加「并上报」']);
    expect(whatChanged('联系人电话13800000001', '联系人电话13800000002')).toEqual(['改动：「138****0001」→「138****0002」']);
    expect(whatChanged('联系13811110001', '联系13822220001')[0]).toBe('上一版：联系138****0001');
    const many = whatChanged(['x', ...Array.from({ length: 9 }, (_, i) => `第${i}条`)].join('\n'), ['x', ...Array.from({ length: 9 }, (_, i) => `第${i}项`)].join('\n'));
    expect(many).toHaveLength(8);
    expect(many.at(-1)).toBe('…等18处');
  });
});
