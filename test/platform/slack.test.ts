/**
 * The Slack adapter: real Bolt (HTTP receiver on gridrelay's server, signatures checked) with its Web API
 * client pointed at the local fake Slack.
 */
import { eq } from 'drizzle-orm';
import { afterEach, describe, expect, it } from 'vitest';
import { inboundMessages, outboundMessages } from '../../src/db/schema/index.js';
import type { TestApp } from '../helpers/app.js';
import { county } from '../helpers/console.js';
import { startPlatformApp, type PlatformApp } from '../helpers/platform.js';
import { until } from '../helpers/wait.js';
import type { FakeSlack } from '../fakes/slack.js';

const GRID_GROUP = 'cidVDAxLVYwMS1HMS1ncmlk';
const GRID_WORKER = 'staff00048';

let fake: FakeSlack;
let running: PlatformApp<'slack'> | undefined;

async function start(env: Record<string, string> = {}): Promise<TestApp> {
  running = await startPlatformApp({ platform: 'slack', env });
  fake = running.fake;
  return running.app;
}

async function deliver(a: TestApp, body: string, contentType: string, extra: Record<string, string> = {}) {
  return a.http.inject({
    method: 'POST',
    url: '/slack/events',
    payload: body,
    headers: { 'content-type': contentType, ...fake.sign(body), ...extra },
  });
}

afterEach(async () => {
  await running?.teardown();
  running = undefined;
});

describe('slack', () => {
  it('verifies the bot token with auth.test at start and reports healthy', async () => {
    const a = await start();
    expect(fake.authTests.length).toBeGreaterThanOrEqual(1);
    expect(a.adapter.name).toBe('slack');
    expect(a.adapter.health()).toMatchObject({ ok: true, mode: 'http' });
  });

  it('an @-mention reaches the core (mention stripped) and the answer is posted to the channel', async () => {
    const a = await start();
    const ev = fake.mentionEvent(GRID_GROUP, GRID_WORKER, '/帮助');
    const r = await deliver(a, ev.body, 'application/json');
    expect(r.statusCode).toBe(200);
    const row = a.db.select().from(inboundMessages).get();
    expect(row).toMatchObject({ platform: 'slack', platformMsgId: `${GRID_GROUP}:${ev.ts}`, senderId: GRID_WORKER, text: '/帮助' });
    const post = await until('the answer', () => fake.posts.find((p) => p.channel === GRID_GROUP));
    expect(post.text).toContain('可用指令');
  });

  it('a retried event (x-slack-retry-num) is processed once', async () => {
    const a = await start();
    const ev = fake.mentionEvent(GRID_GROUP, GRID_WORKER, '/帮助');
    expect((await deliver(a, ev.body, 'application/json')).statusCode).toBe(200);
    expect((await deliver(a, ev.body, 'application/json', { 'x-slack-retry-num': '1', 'x-slack-retry-reason': 'http_timeout' })).statusCode).toBe(200);
    await until('the answer', () => fake.posts.length >= 1);
    await a.inbox.idle();
    await new Promise((r) => setTimeout(r, 300));
    expect(a.db.select().from(inboundMessages).all()).toHaveLength(1);
    expect(fake.posts).toHaveLength(1);
  });

  it('refuses a request with a bad signature and stores nothing', async () => {
    const a = await start();
    const ev = fake.mentionEvent(GRID_GROUP, GRID_WORKER, '/帮助');
    const r = await a.http.inject({ method: 'POST', url: '/slack/events', payload: ev.body, headers: { 'content-type': 'application/json', ...fake.sign(ev.body, 'wrong-secret') } });
    expect(r.statusCode).toBe(401);
    expect(a.db.select().from(inboundMessages).all()).toHaveLength(0);
  });

  it('answers Slack’s url_verification challenge', async () => {
    const a = await start();
    const body = JSON.stringify({ type: 'url_verification', challenge: 'abc123', token: 'legacy' });
    const r = await deliver(a, body, 'application/json');
    expect(r.json()).toEqual({ challenge: 'abc123' });
  });

  it('/directive (slash command) is acked at once, issues 指挥部令 and relays it; a grid acknowledges by @-mention', async () => {
    const a = await start();
    const c = county();
    const t0 = Date.now();
    const r = await deliver(a, fake.slashCommand('/directive', c.commandGroup, c.commander, '今晚20时前上报返乡人员'), 'application/x-www-form-urlencoded');
    expect(r.statusCode).toBe(200);
    expect(Date.now() - t0).toBeLessThan(3000);
    expect(a.db.select().from(inboundMessages).get()?.text).toBe('/令 今晚20时前上报返乡人员');

    const confirm = await until('the confirmation', () => fake.posts.find((p) => p.channel === c.commandGroup));
    expect(confirm.text).toMatch(/已发布 指挥部令〔\d{4}〕第1号/);
    const relay = await until('the relay to a grid', () => fake.posts.find((p) => p.channel === GRID_GROUP), 30_000);
    expect(relay.text).toContain('今晚20时前上报返乡人员');

    const ev = fake.mentionEvent(GRID_GROUP, GRID_WORKER, '收到');
    expect((await deliver(a, ev.body, 'application/json')).statusCode).toBe(200);
    const ack = await until('the acknowledgement', () => fake.posts.find((p) => p.channel === GRID_GROUP && p.text.includes('已确认')), 30_000);
    expect(ack.text).toContain('周家坞村第1网格');
  });

  it('a post to a channel the bot cannot reach is marked failed, not retried forever', async () => {
    const a = await start();
    fake.failChannel.set('CGONE', 'channel_not_found');
    const id = (await a.outbox.store(a.db, { conversationId: 'CGONE', text: '发不出去', dedupKey: 'gone' }))!;
    await a.outbox.flush();
    const row = await until('failed', () => {
      const r = a.db.select().from(outboundMessages).where(eq(outboundMessages.id, id)).get();
      return r?.status === 'failed' ? r : null;
    });
    expect(row.error).toMatch(/channel_not_found/);
  });
});

describe('slack acknowledgement button', () => {
  it('a relayed directive carries a 收到 button; a click acknowledges for that grid, once', async () => {
    const a = await start();
    const c = county();
    await deliver(a, fake.slashCommand('/directive', c.commandGroup, c.commander, '今晚完成排查'), 'application/x-www-form-urlencoded');
    const relay = await until('the relay to a grid', () => fake.posts.find((p) => p.channel === GRID_GROUP), 30_000);
    const button = relay.blocks?.flatMap((b) => b.elements ?? []).find((e) => e.type === 'button');
    expect(button).toMatchObject({ action_id: 'gridrelay_ack', value: '/收到 令1', text: { text: '收到' } });
    expect(relay.text).toContain('今晚完成排查');
    // the confirmation to the issuer is not a relay: no button
    const confirm = await until('the confirmation', () => fake.posts.find((p) => p.channel === c.commandGroup));
    expect(confirm.blocks).toBeUndefined();

    const click = fake.blockAction(GRID_GROUP, GRID_WORKER, relay.ts, button!.action_id!, button!.value!);
    const t0 = Date.now();
    const r = await deliver(a, click.body, 'application/x-www-form-urlencoded');
    expect(r.statusCode).toBe(200);
    expect(Date.now() - t0).toBeLessThan(3000);
    // the same payload again (a redelivery) is stored once
    expect((await deliver(a, click.body, 'application/x-www-form-urlencoded')).statusCode).toBe(200);
    const ack = await until('the acknowledgement', () => fake.posts.find((p) => p.channel === GRID_GROUP && p.text.includes('已确认')), 30_000);
    expect(ack.text).toContain('周家坞村第1网格已确认指挥部令');
    const rows = a.db.select().from(inboundMessages).all().filter((m) => m.conversationId === GRID_GROUP);
    expect(rows).toHaveLength(1);
    expect(rows[0]).toMatchObject({ senderId: GRID_WORKER, text: '/收到 令1', platformMsgId: `act:${click.triggerId}` });

    // the commander's progress shows the grid as acknowledged
    await deliver(a, fake.slashCommand('/progress', c.commandGroup, c.commander, '1'), 'application/x-www-form-urlencoded');
    const progress = await until('progress', () => fake.posts.find((p) => p.channel === c.commandGroup && p.text.includes('确认进度')), 30_000);
    expect(progress.text).toMatch(/网格：1\/747/);
  });

  it('a notice sent without receipt (回执:否) has no button', async () => {
    const a = await start();
    const c = county();
    await deliver(a, fake.slashCommand('/notice', c.commandGroup, c.commander, '明日例会取消 回执:否'), 'application/x-www-form-urlencoded');
    const relay = await until('the relay to a grid', () => fake.posts.find((p) => p.channel === GRID_GROUP), 30_000);
    expect(relay.text).toContain('明日例会取消');
    expect(relay.blocks).toBeUndefined();
  });
});
