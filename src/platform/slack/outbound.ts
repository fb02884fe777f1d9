/**
 * Slack sends: `chat.postMessage {channel, text, mrkdwn}` through Bolt's WebClient (its own retries
 * off — the outbox retries). Mentions become `<@member_id>`; never `<!channel>`/`<!here>`.
 * Errors: rate limited → throttled (Retry-After); network/5xx → retry; channel_not_found, not_in_channel,
 * is_archived, invalid_auth … → permanent.
 */
import type { OutboundMessage } from '../../core/message.js';
import { PlatformError, type SendReceipt } from '../port.js';

/** The slice of `WebClient` we use. */
export interface ChatClient {
  chat: { postMessage(args: { channel: string; text: string; mrkdwn?: boolean; thread_ts?: string }): Promise<{ ok?: boolean; ts?: string; error?: string }> };
}

/** Slack errors worth retrying as they are (everything else platform-side is permanent). */
const TRANSIENT = new Set(['internal_error', 'fatal_error', 'service_unavailable', 'request_timeout', 'ratelimited', 'team_added_to_org']);

/**
 * Posts one message. @returns `platformRef` = the message `ts`
 * @throws PlatformError retry / throttled / permanent
 */
export async function postMessage(client: ChatClient, msg: OutboundMessage): Promise<SendReceipt> {
  const mentions = (msg.mentions ?? []).map((id) => `<@${id}>`).join(' ');
  const body = (msg.markdown ?? msg.text).replace(/<!(channel|here|everyone)>/g, '');
  const threadTs = msg.replyTo?.replyContext?.threadTs;
  try {
    const res = await client.chat.postMessage({
      channel: msg.conversationId,
      text: mentions ? `${mentions} ${body}` : body,
      mrkdwn: true,
      ...(typeof threadTs === 'string' ? { thread_ts: threadTs } : {}),
    });
    return { platformRef: res.ts ?? '' };
  } catch (err) {
    throw classifySlackError(err);
  }
}

/** Maps a `@slack/web-api` error (by its `code`) to a PlatformError. */
export function classifySlackError(err: unknown): PlatformError {
  const e = err as { code?: string; retryAfter?: number; statusCode?: number; data?: { error?: string }; message?: string };
  const text = `chat.postMessage: ${e.data?.error ?? e.message ?? String(err)}`;
  switch (e.code) {
    case 'slack_webapi_rate_limited_error':
      return new PlatformError('throttled', text, Math.max(1, e.retryAfter ?? 1) * 1000);
    case 'slack_webapi_platform_error':
      return new PlatformError(TRANSIENT.has(e.data?.error ?? '') ? 'retry' : 'permanent', text);
    case 'slack_webapi_http_error':
      return new PlatformError((e.statusCode ?? 500) >= 500 ? 'retry' : 'permanent', text);
    default:
      return new PlatformError('retry', text);
  }
}
