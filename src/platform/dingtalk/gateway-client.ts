/**
 * `DWClient` (dingtalk-stream 2.1.5) adapted for our connection manager:
 * - `getEndpoint()` asks `DINGTALK_GATEWAY_URL` (the SDK hard-codes DingTalk's URL) with a timeout;
 * - `autoReconnect` is off — the SDK's own reconnect storms; {@link StreamConnection} reconnects instead;
 * - every downstream frame is reported (`frame` event) and parse errors never escape a socket listener;
 * - a SYSTEM `disconnect` frame is reported as a `disconnect` event.
 * One instance = one WebSocket connection; it is never reconnected, a new instance replaces it.
 */
import { DWClient, TOPIC_CARD, TOPIC_ROBOT, type DWClientDownStream } from 'dingtalk-stream';
import type WebSocket from 'ws';

export interface GatewayClientOptions {
  clientId: string;
  clientSecret: string;
  gatewayUrl: string;
  /** Timeout of the ticket request, ms. */
  ticketTimeoutMs: number;
  /** Called on any throw inside the SDK's socket listeners. */
  onError: (err: unknown) => void;
}

/** Fields the SDK keeps private in its typings but sets at run time. */
interface SdkInternals {
  dw_url?: string;
  socket?: WebSocket;
  config: { endpoint?: unknown };
}

export class GatewayClient extends DWClient {
  constructor(private readonly gw: GatewayClientOptions) {
    // autoReconnect is read at run time but missing from the constructor's typings
    super({ clientId: gw.clientId, clientSecret: gw.clientSecret, ua: 'gridrelay', keepAlive: false, autoReconnect: false } as ConstructorParameters<typeof DWClient>[0]);
  }

  /** The robot topic this client subscribes to. */
  static readonly ROBOT_TOPIC = TOPIC_ROBOT;
  /** The interactive card callback topic (a card button pressed), subscribed when cards are on. */
  static readonly CARD_TOPIC = TOPIC_CARD;

  /**
   * POSTs `{clientId, clientSecret, ua, subscriptions}` to the gateway URL and keeps `{endpoint, ticket}`.
   * @throws Error on timeout, a non-2xx answer or a missing endpoint/ticket
   */
  override async getEndpoint(): Promise<this> {
    const res = await fetch(this.gw.gatewayUrl, {
      method: 'POST',
      headers: { 'content-type': 'application/json', accept: 'application/json' },
      body: JSON.stringify({
        clientId: this.config.clientId,
        clientSecret: this.config.clientSecret,
        ua: this.config.ua,
        subscriptions: this.config.subscriptions,
      }),
      signal: AbortSignal.timeout(this.gw.ticketTimeoutMs),
    });
    if (!res.ok) throw new Error(`ticket request answered HTTP ${res.status}`);
    const data = (await res.json()) as { endpoint?: string; ticket?: string };
    if (!data.endpoint || !data.ticket) throw new Error('ticket answer without endpoint or ticket');
    const self = this as unknown as SdkInternals;
    self.config.endpoint = data;
    self.dw_url = `${data.endpoint}?ticket=${encodeURIComponent(data.ticket)}`;
    return this;
  }

  /** The open WebSocket, once connected (the SDK's `socket` field, private in its typings). */
  get ws(): WebSocket | undefined {
    return (this as unknown as SdkInternals).socket;
  }

  override onDownStream(data: string): void {
    try {
      this.emit('frame');
      super.onDownStream(data);
    } catch (err) {
      this.gw.onError(err);
    }
  }

  override onSystem(frame: DWClientDownStream): void {
    super.onSystem(frame);
    if (frame.headers.topic === 'disconnect') this.emit('disconnect-frame', frame);
  }

  /** Acks a CALLBACK frame: `{code: 200, headers: {messageId}, message: 'OK', data: '{"response":null}'}`. */
  ack(messageId: string): void {
    this.socketCallBackResponse(messageId, null);
  }

  /**
   * Answers a card callback frame with an empty response (`data: '{"response":{}}'`): DingTalk then leaves the
   * card as it is — gridrelay updates it afterwards with `PUT /v1.0/card/instances`, not inside the callback.
   */
  answerCard(messageId: string): void {
    this.socketCallBackResponse(messageId, {});
  }
}
