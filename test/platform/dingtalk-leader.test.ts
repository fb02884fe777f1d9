/**
 * Two gridrelay apps on one database file and one Redis prefix (two processes of one deployment), both
 * on the same local fake DingTalk: only the leader (src/jobs/leader.ts) opens the Stream connection —
 * DingTalk allows one per app — while both send; when the leader stops, the other opens it.
 * Lease durations come from the environment (`TEST_LEADER_APP_LEASE_MS`, default 3000 ms, renewed every
 * third of it): two apps share this test's one event loop, so the lease is longer than the unit tests'.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { inboundMessages } from '../../src/db/schema/index.js';
import { buildTestApp, testConfig, type TestApp } from '../helpers/app.js';
import { until } from '../helpers/wait.js';
import { FakeDingTalk } from '../fakes/dingtalk.js';

const LEASE_MS = Number(process.env.TEST_LEADER_APP_LEASE_MS ?? 3000);
const RENEW_MS = Math.floor(LEASE_MS / 3);
/** Timer and polling slack on a shared, loaded machine. */
const SLACK_MS = Number(process.env.TEST_LEADER_SLACK_MS ?? 500);
const GRID_GROUP = 'cidVDAxLVYwMS1HMS1ncmlk';
const GRID_WORKER = 'staff00048';

interface Health {
  status: string;
  role: 'leader' | 'follower';
  holder: string | null;
  self: string;
  platform: { ok: boolean; state: string };
}
const health = async (app: TestApp): Promise<Health> => (await app.http.inject({ method: 'GET', url: '/healthz' })).json() as Health;

let fake: FakeDingTalk | undefined;
let apps: TestApp[] = [];
let dir: string | undefined;

afterEach(async () => {
  for (const a of apps) await a.stop();
  apps = [];
  await fake?.stop();
  fake = undefined;
  if (dir) rmSync(dir, { recursive: true, force: true });
  dir = undefined;
});

describe('two apps, one DingTalk app: the leader holds the Stream connection', () => {
  it('only the leader connects; both send; when the leader stops, the other connects and receives', async () => {
    const f = (fake = await new FakeDingTalk().start());
    dir = mkdtempSync(join(tmpdir(), 'gridrelay-leader-'));
    const config = testConfig(dir, {
      ...f.env(),
      DINGTALK_GROUP_RATE: '1000/s',
      DINGTALK_APP_QPS: '1000',
      LEADER_LEASE_MS: String(LEASE_MS),
      LEADER_RENEW_MS: String(RENEW_MS),
    });
    const a = await buildTestApp({ config, dir });
    apps.push(a);
    // a lone app is leader as soon as it has started: no wait for a renew interval
    expect(f.openConnections()).toHaveLength(1);
    const b = await buildTestApp({ config, dir, roster: false });
    apps.push(b);

    const [ha, hb] = [await health(a), await health(b)];
    expect(ha).toMatchObject({ status: 'ok', role: 'leader', holder: ha.self, platform: { ok: true, state: 'connected' } });
    expect(hb).toMatchObject({ status: 'ok', role: 'follower', holder: ha.self, platform: { ok: true, state: 'standby' } });
    expect(hb.self).not.toBe(ha.self);

    // a few renew intervals later: still the one connection, and the follower never asked for a ticket
    await new Promise((r) => setTimeout(r, RENEW_MS * 3));
    expect(f.openConnections()).toHaveLength(1);
    expect(f.connections).toHaveLength(1);
    expect(f.ticketRequests).toHaveLength(1);

    // the follower sends (OpenAPI) like the leader
    await b.outbox.store(b.db, { conversationId: GRID_GROUP, text: '来自第二个进程', dedupKey: 'leader-test-b' });
    await b.outbox.flush();
    await until('the follower’s send', () => f.sends.some((s) => s.msgParam.content === '来自第二个进程'));

    // the leader stops (gives the lease back): the follower takes over and opens the connection
    await a.stop();
    apps = [b];
    const stoppedAt = Date.now();
    expect(f.openConnections()).toHaveLength(0);
    await until('the follower elected', async () => (await health(b)).role === 'leader', LEASE_MS * 5);
    const electedMs = Date.now() - stoppedAt;
    await until('its stream connection', () => f.openConnections().length === 1 && b.adapter.health().ok, LEASE_MS * 5);
    const connectedMs = Date.now() - stoppedAt;
    console.info(`dingtalk leader takeover after a stop: elected ${electedMs} ms, connected ${connectedMs} ms (lease ${LEASE_MS} ms, renew ${RENEW_MS} ms)`);
    expect(electedMs).toBeLessThanOrEqual(RENEW_MS + SLACK_MS);
    expect(f.connections).toHaveLength(2);
    expect(await health(b)).toMatchObject({ status: 'ok', role: 'leader', holder: hb.self, platform: { state: 'connected' } });

    // and receives: a message is acked on the new connection and stored in the shared database
    const frame = f.pushCallback(f.robotMessage({ text: '/帮助', senderStaffId: GRID_WORKER }));
    await until('the ack', () => f.acks().includes(frame));
    expect(f.connections[1]!.received.some((m) => m.headers?.messageId === frame)).toBe(true);
    expect(b.db.select().from(inboundMessages).all().map((m) => m.text)).toContain('/帮助');
  });
});
