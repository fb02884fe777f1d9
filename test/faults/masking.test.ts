/**
 * Personal numbers in relayed text (PRODUCT.md §2.2): every way a mainland mobile or an ID-card number is
 * commonly written must come out masked, and dates, lead numbers, document numbers and counts must come
 * out untouched. Then end to end on the console: a lead, a directive, its correction and revocation, and
 * a task carrying such numbers reach the groups masked.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { maskPersonal } from '../../src/core/mask.js';
import { buildTestApp, type TestApp } from '../helpers/app.js';
import { ask, county, outbound, waitFor } from '../helpers/console.js';
import { recordFault } from './record.js';

const M1 = '13812345678';
const M2 = '13912345678';
const ID = '110101199001011234';
const IDX = '11010119900101123X';
const ID15 = '110101900101123';

/** A text that must be masked, with the numbers (plain ASCII) that must not survive, and optionally the exact output. */
interface MustMask {
  text: string;
  secrets: string[];
  out?: string;
}

const MUST_MASK: MustMask[] = [
  { text: '电话13812345678', secrets: [M1], out: '电话138****5678' },
  { text: '138 1234 5678', secrets: [M1], out: '138****5678' },
  { text: '138-1234-5678', secrets: [M1], out: '138****5678' },
  { text: '138.1234.5678', secrets: [M1], out: '138****5678' },
  { text: '1 3 8 1 2 3 4 5 6 7 8', secrets: [M1], out: '138****5678' },
  { text: '138 - 1234 - 5678', secrets: [M1], out: '138****5678' },
  { text: '138—1234—5678', secrets: [M1] },
  { text: '138_1234_5678', secrets: [M1] },
  { text: '138·1234·5678', secrets: [M1] },
  { text: '1381234567813912345678', secrets: [M1, M2], out: '138****5678139****5678' },
  { text: '1 3 8 1 2 3 4 5 6 7 8 1 3 9 1 2 3 4 5 6 7 8', secrets: [M1, M2] },
  { text: '+86 13812345678', secrets: [M1], out: '+86 138****5678' },
  { text: '+8613812345678', secrets: [M1] },
  { text: '008613812345678', secrets: [M1] },
  { text: '0086 138 1234 5678', secrets: [M1] },
  { text: '86-138-1234-5678', secrets: [M1] },
  { text: '(+86)138-1234-5678', secrets: [M1] },
  { text: '１３８１２３４５６７８', secrets: [M1], out: '138****5678' },
  { text: '１３８　１２３４　５６７８', secrets: [M1] },
  { text: '＋８６　１３８１２３４５６７８', secrets: [M1] },
  { text: '１３８－１２３４－５６７８', secrets: [M1] },
  { text: '联系人：张三，13812345678。', secrets: [M1] },
  { text: 'tel:13812345678', secrets: [M1] },
  { text: '13812345678/13912345678', secrets: [M1, M2] },
  { text: '13812345678、13912345678', secrets: [M1, M2] },
  { text: '人数:3 13812345678', secrets: [M1], out: '人数:3 138****5678' },
  { text: '线索 20261202-007 联系 13812345678', secrets: [M1], out: '线索 20261202-007 联系 138****5678' },
  { text: '19912345678 和 16612345678', secrets: ['19912345678', '16612345678'] },
  { text: '身份证110101199001011234', secrets: [ID], out: '身份证110101********1234' },
  { text: '11010119900101123X', secrets: [IDX], out: '110101********123X' },
  { text: '11010119900101123x', secrets: [IDX] },
  { text: '110101 19900101 123X', secrets: [IDX], out: '110101********123X' },
  { text: '110101-19900101-123X', secrets: [IDX] },
  { text: '110101.19900101.123X', secrets: [IDX] },
  { text: '110101 1990 0101 1234', secrets: [ID] },
  { text: '1 1 0 1 0 1 1 9 9 0 0 1 0 1 1 2 3 4', secrets: [ID] },
  { text: '1 1 0 1 0 1 1 9 9 0 0 1 0 1 1 2 3 X', secrets: [IDX], out: '110101********123X' },
  { text: '旧证110101900101123', secrets: [ID15], out: '旧证110101******123' },
  { text: '110101 900101 123', secrets: [ID15] },
  { text: '１１０１０１１９９００１０１１２３Ｘ', secrets: [IDX] },
  { text: '身份证号110101199001011234电话13812345678', secrets: [ID, M1] },
  { text: '110101199001011234 13812345678', secrets: [ID, M1] },
  { text: '11010119900101123413812345678', secrets: [ID, M1] },
  { text: '证件：500101 19900101 1234；手机：139-1234-5678', secrets: ['500101199001011234', M2] },
];

const MUST_NOT_MASK = [
  '线索 20261202-007',
  '20261202-007、20261202-008',
  '20261202-007 20261202-008',
  '指挥部令〔2026〕第17号',
  '通告〔2026〕第18号、第19号',
  '2026-02-01 18:00',
  '2026-01-29 13:45:00',
  '2026.12.02',
  '2026年2月1日18时30分',
  '人数:35，13户',
  '发热38.5度，需120转运',
  '时间戳 1706500000000',
  '编号 12345678901',
  '单号 20260129123456789012',
  '1 2 3 4 5 6 7 8 9 10',
  '第1网格 第2网格 第3网格',
  '版本 v1.3.8',
  '123456789012345',
  '金额 1,380,000 元',
  '已屏蔽 138****5678 和 110101********1234',
];

/** `s` with full-width digits made ASCII and everything but digits, X and * dropped. */
const digitsOf = (s: string) =>
  s
    .replace(/[\uff10-\uff19\uff38\uff58]/g, (ch) => (ch === '\uff38' || ch === '\uff58' ? 'X' : String.fromCharCode(ch.charCodeAt(0) - 0xff10 + 48)))
    .replace(/x/g, 'X')
    .replace(/[^0-9X*]/g, '');

describe('masking formats', () => {
  it(`masks ${MUST_MASK.length} ways of writing a mobile or ID number and leaves ${MUST_NOT_MASK.length} other numbers alone`, () => {
    expect(MUST_MASK.length).toBeGreaterThanOrEqual(30);
    expect(MUST_NOT_MASK.length).toBeGreaterThanOrEqual(10);
    const leaks: string[] = [];
    const wrong: string[] = [];
    for (const c of MUST_MASK) {
      const out = maskPersonal(c.text);
      for (const s of c.secrets) if (digitsOf(out).includes(s)) leaks.push(`${c.text} → ${out}`);
      if (c.out !== undefined && out !== c.out) wrong.push(`${c.text} → ${out} (expected ${c.out})`);
    }
    for (const t of MUST_NOT_MASK) if (maskPersonal(t) !== t) wrong.push(`${t} → ${maskPersonal(t)} (expected unchanged)`);
    recordFault('masking formats checked', MUST_MASK.length + MUST_NOT_MASK.length);
    recordFault('unmasked personal numbers (leaks)', leaks.length, 'expected 0');
    expect(leaks).toEqual([]);
    expect(wrong).toEqual([]);
  });

  it(`masks ${process.env.FAULTS === 'long' ? '20,000' : '500'} generated numbers in random spellings (seeded)`, () => {
    let seed = 20261202;
    const rnd = (n: number) => {
      seed = (seed * 1103515245 + 12345) % 2147483648;
      return seed % n;
    };
    const pick = <T,>(xs: readonly T[]): T => xs[rnd(xs.length)]!;
    const digits = (n: number) => Array.from({ length: n }, () => String(rnd(10))).join('');
    const pad = (n: number) => String(n).padStart(2, '0');
    const SEPS = [' ', '-', '.', '　', '－', ' - ', '·', '_'];
    const CONTEXT = ['联系电话', '，家属', '。身份证', '手机：', '（', '）', '人数3人，电话', '线索 20261202-007 联系', '人数 3 ', ' 共 2 户', '2026-02-01 ', ''];
    const fullWidth = (t: string) => t.replace(/[0-9X]/g, (d) => (d === 'X' ? 'Ｘ' : String.fromCharCode(0xff10 + Number(d))));
    const n = process.env.FAULTS === 'long' ? 20_000 : 500;
    const leaks: string[] = [];
    const wrong: string[] = [];
    for (let i = 0; i < n; i++) {
      const kind = rnd(3);
      const secret =
        kind === 0
          ? `1${3 + rnd(7)}${digits(9)}`
          : kind === 1
            ? `${pick(['11', '31', '44', '50', '65'])}${digits(4)}${pick(['19', '20'])}${digits(2)}${pad(1 + rnd(12))}${pad(1 + rnd(28))}${digits(3)}${pick(['X', String(rnd(10))])}`
            : `${pick(['11', '32', '51'])}${digits(4)}${digits(2)}${pad(1 + rnd(12))}${pad(1 + rnd(28))}${digits(3)}`;
      const groups = kind === 0 ? [3, 4, 4] : kind === 1 ? pick([[6, 8, 4], [6, 4, 4, 4]]) : [6, 6, 3];
      const sep = pick(SEPS);
      let written: string;
      switch (rnd(5)) {
        case 0:
          written = secret;
          break;
        case 1: {
          let at = 0;
          written = groups.map((g) => secret.slice(at, (at += g))).join(sep);
          break;
        }
        case 2:
          written = [...secret].join(pick([' ', '-']));
          break;
        case 3:
          written = fullWidth(secret);
          break;
        default:
          written = kind === 0 ? `${pick(['+86', '+86 ', '0086', '86-', '(+86)'])}${secret}` : secret.toLowerCase();
      }
      const text = `${pick(CONTEXT)}${written}${pick(CONTEXT)}`;
      const out = maskPersonal(text);
      if (digitsOf(out).includes(secret.toUpperCase())) leaks.push(`${text} → ${out}`);
      // …and masked in its plain form, not mangled by a wrong match
      const plain = kind === 0 ? `${secret.slice(0, 3)}****${secret.slice(7)}` : kind === 1 ? `${secret.slice(0, 6)}********${secret.slice(14)}` : `${secret.slice(0, 6)}******${secret.slice(12)}`;
      if (!out.includes(plain)) wrong.push(`${text} → ${out} (expected ${plain})`);
    }
    recordFault('masking formats checked', n);
    recordFault('unmasked personal numbers (leaks)', leaks.length, 'expected 0');
    expect(leaks.slice(0, 10)).toEqual([]);
    expect(wrong.slice(0, 10)).toEqual([]);
  });

  it('is idempotent and leaves a long text without numbers as it is', () => {
    for (const c of MUST_MASK) expect(maskPersonal(maskPersonal(c.text))).toBe(maskPersonal(c.text));
    const prose = '请各网格今日内完成返乡人员排查，'.repeat(500);
    expect(maskPersonal(prose)).toBe(prose);
  });
});

describe('masking in relays', () => {
  const c = county();
  const G1 = 'T01-V01-G1';
  const grid1 = c.groupOf[G1]!;
  const worker1 = c.memberOf(G1, 'grid_worker');
  const room1 = c.groupOf['T01']!;
  const officer1 = c.memberOf('T01', 'township_officer');
  let app: TestApp;
  beforeAll(async () => {
    app = await buildTestApp();
  });
  afterAll(async () => {
    await app?.close();
  });

  it('a lead, a directive with its correction and revocation, and a task reach the groups with every number masked', async () => {
    const { http } = app;
    const numbers = '手机 138.1234.5678，备用 1 3 9 1 2 3 4 5 6 7 8，身份证 110101 19900101 123X，旧证 110101900101123';
    const secrets = [M1, M2, IDX, ID15];

    // a lead: relayed to the township room, then escalated to the county
    expect(await ask(http, grid1, worker1, `/上报 有人发热 ${numbers}`)).toContain('已登记');
    await waitFor(http, room1, (m) => m.some((x) => x.text.includes('有人发热')));
    expect(await ask(http, room1, officer1, `/上报县 1 家属电话 +86 139-1234-5678`)).toContain('已上报县指挥部');
    await waitFor(http, c.commandGroup, (m) => m.some((x) => x.text.includes('有人发热')));

    // a directive, its correction and revocation, relayed to every unit
    expect(await ask(http, c.commandGroup, c.commander, `/令 如有发热请联系 ${numbers}`)).toMatch(/已发布/);
    await waitFor(http, grid1, (m) => m.some((x) => x.text.includes('如有发热请联系')));
    expect(await ask(http, c.commandGroup, c.commander, `/更正 1 改为联系 ${numbers}`)).toMatch(/更正/);
    await waitFor(http, grid1, (m) => m.some((x) => x.text.includes('【更正】')));
    expect(await ask(http, c.commandGroup, c.commander, '/撤回 1 联系人换为 13812345678')).toMatch(/撤回/);
    await waitFor(http, grid1, (m) => m.some((x) => x.text.includes('【撤回】')));

    // a task: the title and the note reach the grids
    expect(await ask(http, c.commandGroup, c.commander, `/任务 核查 ${M1} 的去向 截止:明天18点 范围:清溪街道 说明:${numbers}`)).toMatch(/已下达|任务/);
    await waitFor(http, grid1, (m) => m.some((x) => x.text.includes('的去向')));
    await app.outbox.flush();

    const posts = await outbound(http);
    const leaks = posts.filter((p) => secrets.some((s) => digitsOf(p.text).includes(s)));
    recordFault('unmasked personal numbers (leaks)', leaks.length, 'expected 0');
    expect(leaks.map((p) => p.text)).toEqual([]);
    // and the masked forms are what the groups see
    const seen = posts.map((p) => p.text).join('\n');
    expect(seen).toContain('138****5678');
    expect(seen).toContain('139****5678');
    expect(seen).toContain('110101********123X');
    expect(seen).toContain('110101******123');
  });
});

describe('masking in folded lead timeouts', () => {
  const c = county();
  const G1 = 'T01-V01-G1';
  let app: TestApp;
  beforeAll(async () => {
    app = await buildTestApp({ env: { LEAD_ACCEPT_SLA: '3s' } });
  });
  afterAll(async () => {
    await app?.close();
  });

  it('two leads timing out together reach the command group without a fragment of their numbers', async () => {
    const { http } = app;
    const mobile = '13987654321';
    const id = '330102199001011234';
    // the numbers sit past the point where the one-line summary of each lead is cut
    expect(await ask(http, c.groupOf[G1]!, c.memberOf(G1, 'grid_worker'), `/上报 村口小卖部店主发热咳嗽三天了联系电话${mobile}请回电`)).toContain('已登记');
    expect(await ask(http, c.groupOf[G1]!, c.memberOf(G1, 'grid_leader'), `/上报 东头老王家来了外地亲戚身份证号${id}`)).toContain('已登记');
    const posts = await waitFor(http, c.commandGroup, (m) => m.some((x) => x.text.startsWith('⏰')), 30_000);
    // a fragment: the kept head with the first hidden digit, or the last hidden digit with the kept tail
    const fragments = [mobile.slice(0, 4), mobile.slice(6), id.slice(0, 7), id.slice(13)];
    const all = await outbound(http);
    const leaks = all.filter((p) => fragments.some((f) => digitsOf(p.text).includes(f)));
    recordFault('unmasked personal numbers (leaks)', leaks.length, 'expected 0');
    expect(posts.filter((p) => p.text.startsWith('⏰'))).toHaveLength(1);
    expect(leaks.map((p) => p.text)).toEqual([]);
  });
});
