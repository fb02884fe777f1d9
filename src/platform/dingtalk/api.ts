/**
 * The DingTalk OpenAPI client: `POST {DINGTALK_API_BASE}{path}` with the `x-acs-dingtalk-access-token`
 * header, the token from `POST /v1.0/oauth2/accessToken` cached until 5 minutes before it expires and
 * refreshed once when a call is refused for auth. Every call waits for the app-wide QPS limiter, by its `rank`
 * (the outbox lane's number: a reply goes before bulk sends; a token request before everything, as every call
 * waits for it).
 */
import { PlatformError } from '../port.js';
import { classify, isAuthError, networkError, type ApiErrorBody } from './errors.js';
import type { SlidingWindowLimiter } from './limiter.js';

export interface OpenApiOptions {
  apiBase: string;
  appKey: string;
  appSecret: string;
  /** Per-request timeout, ms. */
  timeoutMs: number;
  limiter: SlidingWindowLimiter;
}

/** Refresh the token this long before DingTalk says it expires (ms). */
export const TOKEN_EARLY_MS = 5 * 60_000;

/** The limiter rank of a token request: ahead of every lane, since every waiting call needs the token. */
const TOKEN_RANK = 0;

export class OpenApiClient {
  private token: { value: string; refreshAt: number } | null = null;
  private pending: Promise<string> | null = null;
  /** Counters for `health()`. */
  readonly stats = { tokenRequests: 0, calls: 0, authRetries: 0 };

  constructor(private readonly opts: OpenApiOptions) {}

  /**
   * The current access token, fetched when missing or within 5 min of expiry; concurrent callers share one request.
   * @throws PlatformError (retry on network/5xx, permanent when the app key/secret are refused)
   */
  async accessToken(): Promise<string> {
    if (this.token && Date.now() < this.token.refreshAt) return this.token.value;
    this.pending ??= this.fetchToken().finally(() => {
      this.pending = null;
    });
    return this.pending;
  }

  /** Forgets `token` (if still current) so the next call fetches a new one. */
  invalidate(token: string): void {
    if (this.token?.value === token) this.token = null;
  }

  private async fetchToken(): Promise<string> {
    this.stats.tokenRequests++;
    const { status, body } = await this.request('/v1.0/oauth2/accessToken', { appKey: this.opts.appKey, appSecret: this.opts.appSecret }, undefined, TOKEN_RANK);
    const b = body as { accessToken?: string; expireIn?: number } & ApiErrorBody;
    if (status !== 200 || !b.accessToken) {
      const err = classify('oauth2/accessToken', status, b);
      // a refused app key/secret is a configuration error; keep messages pending (retry) rather than fail them
      throw err.kind === 'permanent' ? new PlatformError('retry', err.message) : err;
    }
    const ttlMs = Number(b.expireIn ?? 7200) * 1000;
    this.token = { value: b.accessToken, refreshAt: Date.now() + Math.max(ttlMs - TOKEN_EARLY_MS, ttlMs / 2) };
    return b.accessToken;
  }

  /**
   * POSTs (or PUTs) `body` as JSON to `{apiBase}{path}` with the access token; on an auth refusal refreshes the token once and retries.
   * @param rank the call's place in the app-wide limiter's queue (lower first; the outbox lane's number, default bulk)
   * @param method `POST` (default) or `PUT` (card updates, `PUT /v1.0/card/instances`)
   * @returns the parsed JSON response of a 2xx answer
   * @throws PlatformError classified by {@link classify}
   */
  async call<T>(path: string, body: unknown, rank?: number, method: 'POST' | 'PUT' = 'POST'): Promise<T> {
    let token = await this.accessToken();
    let r = await this.request(path, body, token, rank, method);
    if (r.status >= 400 && isAuthError(r.status, r.body as ApiErrorBody)) {
      this.stats.authRetries++;
      this.invalidate(token);
      token = await this.accessToken();
      r = await this.request(path, body, token, rank, method);
    }
    if (r.status < 200 || r.status >= 300) throw classify(path, r.status, r.body as ApiErrorBody);
    return r.body as T;
  }

  /**
   * POSTs JSON to an absolute URL (the session webhook) with the access token header.
   * @param rank as for {@link call}
   * @returns HTTP status and parsed body; @throws PlatformError('retry') on network failure
   */
  async postUrl(url: string, body: unknown, rank?: number): Promise<{ status: number; body: unknown }> {
    const token = await this.accessToken();
    return this.request(url, body, token, rank);
  }

  private async request(pathOrUrl: string, body: unknown, token?: string, rank?: number, method: 'POST' | 'PUT' = 'POST'): Promise<{ status: number; body: unknown }> {
    const release = await this.opts.limiter.take(rank);
    this.stats.calls++;
    const url = /^https?:\/\//.test(pathOrUrl) ? pathOrUrl : this.opts.apiBase.replace(/\/$/, '') + pathOrUrl;
    try {
      const res = await fetch(url, {
        method,
        headers: { 'content-type': 'application/json', accept: 'application/json', ...(token ? { 'x-acs-dingtalk-access-token': token } : {}) },
        body: JSON.stringify(body),
        signal: AbortSignal.timeout(this.opts.timeoutMs),
      });
      const text = await res.text();
      let parsed: unknown = {};
      try {
        parsed = text ? JSON.parse(text) : {};
      } catch {
        parsed = { message: text.slice(0, 200) };
      }
      return { status: res.status, body: parsed };
    } catch (err) {
      throw networkError(pathOrUrl.split('?')[0]!, err);
    } finally {
      release();
    }
  }
}
