/**
 * The acknowledgement corpus (test/corpus/acknowledgements.tsv): every line is posted through the console
 * API in the grid group of a different grid (so each starts from the same state), by a member of that
 * grid, after 通告1, 令1, 令2 and 令3 were sent to it. Each line goes the whole way — inbox, router,
 * dispatcher, command — and must be answered once, as its label says:
 * - `ack [ref]`: exactly that item (the newest, 令3, without a reference) is acknowledged, answer `✅ …`;
 * - `not`: nothing is acknowledged, and the answer is not a confirmation;
 * - `resend [ref]`: nothing is acknowledged, the open items (or the one named) come back in full;
 * - `which`: nothing is acknowledged, the open items are listed by number and first line.
 * All mismatches are reported together, false acknowledgements first.
 */
import { sqliteClient } from '../../src/db/client.js';
import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildTestApp, type TestApp } from '../helpers/app.js';
import { ask, county, say } from '../helpers/console.js';

const c = county();
const YEAR = Number(new Date().toLocaleString('en', { timeZone: 'Asia/Shanghai', year: 'numeric' }));

interface Line {
  no: number;
  label: 'ack' | 'not' | 'resend' | 'which';
  /** `令2`, `通告1`, or a bare `2` (the directive, the only item with that number). */
  ref: string | null;
  text: string;
}

function corpus(): Line[] {
  const file = resolve(import.meta.dirname, '../corpus/acknowledgements.tsv');
  return readFileSync(file, 'utf8')
    .split('\n')
    .map((raw, i) => ({ raw, no: i + 1 }))
    .filter(({ raw }) => raw.trim() && !raw.startsWith('#'))
    .map(({ raw, no }) => {
      const tab = raw.indexOf('\t');
      if (tab < 0) throw new Error(`corpus line ${no} has no tab: ${raw}`);
      const [label, ref] = raw.slice(0, tab).split(' ') as [Line['label'], string | undefined];
      if (!['ack', 'not', 'resend', 'which'].includes(label)) throw new Error(`corpus line ${no}: unknown label ${label}`);
      return { no, label, ref: ref ?? null, text: raw.slice(tab + 1) };
    });
}

const LINES = corpus();
/** The items sent, oldest first; 令3 is the newest. First lines are what `which` must show. */
const ITEMS = [
  { key: '通告1', command: '/通告', text: '明日起各卡口恢复24小时值守\n请各网格转告辖区居民' },
  { key: '令1', command: '/令', text: '请各网格今日内完成返乡人员排查\n排查结果报乡镇指挥室' },
  { key: '令2', command: '/令', text: '各网格组织消杀公共区域\n重点是农贸市场和客运站' },
  { key: '令3', command: '/令', text: '今晚起暂停村内聚集性活动\n红白事简办并报乡镇备案' },
] as const;
const numberOf = (key: string) => (key.startsWith('通告') ? `通告〔${YEAR}〕第${key.slice(2)}号` : `指挥部令〔${YEAR}〕第${key.replace('令', '')}号`);

describe('the acknowledgement corpus, line by line through the real router', () => {
  let app: TestApp;
  const results = new Map<number, { reply: string[]; acked: string[] }>();
  let grids: typeof c.grids = [];

  beforeAll(async () => {
    app = await buildTestApp();
    // the smallest run of townships with a grid for every line
    const townships: string[] = [];
    for (const t of c.townships) {
      townships.push(t.unit_id!);
      grids = c.grids.filter((g) => townships.includes(g.unit_id!.split('-')[0]!));
      if (grids.length >= LINES.length) break;
    }
    const scope = c.townships.filter((t) => townships.includes(t.unit_id!)).map((t) => t.name).join('、');
    for (const item of ITEMS) {
      const answer = await ask(app.http, c.commandGroup, c.commander, `${item.command} ${item.text} 范围:${scope}`);
      expect(answer, item.key).toContain(`已发布 ${numberOf(item.key)}`);
    }
    const unitName = (id: string) => c.units.find((u) => u.unit_id === id)!.name!;
    const roles = ['grid_worker', 'grid_leader', 'grid_member'];
    const sent = new Map<string, number>();
    for (const [i, line] of LINES.entries()) {
      const g = grids[i]!;
      const [tid, vid] = g.unit_id!.split('-') as [string, string];
      const members = c.members.filter((m) => m.unit_id === g.unit_id);
      const me = members.find((m) => m.role === roles[i % roles.length]) ?? members[0]!;
      const text = line.text
        .replaceAll('{year}', String(YEAR))
        .replaceAll('{grid}', g.name!)
        .replaceAll('{village}', unitName(`${tid}-${vid}`))
        .replaceAll('{township}', unitName(tid))
        .replaceAll('{n}', /第(\d+)网格$/.exec(g.name!)![1]!)
        .replaceAll('{me}', me.name!);
      const msgId = `corpus-${line.no}`;
      const r = await say(app.http, c.groupOf[g.unit_id!]!, me.member_id!, text, msgId);
      expect(r.status).toBe(202);
      sent.set(msgId, line.no);
    }
    await app.inbox.idle();
    const q = (sql: string, ...args: unknown[]) => sqliteClient(app.db).prepare(sql).all(...args) as Record<string, any>[];
    const replies = q(
      `select i.platform_msg_id as msg, o.text from inbound_messages i left join outbound_messages o on o.reply_to_inbound_id = i.id
       where i.platform_msg_id like 'corpus-%' order by o.id`,
    );
    const acks = q(
      `select i.platform_msg_id as msg, d.kind, d.number from acknowledgements a join inbound_messages i on i.id = a.inbound_id
       join directives d on d.id = a.directive_id where i.platform_msg_id like 'corpus-%'`,
    );
    for (const no of sent.values()) results.set(no, { reply: [], acked: [] });
    for (const r of replies) if (r.text !== null) results.get(sent.get(r.msg)!)!.reply.push(r.text);
    for (const a of acks) results.get(sent.get(a.msg)!)!.acked.push(`${a.kind === 'notice' ? '通告' : '令'}${a.number}`);
  }, 240_000);

  afterAll(async () => {
    await app?.close();
  });

  it(`has at least 300 labelled lines of every kind (${LINES.length})`, () => {
    expect(LINES.length).toBeGreaterThanOrEqual(300);
    for (const label of ['ack', 'not', 'resend', 'which'] as const) expect(LINES.filter((l) => l.label === label).length, label).toBeGreaterThanOrEqual(15);
  });

  it('answers every line exactly once, acknowledges only what the label says, never a false acknowledgement', () => {
    const falseAcks: string[] = [];
    const wrong: string[] = [];
    for (const line of LINES) {
      const { reply, acked } = results.get(line.no)!;
      const show = `${line.no} ${line.label}${line.ref ? ` ${line.ref}` : ''}\t${line.text}\t→ ${acked.length ? `acked ${acked.join(',')}; ` : ''}${reply.join(' | ').replace(/\n/g, '⏎').slice(0, 120)}`;
      if (reply.length !== 1) {
        wrong.push(`${show}  [${reply.length} answers]`);
        continue;
      }
      const answer = reply[0]!;
      if (line.label !== 'ack') {
        if (acked.length) falseAcks.push(show);
        else if (answer.startsWith('✅')) wrong.push(`${show}  [answered as a confirmation]`);
        else if (line.label === 'resend' && !resent(answer, line.ref)) wrong.push(`${show}  [not re-posted in full]`);
        else if (line.label === 'which' && !listed(answer)) wrong.push(`${show}  [open items not listed]`);
        continue;
      }
      const want = line.ref === null ? '令3' : /^\d+$/.test(line.ref) ? `令${line.ref}` : line.ref;
      if (acked.length !== 1 || acked[0] !== want) wrong.push(`${show}  [wanted ${want}]`);
      else if (!answer.startsWith('✅') || !answer.includes(numberOf(want))) wrong.push(`${show}  [answer does not confirm ${want}]`);
    }
    expect([...falseAcks.map((l) => `FALSE ACK ${l}`), ...wrong].join('\n')).toBe('');
  });
});

/** A re-post: the full text of the named item, or of the newest open ones, each under its number. */
function resent(answer: string, ref: string | null): boolean {
  const items = ref ? ITEMS.filter((i) => i.key === ref) : ITEMS.slice(-3);
  const others = ref ? ITEMS.filter((i) => i.key !== ref) : [];
  return items.every((i) => answer.includes(numberOf(i.key)) && answer.includes(i.text)) && others.every((i) => !answer.includes(i.text));
}

/** A list of every open item: number and first line, not the full text. */
function listed(answer: string): boolean {
  return ITEMS.every((i) => answer.includes(numberOf(i.key)) && answer.includes(i.text.split('\n')[0]!) && !answer.includes(i.text));
}
