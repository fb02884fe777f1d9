/**
 * The DingTalk adapter, with the real dingtalk-stream SDK against the local fake DingTalk.
 */
import { eq } from 'drizzle-orm';
import { afterEach, describe, expect, it } from 'vitest';
import { inboundMessages, outboundMessages } from '../../src/db/schema/index.js';
import type { TestApp } from '../helpers/app.js';
import { county } from '../helpers/console.js';
import { startPlatformApp, type PlatformApp } from '../helpers/platform.js';
import { until } from '../helpers/wait.js';
import { ERRORS, type FakeDingTalk } from '../fakes/dingtalk.js';

const GRID_GROUP = 'cidVDAxLVYwMS1HMS1ncmlk';
const GRID_WORKER = 'staff00048';

let fake: FakeDingTalk;
let running: PlatformApp<'dingtalk'> | undefined;

async function start(env: Record<string, string> = {}): Promise<TestApp> {
  running = await startPlatformApp({ platform: 'dingtalk', env });
  fake = running.fake;
  return running.app;
}

const outboxRows = (a: TestApp) => a.db.select().from(outboundMessages).all();

afterEach(async () => {
  await running?.teardown();
  running = undefined;
});

describe('dingtalk inbound', () => {
  it('stores a group @-message, acks the frame, and answers through the session webhook', async () => {
    const a = await start();
    const msg = fake.robotMessage({ text: '/帮助', senderStaffId: GRID_WORKER });
    const frameId = fake.pushCallback(msg);

    await until('the ack', () => fake.acks().includes(frameId));
    const stored = a.db.select().from(inboundMessages).all();
    expect(stored).toHaveLength(1);
    expect(stored[0]).toMatchObject({ platform: 'dingtalk', platformMsgId: `${fake.clientId}:${msg.msgId}`, conversationId: GRID_GROUP, senderId: GRID_WORKER, text: '/帮助' });

    const post = await until('the reply', () => fake.webhookPosts[0]);
    expect(post.session).toBe(new URL(String(msg.sessionWebhook)).searchParams.get('session'));
    expect(post.body.msgtype).toBe('text');
    expect(post.body.text?.content).toContain('可用指令');
    expect(post.body.at?.isAtAll).toBe(false);
    expect(fake.sends).toHaveLength(0);
  });

  it('processes a redelivered callback (same msgId, new frame) once, and acks both frames', async () => {
    const a = await start();
    const msg = fake.robotMessage({ text: '/帮助', senderStaffId: GRID_WORKER });
    const first = fake.pushCallback(msg);
    await until('first ack', () => fake.acks().includes(first));
    const second = fake.pushCallback(msg);
    await until('second ack', () => fake.acks().includes(second));
    await until('the reply', () => fake.webhookPosts.length >= 1);
    await a.inbox.idle();
    await new Promise((r) => setTimeout(r, 300));
    expect(a.db.select().from(inboundMessages).all()).toHaveLength(1);
    expect(fake.webhookPosts).toHaveLength(1);
    expect(a.adapter.health()).toMatchObject({ inbound: { accepted: 1, duplicates: 1 } });
  });

  it('reads picture and richText messages as text plus attachments', async () => {
    const a = await start();
    const id = fake.pushCallback(fake.robotMessage({ msgtype: 'richText', text: undefined, content: { richText: [{ text: '/帮助 ' }, { type: 'picture', downloadCode: 'dl-1' }] } }));
    await until('ack', () => fake.acks().includes(id));
    const row = a.db.select().from(inboundMessages).get();
    expect(row?.text).toBe('/帮助');
    expect(row?.extra).toMatchObject({ attachments: [{ kind: 'picture', ref: 'dl-1' }] });
  });
});

describe('dingtalk directive relay', () => {
  it('a commander’s /令 is confirmed by webhook and relayed by OpenAPI to every township room and grid group', async () => {
    const a = await start();
    const c = county();
    fake.pushCallback(fake.robotMessage({ text: '/令 请各网格今日18时前完成返乡人员排查', conversationId: c.commandGroup, senderStaffId: c.commander }));

    const confirm = await until('the confirmation', () => fake.webhookPosts[0]);
    expect(confirm.body.text?.content).toMatch(/已发布 指挥部令〔\d{4}〕第1号/);
    const targets = c.groups.filter((g) => g.conversation_id !== c.commandGroup).map((g) => g.conversation_id!);
    await until('all relays', () => new Set(fake.sends.map((s) => s.openConversationId)).size === targets.length, 60_000);
    expect(new Set(fake.sends.map((s) => s.openConversationId))).toEqual(new Set(targets));
    const sample = fake.sends.find((s) => s.openConversationId === GRID_GROUP)!;
    expect(sample.robotCode).toBe(fake.clientId);
    expect(JSON.stringify(sample.msgParam)).toContain('返乡人员排查');
    // stored with its processQueryKey, fetched one token for all of it
    await until('outbox marked sent', () => outboxRows(a).every((r) => r.status === 'sent'));
    const row = outboxRows(a).find((r) => r.conversationId === GRID_GROUP)!;
    expect(row.platformRef).toBe(sample.processQueryKey);
    expect(fake.tokenRequests).toHaveLength(1);
  });
});

describe('undeliverable relays', () => {
  it('tells the issuer’s group once, listing every grid group the bot could not reach', async () => {
    await start({ SEND_FAILURE_REPORT_AFTER: '1s' });
    const c = county();
    const lost = c.grids.slice(10, 12);
    for (const g of lost) fake.failConversation.set(c.groupOf[g.unit_id!]!, ERRORS.notInGroup());
    fake.pushCallback(fake.robotMessage({ text: '/令 今晚完成排查', conversationId: c.commandGroup, senderStaffId: c.commander }));
    const report = await until('the failure report', () => fake.sends.find((s) => s.openConversationId === c.commandGroup && JSON.stringify(s.msgParam).includes('未能送达')), 60_000);
    const text = JSON.stringify(report.msgParam);
    expect(text).toContain('2条消息未能送达');
    for (const g of lost) expect(text).toContain(c.groups.find((x) => x.unit_id === g.unit_id)!.title!);
    await new Promise((r) => setTimeout(r, 1500));
    expect(fake.sends.filter((s) => s.openConversationId === c.commandGroup && JSON.stringify(s.msgParam).includes('未能送达'))).toHaveLength(1);
  });
});

describe('dingtalk outbound', () => {
  async function post(a: TestApp, conversationId: string, text: string, dedupKey: string) {
    const id = await a.outbox.store(a.db, { conversationId, text, dedupKey });
    await a.outbox.flush();
    return id!;
  }
  const rowOf = (a: TestApp, id: number) => a.db.select().from(outboundMessages).where(eq(outboundMessages.id, id)).get()!;

  it('caches the access token, and refreshes it once when DingTalk answers 401', async () => {
    const a = await start();
    const one = await post(a, GRID_GROUP, '第一条', 'k1');
    await until('first sent', () => rowOf(a, one).status === 'sent');
    const two = await post(a, GRID_GROUP, '第二条', 'k2');
    await until('second sent', () => rowOf(a, two).status === 'sent');
    expect(fake.tokenRequests).toHaveLength(1);

    fake.expireTokens();
    const three = await post(a, GRID_GROUP, '第三条', 'k3');
    await until('third sent', () => rowOf(a, three).status === 'sent');
    expect(fake.tokenRequests).toHaveLength(2);
    expect(fake.sends.map((s) => s.msgParam.content)).toEqual(['第一条', '第二条', '第三条']);
    expect(new Set(fake.sends.map((s) => s.token)).size).toBe(2);
  });

  it('marks the message failed when the robot is not in the group, and keeps sending elsewhere', async () => {
    const a = await start();
    fake.failConversation.set('cidBad', ERRORS.notInGroup());
    const bad = await post(a, 'cidBad', '发不出去', 'bad');
    const good = await post(a, GRID_GROUP, '正常', 'good');
    await until('bad failed', () => rowOf(a, bad).status === 'failed');
    await until('good sent', () => rowOf(a, good).status === 'sent');
    expect(rowOf(a, bad).error).toMatch(/robot is not a member/);
    expect(fake.refusedSends.filter((s) => s.openConversationId === 'cidBad')).toHaveLength(1);
  });

  it('retries a throttled send and delivers it', async () => {
    const a = await start();
    fake.failNextSends.push(ERRORS.qps());
    const id = await post(a, GRID_GROUP, '稍后送达', 'q');
    await until('sent after throttling', () => rowOf(a, id).status === 'sent', 20_000);
    expect(fake.refusedSends).toHaveLength(1);
    expect(fake.sends.map((s) => s.msgParam.content)).toEqual(['稍后送达']);
  });

  it('splits a body over 15,000 bytes into several sends', async () => {
    const a = await start();
    const long = Array.from({ length: 800 }, (_, i) => `第${i}行：网格排查情况正常，无异常人员。`).join('\n');
    const id = await post(a, GRID_GROUP, long, 'long');
    await until('sent', () => rowOf(a, id).status === 'sent');
    expect(fake.sends.length).toBeGreaterThan(1);
    for (const s of fake.sends) expect(Buffer.byteLength(JSON.stringify(s.msgParam))).toBeLessThanOrEqual(15_000);
    expect(fake.sends.map((s) => s.msgParam.content).join('\n')).toBe(long);
    expect(rowOf(a, id).platformRef?.split(',')).toHaveLength(fake.sends.length);
  });

  it('never exceeds DINGTALK_APP_QPS at the fake', async () => {
    const a = await start({ DINGTALK_APP_QPS: '10' });
    const c = county();
    const ids: number[] = [];
    for (const g of c.grids.slice(0, 25)) ids.push((await post(a, c.groupOf[g.unit_id!]!, '限速', `qps-${g.unit_id}`)));
    await until('all sent', () => ids.every((id) => rowOf(a, id).status === 'sent'), 30_000);
    const times = fake.sends.map((s) => s.at).sort((x, y) => x - y);
    for (let i = 0; i < times.length; i++) {
      expect(times.filter((t) => t >= times[i]! && t < times[i]! + 1000).length).toBeLessThanOrEqual(10);
    }
  });

  it('reports who read an OpenAPI message, following nextToken pages', async () => {
    const a = await start();
    const id = await post(a, GRID_GROUP, '请阅', 'read');
    await until('sent', () => rowOf(a, id).status === 'sent');
    const readers = Array.from({ length: 450 }, (_, i) => `staff${String(i).padStart(5, '0')}`);
    fake.readers.set(rowOf(a, id).platformRef!, readers);
    const got = await a.adapter.readReceipts!({ conversationId: GRID_GROUP, platformRef: rowOf(a, id).platformRef! });
    expect(got.map((r) => r.memberId).sort()).toEqual([...readers].sort());
    expect(fake.queries).toHaveLength(3);
  });
});

describe('dingtalk connection', () => {
  it('reconnects on a SYSTEM disconnect frame: opens the new connection first, then closes the old', async () => {
    const a = await start();
    const old = fake.sendDisconnect();
    await until('a second connection', () => fake.connections.length === 2 && fake.connections[1]!.open);
    await until('old closed', () => !old.open);
    expect(a.adapter.health()).toMatchObject({ ok: true, stream: { disconnectFrames: 1, reconnects: 1 } });
    // messages flow on the new connection
    const id = fake.pushCallback(fake.robotMessage({ text: '/帮助', senderStaffId: GRID_WORKER }));
    await until('ack on the new connection', () => fake.connections[1]!.received.some((m) => m.headers?.messageId === id));
    await until('reply', () => fake.webhookPosts.length === 1);
  });

  it('reconnects after DINGTALK_IDLE_TIMEOUT without any frame, and stays connected while pinged', async () => {
    const a = await start({ DINGTALK_IDLE_TIMEOUT: '800ms' });
    for (let i = 0; i < 4; i++) {
      fake.ping();
      await new Promise((r) => setTimeout(r, 300));
    }
    expect(fake.connections).toHaveLength(1);
    await until('a reconnect after silence', () => fake.connections.length === 2 && fake.connections[1]!.open, 5000);
    expect(a.adapter.health()).toMatchObject({ stream: { idleTimeouts: 1 } });
  });

  it('backs off with growing gaps when tickets are refused, then reconnects (no storm)', async () => {
    const a = await start({ DINGTALK_RECONNECT_BASE: '100ms', DINGTALK_RECONNECT_MAX: '2s' });
    fake.refuseTickets = 5;
    const before = fake.ticketRequests.length;
    const dropped = fake.dropSocket();
    await until('the drop seen', () => !dropped.open && !a.adapter.health().ok);
    await until('reconnected', () => fake.connections.length === 2 && fake.connections[1]!.open && a.adapter.health().ok, 20_000);
    const times = fake.ticketRequests.slice(before);
    expect(times).toHaveLength(6);
    const gaps = times.slice(1).map((t, i) => t - times[i]!);
    // jittered doubling: each gap is 50–100 % of 100·2^i ms, so the last gaps are clearly longer than the first
    expect(gaps[4]!).toBeGreaterThanOrEqual(700);
    expect(gaps[4]!).toBeGreaterThan(gaps[0]! * 3);
    expect(a.adapter.health()).toMatchObject({ stream: { failedAttempts: 5 } });
    // nothing lost: a message after the reconnect is stored and answered
    const id = fake.pushCallback(fake.robotMessage({ text: '/帮助', senderStaffId: GRID_WORKER }));
    await until('ack', () => fake.acks().includes(id));
  });
});
