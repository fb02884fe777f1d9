/**
 * Answers first (issue 15, item 3): the outbox's priority lanes under DingTalk's one app QPS. While a county-wide
 * /令 (762 groups, ~38 s at the fake's default 20 QPS) is going out, the commander's confirmation, a /进度 answer
 * and a grid worker's 收到 answer each reach the fake within 2 s of being pushed; the relay still reaches every
 * group, within the app QPS and each group's rate. Also the app-QPS limiter's order (lane, then arrival) alone.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { outboundMessages } from '../../src/db/schema/index.js';
import { OUTBOX_LANES } from '../../src/core/outbox.js';
import { SlidingWindowLimiter } from '../../src/platform/dingtalk/limiter.js';
import { county } from '../helpers/console.js';
import { startPlatformApp, type PlatformApp } from '../helpers/platform.js';
import { maxInWindow, until } from '../helpers/wait.js';

const GRID_GROUP = 'cidVDAxLVYwMS1HMS1ncmlk';
const GRID_WORKER = 'staff00048';
/** How soon an answer must reach DingTalk after the person's message, during the relay (ms). */
const ANSWER_WITHIN_MS = 2000;

describe('the DingTalk app-QPS limiter', () => {
  it('gives a free slot to the waiting caller of the lowest lane, then the earliest: a reply never waits behind bulk sends or a digest', async () => {
    const limiter = new SlidingWindowLimiter(1, 30, OUTBOX_LANES.bulk);
    const held = await limiter.take();
    const order: string[] = [];
    const wait = (name: string, rank?: number) =>
      limiter.take(rank).then((release) => {
        order.push(name);
        release();
      });
    // arrival order: the digest first, the reply last
    const all = [wait('digest', OUTBOX_LANES.digest), wait('bulk-1'), wait('bulk-2', OUTBOX_LANES.bulk), wait('urgent', OUTBOX_LANES.urgent), wait('reply', OUTBOX_LANES.reply)];
    expect(limiter.queued).toBe(5);
    held();
    await Promise.all(all);
    expect(order).toEqual(['reply', 'urgent', 'bulk-1', 'bulk-2', 'digest']);
  });

  it('a reply that arrives while bulk callers wait is granted next, and the rate still holds', async () => {
    const limiter = new SlidingWindowLimiter(2, 100);
    const grants: { name: string; at: number }[] = [];
    const call = (name: string, rank?: number) =>
      limiter.take(rank).then((release) => {
        grants.push({ name, at: Date.now() });
        setTimeout(release, 5);
      });
    const bulk = Array.from({ length: 8 }, (_, i) => call(`bulk-${i}`));
    await until('the first two granted', () => grants.length === 2);
    const reply = call('reply', OUTBOX_LANES.reply);
    await Promise.all([...bulk, reply]);
    expect(grants[2]!.name).toBe('reply');
    expect(grants.filter((g) => g.name.startsWith('bulk')).map((g) => g.name)).toEqual(Array.from({ length: 8 }, (_, i) => `bulk-${i}`));
    expect(maxInWindow(grants.map((g) => g.at), 100)).toBeLessThanOrEqual(2);
  });
});

describe('answers first during a county-wide relay (DingTalk fake at 20 QPS)', () => {
  let running: PlatformApp<'dingtalk'> | undefined;
  afterEach(async () => {
    await running?.teardown();
    running = undefined;
  });

  it('the /令 confirmation, a /进度 answer and a 收到 answer each arrive within 2 s while the 762 relays go out; every group relayed within the app and group rates', async () => {
    // DingTalk's own defaults: 20 calls per second for the app, 20 messages per minute per group
    running = await startPlatformApp({ platform: 'dingtalk', env: { DINGTALK_APP_QPS: '20', DINGTALK_GROUP_RATE: '20/min' } });
    const { app: a, fake } = running;
    const c = county();
    const targets = c.groups.filter((g) => g.conversation_id !== c.commandGroup).map((g) => g.conversation_id!);
    expect(targets).toHaveLength(762);
    const relayed = () => fake.sends.filter((s) => JSON.stringify(s.msgParam).includes('全县返乡人员排查'));
    /** Conversation of each session webhook (the messages this test pushes). */
    const sessionConversation = new Map<string, string>();

    /** Pushes a person's message and waits for the bot's first answer to it (by session webhook or OpenAPI). */
    async function answer(what: string, conversationId: string, senderStaffId: string, text: string) {
      const msg = fake.robotMessage({ text, conversationId, senderStaffId });
      const session = new URL(String(msg.sessionWebhook)).searchParams.get('session')!;
      sessionConversation.set(session, conversationId);
      const pushed = Date.now();
      fake.pushCallback(msg);
      const post = await until(what, () => fake.webhookPosts.find((p) => p.session === session), 30_000);
      return { ms: post.at - pushed, at: post.at, text: post.body.text?.content ?? post.body.markdown?.text ?? '' };
    }

    const confirm = await answer('the /令 confirmation', c.commandGroup, c.commander, '/令 今晚22时前完成全县返乡人员排查');
    expect(confirm.text).toMatch(/已发布 指挥部令〔\d{4}〕第1号/);
    expect(confirm.ms, 'the /令 confirmation, ms after the /令').toBeLessThanOrEqual(ANSWER_WITHIN_MS);

    await until('the relay under way', () => relayed().length >= 40, 30_000);
    const progress = await answer('the /进度 answer', c.commandGroup, c.commander, '/进度 1');
    expect(progress.text).toContain('确认进度');
    expect(progress.ms, 'the /进度 answer, ms after the /进度').toBeLessThanOrEqual(ANSWER_WITHIN_MS);

    const ack = await answer('the 收到 answer', GRID_GROUP, GRID_WORKER, '收到');
    expect(ack.text).toMatch(/已确认指挥部令〔\d{4}〕第1号/);
    expect(ack.ms, 'the 收到 answer, ms after the 收到').toBeLessThanOrEqual(ANSWER_WITHIN_MS);
    // all three came while the relay was going out, not after it
    expect(relayed().filter((s) => s.at <= ack.at).length).toBeLessThan(targets.length / 2);

    await until('every group relayed', () => new Set(relayed().map((s) => s.openConversationId)).size === targets.length, 120_000);
    await until('outbox drained', async () => (await a.db.select({ status: outboundMessages.status }).from(outboundMessages)).every((r) => r.status === 'sent'), 30_000);
    expect(relayed()).toHaveLength(targets.length);
    const lanes = await a.db.select({ lane: outboundMessages.lane, replyTo: outboundMessages.replyToInboundId }).from(outboundMessages);
    expect(lanes.filter((r) => r.replyTo !== null).every((r) => r.lane === OUTBOX_LANES.reply)).toBe(true);
    expect(lanes.filter((r) => r.replyTo === null).every((r) => r.lane === OUTBOX_LANES.bulk)).toBe(true);

    // per app: every call DingTalk saw (sends, session-webhook answers, token requests) in any 1 s window
    expect(maxInWindow(fake.apiRequests.map((r) => r.at), 1000)).toBeLessThanOrEqual(20);
    // per group: every message a conversation received (OpenAPI sends and webhook answers) in any sliding minute
    const byConversation = new Map<string, number[]>();
    const note = (cid: string, at: number) => byConversation.set(cid, [...(byConversation.get(cid) ?? []), at]);
    for (const s of fake.sends) note(s.openConversationId, s.at);
    for (const p of fake.webhookPosts) note(sessionConversation.get(p.session) ?? p.session, p.at);
    const worst = [...byConversation].map(([cid, times]) => ({ cid, n: maxInWindow(times, 60_000) })).sort((x, y) => y.n - x.n)[0]!;
    expect(worst.n, `messages to ${worst.cid} in one sliding minute`).toBeLessThanOrEqual(20);
  }, 180_000);
});
