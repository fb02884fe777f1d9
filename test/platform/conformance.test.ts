/**
 * One conformance suite × 3 adapters (ARCHITECTURE.md: test/platform/): the same checks against the
 * console, the DingTalk adapter (real SDK, local fake DingTalk) and the Slack adapter (real Bolt, local
 * fake Slack; HTTP receiver and Socket Mode). Each driver delivers a message the way its platform does,
 * reads what the bot posted, and — where the platform has one — presses the 收到 button on a relay.
 * The scenario (a directive relayed and acknowledged, a lead reported, a refusal) is the same code for all.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { inboundMessages } from '../../src/db/schema/index.js';
import type { TestApp } from '../helpers/app.js';
import { county, outbound, say } from '../helpers/console.js';
import { startPlatformApp } from '../helpers/platform.js';
import { until } from '../helpers/wait.js';
import type { FakeSlack } from '../fakes/slack.js';

const GRID_GROUP = 'cidVDAxLVYwMS1HMS1ncmlk';
const GRID_WORKER = 'staff00048';
const OTHER_GROUP = 'cidVDAxLVYwMS1HMi1ncmlk';
const TOWNSHIP_ROOM = 'cidVDAxLXJvb20'; // 清溪街道综合信息指挥室, the township of GRID_GROUP

interface Driver {
  app: TestApp;
  /** Delivers `text` from `sender` in `conversationId`, `times` times as the same platform message (a redelivery). */
  deliver(conversationId: string, sender: string, text: string, times: number): Promise<void>;
  /** Texts the bot has posted in `conversationId`, in order. */
  posts(conversationId: string): Promise<string[]>;
  /** Presses the 收到 button on the bot's latest post that has one in `conversationId`, as `sender` (platforms with buttons only). */
  pressAck?(conversationId: string, sender: string): Promise<void>;
  stop(): Promise<void>;
}

async function consoleDriver(): Promise<Driver> {
  const { app, teardown } = await startPlatformApp({ platform: 'console' });
  let n = 0;
  return {
    app,
    async deliver(cid, sender, text, times) {
      const msgId = `conf-${process.pid}-${++n}`;
      for (let i = 0; i < times; i++) expect((await say(app.http, cid, sender, text, msgId)).status).toBe(202);
    },
    posts: async (cid) => (await outbound(app.http, cid)).map((m) => m.text),
    async pressAck(cid, sender) {
      // the console page's button: POST /console/v1/press on the latest bot message with a 收到 button
      const chat = (await app.http.inject({ method: 'GET', url: `/console/v1/chat?conversationId=${cid}` })).json() as { messages: { seq: number; actions?: { label: string }[] }[] };
      const post = chat.messages.filter((m) => m.actions?.some((a) => a.label === '收到')).at(-1);
      if (!post) throw new Error(`no post with a button in ${cid}`);
      const r = await app.http.inject({ method: 'POST', url: '/console/v1/press', payload: { conversationId: cid, senderId: sender, seq: post.seq, label: '收到' } });
      expect(r.statusCode).toBe(202);
    },
    stop: teardown,
  };
}

/**
 * DingTalk; with `cards`, interactive cards on (`DINGTALK_CARD_TEMPLATE_ID`): relays and messages that @ people are
 * cards (their content counts as a post), the answer to a press is an update of the pressed card (its private note
 * counts as a post), and `pressAck` presses the latest card's 收到 button over the Stream connection.
 */
async function dingtalkDriver(cards = false): Promise<Driver> {
  const { app, fake, teardown } = await startPlatformApp({ platform: 'dingtalk', env: cards ? { DINGTALK_CARD_TEMPLATE_ID: 'synthetic-template-0001.schema' } : {} });
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
      const cardPosts = fake.cardsIn(cid).map((k) => ({ at: k.at, text: (k.params.content ?? '').replace(/ {2}\n/g, '\n') }));
      const ids = new Set(fake.cardsIn(cid).map((k) => k.outTrackId));
      const notes = fake.cardUpdates
        .filter((u) => u.status === 200 && ids.has(u.outTrackId))
        .flatMap((u) => Object.values(u.body.privateData ?? {}).map((p) => ({ at: u.at, text: p.cardParamMap?.note ?? '' })))
        .filter((p) => p.text);
      return [...replies, ...sends, ...cardPosts, ...notes].sort((a, b) => a.at - b.at).map((p) => p.text);
    },
    ...(cards
      ? {
          async pressAck(cid: string, sender: string) {
            const card = fake.cardsIn(cid).filter((k) => k.params.button_show === 'true').at(-1);
            if (!card) throw new Error(`no card with a button in ${cid}`);
            const frame = fake.pushCardCallback(card.outTrackId, sender);
            await until('the card callback answered', () => fake.acks().includes(frame));
          },
        }
      : {}),
    stop: teardown,
  };
}

async function slackDriver(): Promise<Driver> {
  const { app, fake, teardown } = await startPlatformApp({ platform: 'slack' });
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
    async pressAck(cid, sender) {
      const { post, button } = ackButton(fake, cid);
      const click = fake.blockAction(cid, sender, post.ts, button.action_id!, button.value!);
      const r = await app.http.inject({ method: 'POST', url: '/slack/events', payload: click.body, headers: { 'content-type': 'application/x-www-form-urlencoded', ...fake.sign(click.body) } });
      expect(r.statusCode).toBe(200);
    },
    stop: teardown,
  };
}

async function slackSocketDriver(): Promise<Driver> {
  const { app, fake, teardown } = await startPlatformApp({ platform: 'slack-socket' });
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
    async pressAck(cid, sender) {
      const { post, button } = ackButton(fake, cid);
      const envelope = fake.pushEnvelope('interactive', fake.blockAction(cid, sender, post.ts, button.action_id!, button.value!).payload);
      await until('the envelope ack', () => fake.envelopeAcks.some((x) => x.envelopeId === envelope));
    },
    stop: teardown,
  };
}

/** The bot's latest post in `channel` carrying a button, and that button. @throws when there is none */
function ackButton(fake: FakeSlack, channel: string) {
  const post = fake.posts.filter((p) => p.channel === channel && p.blocks).at(-1);
  const button = post?.blocks?.flatMap((b) => b.elements ?? []).find((e) => e.type === 'button');
  if (!post || !button) throw new Error(`no post with a button in ${channel}`);
  return { post, button };
}

/** name, driver factory, whether relays carry a 收到 button (the driver implements `pressAck`). */
const DRIVERS: [string, () => Promise<Driver>, boolean][] = [
  ['console', consoleDriver, true],
  ['dingtalk', () => dingtalkDriver(), false],
  ['dingtalk (cards)', () => dingtalkDriver(true), true],
  ['slack (HTTP)', slackDriver, true],
  ['slack (Socket Mode)', slackSocketDriver, true],
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
    await d.app.outbox.store(d.app.db, { conversationId: OTHER_GROUP, text: '主动通知：今晚例行巡查', dedupKey: 'conformance-proactive' });
    await d.app.outbox.flush();
    await until('the post', async () => (await d!.posts(OTHER_GROUP)).includes('主动通知：今晚例行巡查'));
    expect(await d.posts(GRID_GROUP)).toEqual([]);
  });
});

/** The same scenario on every platform: a scoped directive, its acknowledgement and progress, a lead, a refusal. */
describe.each(DRIVERS)('platform scenario: %s', (_name, make, hasButton) => {
  let d: Driver | undefined;
  afterEach(async () => {
    await d?.stop();
    d = undefined;
  });

  const c = county();
  const say = (cid: string, sender: string, text: string) => d!.deliver(cid, sender, text, 1);
  /** Waits for a post in `cid` matching `pred` and returns its text. */
  const postIn = (cid: string, what: string, pred: (t: string) => boolean) => until(what, async () => (await d!.posts(cid)).find(pred), 30_000);

  /** The commander issues 令1 to one grid; the grid group and its township room get the relay, nobody else. */
  async function issueScoped(): Promise<void> {
    await say(c.commandGroup, c.commander, '/令 范围:周家坞村第1网格 今晚完成返乡人员排查');
    const confirm = await postIn(c.commandGroup, 'the confirmation', (t) => t.includes('已发布'));
    expect(confirm).toMatch(/已发布 指挥部令〔\d{4}〕第1号/);
    expect(confirm).toContain('1 个网格群');
    const relay = await postIn(GRID_GROUP, 'the relay to the grid', (t) => t.includes('今晚完成返乡人员排查'));
    expect(relay).toMatch(/指挥部令〔\d{4}〕第1号/);
    expect(relay).toContain('收到');
    await postIn(TOWNSHIP_ROOM, 'the relay to the township room', (t) => t.includes('今晚完成返乡人员排查'));
  }

  /** `/进度 1` in the command group shows the grid acknowledged. */
  async function expectGridAcknowledged(): Promise<void> {
    await postIn(GRID_GROUP, 'the acknowledgement', (t) => t.includes('周家坞村第1网格已确认指挥部令'));
    await say(c.commandGroup, c.commander, '/进度 1');
    const progress = await postIn(c.commandGroup, 'the progress', (t) => t.includes('确认进度'));
    expect(progress).toContain('网格：1/1');
    expect(progress).toContain('未确认网格：无');
  }

  it('a directive is relayed and acknowledged by text, a lead reaches the township room, a grid worker’s /令 is refused', async () => {
    d = await make();
    await issueScoped();

    await say(GRID_GROUP, GRID_WORKER, '收到');
    await expectGridAcknowledged();

    await say(GRID_GROUP, GRID_WORKER, '/上报 有发热人员 地点:村口');
    const accepted = await postIn(GRID_GROUP, 'the lead accepted', (t) => t.includes('已登记 线索'));
    const leadNo = accepted.match(/线索 (\d{8}-\d{3})/)?.[1];
    expect(leadNo).toBeTruthy();
    const lead = await postIn(TOWNSHIP_ROOM, 'the lead in the township room', (t) => t.includes(`【线索 ${leadNo}】`));
    expect(lead).toContain('有发热人员');
    expect(lead).toContain('村口');
    expect(lead).toContain('周家坞村第1网格');

    await say(GRID_GROUP, GRID_WORKER, '/令 越权下发');
    const refusal = await postIn(GRID_GROUP, 'the refusal', (t) => t.includes('不能使用'));
    expect(refusal).toMatch(/不能使用 \/令/);

    // nothing leaked: the other grid heard nothing, the lead stayed out of the command group, no 第2号
    await d.app.inbox.idle();
    expect(await d.posts(OTHER_GROUP)).toEqual([]);
    expect((await d.posts(c.commandGroup)).some((t) => t.includes('有发热人员'))).toBe(false);
    for (const cid of [c.commandGroup, GRID_GROUP, TOWNSHIP_ROOM]) expect((await d.posts(cid)).some((t) => /第2号|越权下发/.test(t))).toBe(false);
  });

  it.runIf(hasButton)('a directive is acknowledged by pressing its 收到 button', async () => {
    d = await make();
    await issueScoped();
    await d.pressAck!(GRID_GROUP, GRID_WORKER);
    await expectGridAcknowledged();
    expect(d.app.db.select().from(inboundMessages).all().find((m) => m.conversationId === GRID_GROUP)).toMatchObject({ senderId: GRID_WORKER, text: '/收到 令1' });
  });
});
