/**
 * A Bolt receiver for Socket Mode that acks Slack only after the listeners ran — so a message is
 * stored before Slack hears the ack. (Bolt's own SocketModeReceiver acks Events API envelopes before
 * any listener runs: Bolt's `processEvent` calls `ack()` first for events. Here that `ack()` only
 * records the response; the envelope ack `{envelope_id, payload}` goes out once `processEvent`
 * resolves.) If a listener fails, nothing is acked and Slack redelivers the envelope (retry_attempt);
 * the redelivery is deduplicated by the message's own id.
 *
 * `apps.connections.open` is called with the app-level token against `apiUrl`, so a local fake can
 * stand in for Slack (tests); the `ws://`/`wss://` URL it returns is opened by `@slack/socket-mode`.
 */
import type { App, Receiver, ReceiverEvent } from '@slack/bolt';
import { SocketModeClient } from '@slack/socket-mode';
import type { Logger } from 'pino';
import { boltLogger } from './logger.js';

/** What `@slack/socket-mode` hands to `slack_event` listeners. */
interface SocketEvent {
  ack: (response?: Record<string, unknown>) => Promise<void>;
  envelope_id?: string;
  type?: string;
  body?: Record<string, any>;
  retry_num?: number;
  retry_reason?: string;
}

export class SocketReceiver implements Receiver {
  private app: App | null = null;
  private readonly client: SocketModeClient;
  private connected = false;
  readonly stats = { envelopes: 0, acked: 0, failed: 0, retries: 0 };

  constructor(
    appToken: string,
    apiUrl: string,
    private readonly log: Logger,
  ) {
    this.client = new SocketModeClient({ appToken, logger: boltLogger(log), clientOptions: { slackApiUrl: apiUrl } });
    this.client.on('slack_event', (e: SocketEvent) => void this.onEvent(e));
    this.client.on('connected', () => (this.connected = true));
    this.client.on('disconnected', () => (this.connected = false));
    this.client.on('reconnecting', () => (this.connected = false));
  }

  init(app: App): void {
    this.app = app;
  }

  /** Opens the Socket Mode connection; resolves once Slack said `hello`. */
  async start(): Promise<void> {
    await this.client.start();
    this.connected = true;
  }

  async stop(): Promise<void> {
    this.connected = false;
    await this.client.disconnect();
  }

  health(): { connected: boolean } & SocketReceiver['stats'] {
    return { connected: this.connected, ...this.stats };
  }

  private async onEvent(e: SocketEvent): Promise<void> {
    if (!this.app || !e.body) return;
    this.stats.envelopes++;
    if (e.retry_num) this.stats.retries++;
    let response: Record<string, unknown> | undefined;
    const event: ReceiverEvent = {
      body: e.body,
      ...(e.retry_num ? { retryNum: e.retry_num, retryReason: e.retry_reason ?? '' } : {}),
      ack: async (r?: unknown) => {
        if (r !== undefined && r !== '') response = typeof r === 'string' ? { text: r } : (r as Record<string, unknown>);
      },
    };
    try {
      await this.app.processEvent(event);
    } catch (err) {
      this.stats.failed++;
      this.log.error({ envelope: e.envelope_id, err: err instanceof Error ? err.message : String(err) }, 'slack: envelope not processed; not acked, Slack will redeliver');
      return;
    }
    try {
      await e.ack(response);
      this.stats.acked++;
    } catch (err) {
      this.log.warn({ envelope: e.envelope_id, err: err instanceof Error ? err.message : String(err) }, 'slack: envelope ack failed (stored; a redelivery is deduplicated)');
    }
  }
}
