/**
 * DingTalk failures → PlatformError kinds (see fixtures openapi-errors.json): auth → the caller
 * refreshes the token once; QPS / flow control / 429 → throttled; 5xx and network → retry; an invalid
 * group or a robot that is not in the group → permanent.
 */
import { PlatformError } from '../port.js';

/** A DingTalk OpenAPI error body: `{code, message}` (errcode/errmsg on the old webhook API). */
export interface ApiErrorBody {
  code?: string;
  message?: string;
  errcode?: number;
  errmsg?: string;
}

/** How long a throttled send waits before the outbox tries it again (ms). */
export const THROTTLE_RETRY_MS = 2000;

/** Whether a response means the access token is invalid or expired. */
export function isAuthError(status: number, body: ApiErrorBody): boolean {
  return status === 401 || /InvalidAuthentication|accessToken|access_token|token.*(invalid|expired)/i.test(body.code ?? '');
}

/**
 * Classifies a failed OpenAPI response.
 * @param what the call, for the message, e.g. `groupMessages/send`
 */
export function classify(what: string, status: number, body: ApiErrorBody): PlatformError {
  const code = body.code ?? (body.errcode !== undefined ? String(body.errcode) : '');
  const text = `${what}: HTTP ${status} ${code} ${body.message ?? body.errmsg ?? ''}`.trim();
  if (status === 429 || /qps|throttl|flowcontrol|ratelimit|limit.?exceed|too.?fast/i.test(code + ' ' + (body.message ?? ''))) {
    return new PlatformError('throttled', text, THROTTLE_RETRY_MS);
  }
  if (status >= 500 || status === 408) return new PlatformError('retry', text);
  if (isAuthError(status, body)) return new PlatformError('retry', `${text} (token refused twice)`);
  // 400/403/404: invalid openConversationId, robot not in group, bad robotCode, malformed body — never succeeds
  return new PlatformError('permanent', text);
}

/** A network failure or timeout (fetch threw) → retry. */
export function networkError(what: string, err: unknown): PlatformError {
  const msg = err instanceof Error ? `${err.name}: ${err.message}` : String(err);
  return new PlatformError('retry', `${what}: ${msg}`);
}
