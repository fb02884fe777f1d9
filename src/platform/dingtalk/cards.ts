/**
 * DingTalk interactive cards (互动卡片), on when `DINGTALK_CARD_TEMPLATE_ID` is set (docs/platforms.md,
 * "互动卡片 / interactive cards"; the template is docs/dingtalk-card-template.json):
 *
 * - Send: a message with a 收到 button (`ack` action: directive and notice relays, amendments) or with
 *   `mentions` (reminders, escalations, urgent leads) is created and delivered as one card,
 *   `POST /v1.0/card/instances/createAndDeliver` (`callbackType: STREAM`, `openSpaceId`
 *   `dtv1.card//IM_GROUP.<openConversationId>`, `imGroupOpenDeliverModel {robotCode, atUserIds}` — the only
 *   proactive way to really @ someone). Its `outTrackId` is deterministic — one per (item, revision, group),
 *   or per outbox message for a card without item — so a retried send never makes a second card: DingTalk
 *   refuses a repeated `outTrackId`, and that refusal counts as delivered.
 * - Press: the button's callback arrives on the Stream connection (topic `/v1.0/card/instances/callback`);
 *   {@link cardPressToInbound} makes it the presser's `/收到 令N` in the card's group, stored before the frame is
 *   answered (with an empty response: the card is not updated inside the callback).
 * - Update: the core's answer to a press (a reply whose reply context says `cardPress`) updates the pressed
 *   card with `PUT /v1.0/card/instances` — private data for the presser (button → 已确认, or the answer's text),
 *   public data from the answer's `ackState` (`已确认 · 李四 10:42`, a township room's count) — instead of a
 *   chat message. An amendment marks the previous revision's cards 【更正】 and a revocation its cards 【已撤回】,
 *   both without button.
 * Every call goes through the {@link OpenApiClient} (app-wide QPS limiter, by outbox lane).
 */
import { createHash } from 'node:crypto';
import type { Logger } from 'pino';
import { OUTBOX_LANES, type InboundMessage, type OutboundItem, type OutboundMessage } from '../../core/message.js';
import { PlatformError, type InboundSink, type SendReceipt } from '../port.js';
import type { OpenApiClient } from './api.js';
import { storeThenAnswer, type FrameRoute } from './inbound.js';
import { titleOf, utf8Bytes } from './format.js';

/** The card callback topic of the Stream connection (`TOPIC_CARD` in dingtalk-stream). */
export const CARD_TOPIC = '/v1.0/card/instances/callback';

/**
 * The variables gridrelay fills in the card template (`cardParamMap`, string values; docs/platforms.md lists
 * them for the card builder). Private data (per presser) uses `button_text`, `button_disabled` and `note`.
 */
export const CARD_VARS = ['title', 'content', 'deadline', 'status', 'progress', 'note', 'button_show', 'button_text', 'button_disabled', 'command', 'conversation'] as const;
export type CardVar = (typeof CARD_VARS)[number];
export type CardParams = Partial<Record<CardVar, string>>;

/** Only acknowledgement commands may come from a card button (the params are ours, but stay strict). */
const ACK_COMMAND = /^\/(收到|ack)(\s|$)/;

/** What the adapter keeps in a press's reply context (opaque to the core), read back when the core answers. */
export interface CardPressContext {
  cardPress: { outTrackId: string; userId: string };
}

/** Counters for `health()`. */
export interface CardStats {
  /** Cards created and delivered. */
  created: number;
  /** Creations refused as a repeated outTrackId (a retry of a card already made): counted as delivered. */
  duplicates: number;
  /** Card updates made (a press answered, 更正/撤回 marks). */
  updates: number;
  /** Updates DingTalk refused for good (e.g. no such card: the item went out as text before cards were on). */
  updateMisses: number;
  /** Press answers sent as text because the card could not be updated. */
  pressFallbacks: number;
  /** Card creations DingTalk refused for good (a template or permission problem, a message it would not take): sent as text instead. */
  textFallbacks: number;
  /** Card callbacks received, turned into messages, duplicates, not understood, storing failed. */
  callbacks: number;
  presses: number;
  pressDuplicates: number;
  unreadable: number;
  sinkErrors: number;
}

export const newCardStats = (): CardStats => ({ created: 0, duplicates: 0, updates: 0, updateMisses: 0, pressFallbacks: 0, textFallbacks: 0, callbacks: 0, presses: 0, pressDuplicates: 0, unreadable: 0, sinkErrors: 0 });

/**
 * A deterministic `outTrackId`: `gr` + the first 40 hex digits of SHA-256 over `parts` — 42 characters of
 * `[0-9a-z]`, well inside DingTalk's limit (its own SDKs use 64-hex-digit ids). Pure.
 */
export function trackId(...parts: (string | number)[]): string {
  return `gr${createHash('sha256').update(parts.join('\u0000')).digest('hex').slice(0, 40)}`;
}

/** The outTrackId of the card of `item` at `revision` in `conversationId`, for the app `robotCode`. Pure. */
export function itemTrackId(robotCode: string, item: Pick<OutboundItem, 'key'>, revision: number, conversationId: string): string {
  return trackId(robotCode, 'item', item.key, revision, conversationId);
}

/** The outTrackId of a card for `msg`: its item's (at its revision), else one per outbox message (id, group, text). Pure. */
export function messageTrackId(robotCode: string, msg: OutboundMessage): string {
  return msg.item ? itemTrackId(robotCode, msg.item, msg.item.revision, msg.conversationId) : trackId(robotCode, 'msg', msg.id, msg.conversationId, msg.text);
}

/**
 * The most UTF-8 bytes of one card variable's value (DingTalk: each `cardParamMap` value at most 1 KB, on create and
 * update): a message whose text (as card markdown) is longer goes out as text, split where needed, not as a card.
 */
export const CARD_VALUE_MAX_BYTES = 1000;

/**
 * Whether `msg` goes out as a card when cards are on: it offers a 收到 button, or @-mentions someone — and its
 * text fits one card variable ({@link CARD_VALUE_MAX_BYTES}). Pure.
 */
export function wantsCard(msg: OutboundMessage): boolean {
  const wanted = (msg.actions ?? []).some((a) => a.kind === 'ack') || (msg.mentions?.length ?? 0) > 0;
  return wanted && utf8Bytes(msg.markdown ?? asMarkdown(msg.text)) <= CARD_VALUE_MAX_BYTES;
}

/** Plain text as card markdown: each line break kept (markdown would join single lines). Pure. */
function asMarkdown(text: string): string {
  return text.replace(/\n/g, '  \n');
}

/**
 * The public card data of `msg` (all string values): title (the item's number, else the first line), content
 * (markdown), deadline, status (`待确认` when it has a button), the button (`button_show`, its `command`) and
 * the conversation (the press's group). Pure.
 */
export function cardParams(msg: OutboundMessage): CardParams {
  const ack = (msg.actions ?? []).find((a) => a.kind === 'ack');
  return {
    title: msg.item?.number ?? titleOf(msg.text),
    content: msg.markdown ?? asMarkdown(msg.text),
    deadline: ack ? (msg.item?.deadline ?? '') : '',
    status: ack ? '待确认' : '',
    progress: '',
    note: '',
    button_show: ack ? 'true' : 'false',
    button_text: ack?.label ?? '',
    button_disabled: 'false',
    command: ack?.command ?? '',
    conversation: msg.conversationId,
  };
}

/**
 * The `createAndDeliver` request of `msg` as a card in its group. `atUserIds` maps each mentioned member id to
 * their roster name (`msg.mentionNames`; the id itself where the roster has none); there is no way to @ everyone here.
 */
export function createAndDeliverBody(templateId: string, robotCode: string, msg: OutboundMessage, outTrackId: string): Record<string, unknown> {
  const params = cardParams(msg);
  const mentions = msg.mentions ?? [];
  return {
    cardTemplateId: templateId,
    outTrackId,
    callbackType: 'STREAM',
    cardData: { cardParamMap: params },
    openSpaceId: `dtv1.card//IM_GROUP.${msg.conversationId}`,
    imGroupOpenSpaceModel: { supportForward: false, lastMessageI18n: { ZH_CN: params.title } },
    imGroupOpenDeliverModel: { robotCode, ...(mentions.length ? { atUserIds: Object.fromEntries(mentions.map((id) => [id, msg.mentionNames?.[id] ?? id])) } : {}) },
    userIdType: 1,
  };
}

/** The `PUT /v1.0/card/instances` request: public and (per user id) private data, each updated by key. */
export function updateBody(outTrackId: string, pub: CardParams, priv?: { userId: string; params: CardParams }): Record<string, unknown> {
  return {
    outTrackId,
    cardData: { cardParamMap: pub },
    ...(priv ? { privateData: { [priv.userId]: { cardParamMap: priv.params } } } : {}),
    cardUpdateOptions: { updateCardDataByKey: true, updatePrivateDataByKey: true },
    userIdType: 1,
  };
}

/** Whether a refused creation means the outTrackId exists already (a card made by an earlier attempt). */
function isDuplicate(err: PlatformError): boolean {
  return err.kind === 'permanent' && /cardAlreadyExist|duplicat|already.?exist|已经?存在|重复/i.test(err.message);
}

/** The press a message answers, if it answers one (its reply context, see {@link CardPressContext}). */
function pressOf(msg: OutboundMessage): CardPressContext['cardPress'] | null {
  const p = (msg.replyTo?.replyContext as Partial<CardPressContext> | undefined)?.cardPress;
  return p?.outTrackId && p.userId ? p : null;
}

export interface CardSenderDeps {
  api: OpenApiClient;
  robotCode: string;
  templateId: string;
  stats: CardStats;
  log: Logger;
}

/** Card sends and updates for the adapter's `send` (see the file comment). */
export class CardSender {
  constructor(private readonly deps: CardSenderDeps) {}

  /**
   * Sends `msg` the card way, where it is one: the answer to a press updates the pressed card; a revocation
   * marks the cards of its revision 【已撤回】 (the text still goes out); a message with a button or mentions is
   * created and delivered as a card (an amendment's also marks the revision it replaces 【更正】).
   * @returns the receipt (`platformRef` `card:<outTrackId>`), or null when the caller should send it as text
   * @throws PlatformError like a send (a permanent refusal of a card creation, other than a repeated outTrackId)
   */
  async send(msg: OutboundMessage): Promise<SendReceipt | null> {
    const rank = OUTBOX_LANES[msg.lane ?? 'bulk'];
    const press = pressOf(msg);
    if (press) {
      const answered = await this.answerPress(msg, press, rank);
      if (answered) return answered;
      this.deps.stats.pressFallbacks++;
      return null;
    }
    if (msg.item?.state === 'revoked') {
      await this.retire(itemTrackId(this.deps.robotCode, msg.item, msg.item.revision, msg.conversationId), '【已撤回】不再执行，无需确认', rank);
      return null;
    }
    if (!wantsCard(msg)) return null;
    const outTrackId = messageTrackId(this.deps.robotCode, msg);
    let carrierId: string | null;
    try {
      carrierId = await this.create(msg, outTrackId, rank);
    } catch (err) {
      if (!(err instanceof PlatformError && err.kind === 'permanent')) throw err;
      // a refused card (an unpublished template, a missing permission, a value DingTalk would not take) must not
      // lose the message: it goes as text (the caller's way), and /healthz counts it
      this.deps.stats.textFallbacks++;
      this.deps.log.warn({ outTrackId, conversationId: msg.conversationId, err: err.message }, 'dingtalk: card refused; sent as text');
      await this.retireSuperseded(msg, rank);
      return null;
    }
    await this.retireSuperseded(msg, rank);
    // the card's group message key (processQueryKey) lets read receipts be asked of it, as of a text relay
    return { platformRef: carrierId ?? `card:${outTrackId}` };
  }

  /** An amendment's card: marks the card of the revision it replaces 【更正】, without button. */
  private async retireSuperseded(msg: OutboundMessage, rank: number): Promise<void> {
    if (!msg.item?.supersedes) return;
    const old = itemTrackId(this.deps.robotCode, msg.item, msg.item.supersedes, msg.conversationId);
    await this.retire(old, `【更正】已更正为第${msg.item.revision}版，请确认新版`, rank);
  }

  /**
   * Creates and delivers the card. @returns the `carrierId` of its group message (DingTalk: the processQueryKey
   * for read receipts), or null when DingTalk gave none (a repeated outTrackId: the card exists already)
   * @throws PlatformError as the OpenAPI call (permanent also when the delivery to the group failed)
   */
  private async create(msg: OutboundMessage, outTrackId: string, rank: number): Promise<string | null> {
    const body = createAndDeliverBody(this.deps.templateId, this.deps.robotCode, msg, outTrackId);
    let res: { success?: boolean; result?: { deliverResults?: { success?: boolean; errorMsg?: string; carrierId?: string }[] } };
    try {
      res = await this.deps.api.call('/v1.0/card/instances/createAndDeliver', body, rank);
    } catch (err) {
      if (err instanceof PlatformError && isDuplicate(err)) {
        this.deps.stats.duplicates++;
        return null;
      }
      throw err;
    }
    const results = res.result?.deliverResults ?? [];
    const failed = results.find((r) => r.success === false);
    if (failed) throw new PlatformError('permanent', `card/instances/createAndDeliver: not delivered to ${msg.conversationId}: ${failed.errorMsg ?? 'no reason given'}`);
    this.deps.stats.created++;
    return results.find((r) => r.carrierId)?.carrierId ?? null;
  }

  /** PUTs `body`; @returns false when DingTalk refuses it for good (no such card), @throws PlatformError otherwise */
  private async update(body: Record<string, unknown>, rank: number): Promise<boolean> {
    try {
      await this.deps.api.call('/v1.0/card/instances', body, rank, 'PUT');
      this.deps.stats.updates++;
      return true;
    } catch (err) {
      if (err instanceof PlatformError && err.kind === 'permanent') {
        this.deps.stats.updateMisses++;
        this.deps.log.warn({ outTrackId: body.outTrackId, err: err.message }, 'dingtalk: card update refused');
        return false;
      }
      throw err;
    }
  }

  /** Marks a card closed: its status says `status`, the button goes away (a card that does not exist is skipped). */
  private async retire(outTrackId: string, status: string, rank: number): Promise<void> {
    await this.update(updateBody(outTrackId, { status, progress: '', button_show: 'false', button_disabled: 'true' }), rank);
  }

  /**
   * Updates the pressed card with the core's answer: the presser sees the answer (`note`) and, when the
   * acknowledgement counts or already counted, the button as 已确认; everyone sees who acknowledged when
   * (and a township room its count). A refusal changes only the presser's note.
   * @returns null when the card cannot be updated (the caller posts the answer as text)
   */
  private async answerPress(msg: OutboundMessage, press: CardPressContext['cardPress'], rank: number): Promise<SendReceipt | null> {
    const st = msg.ackState;
    const priv: CardParams = { note: msg.text };
    const pub: CardParams = {};
    if (st) {
      priv.button_text = '已确认';
      priv.button_disabled = 'true';
      pub.status = `已确认 · ${st.by} ${st.clock}${st.late ? '（逾期）' : ''}`;
      if (st.count) pub.progress = st.count;
    }
    const ok = await this.update(updateBody(press.outTrackId, pub, { userId: press.userId, params: priv }), rank);
    return ok ? { platformRef: `card-update:${press.outTrackId}` } : null;
  }
}

/** The fields of a card callback (`data` of a CALLBACK frame on {@link CARD_TOPIC}) we read. */
export interface CardCallback {
  type?: string;
  outTrackId?: string;
  userId?: string;
  corpId?: string;
  spaceType?: string;
  spaceId?: string;
  /** JSON string (or object): `{cardPrivateData: {actionIds: string[], params: {...}}}`. */
  content?: string | { cardPrivateData?: { actionIds?: string[]; params?: Record<string, unknown> } };
}

/**
 * A card callback as the presser's message: text = the button's `command` param (`/收到 令17`), sender = the
 * presser's `userId` (staff id), conversation = the card's group (its `conversation` param, else the callback's
 * IM_GROUP `spaceId`). `platformMsgId` = `card:<outTrackId>:<userId>:<frame messageId>`: a redelivered frame is
 * one press, a second press (a new frame) a second message — which the core answers "already" (the callback has
 * no id of the press itself, so that is also what a redelivery under a new frame id would get; an
 * acknowledgement is counted once per unit and revision whatever comes). The reply context names the card and
 * the presser.
 * @returns the message, or `{reason}` when the callback is not a press of our 收到 button
 */
export function cardPressToInbound(data: string | CardCallback, frameMessageId: string): InboundMessage | { reason: string } {
  let cb: CardCallback;
  try {
    cb = typeof data === 'string' ? (JSON.parse(data) as CardCallback) : data;
  } catch {
    return { reason: 'data is not JSON' };
  }
  if (!cb || typeof cb !== 'object') return { reason: 'data is not an object' };
  if (!cb.outTrackId) return { reason: 'no outTrackId' };
  if (!cb.userId) return { reason: 'no userId' };
  let content: Exclude<CardCallback['content'], string | undefined> | undefined;
  try {
    content = typeof cb.content === 'string' ? JSON.parse(cb.content) : cb.content;
  } catch {
    return { reason: 'content is not JSON' };
  }
  const params = content?.cardPrivateData?.params ?? {};
  const command = typeof params.command === 'string' ? params.command.trim() : '';
  if (!ACK_COMMAND.test(command)) return { reason: 'not a 收到 button' };
  const fromSpace = cb.spaceType === 'IM_GROUP' && cb.spaceId ? cb.spaceId : '';
  const conversationId = typeof params.conversation === 'string' && params.conversation ? params.conversation : fromSpace;
  if (!conversationId) return { reason: 'no conversation' };
  const replyContext: CardPressContext = { cardPress: { outTrackId: cb.outTrackId, userId: cb.userId } };
  return {
    platform: 'dingtalk',
    platformMsgId: `card:${cb.outTrackId}:${cb.userId}:${frameMessageId}`,
    conversationId,
    senderId: cb.userId,
    text: command,
    replyContext: { ...replyContext },
  };
}

/**
 * The handler of card CALLBACK frames ({@link storeThenAnswer}): parse → `await sink(msg)` (stored, deduplicated) → answer the frame with
 * an empty response (no card update inside the callback; the core's answer updates it afterwards). A callback
 * that is not a press of our button is answered and dropped; if storing fails the frame is left unanswered.
 * Never throws.
 */
export function cardCallbackHandler(deps: { sink: () => InboundSink | null; log: Logger; stats: CardStats }) {
  const { stats } = deps;
  const counter: Partial<Record<Parameters<FrameRoute['count']>[0], keyof CardStats>> = {
    frame: 'callbacks', unreadable: 'unreadable', accepted: 'presses', duplicate: 'pressDuplicates', sinkError: 'sinkErrors',
  };
  return storeThenAnswer(
    {
      what: 'card callback',
      parse: (data, messageId) => cardPressToInbound(data, messageId),
      answer: (client, messageId) => client.answerCard(messageId),
      count: (outcome) => {
        const key = counter[outcome];
        if (key) stats[key]++;
      },
    },
    deps,
  );
}
