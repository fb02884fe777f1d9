/**
 * DingTalk sends. A reply to a message whose `sessionWebhook` is still valid is POSTed to that webhook;
 * everything else goes through `POST /v1.0/robot/groupMessages/send` (bodies built by format.ts; longer
 * than 15,000 bytes → split into several sends) — except a message that @-mentions members
 * ({@link sendMentioning}): through the group's latest still-valid session webhook (webhooks.ts) with
 * `at.atUserIds`, else `groupMessages/send` with their names written in the text. DING rows: {@link sendDing}.
 */
import { OUTBOX_LANES, type OutboundMessage } from '../../core/message.js';
import { PlatformError, type SendReceipt } from '../port.js';
import type { OpenApiClient } from './api.js';
import { classify, type ApiErrorBody } from './errors.js';
import { MAX_PARAM_BYTES, openApiParams, utf8Bytes, webhookBody, withMentionNames } from './format.js';
import type { DingTalkReplyContext } from './inbound.js';
import type { SessionWebhooks } from './webhooks.js';

/** A session webhook is not used within this margin of its expiry (ms). */
export const WEBHOOK_MARGIN_MS = 60_000;

export interface SendDeps {
  api: OpenApiClient;
  robotCode: string;
  /** Counters for `health()`. */
  stats: { webhookSends: number; openApiSends: number; webhookFallbacks: number };
  /** Each group's latest session webhook, shared by every process; absent → mentions go as names only. */
  webhooks?: SessionWebhooks;
  /** How mentioned messages went, for `health()` ({@link sendMentioning}). */
  mentionStats: MentionStats;
  /** DING: on (`DINGTALK_DING=app`) or off, and counters for `health()` ({@link sendDing}). */
  ding: { enabled: boolean; calls: number; receivers: number; skipped: number };
}

/** Messages that @-mention members: sent through a group's session webhook with `atUserIds`, or with names only. */
export interface MentionStats {
  webhookSends: number;
  namesOnlySends: number;
}

/** The app-wide limiter's rank of a message: its lane's number (a reply goes before bulk sends). */
const rankOf = (msg: OutboundMessage): number => OUTBOX_LANES[msg.lane ?? 'bulk'];

function validWebhook(msg: OutboundMessage): DingTalkReplyContext | null {
  const ctx = msg.replyTo?.replyContext as Partial<DingTalkReplyContext> | undefined;
  if (!ctx?.sessionWebhook) return null;
  if (!(Number(ctx.sessionWebhookExpiredTime) > Date.now() + WEBHOOK_MARGIN_MS)) return null;
  return ctx as DingTalkReplyContext;
}

/**
 * Sends one outbox message.
 * @returns `platformRef` = the OpenAPI `processQueryKey` (comma-joined when split), or `webhook` for a session reply
 * @throws PlatformError retry / throttled / permanent
 */
export async function sendMessage(deps: SendDeps, msg: OutboundMessage): Promise<SendReceipt> {
  const hook = validWebhook(msg);
  if (hook) {
    const sent = await sendViaWebhook(deps, hook.sessionWebhook, msg);
    if (sent) return sent;
    deps.stats.webhookFallbacks++;
  }
  if (msg.mentions?.length) return sendMentioning(deps, msg);
  return sendViaOpenApi(deps, msg);
}

/**
 * A message that @-mentions members (a reminder, an escalation, an urgent lead), outside a reply's own valid
 * webhook: POSTed to the group's latest session webhook still valid beyond {@link WEBHOOK_MARGIN_MS}, with
 * `at.atUserIds` = the mentions (`isAtAll` false) — the only way a robot can @ without cards; otherwise (no such
 * webhook, Redis unreachable, the webhook refused or the body too long) through `groupMessages/send`, which
 * cannot @, with the members' names in the text ({@link withMentionNames}).
 * @throws PlatformError retry / throttled / permanent
 */
async function sendMentioning(deps: SendDeps, msg: OutboundMessage): Promise<SendReceipt> {
  const group = await deps.webhooks?.fresh(msg.conversationId, WEBHOOK_MARGIN_MS).catch(() => null);
  if (group) {
    const sent = await sendViaWebhook(deps, group.url, msg);
    if (sent) {
      deps.mentionStats.webhookSends++;
      return sent;
    }
    deps.stats.webhookFallbacks++;
    await deps.webhooks?.forget(msg.conversationId, group.url).catch(() => undefined);
  }
  const receipt = await sendViaOpenApi(deps, withMentionNames(msg));
  deps.mentionStats.namesOnlySends++;
  return receipt;
}

/** Receivers per in-app DING call at most (DingTalk refuses more: `ding.receivercount.limit`). */
export const DING_RECEIVERS_PER_CALL = 200;

/**
 * A DING row (OutboundMessage.ding): `POST /v1.0/robot/ding/send` `{robotCode, remindType: 1 (in-app),
 * receiverUserIdList, content}` → `{openDingId, failedList?}`, one call per {@link DING_RECEIVERS_PER_CALL} mentions
 * (the core already stores rows that small). With DING off (`DINGTALK_DING` unset or `off`) nothing is called.
 * @returns `platformRef` = the `openDingId`s (comma-joined), `dinged` = the receivers DingTalk did not list as failed
 * @throws PlatformError retry / throttled / permanent (e.g. an edition without DING, a quota used up)
 */
export async function sendDing(deps: SendDeps, msg: OutboundMessage): Promise<SendReceipt> {
  const receivers = msg.mentions ?? [];
  if (!deps.ding.enabled || receivers.length === 0) {
    deps.ding.skipped++;
    return { dinged: [] };
  }
  const ids: string[] = [];
  const dinged: string[] = [];
  for (let i = 0; i < receivers.length; i += DING_RECEIVERS_PER_CALL) {
    const chunk = receivers.slice(i, i + DING_RECEIVERS_PER_CALL);
    const res = await deps.api.call<{ openDingId?: string; failedList?: Record<string, string[]> }>('/v1.0/robot/ding/send', {
      robotCode: deps.robotCode,
      remindType: 1,
      receiverUserIdList: chunk,
      content: msg.text,
    }, rankOf(msg));
    const failed = new Set(Object.values(res.failedList ?? {}).flat());
    if (res.openDingId) ids.push(res.openDingId);
    dinged.push(...chunk.filter((id) => !failed.has(id)));
    deps.ding.calls++;
  }
  deps.ding.receivers += dinged.length;
  return { ...(ids.length ? { platformRef: ids.join(',') } : {}), dinged };
}

/** POSTs to a session webhook; @returns null when the webhook refuses (expired session) so the caller falls back. */
async function sendViaWebhook(deps: SendDeps, url: string, msg: OutboundMessage): Promise<SendReceipt | null> {
  const body = webhookBody(msg);
  if (utf8Bytes(JSON.stringify(body)) > MAX_PARAM_BYTES) return null; // long bodies go the OpenAPI way, split
  const r = await deps.api.postUrl(url, body, rankOf(msg));
  const b = r.body as ApiErrorBody;
  if (r.status === 200 && (b.errcode === undefined || b.errcode === 0)) {
    deps.stats.webhookSends++;
    return { platformRef: 'webhook' };
  }
  const err = classify('sessionWebhook', r.status, b);
  if (err.kind !== 'permanent') throw err;
  return null;
}

async function sendViaOpenApi(deps: SendDeps, msg: OutboundMessage): Promise<SendReceipt> {
  const { msgKey, msgParams } = openApiParams(msg);
  const keys: string[] = [];
  for (const msgParam of msgParams) {
    const res = await deps.api.call<{ processQueryKey?: string }>('/v1.0/robot/groupMessages/send', {
      robotCode: deps.robotCode,
      openConversationId: msg.conversationId,
      msgKey,
      msgParam,
    }, rankOf(msg));
    if (!res.processQueryKey) throw new PlatformError('retry', 'groupMessages/send: answer without processQueryKey');
    keys.push(res.processQueryKey);
    deps.stats.openApiSends++;
  }
  return { platformRef: keys.join(',') };
}
