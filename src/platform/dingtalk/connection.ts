/**
 * Our own Stream connection manager (the SDK's reconnect is off). It keeps one live {@link GatewayClient}:
 * - reconnects on a SYSTEM `disconnect` frame, a closed socket, or `idleTimeoutMs` without any frame;
 * - retries failed attempts with exponential backoff and jitter, capped at `maxDelayMs` (no storm);
 * - opens the new connection before closing the old one, so no callback window is lost;
 * - exposes state and counters for `/healthz`.
 */
import type { DWClientDownStream } from 'dingtalk-stream';
import type { Logger } from 'pino';
import { GatewayClient } from './gateway-client.js';
import { errorFields } from '../../core/errors.js';

export interface StreamConnectionOptions {
  clientId: string;
  clientSecret: string;
  gatewayUrl: string;
  /** Ticket request and WebSocket open timeout, ms. */
  ticketTimeoutMs: number;
  /** Reconnect after this long without any frame, ms. */
  idleTimeoutMs: number;
  /** First retry delay and cap, ms. */
  baseDelayMs: number;
  maxDelayMs: number;
  log: Logger;
  /** Handles a robot CALLBACK frame; `client` is the connection it came on (ack on it). Must not throw. */
  onCallback: (frame: DWClientDownStream, client: GatewayClient) => void;
  /** Handles a card CALLBACK frame (a card button pressed); subscribed only when given (cards on). Must not throw. */
  onCardCallback?: (frame: DWClientDownStream, client: GatewayClient) => void;
}

export type StreamState = 'idle' | 'connecting' | 'connected' | 'reconnecting' | 'stopped';

/** Delay before retry number `attempt` (0-based): base·2^attempt capped at max, then 50–100 % of it (jitter). */
export function backoffDelay(attempt: number, baseMs: number, maxMs: number, random = Math.random): number {
  const capped = Math.min(maxMs, baseMs * 2 ** Math.min(attempt, 30));
  return Math.round(capped * (0.5 + random() * 0.5));
}

export class StreamConnection {
  private current: GatewayClient | null = null;
  private state: StreamState = 'idle';
  private lastFrameAt = 0;
  private loop: Promise<void> | null = null;
  private watchdog: NodeJS.Timeout | null = null;
  private wake: (() => void) | null = null;
  readonly stats = { connects: 0, reconnects: 0, failedAttempts: 0, frames: 0, disconnectFrames: 0, idleTimeouts: 0, lastError: '' };

  constructor(private readonly opts: StreamConnectionOptions) {}

  /** Connects (retrying in the background on failure). @returns after the first attempt, successful or not. */
  async start(): Promise<void> {
    this.state = 'connecting';
    const tick = Math.max(50, Math.min(1000, Math.floor(this.opts.idleTimeoutMs / 4)));
    this.watchdog = setInterval(() => this.checkIdle(), tick);
    this.watchdog.unref();
    let first!: () => void;
    const firstAttempt = new Promise<void>((r) => (first = r));
    this.loop = this.connectLoop('start', first);
    await firstAttempt;
  }

  /** Closes the connection and stops reconnecting. */
  async stop(): Promise<void> {
    this.state = 'stopped';
    if (this.watchdog) clearInterval(this.watchdog);
    this.wake?.();
    await this.loop?.catch(() => undefined);
    this.retire(this.current);
    this.current = null;
  }

  /** State and counters for `health()`. */
  health(): { state: StreamState; lastFrameAt: string | null } & StreamConnection['stats'] {
    return { state: this.state, lastFrameAt: this.lastFrameAt ? new Date(this.lastFrameAt).toISOString() : null, ...this.stats };
  }

  /** Starts a reconnect unless one is already running. */
  reconnect(reason: string): void {
    if (this.state === 'stopped' || this.loop) return;
    this.opts.log.warn({ reason }, 'dingtalk stream: reconnecting');
    this.stats.reconnects++;
    this.state = 'reconnecting';
    this.loop = this.connectLoop(reason, () => undefined);
  }

  private checkIdle(): void {
    if (this.state !== 'connected' || this.loop) return;
    if (Date.now() - this.lastFrameAt > this.opts.idleTimeoutMs) {
      this.stats.idleTimeouts++;
      this.reconnect(`no frame for ${this.opts.idleTimeoutMs} ms`);
    }
  }

  private async connectLoop(reason: string, afterFirst: () => void): Promise<void> {
    try {
      for (let attempt = 0; !this.stopped(); attempt++) {
        try {
          await this.connectOnce();
          this.opts.log.info({ reason, attempt }, 'dingtalk stream: connected');
          return;
        } catch (err) {
          this.stats.failedAttempts++;
          this.stats.lastError = err instanceof Error ? err.message : String(err);
          const delay = backoffDelay(attempt, this.opts.baseDelayMs, this.opts.maxDelayMs);
          this.opts.log.warn({ err: this.stats.lastError, attempt, delayMs: delay }, 'dingtalk stream: connect failed');
          if (!this.current) this.state = 'reconnecting';
          afterFirst();
          await this.sleep(delay);
        }
      }
    } finally {
      afterFirst();
      this.loop = null;
    }
  }

  private stopped(): boolean {
    return this.state === 'stopped';
  }

  /** Opens a new connection, switches callbacks to it, then closes the old one. */
  private async connectOnce(): Promise<void> {
    const client = new GatewayClient({
      clientId: this.opts.clientId,
      clientSecret: this.opts.clientSecret,
      gatewayUrl: this.opts.gatewayUrl,
      ticketTimeoutMs: this.opts.ticketTimeoutMs,
      onError: (err) => this.opts.log.error({ ...errorFields(err) }, 'dingtalk stream: frame handling failed'),
    });
    client.registerCallbackListener(GatewayClient.ROBOT_TOPIC, (frame) => this.opts.onCallback(frame, client));
    const onCard = this.opts.onCardCallback;
    if (onCard) client.registerCallbackListener(GatewayClient.CARD_TOPIC, (frame) => onCard(frame, client));
    client.on('frame', () => {
      this.stats.frames++;
      if (client === this.current) this.lastFrameAt = Date.now();
    });
    client.on('disconnect-frame', () => {
      this.stats.disconnectFrames++;
      if (client === this.current) this.reconnect('disconnect frame');
    });
    await client.getEndpoint();
    await withTimeout(client._connect(), this.opts.ticketTimeoutMs, 'WebSocket open').catch((err) => {
      this.retire(client);
      throw err;
    });
    if (this.stopped()) {
      this.retire(client);
      return;
    }
    client.ws?.on('close', () => {
      if (client === this.current && !this.stopped()) this.reconnect('socket closed');
    });
    const old = this.current;
    this.current = client;
    this.lastFrameAt = Date.now();
    this.state = 'connected';
    this.stats.connects++;
    this.retire(old);
  }

  /** Closes a connection we no longer use; its close event is ignored (it is not `current`). */
  private retire(client: GatewayClient | null): void {
    if (!client) return;
    try {
      client.removeAllListeners('disconnect-frame');
      client.disconnect();
    } catch (err) {
      this.opts.log.warn({ ...errorFields(err) }, 'dingtalk stream: closing old connection failed');
    }
  }

  private sleep(ms: number): Promise<void> {
    return new Promise((resolve) => {
      const t = setTimeout(done, ms);
      function done() {
        clearTimeout(t);
        resolve();
      }
      this.wake = done;
    });
  }
}

function withTimeout<T>(p: Promise<T>, ms: number, what: string): Promise<T> {
  let t: NodeJS.Timeout;
  return Promise.race([
    p,
    new Promise<T>((_, reject) => {
      t = setTimeout(() => reject(new Error(`${what} timed out after ${ms} ms`)), ms);
    }),
  ]).finally(() => clearTimeout(t));
}
