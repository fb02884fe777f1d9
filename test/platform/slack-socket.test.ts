/**
 * Slack in Socket Mode against the local fake: apps.connections.open → ws:// on the fake → hello →
 * envelopes. The bot acks each envelope only after the message is stored, answers by chat.postMessage,
 * and processes a redelivered envelope once.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { inboundMessages } from '../../src/db/schema/index.js';
import type { TestApp } from '../helpers/app.js';
import { county } from '../helpers/console.js';
import { startPlatformApp, type PlatformApp } from '../helpers/platform.js';
import { until } from '../helpers/wait.js';
import type { FakeSlack } from '../fakes/slack.js';

const GRID_GROUP = 'cidVDAxLVYwMS1HMS1ncmlk';
const GRID_WORKER = 'staff00048';

let fake: FakeSlack;
let running: PlatformApp<'slack-socket'> | undefined;

afterEach(async () => {
  await running?.teardown();
  running = undefined;
});

async function start(): Promise<TestApp> {
  running = await startPlatformApp({ platform: 'slack-socket' });
  fake = running.fake;
  return running.app;
}

const stored = (a: TestApp) => a.db.select().from(inboundMessages).all();

describe('slack socket mode', () => {
  it('connects through apps.connections.open with the app token, and reports socket mode', async () => {
    const a = await start();
    expect(fake.connectionOpens.length).toBeGreaterThanOrEqual(1);
    expect(a.adapter.health()).toMatchObject({ ok: true, mode: 'socket', socket: { connected: true } });
    // no HTTP receiver in socket mode
    expect((await a.http.inject({ method: 'POST', url: '/slack/events', payload: '{}' })).statusCode).toBe(404);
  });

  it('an events_api envelope is stored and acked, answered by chat.postMessage, and a redelivery is processed once', async () => {
    const a = await start();
    const ev = fake.mentionEvent(GRID_GROUP, GRID_WORKER, '/帮助');
    const envelope = fake.pushEnvelope('events_api', JSON.parse(ev.body));
    await until('the ack', () => fake.envelopeAcks.find((x) => x.envelopeId === envelope));
    expect(stored(a)[0]).toMatchObject({ platform: 'slack', platformMsgId: `${GRID_GROUP}:${ev.ts}`, senderId: GRID_WORKER, text: '/帮助' });
    const post = await until('the answer', () => fake.posts.find((p) => p.channel === GRID_GROUP));
    expect(post.text).toContain('可用指令');

    const again = fake.pushEnvelope('events_api', JSON.parse(ev.body), { retryAttempt: 1 });
    await until('the second ack', () => fake.envelopeAcks.find((x) => x.envelopeId === again));
    await a.inbox.idle();
    await new Promise((r) => setTimeout(r, 300));
    expect(stored(a)).toHaveLength(1);
    expect(fake.posts.filter((p) => p.channel === GRID_GROUP)).toHaveLength(1);
  });

  it('an envelope that cannot be stored is not acked (Slack redelivers); the redelivery is stored and acked', async () => {
    const a = await start();
    const accept = a.inbox.accept.bind(a.inbox);
    a.inbox.accept = () => {
      throw new Error('disk full');
    };
    const ev = fake.mentionEvent(GRID_GROUP, GRID_WORKER, '/帮助');
    const first = fake.pushEnvelope('events_api', JSON.parse(ev.body));
    await until('the failure seen', () => (a.adapter.health() as { socket?: { failed: number } }).socket?.failed === 1);
    await new Promise((r) => setTimeout(r, 300));
    expect(fake.envelopeAcks.map((x) => x.envelopeId)).not.toContain(first);
    expect(stored(a)).toHaveLength(0);

    a.inbox.accept = accept;
    const retry = fake.pushEnvelope('events_api', JSON.parse(ev.body), { retryAttempt: 1 });
    await until('the ack of the redelivery', () => fake.envelopeAcks.find((x) => x.envelopeId === retry));
    expect(stored(a)).toHaveLength(1);
    await until('the answer', () => fake.posts.find((p) => p.channel === GRID_GROUP));
  });

  it('the 收到 button works over the socket too (interactive envelope)', async () => {
    const a = await start();
    const c = county();
    fake.pushEnvelope('events_api', JSON.parse(fake.mentionEvent(c.commandGroup, c.commander, '/令 范围:清溪街道 今晚完成排查').body));
    const relay = await until('the relay', () => fake.posts.find((p) => p.channel === GRID_GROUP && p.blocks), 30_000);
    const button = relay.blocks!.flatMap((b) => b.elements ?? [])[0]!;
    const click = fake.blockAction(GRID_GROUP, GRID_WORKER, relay.ts, button.action_id!, button.value!);
    const envelope = fake.pushEnvelope('interactive', click.payload);
    await until('the ack', () => fake.envelopeAcks.find((x) => x.envelopeId === envelope));
    const ack = await until('the acknowledgement', () => fake.posts.find((p) => p.channel === GRID_GROUP && p.text.includes('已确认')), 30_000);
    expect(ack.text).toContain('周家坞村第1网格已确认指挥部令');
    expect(stored(a).find((m) => m.conversationId === GRID_GROUP)?.text).toBe('/收到 令1');
  });
});
