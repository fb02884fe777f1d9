/**
 * The Slack platform (PRODUCT.md §3, fallback): `@slack/bolt` 4.5, Socket Mode when an app token is set,
 * otherwise the HTTP receiver on gridrelay's own server (`POST /slack/events`, signature verified).
 * In: @-mentions of the bot (mention stripped), registered slash commands (translated to the Chinese
 * command words) and clicks on the acknowledgement button of relays (→ `/收到 令N`). Out:
 * `chat.postMessage`, with a Block Kit button when the message offers an `ack` action. The per-channel rate is applied by the outbox.
 *
 * Files: this one starts and stops the Bolt app and wires it; inbound.ts (payloads → InboundMessage, the
 * listeners), parse.ts (Slack markup → plain text, slash commands), outbound.ts (`chat.postMessage`),
 * format.ts (escaping, mentions, Block Kit), errors.ts (Web API errors → PlatformError); receiver.ts and
 * socket.ts are the two receivers, logger.ts Bolt's logger over pino.
 */
import { App } from '@slack/bolt';
import type { FastifyInstance } from 'fastify';
import type { Logger } from 'pino';
import type { OutboundMessage } from '../../core/message.js';
import { PlatformError, type AdapterHealth, type ExclusiveInbound, type InboundSink, type PlatformAdapter, type SendReceipt } from '../port.js';
import { registerListeners } from './inbound.js';
import { boltLogger } from './logger.js';
import { postMessage, type ChatClient } from './outbound.js';
import { FastifyReceiver } from './receiver.js';
import { SocketReceiver } from './socket.js';
import { errorFields } from '../../core/errors.js';

export interface SlackOptions {
  botToken: string;
  /** Set → Socket Mode. */
  appToken?: string;
  /** Required for the HTTP receiver. */
  signingSecret?: string;
  /** Web API base, e.g. `https://slack.com/api/` or a local fake. */
  apiUrl: string;
  log: Logger;
}

export class SlackAdapter implements PlatformAdapter {
  readonly name = 'slack' as const;
  private sink: InboundSink | null = null;
  private app: App | null = null;
  private readonly receiver: FastifyReceiver | SocketReceiver;
  private readonly log: Logger;
  /** `standby`: Socket Mode, started, the socket left to the leader process. */
  private state: 'idle' | 'initialising' | 'standby' | 'receiving' | 'auth-failed' | 'stopped' = 'idle';
  /** Socket Mode: the socket, opened only by the leader process; absent over HTTP events (every process receives). */
  readonly exclusiveInbound?: ExclusiveInbound;
  private readonly stats = { mentions: 0, commands: 0, buttons: 0, duplicates: 0, sent: 0 };

  /** @throws Error when neither an app token (Socket Mode) nor a signing secret (HTTP) is configured. */
  constructor(private readonly opts: SlackOptions) {
    this.log = opts.log.child({ platform: 'slack' });
    if (!opts.appToken && !opts.signingSecret) throw new Error('Slack needs SLACK_APP_TOKEN (Socket Mode) or SLACK_SIGNING_SECRET (HTTP events)');
    this.receiver = opts.appToken ? new SocketReceiver(opts.appToken, opts.apiUrl, this.log) : new FastifyReceiver(opts.signingSecret!, this.log);
    if (opts.appToken) this.exclusiveInbound = { open: () => this.openSocket(), close: () => this.closeSocket() };
  }

  routes(http: FastifyInstance): void {
    if (this.receiver instanceof FastifyReceiver) this.receiver.register(http);
  }

  /** Builds the Bolt app (auth.test against `apiUrl`) and registers listeners; over HTTP starts receiving (Socket Mode: {@link exclusiveInbound}). */
  async start(sink: InboundSink): Promise<void> {
    this.sink = sink;
    this.state = 'initialising';
    const common = {
      token: this.opts.botToken,
      deferInitialization: true,
      logger: boltLogger(this.log),
      clientOptions: { slackApiUrl: this.opts.apiUrl, retryConfig: { retries: 0 }, rejectRateLimitedCalls: true },
    };
    // our own receivers in both modes: each acks Slack only after the listeners have stored the message
    const app = new App({ ...common, receiver: this.receiver });
    registerListeners(app, { sink: () => this.sink, log: this.log, stats: this.stats });
    try {
      await app.init();
    } catch (err) {
      this.state = 'auth-failed';
      this.log.error({ err: err instanceof Error ? err.message : String(err) }, 'slack: auth.test failed; check SLACK_BOT_TOKEN');
      throw err;
    }
    this.app = app;
    if (this.exclusiveInbound) {
      this.state = 'standby';
      return;
    }
    await app.start();
    this.state = 'receiving';
  }

  /** Socket Mode: opens the socket (`apps.connections.open`, then `hello`). @throws when Slack refuses it */
  private async openSocket(): Promise<void> {
    if (!this.app) throw new Error('slack: open the socket after start()');
    await this.app.start();
    this.state = 'receiving';
  }

  /** Socket Mode: closes the socket; sending goes on. */
  private async closeSocket(): Promise<void> {
    if (this.state !== 'receiving') return;
    this.state = 'standby';
    await this.app?.stop().catch((err: unknown) => this.log.warn({ ...errorFields(err) }, 'slack: closing the socket failed'));
  }

  /** @see postMessage */
  async send(message: OutboundMessage): Promise<SendReceipt> {
    if (!this.app) throw new PlatformError('retry', 'slack: not started');
    const receipt = await postMessage(this.app.client as unknown as ChatClient, message);
    this.stats.sent++;
    return receipt;
  }

  async stop(): Promise<void> {
    this.sink = null;
    const receiving = this.state === 'receiving';
    this.state = 'stopped';
    if (receiving || !this.exclusiveInbound) await this.app?.stop().catch((err: unknown) => this.log.warn({ ...errorFields(err) }, 'slack: stop failed'));
  }

  /** `ok` when receiving, or in `standby` (Socket Mode, another process holds the socket). */
  health(): AdapterHealth {
    return {
      ok: this.state === 'receiving' || this.state === 'standby',
      state: this.state,
      mode: this.opts.appToken ? 'socket' : 'http',
      ...this.stats,
      ...(this.receiver instanceof FastifyReceiver ? { http: { ...this.receiver.stats } } : { socket: this.receiver.health() }),
    };
  }
}
