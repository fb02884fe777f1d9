/**
 * One conformance suite × 3 adapters (ARCHITECTURE.md: test/platform/): the same checks against the
 * console, the DingTalk adapter (real SDK, local fake DingTalk) and the Slack adapter (real Bolt, local
 * fake Slack; HTTP receiver and Socket Mode). Each driver delivers a message the way its platform does and reads what the bot posted.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { inboundMessages } from '../../src/db/schema/index.js';
import { buildTestApp, type TestApp } from '../helpers/app.js';
import { outbound, say } from '../helpers/console.js';
import { until } from '../helpers/wait.js';
import { FakeDingTalk } from '../fakes/dingtalk.js';
import { FakeSlack } from '../fakes/slack.js';

const GRID_GROUP = 'cidVDAxLVYwMS1HMS1ncmlk';
const GRID_WORKER = 'staff00048';
const OTHER_GROUP = 'cidVDAxLVYwMS1HMi1ncmlk';

interface Driver {
  app: TestApp;
  /** Delivers `text` from `sender` in `conversationId`, `times` times as the same platform message (a redelivery). */
  deliver(conversationId: string, sender: string, text: string, times: number): Promise<void>;
  /** Texts the bot has posted in `conversationId`, in order. */
  posts(conversationId: string): Promise<string[]>;
  stop(): Promise<void>;
}

async function consoleDriver(): Promise<Driver> {
  const app = await buildTestApp();
  let n = 0;
  return {
    app,
    async deliver(cid, sender, text, times) {
      const msgId = `conf-${process.pid}-${++n}`;
      for (let i = 0; i < times; i++) expect((await say(app.http, cid, sender, text, msgId)).status).toBe(202);
    },
    posts: async (cid) => (await outbound(app.http, cid)).map((m) => m.text),
    stop: () => app.close(),
  };
}

async function dingtalkDriver(): Promise<Driver> {
  const fake = await new FakeDingTalk().start();
  const app = await buildTestApp({ env: { ...fake.env(), DINGTALK_GROUP_RATE: '1000/s', DINGTALK_APP_QPS: '1000' } });
  await until('a stream connection', () => fake.openConnections().length === 1 && app.adapter.health().ok);
  const sessionConv = new Map<string, string>();
  return {
    app,
    async deliver(cid, sender, text, times) {
      const msg = fake.robotMessage({ text, conversationId: cid, senderStaffId: sender });
      sessionConv.set(new URL(String(msg.sessionWebhook)).searchParams.get('session')!, cid);
      for (let i = 0; i < times; i++) {
        const frame = fake.pushCallback(msg);
        await until('the frame ack', () => fake.acks().includes(frame));
      }
    },
    async posts(cid) {
      const replies = fake.webhookPosts.filter((p) => sessionConv.get(p.session) === cid).map((p) => ({ at: p.at, text: p.body.text?.content ?? p.body.markdown?.text ?? '' }));
      const sends = fake.sends.filter((s) => s.openConversationId === cid).map((s) => ({ at: s.at, text: s.msgParam.content ?? s.msgParam.text ?? '' }));
      return [...replies, ...sends].sort((a, b) => a.at - b.at).map((p) => p.text);
    },
    async stop() {
      await app.close();
      await fake.stop();
    },
  };
}

async function slackDriver(): Promise<Driver> {
  const fake = await new FakeSlack().start();
  const app = await buildTestApp({ env: fake.env() });
  return {
    app,
    async deliver(cid, sender, text, times) {
      const ev = fake.mentionEvent(cid, sender, text);
      for (let i = 0; i < times; i++) {
        const retry: Record<string, string> = i ? { 'x-slack-retry-num': String(i), 'x-slack-retry-reason': 'http_timeout' } : {};
        const r = await app.http.inject({ method: 'POST', url: '/slack/events', payload: ev.body, headers: { 'content-type': 'application/json', ...fake.sign(ev.body), ...retry } });
        expect(r.statusCode).toBe(200);
      }
    },
    posts: async (cid) => fake.posts.filter((p) => p.channel === cid).map((p) => p.text),
    async stop() {
      await app.close();
      await fake.stop();
    },
  };
}

async function slackSocketDriver(): Promise<Driver> {
  const fake = await new FakeSlack().start();
  const app = await buildTestApp({ env: fake.socketEnv() });
  await until('a socket', () => fake.sockets.some((s) => s.open));
  return {
    app,
    async deliver(cid, sender, text, times) {
      const ev = fake.mentionEvent(cid, sender, text);
      for (let i = 0; i < times; i++) {
        const envelope = fake.pushEnvelope('events_api', JSON.parse(ev.body), { retryAttempt: i });
        await until('the envelope ack', () => fake.envelopeAcks.some((x) => x.envelopeId === envelope));
      }
    },
    posts: async (cid) => fake.posts.filter((p) => p.channel === cid).map((p) => p.text),
    async stop() {
      await app.close();
      await fake.stop();
    },
  };
}

const DRIVERS: [string, () => Promise<Driver>][] = [
  ['console', consoleDriver],
  ['dingtalk', dingtalkDriver],
  ['slack (HTTP)', slackDriver],
  ['slack (Socket Mode)', slackSocketDriver],
];

describe.each(DRIVERS)('platform conformance: %s', (_name, make) => {
  let d: Driver | undefined;
  afterEach(async () => {
    await d?.stop();
    d = undefined;
  });

  it('stores a command delivered twice once, and answers it once in the same conversation', async () => {
    d = await make();
    await d.deliver(GRID_GROUP, GRID_WORKER, '/帮助', 2);
    await until('the answer', async () => (await d!.posts(GRID_GROUP)).some((t) => t.includes('可用指令')));
    await d.app.inbox.idle();
    await new Promise((r) => setTimeout(r, 500));
    expect(d.app.db.select().from(inboundMessages).all()).toHaveLength(1);
    expect((await d.posts(GRID_GROUP)).filter((t) => t.includes('可用指令'))).toHaveLength(1);
    expect(await d.posts(OTHER_GROUP)).toEqual([]);
  });

  it('answers a refusal in the conversation it came from', async () => {
    d = await make();
    await d.deliver(GRID_GROUP, GRID_WORKER, '/令 越权下发', 1);
    const answer = await until('the refusal', async () => (await d!.posts(GRID_GROUP))[0]);
    expect(answer).toMatch(/不能使用 \/令/);
    expect(d.app.db.select().from(inboundMessages).all()).toHaveLength(1);
  });

  it('delivers a proactive message to the right conversation only', async () => {
    d = await make();
    d.app.outbox.store(d.app.db, { conversationId: OTHER_GROUP, text: '主动通知：今晚例行巡查', dedupKey: 'conformance-proactive' });
    await d.app.outbox.flush();
    await until('the post', async () => (await d!.posts(OTHER_GROUP)).includes('主动通知：今晚例行巡查'));
    expect(await d.posts(GRID_GROUP)).toEqual([]);
  });
});
