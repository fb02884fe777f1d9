/**
 * DingTalk interactive cards (issue 15, item 1, and the card parts of items 2 and 5), with the real dingtalk-stream
 * SDK against the local fake DingTalk and the demo county: relays as cards within the app QPS (one card per item,
 * revision and group, a retry never a second card), the 收到 button pressed (counted once, answered "already",
 * refused for a member of another unit — each answer an update of the pressed card, private and public), a
 * reminder card that really @s the grid's leader and worker, amend and revoke updating the old cards, and text
 * when no template id is set.
 */
import { readFileSync } from 'node:fs';
import { eq } from 'drizzle-orm';
import { afterEach, describe, expect, it } from 'vitest';
import { acknowledgements, inboundMessages, outboundMessages } from '../../src/db/schema/index.js';
import { splitOutboxExtra, type OutboundMessage } from '../../src/core/message.js';
import { CARD_VARS } from '../../src/platform/dingtalk/cards.js';
import type { TestApp } from '../helpers/app.js';
import { county } from '../helpers/console.js';
import { startPlatformApp, type PlatformApp } from '../helpers/platform.js';
import { maxInWindow, until } from '../helpers/wait.js';
import type { FakeCard, FakeDingTalk } from '../fakes/dingtalk.js';

const TEMPLATE = 'synthetic-template-0001.schema';
const GRID_GROUP = 'cidVDAxLVYwMS1HMS1ncmlk'; // 周家坞村第1网格群
const GRID_WORKER = 'staff00048';
const OTHER_GROUP = 'cidVDAxLVYwMS1HMi1ncmlk'; // 周家坞村第2网格群
const TOWNSHIP_ROOM = 'cidVDAxLXJvb20'; // 清溪街道综合信息指挥室, the township of GRID_GROUP

const c = county();
const unitOf = (cid: string) => c.groups.find((g) => g.conversation_id === cid)!.unit_id!;

let running: PlatformApp<'dingtalk'> | undefined;
let fake: FakeDingTalk;

async function start(env: Record<string, string> = {}, cards = true): Promise<TestApp> {
  running = await startPlatformApp({ platform: 'dingtalk', env: { ...(cards ? { DINGTALK_CARD_TEMPLATE_ID: TEMPLATE } : {}), ...env } });
  fake = running.fake;
  return running.app;
}

afterEach(async () => {
  await running?.teardown();
  running = undefined;
});

/** Pushes `text` from `sender` in `cid` as a robot message; resolves once the frame is acked. @returns the session id of its webhook */
async function say(cid: string, sender: string, text: string): Promise<string> {
  const msg = fake.robotMessage({ text, conversationId: cid, senderStaffId: sender });
  const frame = fake.pushCallback(msg);
  await until('the frame ack', () => fake.acks().includes(frame));
  return new URL(String(msg.sessionWebhook)).searchParams.get('session')!;
}

/** The webhook answer to the message of `session`. */
const answerTo = (session: string) => until(`the answer (${session})`, () => fake.webhookPosts.find((p) => p.session === session)?.body.text?.content, 30_000);

/** The first card in `cid` whose title or content matches `pred`. */
const cardIn = (cid: string, what: string, pred: (card: FakeCard) => boolean = () => true) => until(what, () => fake.cardsIn(cid).find(pred), 30_000);

/** Presses the card's 收到 button as `userId` and waits until the frame is answered. @returns the frame's messageId */
async function press(card: FakeCard, userId: string, messageId?: string): Promise<string> {
  const answered = (id: string) => fake.acks().filter((x) => x === id).length;
  const before = messageId ? answered(messageId) : 0;
  const id = fake.pushCardCallback(card.outTrackId, userId, messageId);
  await until('the card callback answered', () => answered(id) > before);
  return id;
}

/** `/令 范围:周家坞村第1网格 …` from the commander; resolves with the relay card in the grid group. */
async function issueScoped(text = '今晚完成返乡人员排查'): Promise<FakeCard> {
  await answerTo(await say(c.commandGroup, c.commander, `/令 范围:周家坞村第1网格 ${text}`));
  return cardIn(GRID_GROUP, 'the relay card', (k) => k.params.content?.includes(text) ?? false);
}

describe('dingtalk cards: relays', () => {
  it('a county-wide /令 goes out as 762 cards, one per group, within the app QPS; /healthz says cards are on', async () => {
    const a = await start({ DINGTALK_APP_QPS: '100' });
    const targets = c.groups.filter((g) => g.conversation_id !== c.commandGroup).map((g) => g.conversation_id!);
    expect(targets).toHaveLength(762);
    const confirm = await answerTo(await say(c.commandGroup, c.commander, '/令 今晚22时前完成全县返乡人员排查'));
    expect(confirm).toMatch(/已发布 指挥部令〔\d{4}〕第1号/);
    await until('every group has its card', () => new Set(fake.cards.map((k) => k.openConversationId)).size === targets.length, 60_000);
    await until('outbox drained', () => a.db.select().from(outboundMessages).all().every((r) => r.status === 'sent'), 30_000);

    expect(fake.cards).toHaveLength(targets.length);
    expect(new Set(fake.cards.map((k) => k.openConversationId))).toEqual(new Set(targets));
    expect(new Set(fake.cards.map((k) => k.outTrackId)).size).toBe(targets.length);
    expect(fake.sends.filter((s) => JSON.stringify(s.msgParam).includes('全县返乡人员排查'))).toHaveLength(0);
    const card = fake.cardsIn(GRID_GROUP)[0]!;
    expect(card.body).toMatchObject({
      cardTemplateId: TEMPLATE,
      callbackType: 'STREAM',
      openSpaceId: `dtv1.card//IM_GROUP.${GRID_GROUP}`,
      imGroupOpenDeliverModel: { robotCode: fake.clientId },
      userIdType: 1,
    });
    expect(card.outTrackId).toMatch(/^[0-9a-z]{1,64}$/);
    expect(card.params.title).toMatch(/^指挥部令〔\d{4}〕第1号$/);
    expect(card.params.content).toContain('今晚22时前完成全县返乡人员排查');
    expect(card.params).toMatchObject({ status: '待确认', button_show: 'true', button_text: '收到', command: '/收到 令1', conversation: GRID_GROUP });
    expect(card.params.deadline).toMatch(/\d\d:\d\d/);
    expect(Object.values(card.params).every((v) => typeof v === 'string')).toBe(true);
    // the stored platform reference is the card's group message key (carrierId), which read receipts are asked of
    expect(a.db.select().from(outboundMessages).where(eq(outboundMessages.conversationId, GRID_GROUP)).get()!.platformRef).toBe(card.carrierId);

    // every call DingTalk saw (cards, token, the webhook answer) in any 1 s window
    expect(maxInWindow(fake.apiRequests.map((r) => r.at), 1000)).toBeLessThanOrEqual(100);
    expect(a.adapter.health()).toMatchObject({ cards: 'on', cardCounts: { created: targets.length, duplicates: 0 } });
  }, 120_000);

  it('sending a relay again (a retry after a crash) makes no second card: the repeated outTrackId counts as delivered', async () => {
    const a = await start();
    const card = await issueScoped();
    const row = a.db.select().from(outboundMessages).where(eq(outboundMessages.conversationId, GRID_GROUP)).get()!;
    const { actions, item } = splitOutboxExtra(row.actions);
    const again: OutboundMessage = { id: row.id, conversationId: row.conversationId, text: row.text, actions, ...(item ? { item } : {}) };
    expect(await a.adapter.send(again)).toEqual({ platformRef: `card:${card.outTrackId}` });
    expect(fake.duplicateCards.map((d) => d.outTrackId)).toEqual([card.outTrackId]);
    expect(fake.cardsIn(GRID_GROUP)).toHaveLength(1);
    expect(a.adapter.health()).toMatchObject({ cardCounts: { duplicates: 1 } });
  });

  it('without a template id relays stay text and /healthz says cards are off', async () => {
    const a = await start({}, false);
    await answerTo(await say(c.commandGroup, c.commander, '/令 范围:周家坞村第1网格 今晚完成返乡人员排查'));
    const relay = await until('the text relay', () => fake.sends.find((s) => s.openConversationId === GRID_GROUP));
    expect(relay.msgParam.content ?? relay.msgParam.text).toContain('今晚完成返乡人员排查');
    await until('the room relay', () => fake.sends.find((s) => s.openConversationId === TOWNSHIP_ROOM));
    expect(fake.cards).toHaveLength(0);
    expect(fake.apiRequests.some((r) => r.path.startsWith('/v1.0/card/'))).toBe(false);
    expect(a.adapter.health()).toMatchObject({ cards: 'off' });
    expect(a.adapter.health().cardCounts).toBeUndefined();
  });

  it('a relay too long for a card value (DingTalk: 1 KB) goes as text; a card DingTalk refuses (template not published) goes as text', async () => {
    const a = await start();
    const long = `今晚完成返乡人员排查，${'逐户登记返乡人员姓名、来源地、返乡时间和健康状况，'.repeat(16)}结果报乡镇指挥室`;
    await answerTo(await say(c.commandGroup, c.commander, `/令 范围:周家坞村第1网格 ${long}`));
    const relay = await until('the long text relay', () => fake.sends.find((s) => s.openConversationId === GRID_GROUP && (s.msgParam.content ?? s.msgParam.text ?? '').includes('结果报乡镇指挥室')));
    expect(relay.msgParam.content ?? relay.msgParam.text).toContain('逐户登记');
    expect(fake.cardsIn(GRID_GROUP)).toHaveLength(0);

    fake.refuseCards = { status: 400, body: { code: 'cardInstance.wrong', message: '创建卡片实例失败,先检查卡片模板是否已发布' } };
    await answerTo(await say(c.commandGroup, c.commander, '/令 范围:周家坞村第1网格 明早8时前上报排查结果'));
    await until('the refused card sent as text', () => fake.sends.find((s) => s.openConversationId === GRID_GROUP && (s.msgParam.content ?? s.msgParam.text ?? '').includes('明早8时前上报排查结果')));
    expect(fake.cardsIn(GRID_GROUP)).toHaveLength(0);
    expect(a.adapter.health()).toMatchObject({ cards: 'on', cardCounts: { textFallbacks: 2 } });
  });
});

describe('dingtalk cards: the 收到 button', () => {
  it('a press counts once as the presser’s /收到 (progress shows it), updates the card for the presser and the group; a redelivered frame is one press, a second press is answered "already"', async () => {
    const a = await start();
    const card = await issueScoped();
    const frame = await press(card, GRID_WORKER);
    const update = await until('the card updated for the presser', () => fake.cardUpdates.find((u) => u.outTrackId === card.outTrackId && u.status === 200));
    expect(update.body.cardUpdateOptions).toMatchObject({ updateCardDataByKey: true, updatePrivateDataByKey: true });
    expect(card.privateData[GRID_WORKER]).toMatchObject({ button_text: '已确认', button_disabled: 'true' });
    expect(card.privateData[GRID_WORKER]!.note).toMatch(/周家坞村第1网格已确认指挥部令〔\d{4}〕第1号/);
    const worker = c.members.find((m) => m.member_id === GRID_WORKER)!.name!;
    expect(card.params.status).toMatch(new RegExp(`^已确认 · ${worker} \\d\\d:\\d\\d$`));

    const stored = a.db.select().from(inboundMessages).where(eq(inboundMessages.conversationId, GRID_GROUP)).all();
    expect(stored).toHaveLength(1);
    expect(stored[0]).toMatchObject({ senderId: GRID_WORKER, text: '/收到 令1' });
    expect(a.db.select().from(acknowledgements).all()).toHaveLength(1);
    // the answer was the card update: nothing posted in the grid group
    expect(fake.sends.filter((s) => s.openConversationId === GRID_GROUP)).toHaveLength(0);

    // the same frame again (DingTalk redelivering it): answered, not a second message
    await press(card, GRID_WORKER, frame);
    await a.inbox.idle();
    expect(a.db.select().from(inboundMessages).where(eq(inboundMessages.conversationId, GRID_GROUP)).all()).toHaveLength(1);
    expect(a.adapter.health()).toMatchObject({ cardCounts: { presses: 1, pressDuplicates: 1 } });

    // a second, deliberate press by the grid leader: "already", nothing counted twice
    const leader = c.memberOf(unitOf(GRID_GROUP), 'grid_leader');
    await press(card, leader);
    await until('the leader’s card answer', () => card.privateData[leader]?.note);
    expect(card.privateData[leader]).toMatchObject({ button_text: '已确认', button_disabled: 'true' });
    expect(card.privateData[leader]!.note).toContain('无需重复');
    expect(card.params.status).toMatch(new RegExp(`^已确认 · ${worker} `));
    expect(a.db.select().from(acknowledgements).all()).toHaveLength(1);

    const progress = await answerTo(await say(c.commandGroup, c.commander, '/进度 1'));
    expect(progress).toContain('网格：1/1');
    expect(fake.sends.filter((s) => s.openConversationId === GRID_GROUP)).toHaveLength(0);
  });

  it('in a township room the card shows how many of its own grids have acknowledged', async () => {
    await start();
    const grid = await issueScoped();
    const room = await cardIn(TOWNSHIP_ROOM, 'the room card');
    await press(grid, GRID_WORKER);
    await until('the grid counted', () => grid.privateData[GRID_WORKER]?.button_text === '已确认');
    const officer = c.memberOf(unitOf(TOWNSHIP_ROOM), 'township_officer');
    await press(room, officer);
    await until('the room card updated', () => room.params.progress);
    expect(room.params.progress).toBe('本乡镇网格已确认 1/1');
    expect(room.params.status).toMatch(/^已确认 · /);
    expect(room.privateData[officer]).toMatchObject({ button_text: '已确认' });
  });

  it('a press by a member of another unit is refused: nothing counted, only the presser sees why', async () => {
    const a = await start();
    const card = await issueScoped();
    const stranger = c.memberOf(unitOf(OTHER_GROUP), 'grid_worker');
    await press(card, stranger);
    const note = await until('the refusal on the card', () => card.privateData[stranger]?.note);
    expect(note).toContain('你不属于本群所在单位');
    expect(note).not.toMatch(/已确认/);
    expect(card.privateData[stranger]!.button_text).toBeUndefined();
    expect(card.params.status).toBe('待确认');
    expect(a.db.select().from(acknowledgements).all()).toHaveLength(0);
    const progress = await answerTo(await say(c.commandGroup, c.commander, '/进度 1'));
    expect(progress).toContain('网格：0/1');
  });

  it('a callback that is not a 收到 (other params) is answered and dropped: nothing stored, nothing sent', async () => {
    const a = await start();
    const card = await issueScoped();
    const id = fake.pushCardCallback(card.outTrackId, GRID_WORKER, undefined, { command: '/令 越权下发', conversation: GRID_GROUP });
    await until('the callback answered', () => fake.acks().includes(id));
    await a.inbox.idle();
    expect(a.db.select().from(inboundMessages).where(eq(inboundMessages.conversationId, GRID_GROUP)).all()).toHaveLength(0);
    expect(fake.cardUpdates).toHaveLength(0);
    expect(a.adapter.health()).toMatchObject({ cardCounts: { unreadable: 1, presses: 0 } });
  });
});

describe('dingtalk cards: reminders, amend, revoke', () => {
  it('a reminder goes out as a card whose delivery @s the grid leader and worker', async () => {
    await start({ ACK_REMIND_AFTER: '2s', ACK_ESCALATE_AFTER: '60s', ACK_ESCALATE_COUNTY_AFTER: '90s' });
    await issueScoped();
    const reminder = await cardIn(GRID_GROUP, 'the reminder card', (k) => k.params.content?.includes('【提醒】') ?? false);
    const unit = unitOf(GRID_GROUP);
    expect(Object.keys(reminder.atUserIds).sort()).toEqual([c.memberOf(unit, 'grid_leader'), c.memberOf(unit, 'grid_worker')].sort());
    expect(reminder.body).not.toHaveProperty('isAtAll');
    expect(JSON.stringify(reminder.body)).not.toMatch(/atAll|isAtAll/i);
    expect(reminder.params.button_show).toBe('false');
  });

  it('an amendment delivers a new card and marks the old ones 【更正】 without button; a revocation marks the new ones 【已撤回】 and is relayed as text', async () => {
    await start();
    const first = await issueScoped();
    const firstRoom = await cardIn(TOWNSHIP_ROOM, 'the room card');
    await answerTo(await say(c.commandGroup, c.commander, '/更正 令1 改为明日9时前完成排查'));
    const second = await cardIn(GRID_GROUP, 'the amended card', (k) => k.params.content?.includes('明日9时前完成排查') ?? false);
    expect(second.outTrackId).not.toBe(first.outTrackId);
    expect(second.params).toMatchObject({ button_show: 'true', command: '/收到 令1' });
    await until('the old cards marked', () => first.params.status?.startsWith('【更正】') && firstRoom.params.status?.startsWith('【更正】'));
    expect(first.params).toMatchObject({ button_show: 'false', button_disabled: 'true' });

    await answerTo(await say(c.commandGroup, c.commander, '/撤回 令1 情况有变'));
    await until('the current cards marked revoked', () => second.params.status?.startsWith('【已撤回】'));
    expect(second.params.button_show).toBe('false');
    const text = await until('the revocation as text', () => fake.sends.find((s) => s.openConversationId === GRID_GROUP && JSON.stringify(s.msgParam).includes('【撤回】')));
    expect(JSON.stringify(text.msgParam)).toContain('情况有变');
    expect(fake.cardsIn(GRID_GROUP)).toHaveLength(2);
  });
});

describe('dingtalk cards: the template in the repo', () => {
  it('docs/dingtalk-card-template.json defines every variable gridrelay fills, and marks private exactly those a press changes privately', async () => {
    const spec = JSON.parse(readFileSync('docs/dingtalk-card-template.json', 'utf8')) as { variables: { name: string; private?: boolean }[] };
    expect(spec.variables.map((v) => v.name).sort()).toEqual([...CARD_VARS].sort());
    // what a press writes for the presser alone (the press test above sees note, button_text and button_disabled in privateData)
    expect(spec.variables.filter((v) => v.private).map((v) => v.name).sort()).toEqual(['button_disabled', 'button_text', 'note']);
  });
});
