/**
 * The DingTalk adapter under the platform's misbehaviour, against the local fake (issue 3 "Done when"):
 * a callback redelivered after 20 s, a dropped socket / `disconnect` frame / refused tickets with
 * messages waiting, an expiring access token with many sends in flight, and a county-wide relay held
 * to the configured per-group and per-app rates as the fake sees them.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { inboundMessages, outboundMessages } from '../../src/db/schema/index.js';
import type { TestApp } from '../helpers/app.js';
import { county } from '../helpers/console.js';
import { startPlatformApp, type PlatformApp } from '../helpers/platform.js';
import { maxInWindow, until } from '../helpers/wait.js';
import type { FakeDingTalk } from '../fakes/dingtalk.js';

const GRID_GROUP = 'cidVDAxLVYwMS1HMS1ncmlk';
const GRID_WORKER = 'staff00048';

let fake: FakeDingTalk;
let running: PlatformApp<'dingtalk'> | undefined;

async function start(env: Record<string, string> = {}, beforeStart?: (f: FakeDingTalk) => void): Promise<TestApp> {
  running = await startPlatformApp({ platform: 'dingtalk', env, beforeStart });
  fake = running.fake;
  return running.app;
}

const stored = (a: TestApp) => a.db.select().from(inboundMessages).all();
const outboxRows = (a: TestApp) => a.db.select().from(outboundMessages).all();
const sessionOf = (msg: Record<string, unknown>) => new URL(String(msg.sessionWebhook)).searchParams.get('session')!;
/** Session-webhook answers to `msg`. */
const answersTo = (msg: Record<string, unknown>) => fake.webhookPosts.filter((p) => p.session === sessionOf(msg));

afterEach(async () => {
  await running?.teardown();
  running = undefined;
});

describe('dingtalk redelivery', () => {
  it('a callback redelivered after 20 s (DingTalk’s late-ack resend) is stored once and answered once; the new frame is acked', async () => {
    const a = await start();
    const msg = fake.robotMessage({ text: '/帮助', senderStaffId: GRID_WORKER });
    const first = fake.pushCallback(msg);
    await until('the first frame acked', () => fake.acks().includes(first));
    expect(stored(a)).toHaveLength(1);
    await until('the answer', () => answersTo(msg).length === 1);
    await a.inbox.idle();

    // DingTalk's documented redelivery delay, in real time (not one of gridrelay's settings)
    await new Promise((r) => setTimeout(r, 20_000));
    const second = fake.pushCallback(msg);
    expect(second).not.toBe(first);
    await until('the redelivered frame acked', () => fake.acks().includes(second));
    await a.inbox.idle();
    await new Promise((r) => setTimeout(r, 500));
    expect(stored(a)).toHaveLength(1);
    expect(answersTo(msg)).toHaveLength(1);
    expect(a.adapter.health()).toMatchObject({ inbound: { accepted: 1, duplicates: 1 } });
  }, 60_000);
});

describe('dingtalk connection loses no message', () => {
  const RECONNECT = { DINGTALK_RECONNECT_BASE: '100ms', DINGTALK_RECONNECT_MAX: '2s', DINGTALK_IDLE_TIMEOUT: '1m' };

  /** Ticket requests since index `from`: exactly 6 (5 refused + 1), with gaps growing as the backoff doubles. */
  function expectBackoff(from: number) {
    const times = fake.ticketRequests.slice(from);
    expect(times).toHaveLength(6);
    const gaps = times.slice(1).map((t, i) => t - times[i]!);
    // jittered doubling from 100 ms: gap i is 50–100 % of 100·2^i ms
    expect(gaps[0]!).toBeGreaterThanOrEqual(50);
    expect(gaps[4]!).toBeGreaterThanOrEqual(700);
    expect(gaps[4]!).toBeGreaterThan(gaps[0]! * 3);
    expect(gaps[3]! + gaps[4]!).toBeGreaterThan(gaps[0]! + gaps[1]!);
  }

  /** Every message stored exactly once and answered exactly once through its session webhook. */
  async function expectEachStoredAndAnsweredOnce(a: TestApp, msgs: Record<string, unknown>[]) {
    for (const m of msgs) await until(`the answer to ${String(m.msgId)}`, () => answersTo(m).length >= 1, 20_000);
    await a.inbox.idle();
    await new Promise((r) => setTimeout(r, 500));
    for (const m of msgs) {
      expect(stored(a).filter((r) => r.platformMsgId === `${fake.clientId}:${String(m.msgId)}`)).toHaveLength(1);
      expect(answersTo(m)).toHaveLength(1);
      expect(answersTo(m)[0]!.body.text?.content ?? answersTo(m)[0]!.body.markdown?.text).toContain('可用指令');
    }
    expect(stored(a)).toHaveLength(msgs.length);
  }

  it('socket dropped without a close frame while 5 tickets are refused: callbacks queued meanwhile arrive after the reconnect, each stored and answered once', async () => {
    const a = await start(RECONNECT);
    fake.refuseTickets = 5;
    const before = fake.ticketRequests.length;
    // one message in flight on the connection that is about to die (it may or may not be acked before the drop)
    const inFlight = fake.robotMessage({ text: '/帮助', senderStaffId: GRID_WORKER });
    fake.pushCallback(inFlight);
    const dropped = fake.dropSocket();
    await until('the drop seen', () => !dropped.open && !a.adapter.health().ok);
    // DingTalk keeps what it could not deliver while the bot is away
    const queued = [1, 2, 3].map(() => fake.robotMessage({ text: '/帮助', senderStaffId: GRID_WORKER }));
    for (const m of queued) fake.pushCallback(m);
    expect(fake.pendingCallbacks()).toBeGreaterThanOrEqual(3);
    expect(stored(a).length).toBeLessThanOrEqual(1);

    await until('reconnected', () => fake.connections.length === 2 && fake.connections[1]!.open && a.adapter.health().ok, 20_000);
    expectBackoff(before);
    expect(a.adapter.health()).toMatchObject({ stream: { failedAttempts: 5 } });
    await until('every queued frame acked on the new connection', () => fake.pendingCallbacks() === 0 && fake.connections[1]!.received.filter((m) => m.code === 200 && m.data?.includes('response')).length >= 3);
    await expectEachStoredAndAnsweredOnce(a, [inFlight, ...queued]);
  });

  it('a disconnect frame, then 5 refused tickets and the gateway closing the old socket: no storm, and nothing sent meanwhile is lost', async () => {
    const a = await start(RECONNECT);
    fake.refuseTickets = 5;
    const before = fake.ticketRequests.length;
    const old = fake.sendDisconnect();
    await until('the reconnect under way', () => fake.ticketRequests.length - before >= 2);
    // the old connection still carries messages until DingTalk closes it
    const onOld = fake.robotMessage({ text: '/帮助', senderStaffId: GRID_WORKER });
    const onOldFrame = fake.pushCallback(onOld);
    await until('acked on the old connection', () => old.received.some((m) => m.headers?.messageId === onOldFrame && m.code === 200));
    // DingTalk closes the old socket after a disconnect frame; messages sent until the reconnect wait
    fake.dropSocket();
    await until('the close seen', () => !old.open && !a.adapter.health().ok);
    expect(a.adapter.health()).toMatchObject({ state: 'reconnecting' });
    const queued = [1, 2].map(() => fake.robotMessage({ text: '/帮助', senderStaffId: GRID_WORKER }));
    for (const m of queued) fake.pushCallback(m);

    await until('reconnected', () => fake.connections.length === 2 && fake.connections[1]!.open && a.adapter.health().ok, 20_000);
    expectBackoff(before);
    expect(a.adapter.health()).toMatchObject({ stream: { disconnectFrames: 1, failedAttempts: 5 } });
    await expectEachStoredAndAnsweredOnce(a, [onOld, ...queued]);
    // and the reconnect loop is over: no further ticket requests
    await new Promise((r) => setTimeout(r, 1000));
    expect(fake.ticketRequests.length - before).toBe(6);
  });
});

describe('dingtalk access token expiry', () => {
  async function storeMany(a: TestApp, n: number, tag: string): Promise<number[]> {
    const c = county();
    const ids: number[] = [];
    for (const g of c.grids.slice(0, n)) ids.push((await a.outbox.store(a.db, { conversationId: c.groupOf[g.unit_id!]!, text: `${tag} ${g.unit_id}`, dedupKey: `${tag}-${g.unit_id}` }))!);
    await a.outbox.flush();
    return ids;
  }
  const allSent = (a: TestApp, ids: number[]) => outboxRows(a).filter((r) => ids.includes(r.id)).every((r) => r.status === 'sent');

  it('a token past its expireIn is replaced by exactly one new token, with 40 sends in flight', async () => {
    // the fake's tokens live 2 s; gridrelay refreshes 5 min early, or at half the lifetime when that is shorter
    const a = await start({ OUTBOX_CONCURRENCY: '16' }, (f) => (f.tokenExpireIn = 2));
    const first = await storeMany(a, 1, '首条');
    await until('first sent', () => allSent(a, first));
    expect(fake.tokenRequests).toHaveLength(1);
    const oldToken = fake.sends[0]!.token;
    fake.tokenExpireIn = 7200;
    await until('the first token expired at the fake', () => !fake.tokenValid(oldToken), 5000);

    const ids = await storeMany(a, 40, '批量');
    await until('all sent', () => allSent(a, ids), 30_000);
    expect(fake.tokenRequests).toHaveLength(2);
    const later = fake.sends.slice(1);
    expect(later).toHaveLength(40);
    expect(new Set(later.map((s) => s.token)).size).toBe(1);
    expect(later[0]!.token).not.toBe(oldToken);
    expect(fake.refusedSends).toHaveLength(0);
  });

  it('a token DingTalk revokes early (401 on every send in flight) is refreshed once', async () => {
    const a = await start({ OUTBOX_CONCURRENCY: '16' });
    const first = await storeMany(a, 1, '首条');
    await until('first sent', () => allSent(a, first));
    fake.expireTokens();
    const ids = await storeMany(a, 40, '批量');
    await until('all sent', () => allSent(a, ids), 30_000);
    expect(fake.tokenRequests).toHaveLength(2);
    expect(fake.sends.slice(1)).toHaveLength(40);
    expect(new Set(fake.sends.slice(1).map((s) => s.token)).size).toBe(1);
    // the 401s were answered with a refresh, not surfaced as failed sends
    expect(a.adapter.health()).toMatchObject({ outbound: { tokenRequests: 2 } });
  });
});

describe('dingtalk rate limits at the fake', () => {
  it('a county-wide /令 (762 groups) plus 8 more messages to one group: every group gets its relay, ≤ DINGTALK_APP_QPS per second overall and ≤ DINGTALK_GROUP_RATE per group in every sliding second', async () => {
    const a = await start({ DINGTALK_APP_QPS: '100', DINGTALK_GROUP_RATE: '3/s' });
    const c = county();
    const targets = c.groups.filter((g) => g.conversation_id !== c.commandGroup).map((g) => g.conversation_id!);
    expect(targets).toHaveLength(762);
    fake.pushCallback(fake.robotMessage({ text: '/令 今晚22时前完成全县返乡人员排查', conversationId: c.commandGroup, senderStaffId: c.commander }));
    // eight more messages to one grid group while the relay is going out
    await until('the relay started', () => fake.sends.length > 0, 30_000);
    for (let i = 1; i <= 8; i++) await a.outbox.store(a.db, { conversationId: GRID_GROUP, text: `补充通知${i}`, dedupKey: `extra-${i}` });
    await a.outbox.flush();

    const relayed = () => fake.sends.filter((s) => JSON.stringify(s.msgParam).includes('全县返乡人员排查'));
    await until('every group relayed', () => new Set(relayed().map((s) => s.openConversationId)).size === targets.length, 120_000);
    await until('the extras sent', () => fake.sends.filter((s) => s.openConversationId === GRID_GROUP).length === 9, 30_000);
    await until('outbox drained', () => outboxRows(a).every((r) => r.status === 'sent'), 30_000);

    expect(new Set(relayed().map((s) => s.openConversationId))).toEqual(new Set(targets));
    expect(relayed()).toHaveLength(targets.length);
    // per app: every call DingTalk saw (sends, session-webhook replies, token requests) in any 1 s window
    expect(maxInWindow(fake.apiRequests.map((r) => r.at), 1000)).toBeLessThanOrEqual(100);
    // per group: every message a conversation received in any 1 s window
    const byConversation = new Map<string, number[]>();
    for (const s of fake.sends) byConversation.set(s.openConversationId, [...(byConversation.get(s.openConversationId) ?? []), s.at]);
    const worst = [...byConversation].map(([cid, times]) => ({ cid, times, n: maxInWindow(times, 1000) })).sort((x, y) => y.n - x.n)[0]!;
    expect(worst.n, `sends to ${worst.cid} at ${worst.times.map((t) => t % 100_000).join(', ')} (ms): most in one sliding second`).toBeLessThanOrEqual(3);
  }, 180_000);
});
