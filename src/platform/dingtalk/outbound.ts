/**
 * DingTalk sends. A reply to a message whose `sessionWebhook` is still valid is POSTed to that webhook;
 * everything else goes through `POST /v1.0/robot/groupMessages/send` (bodies built by format.ts; longer
 * than 15,000 bytes → split into several sends).
 */
import { OUTBOX_LANES, type OutboundMessage } from '../../core/message.js';
import { PlatformError, type SendReceipt } from '../port.js';
import type { OpenApiClient } from './api.js';
import { classify, type ApiErrorBody } from './errors.js';
import { MAX_PARAM_BYTES, openApiParams, utf8Bytes, webhookBody } from './format.js';
import type { DingTalkReplyContext } from './inbound.js';

/** A session webhook is not used within this margin of its expiry (ms). */
export const WEBHOOK_MARGIN_MS = 60_000;

export interface SendDeps {
  api: OpenApiClient;
  robotCode: string;
  /** Counters for `health()`. */
  stats: { webhookSends: number; openApiSends: number; webhookFallbacks: number };
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
  return sendViaOpenApi(deps, msg);
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
