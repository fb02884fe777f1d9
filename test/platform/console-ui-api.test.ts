/**
 * The console page's HTTP API (src/platform/console/: org.ts, chat.ts, events.ts, press.ts), through HTTP on the
 * demo county, on SQLite and PostgreSQL: the organisation tree, a group's members, the command menu (what `/帮助`
 * lists), the chat with people's messages and the bot's, the 「收到」 button counted as `/收到`, server-sent events
 * across two processes on one database, and refusals of bad input.
 */
import type { ChatMessage } from '../../src/platform/console/format.js';
import { afterEach, describe, expect, it } from 'vitest';
import type { FastifyInstance } from 'fastify';
import { buildTestApp, type TestApp } from '../helpers/app.js';
import { sendable } from '../../src/platform/console/events.js';
import type { ConsoleRow } from '../../src/platform/console/format.js';
import { ask, county, outbound, say } from '../helpers/console.js';

/** The roster readers (org, members, commands) are dialect-neutral reads: checked once, on SQLite; the chat, the press and the streams on both. */
const ON_PG = process.env.GRIDRELAY_TEST_DB === 'pg';

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


async function get<T = any>(http: FastifyInstance, url: string, headers: Record<string, string> = {}): Promise<{ status: number; body: T }> {
  const r = await http.inject({ method: 'GET', url, headers });
  return { status: r.statusCode, body: r.json() as T };
}

async function chat(http: FastifyInstance, conversationId: string, after = 0): Promise<ChatMessage[]> {
  const r = await get<{ messages: ChatMessage[] }>(http, `/console/v1/chat?conversationId=${conversationId}&after=${after}`);
  expect(r.status).toBe(200);
  return r.body.messages;
}

/** Polls `/chat` until `pred` holds. */
async function chatUntil(http: FastifyInstance, conversationId: string, pred: (m: ChatMessage[]) => boolean, ms = 20_000): Promise<ChatMessage[]> {
  const t0 = Date.now();
  for (;;) {
    const m = await chat(http, conversationId);
    if (pred(m)) return m;
    if (Date.now() - t0 > ms) throw new Error(`chat of ${conversationId}: condition not met; last: ${m.slice(-3).map((x) => x.text).join(' | ')}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

async function press(http: FastifyInstance, body: Record<string, unknown>) {
  const r = await http.inject({ method: 'POST', url: '/console/v1/press', payload: body });
  return { status: r.statusCode, body: r.json() as { msgId?: string; duplicate?: boolean; error?: string; code?: string } };
}

const grid = c.grids[0]!;
const gridGroup = c.groupOf[grid.unit_id!]!;
const worker = c.memberOf(grid.unit_id!, 'grid_worker');
const memberName = (id: string) => c.members.find((m) => m.member_id === id)!.name!;

describe('the organisation, members and command menu', () => {
  it.skipIf(ON_PG)('GET /org: the demo county as a tree — 15 townships, villages without groups, 747 grids with colours, 763 groups', async () => {
    const app = await start();
    const r = await get<{ county: string; units: any[]; groups: any[] }>(app.http, '/console/v1/org');
    expect(r.status).toBe(200);
    const { units, groups } = r.body;
    expect(r.body.county).toBe(c.units.find((u) => u.kind === 'county')!.name);
    expect((r.body as { timeZone?: string }).timeZone).toBe(app.config.TIMEZONE); // the page shows times as the bot's words do
    expect(units).toHaveLength(c.units.length);
    expect(units[0]).toMatchObject({ kind: 'county', parentId: null, riskColour: null, controlLevel: null, conversationId: c.commandGroup });
    const townships = units.filter((u) => u.kind === 'township');
    expect(townships).toHaveLength(15);
    for (const t of townships) expect([1, 2, 3]).toContain(t.controlLevel);
    const villages = units.filter((u) => u.kind === 'village');
    expect(villages).toHaveLength(266);
    expect(villages.every((v) => v.conversationId === null)).toBe(true);
    const grids = units.filter((u) => u.kind === 'grid');
    expect(grids).toHaveLength(747);
    for (const g of grids) {
      expect(['red', 'orange', 'yellow', 'blue', 'green']).toContain(g.riskColour);
      expect(g.conversationId).toBe(c.groupOf[g.unitId]);
    }
    const csvGrid = c.grids.find((g) => g.risk_color === 'red')!;
    expect(grids.find((g) => g.unitId === csvGrid.unit_id)!.riskColour).toBe('red');
    // tree order: every unit after its parent; each township followed by its own villages and grids only
    const at = new Map(units.map((u, i) => [u.unitId, i]));
    for (const [i, u] of units.entries()) if (u.parentId) expect(at.get(u.parentId)!).toBeLessThan(i);
    const townshipOf = (u: any): string => (u.kind === 'township' ? u.unitId : townshipOf(units[at.get(u.parentId)!]));
    const runs = units.slice(1).map(townshipOf).filter((t, i, a) => i === 0 || a[i - 1] !== t);
    expect(runs).toEqual(townships.map((t) => t.unitId));
    // each village followed by its grids
    for (const [i, u] of units.entries()) if (u.kind === 'grid') expect(u.parentId).toBe(units[i - 1].kind === 'village' ? units[i - 1].unitId : units[i - 1].parentId);
    expect(groups).toHaveLength(763);
    expect(groups[0]).toEqual({ conversationId: c.commandGroup, title: c.groups.find((g) => g.unit_id === 'C01')!.title, unitId: 'C01' });
    expect(new Set(groups.map((g) => g.conversationId))).toEqual(new Set(c.groups.map((g) => g.conversation_id)));
  });

  it.skipIf(ON_PG)('GET /members: the people of a grid group, leader first; the command group: county roles, commanders first', async () => {
    const app = await start();
    const r = await get<{ members: { memberId: string; name: string; role: string; roleZh: string }[] }>(app.http, `/console/v1/members?conversationId=${gridGroup}`);
    expect(r.status).toBe(200);
    const expected = c.members.filter((m) => m.unit_id === grid.unit_id);
    expect(r.body.members.map((m) => m.memberId).sort()).toEqual(expected.map((m) => m.member_id).sort());
    const roles = r.body.members.map((m) => m.role);
    expect(roles[0]).toBe('grid_leader');
    expect(roles).toEqual([...roles].sort((a, b) => ['grid_leader', 'grid_worker', 'grid_member'].indexOf(a) - ['grid_leader', 'grid_worker', 'grid_member'].indexOf(b)));
    const w = r.body.members.find((m) => m.memberId === worker)!;
    expect(w).toEqual({ memberId: worker, name: memberName(worker), role: 'grid_worker', roleZh: '网格员' });

    const cmd = await get<{ members: { role: string }[] }>(app.http, `/console/v1/members?conversationId=${c.commandGroup}`);
    expect(cmd.body.members.length).toBe(c.members.filter((m) => m.unit_id === 'C01').length);
    expect(cmd.body.members[0]!.role).toBe('commander');
    expect(new Set(cmd.body.members.map((m) => m.role))).toEqual(new Set(['commander', 'duty_officer', 'inspector']));
  });

  it.skipIf(ON_PG)('GET /commands: a commander in the command group and a grid worker in its grid group get different menus, each what /帮助 lists', async () => {
    const app = await start();
    type Cmd = { word: string; aliases: string[]; usage: string; summary: string };
    const menu = async (conversationId: string, senderId: string) => {
      const r = await get<{ commands: Cmd[] }>(app.http, `/console/v1/commands?conversationId=${conversationId}&senderId=${senderId}`);
      expect(r.status).toBe(200);
      return r.body.commands;
    };
    const commander = await menu(c.commandGroup, c.commander);
    const gridWorker = await menu(gridGroup, worker);
    const directive = commander.find((x) => x.word === '/令')!;
    expect(directive.aliases).toContain('/directive');
    expect(directive.usage).toMatch(/^\/令 /);
    expect(directive.summary).toBeTruthy();
    expect(gridWorker.map((x) => x.word)).not.toContain('/令');
    expect(gridWorker.map((x) => x.word)).toContain('/收到');
    expect(gridWorker.map((x) => x.word)).toContain('/上报');
    expect(commander.map((x) => x.word)).not.toContain('/收到');
    for (const list of [commander, gridWorker]) expect(list.map((x) => x.word)).not.toContain('/帮助');

    // the same as /帮助 answers there: every command word it names is on the menu, and the other way round
    const wordsIn = (help: string) => new Set(help.match(/\/[^\s、<[\]—/（）]+/g) ?? []);
    for (const [conversationId, senderId, list] of [
      [c.commandGroup, c.commander, commander],
      [gridGroup, worker, gridWorker],
    ] as const) {
      const help = await ask(app.http, conversationId, senderId, '/帮助');
      expect(new Set(list.map((x) => x.word))).toEqual(wordsIn(help));
    }
  });
});

describe('the chat and the 「收到」 button', () => {
  it('/chat shows the person\'s message and the bot\'s answer in order; /outbound still shows the bot\'s only; /summary counts', async () => {
    const app = await start();
    const answer = await ask(app.http, gridGroup, worker, '/帮助');
    const msgs = await chatUntil(app.http, gridGroup, (m) => m.length >= 2);
    expect(msgs).toHaveLength(2);
    expect(msgs[0]).toMatchObject({ from: 'person', senderId: worker, senderName: memberName(worker), senderRole: '网格员', text: '/帮助', conversationId: gridGroup });
    expect(msgs[1]).toMatchObject({ from: 'bot', text: answer });
    expect(msgs[1]!.senderId).toBeUndefined();
    expect(msgs[0]!.seq).toBeLessThan(msgs[1]!.seq);
    expect(Number.isNaN(Date.parse(msgs[0]!.sentAt))).toBe(false);
    expect(await chat(app.http, gridGroup, msgs[0]!.seq)).toEqual([msgs[1]]);

    // a repeated msgId is shown once
    expect((await say(app.http, gridGroup, worker, '收到了吗', 'dup-1')).status).toBe(202);
    expect((await say(app.http, gridGroup, worker, '收到了吗', 'dup-1')).body.duplicate).toBe(true);
    const after = await chatUntil(app.http, gridGroup, (m) => m.length >= 4);
    expect(after.filter((m) => m.text === '收到了吗')).toHaveLength(1);

    const out = await outbound(app.http, gridGroup);
    expect(out.map((m) => m.seq)).toEqual(after.filter((m) => m.from === 'bot').map((m) => m.seq));
    expect(out.some((m) => m.text === '/帮助' || m.text === '收到了吗')).toBe(false);
    for (const m of out) expect(Object.keys(m).sort()).toEqual(expect.arrayContaining(['conversationId', 'sentAt', 'seq', 'text']));
    expect(out.every((m) => Object.keys(m).every((k) => ['seq', 'conversationId', 'text', 'markdown', 'mentions', 'sentAt'].includes(k)))).toBe(true);

    const s = await get<{ lastSeq: number; conversations: { conversationId: string; lastSeq: number; botMessages: number }[] }>(app.http, '/console/v1/summary');
    expect(s.status).toBe(200);
    const mine = s.body.conversations.find((x) => x.conversationId === gridGroup)!;
    expect(mine).toEqual({ conversationId: gridGroup, lastSeq: after[after.length - 1]!.seq, botMessages: after.filter((m) => m.from === 'bot').length });
    expect(s.body.lastSeq).toBe(Math.max(...s.body.conversations.map((x) => x.lastSeq)));
  });

  it('a /令, then a grid worker presses the relay\'s 「收到」: /进度 counts it; a second press is answered "already"', async () => {
    const app = await start();
    const confirm = await ask(app.http, c.commandGroup, c.commander, '/令 请各网格今日内完成返乡人员排查');
    const n = Number(/第(\d+)号/.exec(confirm)?.[1]);
    const [relay] = (await chatUntil(app.http, gridGroup, (m) => m.some((x) => x.text.includes(`第${n}号`)))).filter((x) => x.text.includes(`第${n}号`));
    expect(relay).toMatchObject({ from: 'bot', actions: [{ kind: 'ack', label: '收到', command: expect.stringMatching(/^\/收到 .*令\d+$/) }] });
    // the command group's confirmation carries no button
    expect((await chat(app.http, c.commandGroup)).find((m) => m.text === confirm)!.actions).toBeUndefined();

    const first = await press(app.http, { conversationId: gridGroup, senderId: worker, seq: relay!.seq, label: '收到' });
    expect(first.status).toBe(202);
    expect(first.body.msgId).toBeTruthy();
    const afterFirst = await chatUntil(app.http, gridGroup, (m) => m.filter((x) => x.seq > relay!.seq && x.from === 'bot').length >= 1);
    const pressedRow = afterFirst.find((x) => x.from === 'person')!;
    expect(pressedRow).toMatchObject({ senderId: worker, senderName: memberName(worker), pressed: { label: '收到' }, text: relay!.actions![0]!.command });
    expect(pressedRow.actions).toBeUndefined();
    const firstAnswer = afterFirst.filter((x) => x.seq > pressedRow.seq && x.from === 'bot')[0]!;
    expect(firstAnswer.text).toContain('确认');

    await app.inbox.idle();
    const progress = await ask(app.http, c.commandGroup, c.commander, `/进度 ${n}`);
    expect(progress).toContain('网格：1/747');

    const second = await press(app.http, { conversationId: gridGroup, senderId: c.memberOf(grid.unit_id!, 'grid_leader'), seq: relay!.seq, label: '收到' });
    expect(second.status).toBe(202);
    const afterSecond = await chatUntil(app.http, gridGroup, (m) => m.filter((x) => x.from === 'bot' && x.seq > firstAnswer.seq).length >= 1);
    const already = afterSecond.filter((x) => x.from === 'bot' && x.seq > firstAnswer.seq)[0]!;
    expect(already.text).toMatch(/已于\d\d:\d\d确认.*无需重复/);
    // the same msgId again is one press
    const again = await press(app.http, { conversationId: gridGroup, senderId: worker, seq: relay!.seq, label: '收到', msgId: first.body.msgId });
    expect(again.body).toEqual({ msgId: first.body.msgId, duplicate: true });
    await app.inbox.idle();
    expect(await ask(app.http, c.commandGroup, c.commander, `/进度 ${n}`)).toContain('网格：1/747');
  });
});

/** An open SSE stream read with fetch: the `message` events so far, and waiting for one. */
function openEvents(url: string, headers: Record<string, string> = {}) {
  const ctrl = new AbortController();
  const events: { id: string; data: ChatMessage }[] = [];
  let ended = false;
  const ready = (async () => {
    const r = await fetch(url, { signal: ctrl.signal, headers });
    expect(r.status).toBe(200);
    expect(r.headers.get('content-type')).toMatch(/^text\/event-stream/);
    return r;
  })();
  const done = (async () => {
    const r = await ready;
    const reader = r.body!.pipeThrough(new TextDecoderStream()).getReader();
    let buf = '';
    try {
      for (;;) {
        const { value, done } = await reader.read();
        if (done) break;
        buf += value;
        let i: number;
        while ((i = buf.indexOf('\n\n')) >= 0) {
          const block = buf.slice(0, i);
          buf = buf.slice(i + 2);
          const lines = block.split('\n');
          const field = (k: string) => lines.find((l) => l.startsWith(`${k}: `))?.slice(k.length + 2);
          if (field('event') === 'message') events.push({ id: field('id')!, data: JSON.parse(field('data')!) as ChatMessage });
        }
      }
    } catch {
      // aborted
    }
    ended = true;
  })();
  return {
    events,
    ready,
    done,
    get ended() {
      return ended;
    },
    close: () => ctrl.abort(),
    async waitFor(pred: (e: ChatMessage) => boolean, ms = 15_000) {
      const t0 = Date.now();
      while (Date.now() - t0 < ms) {
        const hit = events.find((e) => pred(e.data));
        if (hit) return hit;
        await new Promise((r) => setTimeout(r, 20));
      }
      throw new Error(`no such event within ${ms} ms; got ${events.map((e) => e.data.text.slice(0, 20)).join(' | ')}`);
    },
  };
}

describe('a person\'s chat row and the inbox', () => {
  it('are stored in one transaction: when storing the chat row fails, the message is not accepted either, and a retry stores both once', async () => {
    const app = await start();
    const msg = { platform: 'console', platformMsgId: `tx-${process.pid}-${Date.now()}`, conversationId: gridGroup, senderId: worker, text: '收到，马上落实' };
    await expect(app.inbox.accept(msg, async () => { throw new Error('the chat row could not be stored'); })).rejects.toThrow('the chat row could not be stored');
    // nothing of it: not in the chat, not processed (no answer), and its msgId is still free
    expect((await chat(app.http, gridGroup)).some((m) => m.text === msg.text)).toBe(false);
    let shown = 0;
    expect(await app.inbox.accept(msg, async () => void shown++)).toBe('accepted');
    expect(await app.inbox.accept(msg, async () => void shown++)).toBe('duplicate');
    expect(shown).toBe(1);
    // through the API the row is the chat's, once
    const r = await app.http.inject({ method: 'POST', url: '/console/v1/inbound', payload: { conversationId: gridGroup, senderId: worker, text: '已收到', msgId: `api-${msg.platformMsgId}` } });
    expect(r.statusCode).toBe(202);
    const again = await app.http.inject({ method: 'POST', url: '/console/v1/inbound', payload: { conversationId: gridGroup, senderId: worker, text: '已收到', msgId: `api-${msg.platformMsgId}` } });
    expect(again.json()).toMatchObject({ duplicate: true });
    const messages = await chat(app.http, gridGroup);
    expect(messages.filter((m) => m.from === 'person' && m.text === '已收到')).toHaveLength(1);
  });
});

describe('server-sent events', () => {
  it('deliver a message posted after connecting, to this process and to another on the same database; the app stops with a stream open', async () => {
    const TOKEN = 'console-ui-token-0123456789';
    const a = await start({ env: { CONSOLE_TOKEN: TOKEN } });
    const b = await start({ roster: false, config: a.config, dir: a.dir });
    const auth = { authorization: `Bearer ${TOKEN}` };
    const base = async (app: TestApp) => {
      await app.http.listen({ port: 0, host: '127.0.0.1' });
      return `http://127.0.0.1:${(app.http.server.address() as { port: number }).port}`;
    };
    const [baseA, baseB] = [await base(a), await base(b)];
    // EventSource cannot send headers: the token in the query; without it, 401
    expect((await fetch(`${baseA}/console/v1/events`)).status).toBe(401);
    for (const path of ['org', 'summary', `members?conversationId=${gridGroup}`, `chat?conversationId=${gridGroup}`, `commands?conversationId=${gridGroup}&senderId=${worker}`]) {
      expect((await a.http.inject({ method: 'GET', url: `/console/v1/${path}` })).statusCode, path).toBe(401);
      expect((await a.http.inject({ method: 'GET', url: `/console/v1/${path}${path.includes('?') ? '&' : '?'}token=${TOKEN}` })).statusCode, path).toBe(200);
    }
    expect((await a.http.inject({ method: 'POST', url: '/console/v1/press', payload: { conversationId: gridGroup, senderId: worker, seq: 1, label: '收到' } })).statusCode).toBe(401);
    const early = await a.http.inject({ method: 'POST', url: '/console/v1/inbound', headers: auth, payload: { conversationId: gridGroup, senderId: worker, text: '早先的话', msgId: 'before-connect' } });
    expect(early.statusCode).toBe(202);

    const onA = openEvents(`${baseA}/console/v1/events?token=${TOKEN}`);
    const onB = openEvents(`${baseB}/console/v1/events?token=${TOKEN}`);
    await Promise.all([onA.ready, onB.ready]);
    const posted = await a.http.inject({ method: 'POST', url: '/console/v1/inbound', headers: auth, payload: { conversationId: gridGroup, senderId: worker, text: '/帮助', msgId: 'after-connect' } });
    expect(posted.statusCode).toBe(202);
    for (const s of [onA, onB]) {
      const person = await s.waitFor((m) => m.from === 'person' && m.text === '/帮助');
      expect(person.data).toMatchObject({ conversationId: gridGroup, senderId: worker, senderName: memberName(worker), senderRole: '网格员' });
      expect(person.id).toBe(String(person.data.seq));
      const answer = await s.waitFor((m) => m.from === 'bot' && m.conversationId === gridGroup && m.seq > person.data.seq);
      expect(answer.data.text).toContain('可用指令');
      // the message from before connecting is not sent (no `after`), nothing twice, in seq order
      expect(s.events.some((e) => e.data.text === '早先的话')).toBe(false);
      const seqs = s.events.map((e) => e.data.seq);
      expect(seqs).toEqual([...new Set(seqs)].sort((x, y) => x - y));
    }
    // resuming from a seq (Last-Event-ID wins over after): the rows after it, at once
    const firstSeq = onA.events.find((e) => e.data.text === '/帮助')!.data.seq;
    const resumed = openEvents(`${baseB}/console/v1/events?token=${TOKEN}&after=0`, { 'last-event-id': String(firstSeq - 1) });
    const again = await resumed.waitFor((m) => m.seq === firstSeq);
    expect(again.data.text).toBe('/帮助');
    expect(resumed.events.some((e) => e.data.text === '早先的话')).toBe(false);
    resumed.close();
    onB.close();

    // the app stops promptly with a stream open, and the stream ends
    const t0 = Date.now();
    await a.stop();
    expect(Date.now() - t0).toBeLessThan(5_000);
    await onA.done;
    expect(onA.ended).toBe(true);
  });
});

describe('the event stream around a seq not yet committed (an insert of another process in flight)', () => {
  const row = (seq: number, sentAt: number): ConsoleRow => ({ seq, conversationId: 'g', outboxId: seq, inboundId: null, senderId: null, text: String(seq), markdown: null, mentions: null, actions: null, attachments: null, sentAt: new Date(sentAt) });
  const now = 1_000_000;
  it('holds rows back behind a fresh gap, sends them once it has waited gapMs or the rows are old', () => {
    const fresh = [row(11, now), row(13, now), row(14, now)];
    const first = sendable(fresh, 10, null, now, 1000);
    expect(first.rows.map((r) => r.seq)).toEqual([11]);
    expect(first.gap).toEqual({ seq: 12, since: now });
    // still waiting 500 ms later; the row arrives → all sent
    expect(sendable(fresh.slice(1), 11, first.gap, now + 500, 1000).rows).toEqual([]);
    expect(sendable([row(12, now + 400), ...fresh.slice(1)], 11, first.gap, now + 500, 1000).rows.map((r) => r.seq)).toEqual([12, 13, 14]);
    // never comes (a rolled-back insert, a conflict): skipped after gapMs
    expect(sendable(fresh.slice(1), 11, first.gap, now + 1000, 1000)).toEqual({ rows: fresh.slice(1), gap: null });
    // an old gap (catching up after a reconnect) is not waited on
    expect(sendable([row(20, now - 5000), row(25, now - 4000)], 10, null, now, 1000).rows.map((r) => r.seq)).toEqual([20, 25]);
    // a gap seen before at another seq starts its own wait
    expect(sendable([row(16, now)], 14, { seq: 12, since: now - 5000 }, now, 1000).gap).toEqual({ seq: 15, since: now });
  });
});

describe('bad input', () => {
  it('is refused 4xx with codes, and nothing is stored', async () => {
    const app = await start();
    await ask(app.http, gridGroup, worker, '/帮助');
    const before = await chat(app.http, gridGroup);
    const botSeq = before.find((m) => m.from === 'bot')!.seq;
    const personSeq = before.find((m) => m.from === 'person')!.seq;
    const cases: { url: string; method?: 'GET' | 'POST'; body?: unknown; headers?: Record<string, string>; status: number; error: string }[] = [
      { url: '/console/v1/members?conversationId=nope', status: 404, error: 'unknown_conversation' },
      { url: '/console/v1/members', status: 400, error: 'missing_parameter' },
      { url: `/console/v1/members?conversationId=${gridGroup}&x=1`, status: 400, error: 'unknown_parameter' },
      { url: `/console/v1/commands?conversationId=${gridGroup}&senderId=nobody`, status: 404, error: 'unknown_member' },
      { url: `/console/v1/commands?conversationId=nope&senderId=${worker}`, status: 404, error: 'unknown_conversation' },
      { url: `/console/v1/commands?conversationId=${gridGroup}`, status: 400, error: 'missing_parameter' },
      { url: '/console/v1/chat?conversationId=nope', status: 404, error: 'unknown_conversation' },
      { url: `/console/v1/chat?conversationId=${gridGroup}&after=-1`, status: 400, error: 'invalid_parameter' },
      { url: `/console/v1/chat?conversationId=${gridGroup}&after=1&after=2`, status: 400, error: 'repeated_parameter' },
      { url: '/console/v1/org?depth=2', status: 400, error: 'unknown_parameter' },
      { url: '/console/v1/summary?x=1', status: 400, error: 'unknown_parameter' },
      { url: '/console/v1/events?after=abc', status: 400, error: 'invalid_parameter' },
      { url: '/console/v1/events', headers: { 'last-event-id': 'x1' }, status: 400, error: 'invalid_parameter' },
      { method: 'POST', url: '/console/v1/press', body: { conversationId: gridGroup, senderId: worker, seq: 999_999, label: '收到' }, status: 404, error: 'unknown_message' },
      { method: 'POST', url: '/console/v1/press', body: { conversationId: c.commandGroup, senderId: worker, seq: botSeq, label: '收到' }, status: 404, error: 'unknown_message' },
      { method: 'POST', url: '/console/v1/press', body: { conversationId: gridGroup, senderId: worker, seq: personSeq, label: '收到' }, status: 404, error: 'unknown_message' },
      { method: 'POST', url: '/console/v1/press', body: { conversationId: gridGroup, senderId: worker, seq: botSeq, label: '收到' }, status: 400, error: 'no_such_button' },
      { method: 'POST', url: '/console/v1/press', body: { conversationId: gridGroup, senderId: worker, seq: 0, label: '收到' }, status: 400, error: 'invalid_field' },
      { method: 'POST', url: '/console/v1/press', body: { conversationId: gridGroup, senderId: worker, seq: botSeq }, status: 400, error: 'missing_field' },
      { method: 'POST', url: '/console/v1/press', body: { conversationId: gridGroup, senderId: worker, seq: botSeq, label: '收到', extra: 1 }, status: 400, error: 'unknown_field' },
      { method: 'POST', url: '/console/v1/press', body: [1], status: 400, error: 'invalid_body' },
    ];
    for (const k of cases) {
      const r = await app.http.inject({ method: k.method ?? 'GET', url: k.url, headers: k.headers ?? {}, ...(k.body !== undefined ? { payload: k.body as object } : {}) });
      expect(r.statusCode, k.url).toBe(k.status);
      expect(r.json(), `${k.url} ${JSON.stringify(k.body ?? '')}`).toMatchObject({ error: k.error, code: expect.stringMatching(/^GR_ERR_/), reason: expect.any(String), message: expect.any(String) });
    }
    await app.inbox.idle();
    expect(await chat(app.http, gridGroup)).toEqual(before);
    expect((await chat(app.http, c.commandGroup))).toEqual([]);
  });
});
