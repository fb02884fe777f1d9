/**
 * Real @-mentions and DING on DingTalk (issue 15, items 2 without cards and 4), with the real dingtalk-stream SDK
 * against the local fake and the demo county:
 * - a reminder to a grid whose member wrote recently goes through that group's session webhook with
 *   `at.atUserIds` = its grid leader and worker — sent by a process that did not receive the member’s message
 *   (the group’s webhook is shared through Redis); a grid with no fresh webhook (one expiring within the margin)
 *   gets the reminder by OpenAPI with the names written in the text, never staff ids; the township escalation
 *   @s the township officers;
 * - with `DINGTALK_DING=app` an urgent lead not accepted within its SLA DINGs its township's officers in-app, and
 *   an urgent directive's county step DINGs the county duty officers; each DING is in the audit log; a DING to
 *   more than 200 people goes as rows of at most 200 receivers (the fake refuses more);
 * - with `DINGTALK_DING` unset nothing is DINGed. `@所有人` never.
 * Durations come from the environment (`TEST_MENTIONS_STEP`, default 2 s between ladder steps and the lead SLA).
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { auditLog, outboundMessages } from '../../src/db/schema/index.js';
import { buildTestApp, testConfig, type TestApp } from '../helpers/app.js';
import { county } from '../helpers/console.js';
import { startPlatformApp, type PlatformApp } from '../helpers/platform.js';
import { until } from '../helpers/wait.js';
import { storeDing } from '../../src/core/ding.js';
import { FakeDingTalk, type FakeWebhookPost } from '../fakes/dingtalk.js';

/** Seconds between two ladder steps, and the urgent lead SLA. */
const STEP_S = Number(process.env.TEST_MENTIONS_STEP ?? 2);
const LEASE_MS = Number(process.env.TEST_LEADER_APP_LEASE_MS ?? 3000);
const c = county();
const G1 = 'T01-V01-G1';
const G2 = 'T01-V01-G2';
const T01 = 'T01';
const nameOf = (id: string) => c.members.find((m) => m.member_id === id)!.name!;
const membersOf = (unitId: string, role: string) => c.members.filter((m) => m.unit_id === unitId && m.role === role).map((m) => m.member_id!);
const officers = membersOf(T01, 'township_officer');
const dutyOfficers = membersOf('C01', 'duty_officer');
const sessionOf = (msg: Record<string, unknown>) => new URL(String(msg.sessionWebhook)).searchParams.get('session')!;
const contentOf = (p: FakeWebhookPost) => p.body.text?.content ?? p.body.markdown?.text ?? '';
/** Every text the bot put in front of people, by webhook or OpenAPI. */
const allTexts = (f: FakeDingTalk) => [...f.webhookPosts.map(contentOf), ...f.sends.map((s) => s.msgParam.content ?? s.msgParam.text ?? '')];
const health = async (app: TestApp) => ((await app.http.inject({ method: 'GET', url: '/healthz' })).json() as { platform: Record<string, unknown> }).platform;

let fake: FakeDingTalk | undefined;
let apps: TestApp[] = [];
let dir: string | undefined;
let running: PlatformApp<'dingtalk'> | undefined;

afterEach(async () => {
  for (const a of apps) await a.stop();
  apps = [];
  await running?.teardown();
  running = undefined;
  await fake?.stop();
  fake = undefined;
  if (dir) rmSync(dir, { recursive: true, force: true });
  dir = undefined;
});

describe('reminders and escalations really @ people', () => {
  it('@s through the group’s session webhook (kept by the process that received, used by another), else names in text; the township escalation @s its officers', async () => {
    const f = (fake = await new FakeDingTalk().start());
    dir = mkdtempSync(join(tmpdir(), 'gridrelay-mentions-'));
    const config = testConfig(dir, {
      ...f.env(),
      DINGTALK_GROUP_RATE: '1000/s',
      DINGTALK_APP_QPS: '1000',
      LEADER_LEASE_MS: String(LEASE_MS),
      LEADER_RENEW_MS: String(Math.floor(LEASE_MS / 3)),
      ACK_REMIND_AFTER: `${STEP_S}s`,
      ACK_ESCALATE_AFTER: `${2 * STEP_S}s`,
      ACK_ESCALATE_COUNTY_AFTER: `${3 * STEP_S}s`,
    });
    const a = await buildTestApp({ config, dir });
    apps.push(a);
    const b = await buildTestApp({ config, dir, roster: false });
    apps.push(b);
    expect(f.openConnections()).toHaveLength(1);

    // the grid's worker and a township officer write to the bot: the leader (a) receives both
    const inGrid = f.robotMessage({ text: '/帮助', conversationId: c.groupOf[G1], senderStaffId: c.memberOf(G1, 'grid_worker') });
    const inRoom = f.robotMessage({ text: '/帮助', conversationId: c.groupOf[T01], senderStaffId: officers[0] });
    // in G2 someone wrote long ago: its webhook expires within the margin, so it must not be used
    const staleG2 = f.robotMessage({ text: '/帮助', conversationId: c.groupOf[G2], senderStaffId: c.memberOf(G2, 'grid_worker'), sessionWebhookExpiredTime: Date.now() + 30_000 });
    const frames = [f.pushCallback(inGrid), f.pushCallback(inRoom), f.pushCallback(staleG2)];
    await until('all acked', () => frames.every((id) => f.acks().includes(id)));
    await until('all answered', () => f.webhookPosts.length >= 2 && f.sends.some((s) => s.openConversationId === c.groupOf[G2]));

    // the leader stops; the other process (b) takes over and does everything from here on
    await a.stop();
    apps = [b];
    await until('b connected', () => f.openConnections().length === 1 && b.adapter.health().ok, LEASE_MS * 5);
    const grids = [G1, G2].map((g) => c.units.find((u) => u.unit_id === g)!.name).join('、');
    f.pushCallback(f.robotMessage({ text: `/令 范围:${grids} 今晚完成返乡人员排查`, conversationId: c.commandGroup, senderStaffId: c.commander }));

    // G1: its member wrote ~now, so its reminder @s the grid leader and worker through G1's session webhook
    const reminder = await until('G1’s reminder by webhook', () => f.webhookPosts.find((p) => p.session === sessionOf(inGrid) && contentOf(p).includes('【提醒】')), 30_000);
    expect(reminder.body.at).toEqual({ atUserIds: [c.memberOf(G1, 'grid_leader'), c.memberOf(G1, 'grid_worker')], isAtAll: false });
    expect(f.sends.some((s) => s.openConversationId === c.groupOf[G1] && JSON.stringify(s.msgParam).includes('【提醒】'))).toBe(false);

    // G2: no webhook valid beyond the margin, so the reminder goes by OpenAPI with the names written out, never staff ids
    const g2 = await until('G2’s reminder by OpenAPI', () => f.sends.find((s) => s.openConversationId === c.groupOf[G2] && s.msgParam.content?.includes('【提醒】')));
    for (const id of [c.memberOf(G2, 'grid_leader'), c.memberOf(G2, 'grid_worker')]) expect(g2.msgParam.content).toContain(`@${nameOf(id)}`);
    expect(g2.msgParam.content).not.toMatch(/staff\d+/);
    expect(f.webhookPosts.some((p) => p.session === sessionOf(staleG2))).toBe(false);

    // the township escalation at the deadline @s the township's officers, through the room's webhook
    const escalation = await until('the room’s escalation', () => f.webhookPosts.find((p) => p.session === sessionOf(inRoom) && contentOf(p).includes('【逾期未确认】')), 30_000);
    expect(escalation.body.at).toEqual({ atUserIds: officers, isAtAll: false });
    expect(contentOf(escalation)).toContain('周家坞村第1、2网格');

    // nothing ever @s everyone
    for (const p of f.webhookPosts) expect(p.body.at?.isAtAll ?? false).toBe(false);
    for (const t of allTexts(f)) expect(t).not.toContain('@所有人');
    expect(await health(b)).toMatchObject({ mentions: { mode: 'session-webhook-or-names' }, ding: { enabled: false } });
    const { mentions } = (await health(b)) as { mentions: { webhookSends: number; namesOnlySends: number } };
    expect(mentions.webhookSends).toBeGreaterThanOrEqual(2);
    expect(mentions.namesOnlySends).toBeGreaterThanOrEqual(1);
  });
});

describe('DING', () => {
  async function start(env: Record<string, string>): Promise<TestApp> {
    running = await startPlatformApp({
      platform: 'dingtalk',
      env: {
        LEAD_URGENT_ACCEPT_SLA: `${STEP_S}s`,
        ACK_REMIND_AFTER: `${STEP_S}s`,
        ACK_ESCALATE_AFTER: `${2 * STEP_S}s`,
        ACK_ESCALATE_COUNTY_AFTER: `${3 * STEP_S}s`,
        ...env,
      },
    });
    return running.app;
  }

  /** A grid worker of G1 reports an urgent lead; @returns its number (`20260129-007`). */
  async function urgentLead(f: FakeDingTalk): Promise<string> {
    f.pushCallback(f.robotMessage({ text: '/上报 老人高烧不退 紧急:是', conversationId: c.groupOf[G1], senderStaffId: c.memberOf(G1, 'grid_worker') }));
    const answer = await until('the lead accepted', () => f.webhookPosts.map(contentOf).find((t) => /线索 \d{8}-\d{3}/.test(t)));
    return /线索 (\d{8}-\d{3})/.exec(answer)![1]!;
  }

  /** The commander issues an urgent directive to G1 and G2 (and their township room). */
  function urgentDirective(f: FakeDingTalk): void {
    const grids = [G1, G2].map((g) => c.units.find((u) => u.unit_id === g)!.name).join('、');
    f.pushCallback(f.robotMessage({ text: `/令 紧急:是 范围:${grids} 立即排查`, conversationId: c.commandGroup, senderStaffId: c.commander }));
  }

  it('with DINGTALK_DING=app: an urgent lead past its SLA DINGs the township officers, an urgent directive’s county step the duty officers; each DING audited', async () => {
    const a = await start({ DINGTALK_DING: 'app' });
    const f = running!.fake;
    const lead = await urgentLead(f);
    // the room is told with its officers' names (nobody wrote there: no webhook to @ with)
    const room = await until('the lead in the room', () => f.sends.find((s) => s.openConversationId === c.groupOf[T01] && s.msgParam.content?.includes(`线索 ${lead}`)));
    for (const id of officers) expect(room.msgParam.content).toContain(`@${nameOf(id)}`);
    expect(room.msgParam.content).not.toMatch(/staff\d+/);

    const ding = await until('the lead’s DING', () => f.dings.find((d) => d.content.includes(lead)), 30_000);
    expect(ding).toMatchObject({ robotCode: f.clientId, remindType: 1 });
    expect([...ding.receiverUserIdList].sort()).toEqual([...officers].sort());
    expect(ding.content).toContain('仍未受理');
    await until('the lead’s DING audited', async () => (await a.db.select().from(auditLog)).some((r) => r.action === 'ding' && r.subject === `线索 ${lead}`));
    const audited = (await a.db.select().from(auditLog)).find((r) => r.action === 'ding' && r.subject === `线索 ${lead}`)!;
    expect(audited).toMatchObject({ actorId: 'system', detail: { receivers: ding.receiverUserIdList, platformRef: ding.openDingId } });

    urgentDirective(f);
    const county = await until('the county step’s DING', () => f.dings.find((d) => d.content.includes('值班员')), 30_000);
    expect([...county.receiverUserIdList].sort()).toEqual([...dutyOfficers].sort());
    expect(county.content).toContain('未确认');
    await until('the county DING audited', async () => (await a.db.select().from(auditLog)).some((r) => r.action === 'ding' && r.subject.includes('指挥部令')));
    // the roll-up itself still goes to the command group
    expect(f.sends.some((s) => s.openConversationId === c.commandGroup && s.msgParam.content?.includes('【超时未确认汇总】'))).toBe(true);

    expect(f.refusedDings).toHaveLength(0);
    for (const p of f.webhookPosts) expect(p.body.at?.isAtAll ?? false).toBe(false);
    expect(await health(a)).toMatchObject({ ding: { enabled: true } });
  });

  it('a DING to more than 200 people is stored as messages of at most 200 receivers, each sent once and audited', async () => {
    const a = await start({ DINGTALK_DING: 'app' });
    const f = running!.fake;
    const everyone = c.members.filter((m) => m.role === 'grid_worker').slice(0, 450).map((m) => m.member_id!);
    expect(everyone).toHaveLength(450);
    const ding = { conversationId: c.commandGroup, text: '【演示】全员DING', receivers: everyone, subject: '演示', dedupKey: 'test-ding-450' };
    expect(await storeDing(a.deps, a.db, ding)).toBe(3);
    expect(await storeDing(a.deps, a.db, ding)).toBe(0); // stored once
    await a.outbox.flush();
    await until('three DINGs', () => f.dings.length === 3);
    await until('three audited', async () => (await a.db.select().from(auditLog)).filter((r) => r.action === 'ding').length === 3);
    expect(f.dings.map((d) => d.receiverUserIdList.length).sort((x, y) => x - y)).toEqual([50, 200, 200]);
    expect(f.dings.flatMap((d) => d.receiverUserIdList).sort()).toEqual([...everyone].sort());
    expect(f.refusedDings).toHaveLength(0);
    await new Promise((r) => setTimeout(r, 300));
    expect(f.dings).toHaveLength(3);
  });

  it('with DINGTALK_DING unset nothing is DINGed: the SLA notice and the roll-up still go, no DING row, no DING call, no audit entry', async () => {
    const a = await start({});
    const f = running!.fake;
    const lead = await urgentLead(f);
    await until('the SLA notice to the command group', () => f.sends.find((s) => s.openConversationId === c.commandGroup && s.msgParam.content?.includes(`线索 ${lead}`)), 30_000);
    urgentDirective(f);
    await until('the roll-up', () => f.sends.find((s) => s.openConversationId === c.commandGroup && s.msgParam.content?.includes('【超时未确认汇总】')), 30_000);
    await a.inbox.idle();
    expect(f.dings).toHaveLength(0);
    expect((await a.db.select().from(outboundMessages)).filter((r) => r.actions?.some((x) => x.kind === 'ding'))).toHaveLength(0);
    expect((await a.db.select().from(auditLog)).filter((r) => r.action === 'ding')).toHaveLength(0);
    expect(await health(a)).toMatchObject({ ding: { enabled: false, calls: 0 } });
  });
});
