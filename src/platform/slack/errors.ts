/**
 * Slack failures → PlatformError kinds: rate limited → throttled (Retry-After); network/5xx and Slack's
 * own transient errors → retry; channel_not_found, not_in_channel, is_archived, invalid_auth … → permanent.
 */
import { PlatformError } from '../port.js';

/** Slack errors worth retrying as they are (everything else platform-side is permanent). */
const TRANSIENT = new Set(['internal_error', 'fatal_error', 'service_unavailable', 'request_timeout', 'ratelimited', 'team_added_to_org']);

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
