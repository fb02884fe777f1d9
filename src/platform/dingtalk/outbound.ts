/**
 * DingTalk sends. A reply to a message whose `sessionWebhook` is still valid is POSTed to that webhook;
 * everything else goes through `POST /v1.0/robot/groupMessages/send` (msgKey `sampleText` or
 * `sampleMarkdown`, `msgParam` a JSON string of at most 15,000 bytes — longer bodies are split).
 */
import type { OutboundMessage } from '../../core/message.js';
import { PlatformError, type SendReceipt } from '../port.js';
import type { OpenApiClient } from './api.js';
import { classify, type ApiErrorBody } from './errors.js';
import type { DingTalkReplyContext } from './parse.js';

/** DingTalk's limit on `msgParam`, in UTF-8 bytes. */
export const MAX_PARAM_BYTES = 15_000;
/** A session webhook is not used within this margin of its expiry (ms). */
export const WEBHOOK_MARGIN_MS = 60_000;

export interface SendDeps {
  api: OpenApiClient;
  robotCode: string;
  /** Counters for `health()`. */
  stats: { webhookSends: number; openApiSends: number; webhookFallbacks: number };
}

const bytes = (s: string) => Buffer.byteLength(s, 'utf8');

/**
 * Splits `text` into pieces whose `JSON.stringify(wrap(piece))` is at most `maxBytes` UTF-8 bytes,
 * cutting at line ends where possible. @returns at least one piece
 */
export function splitForParam(text: string, wrap: (piece: string) => unknown, maxBytes = MAX_PARAM_BYTES): string[] {
  const fits = (s: string) => bytes(JSON.stringify(wrap(s))) <= maxBytes;
  if (fits(text)) return [text];
  const pieces: string[] = [];
  let current = '';
  const push = () => {
    if (current) pieces.push(current);
    current = '';
  };
  for (const line of text.split('\n')) {
    const candidate = current ? `${current}\n${line}` : line;
    if (fits(candidate)) {
      current = candidate;
      continue;
    }
    push();
    if (fits(line)) {
      current = line;
      continue;
    }
    for (const ch of line) {
      if (!fits(current + ch)) push();
      current += ch;
    }
  }
  push();
  return pieces.length ? pieces : [''];
}

/** A short title for markdown messages: the first line without markdown marks, at most 20 characters. */
export function titleOf(text: string): string {
  const first = text.split('\n').find((l) => l.trim()) ?? '通知';
  return [...first.replace(/^[#>*\s-]+/, '').trim()].slice(0, 20).join('') || '通知';
}

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
  const mentions = msg.mentions ?? [];
  const tail = mentions.filter((id) => !(msg.markdown ?? msg.text).includes(`@${id}`)).map((id) => `@${id}`).join(' ');
  const at = { atUserIds: mentions, isAtAll: false };
  const body = msg.markdown
    ? { msgtype: 'markdown', markdown: { title: titleOf(msg.text), text: tail ? `${msg.markdown}\n\n${tail}` : msg.markdown }, at }
    : { msgtype: 'text', text: { content: tail ? `${msg.text} ${tail}` : msg.text }, at };
  if (bytes(JSON.stringify(body)) > MAX_PARAM_BYTES) return null; // long bodies go the OpenAPI way, split
  const r = await deps.api.postUrl(url, body);
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
  const markdown = msg.markdown;
  const title = titleOf(msg.text);
  const pieces = markdown
    ? splitForParam(markdown, (p) => ({ title, text: p }), MAX_PARAM_BYTES - 200)
    : splitForParam(msg.text, (p) => ({ content: p }), MAX_PARAM_BYTES - 200);
  const keys: string[] = [];
  for (const piece of pieces) {
    const msgParam = JSON.stringify(markdown ? { title, text: piece } : { content: piece });
    const res = await deps.api.call<{ processQueryKey?: string }>('/v1.0/robot/groupMessages/send', {
      robotCode: deps.robotCode,
      openConversationId: msg.conversationId,
      msgKey: markdown ? 'sampleMarkdown' : 'sampleText',
      msgParam,
    });
    if (!res.processQueryKey) throw new PlatformError('retry', 'groupMessages/send: answer without processQueryKey');
    keys.push(res.processQueryKey);
    deps.stats.openApiSends++;
  }
  return { platformRef: keys.join(',') };
}
