/**
 * A local fake Slack Web API on loopback: `auth.test` and `chat.postMessage` (form or JSON bodies, bot
 * token in `Authorization: Bearer`), recording every post; per-channel failures can be injected. It also
 * signs Events API / slash command requests the way Slack does, for gridrelay's HTTP receiver.
 * Socket Mode: `apps.connections.open` (app-level token) returns a `ws://` URL on this fake; the
 * WebSocket says `hello`, then carries the envelopes a test pushes (`pushEnvelope`) and records the
 * client's acks (`{envelope_id}`).
 */
import { createHmac } from 'node:crypto';
import { once } from 'node:events';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { WebSocketServer, type WebSocket } from 'ws';

export interface SlackPost {
  at: number;
  channel: string;
  text: string;
  thread_ts?: string;
  ts: string;
  /** Block Kit blocks, when the post had any. */
  blocks?: { type: string; elements?: { type: string; action_id?: string; value?: string; text?: { text: string } }[] }[];
}

export class FakeSlack {
  readonly botToken = 'xoxb-fake-token';
  readonly signingSecret = 'fake-signing-secret';
  readonly botUserId = 'UBOTFAKE';
  readonly appToken = 'xapp-fake-app-token';
  private server!: Server;
  private wss!: WebSocketServer;
  /** Socket Mode connections, newest last. */
  readonly sockets: { ws: WebSocket; open: boolean }[] = [];
  /** Envelope ids the client acked, with when. */
  readonly envelopeAcks: { envelopeId: string; at: number; payload?: unknown }[] = [];
  /** Times of apps.connections.open calls. */
  readonly connectionOpens: number[] = [];
  apiUrl = '';
  readonly posts: SlackPost[] = [];
  readonly authTests: number[] = [];
  /** channel → Slack error code answered by chat.postMessage (e.g. `channel_not_found`). */
  readonly failChannel = new Map<string, string>();
  private seq = 0;

  async start(): Promise<this> {
    this.server = createServer((req, res) => void this.route(req, res));
    this.wss = new WebSocketServer({ noServer: true });
    this.server.on('upgrade', (req, socket, head) => {
      if (!(req.url ?? '').startsWith('/link')) {
        socket.end('HTTP/1.1 404 Not Found\r\n\r\n');
        return;
      }
      this.wss.handleUpgrade(req, socket, head, (ws) => this.onSocket(ws));
    });
    this.server.listen(0, '127.0.0.1');
    await once(this.server, 'listening');
    this.apiUrl = `http://127.0.0.1:${(this.server.address() as AddressInfo).port}/api/`;
    return this;
  }

  async stop(): Promise<void> {
    for (const c of this.sockets) c.ws.terminate();
    this.wss.close();
    this.server.closeAllConnections();
    await new Promise<void>((r) => this.server.close(() => r()));
  }

  /** The env that selects Slack (HTTP receiver) and points it at this fake. */
  env(): Record<string, string> {
    return { SLACK_BOT_TOKEN: this.botToken, SLACK_SIGNING_SECRET: this.signingSecret, SLACK_API_URL: this.apiUrl };
  }

  /** The env that selects Slack in Socket Mode against this fake (no signing secret needed). */
  socketEnv(): Record<string, string> {
    return { SLACK_BOT_TOKEN: this.botToken, SLACK_APP_TOKEN: this.appToken, SLACK_API_URL: this.apiUrl };
  }

  /**
   * Sends a Socket Mode envelope on the newest open socket: `events_api` (payload = an Events API
   * body such as `JSON.parse(mentionEvent(...).body)`) or `interactive` (a block_actions payload).
   * @returns the envelope id the client must ack
   */
  pushEnvelope(type: 'events_api' | 'interactive' | 'slash_commands', payload: unknown, opts: { envelopeId?: string; retryAttempt?: number } = {}): string {
    const conn = this.sockets.filter((c) => c.open).at(-1);
    if (!conn) throw new Error('fake slack: no open socket');
    const envelopeId = opts.envelopeId ?? `env-${process.pid}-${++this.seq}`;
    conn.ws.send(JSON.stringify({ envelope_id: envelopeId, type, payload, accepts_response_payload: type !== 'events_api', retry_attempt: opts.retryAttempt ?? 0, retry_reason: opts.retryAttempt ? 'timeout' : '' }));
    return envelopeId;
  }

  private onSocket(ws: WebSocket): void {
    const conn = { ws, open: true };
    this.sockets.push(conn);
    ws.on('message', (data) => {
      try {
        const m = JSON.parse(String(data)) as { envelope_id?: string; payload?: unknown };
        if (m.envelope_id) this.envelopeAcks.push({ envelopeId: m.envelope_id, at: Date.now(), payload: m.payload });
      } catch {
        /* not JSON: ignore */
      }
    });
    ws.on('close', () => (conn.open = false));
    ws.send(JSON.stringify({ type: 'hello', num_connections: 1, debug_info: { host: 'fake', approximate_connection_time: 3600 }, connection_info: { app_id: 'AFAKE' } }));
  }

  /** Headers Slack would send with `body`: `x-slack-signature` = v0=HMAC-SHA256(secret, `v0:ts:body`). */
  sign(body: string, secret = this.signingSecret): Record<string, string> {
    const ts = String(Math.floor(Date.now() / 1000));
    const sig = createHmac('sha256', secret).update(`v0:${ts}:${body}`).digest('hex');
    return { 'x-slack-signature': `v0=${sig}`, 'x-slack-request-timestamp': ts };
  }

  /** An Events API `event_callback` envelope around an `app_mention` from `user` in `channel`. */
  mentionEvent(channel: string, user: string, text: string): { eventId: string; ts: string; body: string } {
    const n = ++this.seq;
    const ts = `${Math.floor(Date.now() / 1000)}.${String(n).padStart(6, '0')}`;
    const eventId = `Ev${process.pid}${n}`;
    const body = JSON.stringify({
      token: 'legacy',
      team_id: 'TFAKE',
      api_app_id: 'AFAKE',
      type: 'event_callback',
      event_id: eventId,
      event_time: Math.floor(Date.now() / 1000),
      authorizations: [{ team_id: 'TFAKE', user_id: this.botUserId, is_bot: true }],
      event: { type: 'app_mention', user, text: `<@${this.botUserId}> ${text}`, ts, channel, event_ts: ts },
    });
    return { eventId, ts, body };
  }

  /** A slash command request body (form-encoded), as Slack posts it. */
  slashCommand(command: string, channel: string, user: string, text: string): string {
    return new URLSearchParams({
      token: 'legacy',
      team_id: 'TFAKE',
      channel_id: channel,
      user_id: user,
      command,
      text,
      api_app_id: 'AFAKE',
      response_url: `${this.apiUrl}response/${++this.seq}`,
      trigger_id: `trig.${process.pid}.${this.seq}`,
    }).toString();
  }

  /**
   * An interactivity request body (form-encoded `payload=`, and the payload itself for Socket Mode), as Slack posts it when `user` clicks the
   * button `actionId` with `value` on the message `messageTs` in `channel`.
   */
  blockAction(channel: string, user: string, messageTs: string, actionId: string, value: string): { triggerId: string; payload: Record<string, unknown>; body: string } {
    const n = ++this.seq;
    const triggerId = `trig.${process.pid}.${n}`;
    const actionTs = `${Math.floor(Date.now() / 1000)}.${String(n).padStart(6, '0')}`;
    const payload = {
      type: 'block_actions',
      team: { id: 'TFAKE', domain: 'fake' },
      user: { id: user, username: user, team_id: 'TFAKE' },
      api_app_id: 'AFAKE',
      token: 'legacy',
      container: { type: 'message', message_ts: messageTs, channel_id: channel, is_ephemeral: false },
      trigger_id: triggerId,
      channel: { id: channel, name: channel },
      message: { type: 'message', ts: messageTs, text: '' },
      response_url: `${this.apiUrl}response/${n}`,
      actions: [{ type: 'button', action_id: actionId, block_id: `b${n}`, value, text: { type: 'plain_text', text: '收到' }, action_ts: actionTs }],
    };
    return { triggerId, payload, body: new URLSearchParams({ payload: JSON.stringify(payload) }).toString() };
  }

  private async route(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const url = new URL(req.url ?? '/', 'http://x');
    const args = await readArgs(req);
    const token = String(req.headers.authorization ?? '').replace(/^Bearer\s+/i, '') || String(args.token ?? '');
    if (url.pathname === '/api/apps.connections.open') {
      this.connectionOpens.push(Date.now());
      if (token !== this.appToken) return json(res, { ok: false, error: 'invalid_auth' });
      return json(res, { ok: true, url: `${this.apiUrl.replace(/^http/, 'ws').replace(/\/api\/$/, '')}/link?ticket=t${++this.seq}` });
    }
    if (token !== this.botToken) return json(res, { ok: false, error: 'invalid_auth' });
    switch (url.pathname) {
      case '/api/auth.test':
        this.authTests.push(Date.now());
        return json(res, { ok: true, url: 'https://fake.slack.com/', team: 'Fake', user: 'gridrelay', team_id: 'TFAKE', user_id: this.botUserId, bot_id: 'BFAKE' });
      case '/api/chat.postMessage': {
        const channel = String(args.channel ?? '');
        const error = this.failChannel.get(channel);
        if (error) return json(res, { ok: false, error });
        const ts = `${Math.floor(Date.now() / 1000)}.${String(++this.seq).padStart(6, '0')}`;
        const blocks = typeof args.blocks === 'string' ? (JSON.parse(args.blocks) as SlackPost['blocks']) : (args.blocks as SlackPost['blocks']);
        this.posts.push({ at: Date.now(), channel, text: String(args.text ?? ''), ts, ...(args.thread_ts ? { thread_ts: String(args.thread_ts) } : {}), ...(blocks ? { blocks } : {}) });
        return json(res, { ok: true, channel, ts, message: { text: args.text, ts } });
      }
      default:
        return json(res, { ok: false, error: 'unknown_method' });
    }
  }
}

async function readArgs(req: IncomingMessage): Promise<Record<string, unknown>> {
  const chunks: Buffer[] = [];
  for await (const c of req) chunks.push(c as Buffer);
  const raw = Buffer.concat(chunks).toString('utf8');
  if (!raw) return {};
  if (String(req.headers['content-type']).includes('json')) return JSON.parse(raw) as Record<string, unknown>;
  return Object.fromEntries(new URLSearchParams(raw));
}

function json(res: ServerResponse, body: unknown): void {
  res.writeHead(200, { 'content-type': 'application/json' });
  res.end(JSON.stringify(body));
}
