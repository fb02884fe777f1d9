/**
 * A local fake DingTalk on loopback, in the documented field shapes (see test/fixtures/dingtalk/):
 * - `POST /v1.0/gateway/connections/open` → `{endpoint, ticket}` (single-use tickets; can refuse N in a row)
 * - WebSocket `/connect?ticket=` → SYSTEM ping, CALLBACK frames built from the fixture robot messages, `disconnect`
 * - `POST /v1.0/oauth2/accessToken`, `/v1.0/robot/groupMessages/send`, `/v1.0/robot/groupMessages/query`
 * - `POST /robot/sendBySession?session=` — the session webhook the CALLBACK frames point at
 * - `POST /v1.0/robot/ding/send` — DING (recorded in `dings`; more than 200 receivers → 400 `ding.receivercount.limit`)
 * It records what clients did (ticket requests, acks, sends, every OpenAPI arrival) so tests can assert on it.
 * Like DingTalk, it keeps CALLBACK frames nobody acked — pushed while no connection is open, or left
 * unacked on a connection that closed — and delivers them on the next connection.
 * Access tokens expire after `tokenExpireIn` seconds (DingTalk: 7200); an expired token gets 401.
 * Interactive cards (fixtures openapi-card-*.json, stream-frame-card-callback.json): `POST
 * /v1.0/card/instances/createAndDeliver` (a repeated outTrackId refused as DingTalk does) and `PUT
 * /v1.0/card/instances` (by key; an unknown outTrackId refused), both recorded and counted in `apiRequests`;
 * `pushCardCallback` presses a card's button (a CALLBACK frame on the card topic, acked like robot callbacks).
 */
import { once } from 'node:events';
import { readFileSync } from 'node:fs';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join, resolve } from 'node:path';
import { WebSocketServer, type WebSocket } from 'ws';
import { PACKAGE_ROOT } from '../../src/paths.js';

// from the package root, so the fake also runs compiled (dist/test/fakes, for `npm run bench`)
const FIXTURES = resolve(PACKAGE_ROOT, 'test/fixtures/dingtalk');
/** Reads one fixture file of test/fixtures/dingtalk as JSON. */
export const fixture = <T = Record<string, unknown>>(name: string): T => JSON.parse(readFileSync(join(FIXTURES, name), 'utf8')) as T;

export interface FakeSend {
  at: number;
  token: string;
  robotCode: string;
  openConversationId: string;
  msgKey: string;
  msgParam: Record<string, string>;
  processQueryKey: string;
}
export interface FakeWebhookPost {
  at: number;
  /** The access token the post carried: each process fetches its own, so it names the sender. */
  token: string;
  session: string;
  body: { msgtype: string; text?: { content: string }; markdown?: { title: string; text: string }; at?: { atUserIds?: string[]; isAtAll?: boolean } };
}
/** One accepted `robot/ding/send` call. */
export interface FakeDing {
  at: number;
  token: string;
  robotCode: string;
  /** 1 in-app, 2 SMS, 3 phone. */
  remindType: number;
  receiverUserIdList: string[];
  content: string;
  openDingId: string;
}
export interface FakeConnection {
  id: number;
  ws: WebSocket;
  open: boolean;
  /** Everything the client sent, parsed. */
  received: { code?: number; headers?: { messageId?: string }; data?: string }[];
}
type Failure = { status: number; body: unknown };

/** One card the fake holds: its create request, and its data as updated since. */
export interface FakeCard {
  at: number;
  token: string;
  outTrackId: string;
  openConversationId: string;
  /** The createAndDeliver request body as received. */
  body: Record<string, unknown>;
  /** Public data now (created, then updated by key). */
  params: Record<string, string>;
  /** Private data now, per userId. */
  privateData: Record<string, Record<string, string>>;
  /** `imGroupOpenDeliverModel.atUserIds` (userId → name): who the delivery @-mentions. */
  atUserIds: Record<string, string>;
  /** The card's group message key the fake answered with (`deliverResults[].carrierId`, a processQueryKey). */
  carrierId: string;
}
export interface FakeCardUpdate {
  at: number;
  outTrackId: string;
  body: { cardData?: { cardParamMap?: Record<string, string> }; privateData?: Record<string, { cardParamMap?: Record<string, string> }>; cardUpdateOptions?: Record<string, boolean> };
  /** HTTP status answered (200, or 400 for an unknown card). */
  status: number;
}

export class FakeDingTalk {
  readonly clientId = 'dingSyntheticRobot01';
  readonly clientSecret = 'synthetic-secret';
  private server!: Server;
  private wss!: WebSocketServer;
  base = '';
  /** Times (ms) of every ticket request, refused ones included. */
  readonly ticketRequests: number[] = [];
  private tickets = new Set<string>();
  /** Refuse (HTTP 503) this many upcoming ticket requests. */
  refuseTickets = 0;
  readonly connections: FakeConnection[] = [];
  readonly tokenRequests: number[] = [];
  /** `expireIn` (s) of the tokens issued from now on; the fake refuses a token this long after issuing it. */
  tokenExpireIn = 7200;
  /** Issued tokens → when they expire (epoch ms). */
  private validTokens = new Map<string, number>();
  /** Every HTTP request to the OpenAPI / webhook endpoints (not the ticket endpoint), with its arrival time (ms). */
  readonly apiRequests: { at: number; path: string }[] = [];
  /** CALLBACK frames waiting for a connection (pushed while none was open, or unacked when theirs closed), oldest first. */
  private readonly undelivered: { messageId: string; message: Record<string, unknown> }[] = [];
  /** Per connection id: CALLBACK frames sent on it, by frame messageId (to redeliver the unacked ones). */
  private readonly sentFrames = new Map<number, Map<string, Record<string, unknown>>>();
  readonly sends: FakeSend[] = [];
  readonly refusedSends: { at: number; openConversationId: string; status: number }[] = [];
  readonly webhookPosts: FakeWebhookPost[] = [];
  readonly queries: Record<string, unknown>[] = [];
  /** Cards created, in order (a refused duplicate is not added). */
  readonly cards: FakeCard[] = [];
  private readonly cardsById = new Map<string, FakeCard>();
  /** Every card update (PUT /v1.0/card/instances), refused ones included. */
  readonly cardUpdates: FakeCardUpdate[] = [];
  /** createAndDeliver calls refused because the outTrackId existed already. */
  readonly duplicateCards: { at: number; outTrackId: string }[] = [];
  /** Refuse every card creation with this (e.g. DingTalk's `cardInstance.wrong`: the template is not published). */
  refuseCards: Failure | null = null;
  /** Accepted DING calls, in order; refused ones (over 200 receivers) are in `refusedDings`. */
  readonly dings: FakeDing[] = [];
  readonly refusedDings: { at: number; receivers: number; code: string }[] = [];
  /** Per-conversation failures for send (e.g. bot not in group), permanent until removed. */
  readonly failConversation = new Map<string, Failure>();
  /** Failures for the next N sends, in order. */
  readonly failNextSends: Failure[] = [];
  /** Readers per processQueryKey for groupMessages/query. */
  readonly readers = new Map<string, string[]>();
  /** Readers of every message sent to a conversation (used when `readers` has nothing for the processQueryKey). */
  readonly readersByConversation = new Map<string, string[]>();
  private seq = 0;

  /** Starts HTTP + WebSocket on 127.0.0.1 (random port). */
  async start(): Promise<this> {
    this.server = createServer((req, res) => void this.route(req, res).catch((err) => json(res, 500, { code: 'fake.error', message: String(err) })));
    this.wss = new WebSocketServer({ noServer: true });
    this.server.on('upgrade', (req, socket, head) => {
      const url = new URL(req.url ?? '/', 'http://x');
      const ticket = url.searchParams.get('ticket') ?? '';
      if (url.pathname !== '/connect' || !this.tickets.delete(ticket)) {
        socket.end('HTTP/1.1 401 Unauthorized\r\n\r\n');
        return;
      }
      this.wss.handleUpgrade(req, socket, head, (ws) => this.onConnection(ws));
    });
    this.server.listen(0, '127.0.0.1');
    await once(this.server, 'listening');
    this.base = `http://127.0.0.1:${(this.server.address() as AddressInfo).port}`;
    return this;
  }

  async stop(): Promise<void> {
    for (const c of this.connections) c.ws.terminate();
    this.wss.close();
    this.server.closeAllConnections();
    await new Promise<void>((r) => this.server.close(() => r()));
  }

  /** The env that points gridrelay at this fake. */
  env(): Record<string, string> {
    return {
      DINGTALK_CLIENT_ID: this.clientId,
      DINGTALK_CLIENT_SECRET: this.clientSecret,
      DINGTALK_API_BASE: this.base,
      DINGTALK_GATEWAY_URL: `${this.base}/v1.0/gateway/connections/open`,
    };
  }

  /** Open connections, newest last. */
  openConnections(): FakeConnection[] {
    return this.connections.filter((c) => c.open);
  }

  /** Invalidates every issued access token (the next call gets 401 InvalidAuthentication). */
  expireTokens(): void {
    this.validTokens.clear();
  }

  /** Whether `token` was issued by this fake and has not expired. */
  tokenValid(token: string): boolean {
    return (this.validTokens.get(token) ?? 0) > Date.now();
  }

  /** CALLBACK frames waiting for the next connection. */
  pendingCallbacks(): number {
    return this.undelivered.length;
  }

  /**
   * A robot message like fixtures/robot-text-group.json, with a fresh msgId, a session webhook on this
   * fake valid for 90 min, and `overrides` applied. `text` becomes `text.content` with DingTalk's leading space.
   */
  robotMessage(overrides: Record<string, unknown> & { text?: string } = {}): Record<string, unknown> {
    const base = fixture('robot-text-group.json');
    const n = ++this.seq;
    const { text, ...rest } = overrides;
    return {
      ...base,
      msgId: `msgFake+${process.pid}+${n}==`,
      createAt: Date.now(),
      sessionWebhook: `${this.base}/robot/sendBySession?session=s${n}`,
      sessionWebhookExpiredTime: Date.now() + 90 * 60_000,
      ...(text !== undefined ? { text: { content: ` ${text}` } } : {}),
      ...rest,
    };
  }

  /**
   * Sends a CALLBACK frame (fixtures/stream-frame-callback.json) carrying `message` on the newest open
   * connection; with none open, keeps it for the next connection (as DingTalk does).
   * @returns the frame's messageId (what the client must ack)
   */
  pushCallback(message: Record<string, unknown>, messageId = `fake_frame_${++this.seq}`): string {
    const conn = this.openConnections().at(-1);
    if (conn) this.sendCallback(conn, messageId, message);
    else this.undelivered.push({ messageId, message });
    return messageId;
  }

  private sendCallback(conn: FakeConnection, messageId: string, message: Record<string, unknown>): void {
    const frame = fixture<{ headers: Record<string, string> }>('stream-frame-callback.json');
    this.sentFrames.get(conn.id)?.set(messageId, message);
    conn.ws.send(JSON.stringify({ ...frame, headers: { ...frame.headers, messageId, connectionId: `conn-${conn.id}`, time: String(Date.now()) }, data: JSON.stringify(message) }));
  }

  /**
   * Presses a card's button as `userId`: a CALLBACK frame on the card topic (fixtures/stream-frame-card-callback.json)
   * carrying the card's `command` and `conversation` params (as the template's button sends them), on the newest
   * open connection (`params` instead, to send other callback params). Pass the same `messageId` again to
   * redeliver the same frame.
   * @returns the frame's messageId (what the client must answer)
   * @throws when there is no such card or no open connection
   */
  pushCardCallback(outTrackId: string, userId: string, messageId = `fake_card_${++this.seq}`, params?: Record<string, string>): string {
    const card = this.cardsById.get(outTrackId);
    if (!card) throw new Error(`fake dingtalk: no card ${outTrackId}`);
    const frame = fixture<{ headers: Record<string, string>; data: string }>('stream-frame-card-callback.json');
    const base = JSON.parse(frame.data) as Record<string, unknown>;
    const sent = params ?? { command: card.params.command ?? '', conversation: card.params.conversation ?? '' };
    const content = JSON.stringify({ cardPrivateData: { actionIds: ['ack'], params: sent } });
    const data = { ...base, userId, outTrackId, spaceId: card.openConversationId, content, value: content };
    const conn = this.latest();
    conn.ws.send(JSON.stringify({ ...frame, headers: { ...frame.headers, messageId, connectionId: `conn-${conn.id}`, time: String(Date.now()) }, data: JSON.stringify(data) }));
    return messageId;
  }

  /** The cards in `openConversationId`, oldest first. */
  cardsIn(openConversationId: string): FakeCard[] {
    return this.cards.filter((c) => c.openConversationId === openConversationId);
  }

  /** Sends SYSTEM ping (fixtures/stream-frame-ping.json) on the newest open connection. */
  ping(): void {
    const frame = fixture<{ headers: Record<string, string> }>('stream-frame-ping.json');
    this.latest().ws.send(JSON.stringify({ ...frame, headers: { ...frame.headers, messageId: `ping_${++this.seq}` } }));
  }

  /** Sends SYSTEM disconnect (fixtures/stream-frame-disconnect.json) on the newest open connection. @returns that connection */
  sendDisconnect(): FakeConnection {
    const conn = this.latest();
    conn.ws.send(JSON.stringify(fixture('stream-frame-disconnect.json')));
    return conn;
  }

  /** Drops the newest connection without a close handshake. */
  dropSocket(): FakeConnection {
    const conn = this.latest();
    conn.ws.terminate();
    return conn;
  }

  /** Every messageId acked by a client on any connection (code 200). */
  acks(): string[] {
    return this.connections.flatMap((c) => c.received.filter((m) => m.code === 200 && m.data?.includes('response')).map((m) => m.headers?.messageId ?? ''));
  }

  private latest(): FakeConnection {
    const conn = this.openConnections().at(-1);
    if (!conn) throw new Error('fake dingtalk: no open connection');
    return conn;
  }

  private onConnection(ws: WebSocket): void {
    const conn: FakeConnection = { id: this.connections.length + 1, ws, open: true, received: [] };
    this.connections.push(conn);
    const sent = new Map<string, Record<string, unknown>>();
    this.sentFrames.set(conn.id, sent);
    ws.on('message', (data) => {
      let m: FakeConnection['received'][number];
      try {
        m = JSON.parse(String(data)) as FakeConnection['received'][number];
      } catch {
        m = { data: String(data) };
      }
      conn.received.push(m);
      if (m.code === 200 && m.headers?.messageId) sent.delete(m.headers.messageId);
    });
    ws.on('close', () => {
      conn.open = false;
      // unacked frames come again on the next connection
      for (const [messageId, message] of sent) this.undelivered.push({ messageId, message });
      sent.clear();
    });
    for (const f of this.undelivered.splice(0)) this.sendCallback(conn, f.messageId, f.message);
  }

  private async route(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const url = new URL(req.url ?? '/', 'http://x');
    const body = await readJson(req);
    const token = String(req.headers['x-acs-dingtalk-access-token'] ?? '');
    if (url.pathname !== '/v1.0/gateway/connections/open') this.apiRequests.push({ at: Date.now(), path: url.pathname });
    switch (url.pathname) {
      case '/v1.0/gateway/connections/open': {
        this.ticketRequests.push(Date.now());
        if (this.refuseTickets > 0) {
          this.refuseTickets--;
          return json(res, 503, { code: 'ServiceUnavailable', message: 'fake: ticket refused' });
        }
        if (body.clientId !== this.clientId || body.clientSecret !== this.clientSecret) return json(res, 401, { code: 'InvalidAuthentication', message: 'bad client' });
        const ticket = `ticket-${++this.seq}`;
        this.tickets.add(ticket);
        return json(res, 200, { endpoint: `${this.base.replace('http', 'ws')}/connect`, ticket });
      }
      case '/v1.0/oauth2/accessToken': {
        this.tokenRequests.push(Date.now());
        if (body.appKey !== this.clientId || body.appSecret !== this.clientSecret) return json(res, 400, { code: 'invalidClientIdOrSecret', message: 'bad app key' });
        const accessToken = `fake-token-${++this.seq}`;
        this.validTokens.set(accessToken, Date.now() + this.tokenExpireIn * 1000);
        return json(res, 200, { accessToken, expireIn: this.tokenExpireIn });
      }
      case '/robot/sendBySession': {
        if (!this.tokenValid(token)) return json(res, 401, { code: 'InvalidAuthentication', message: '不合法的access_token' });
        this.webhookPosts.push({ at: Date.now(), token, session: url.searchParams.get('session') ?? '', body: body as FakeWebhookPost['body'] });
        return json(res, 200, { errcode: 0, errmsg: 'ok' });
      }
      case '/v1.0/robot/groupMessages/send':
        return this.groupSend(res, token, body);
      case '/v1.0/card/instances/createAndDeliver':
        return this.cardCreate(res, token, body);
      case '/v1.0/card/instances':
        if (req.method !== 'PUT') return json(res, 405, { code: 'MethodNotAllowed', message: String(req.method) });
        return this.cardUpdate(res, token, body);
      case '/v1.0/robot/ding/send':
        return dingSend(this, res, token, body);
      case '/v1.0/robot/groupMessages/query': {
        if (!this.tokenValid(token)) return json(res, 401, { code: 'InvalidAuthentication', message: '不合法的access_token' });
        this.queries.push(body);
        const all = this.readers.get(String(body.processQueryKey)) ?? this.readersByConversation.get(String(body.openConversationId)) ?? [];
        const start = Number(body.nextToken || 0);
        const size = Number(body.maxResults || 200);
        const page = all.slice(start, start + size);
        const more = start + size < all.length;
        return json(res, 200, { sendStatus: 'SUCCESS', readUserIds: page, hasMore: more, nextToken: more ? String(start + size) : '' });
      }
      default:
        return json(res, 404, { code: 'NotFound', message: url.pathname });
    }
  }

  private groupSend(res: ServerResponse, token: string, body: Record<string, unknown>): void {
    if (!this.tokenValid(token)) return json(res, 401, fixture<{ response_examples: { body: unknown }[] }>('openapi-errors.json').response_examples[0]!.body);
    const cid = String(body.openConversationId);
    const failure = this.failConversation.get(cid) ?? this.failNextSends.shift();
    if (failure) {
      this.refusedSends.push({ at: Date.now(), openConversationId: cid, status: failure.status });
      return json(res, failure.status, failure.body);
    }
    const processQueryKey = `fake-pqk-${++this.seq}`;
    this.sends.push({
      at: Date.now(),
      token,
      robotCode: String(body.robotCode),
      openConversationId: cid,
      msgKey: String(body.msgKey),
      msgParam: JSON.parse(String(body.msgParam)) as Record<string, string>,
      processQueryKey,
    });
    return json(res, 200, { processQueryKey });
  }

  private cardCreate(res: ServerResponse, token: string, body: Record<string, unknown>): void {
    if (!this.tokenValid(token)) return json(res, 401, ERRORS.auth().body);
    const outTrackId = String(body.outTrackId ?? '');
    const space = String(body.openSpaceId ?? '');
    const cid = space.startsWith('dtv1.card//IM_GROUP.') ? space.slice('dtv1.card//IM_GROUP.'.length) : '';
    if (!outTrackId || !cid || !body.cardTemplateId) return json(res, 400, { code: 'param.invalid', message: 'outTrackId, openSpaceId (IM_GROUP) and cardTemplateId are required' });
    if (this.cardsById.has(outTrackId)) {
      this.duplicateCards.push({ at: Date.now(), outTrackId });
      const dup = CARD_ERRORS.duplicate();
      return json(res, dup.status, dup.body);
    }
    const failure = this.refuseCards ?? this.failConversation.get(cid) ?? this.failNextSends.shift();
    if (failure) {
      this.refusedSends.push({ at: Date.now(), openConversationId: cid, status: failure.status });
      return json(res, failure.status, failure.body);
    }
    const deliver = (body.imGroupOpenDeliverModel ?? {}) as { atUserIds?: Record<string, string> };
    const params = { ...((body.cardData as { cardParamMap?: Record<string, string> } | undefined)?.cardParamMap ?? {}) };
    // like DingTalk: every cardParamMap value at most 1 KB
    const long = Object.entries(params).find(([, v]) => Buffer.byteLength(String(v), 'utf8') > 1024);
    if (long) return json(res, 400, { code: 'param.invalid', message: `cardParamMap.${long[0]} longer than 1KB` });
    const carrierId = `fake-carrier-${++this.seq}`;
    const card: FakeCard = { at: Date.now(), token, outTrackId, openConversationId: cid, body, params, privateData: {}, atUserIds: { ...(deliver.atUserIds ?? {}) }, carrierId };
    this.cards.push(card);
    this.cardsById.set(outTrackId, card);
    return json(res, 200, { success: true, result: { outTrackId, deliverResults: [{ spaceType: 'IM_GROUP', spaceId: cid, success: true, carrierId }] } });
  }

  private cardUpdate(res: ServerResponse, token: string, body: Record<string, unknown>): void {
    if (!this.tokenValid(token)) return json(res, 401, ERRORS.auth().body);
    const outTrackId = String(body.outTrackId ?? '');
    const b = body as FakeCardUpdate['body'];
    const card = this.cardsById.get(outTrackId);
    if (!card) {
      const unknown = CARD_ERRORS.unknown();
      this.cardUpdates.push({ at: Date.now(), outTrackId, body: b, status: unknown.status });
      return json(res, unknown.status, unknown.body);
    }
    this.cardUpdates.push({ at: Date.now(), outTrackId, body: b, status: 200 });
    const byKey = b.cardUpdateOptions?.updateCardDataByKey === true;
    const pub = b.cardData?.cardParamMap ?? {};
    card.params = byKey ? { ...card.params, ...pub } : { ...pub };
    for (const [userId, data] of Object.entries(b.privateData ?? {})) {
      const priv = data.cardParamMap ?? {};
      card.privateData[userId] = b.cardUpdateOptions?.updatePrivateDataByKey === true ? { ...(card.privateData[userId] ?? {}), ...priv } : { ...priv };
    }
    return json(res, 200, { success: true, result: true });
  }
}

/** The card fake's two refusals, from the fixtures: a repeated outTrackId, an update of an unknown card. */
export const CARD_ERRORS = {
  duplicate: () => fixture<{ duplicate_response: Failure }>('openapi-card-create-and-deliver.json').duplicate_response,
  unknown: () => fixture<{ unknown_card_response: Failure }>('openapi-card-update.json').unknown_card_response,
};
/** `robot/ding/send` of `fake`: refuses a bad token (401), a bad body and more than 200 receivers (400), else records it. */
function dingSend(fake: FakeDingTalk, res: ServerResponse, token: string, body: Record<string, unknown>): void {
  if (!fake.tokenValid(token)) return json(res, 401, { code: 'InvalidAuthentication', message: '不合法的access_token' });
  const receivers = Array.isArray(body.receiverUserIdList) ? body.receiverUserIdList.map(String) : [];
  const bad = typeof body.robotCode !== 'string' || typeof body.content !== 'string' || ![1, 2, 3].includes(Number(body.remindType)) || receivers.length === 0;
  if (bad || receivers.length > 200) {
    const code = bad ? 'invalidParameter.param.invalid' : 'ding.receivercount.limit';
    fake.refusedDings.push({ at: Date.now(), receivers: receivers.length, code });
    return json(res, 400, { code, message: bad ? '参数不合法' : 'ding receiver count limit' });
  }
  const openDingId = `fake-ding-${fake.dings.length + 1}-${Date.now()}`;
  fake.dings.push({ at: Date.now(), token, robotCode: String(body.robotCode), remindType: Number(body.remindType), receiverUserIdList: receivers, content: String(body.content), openDingId });
  return json(res, 200, { openDingId });
}

/** The fixture error bodies: 401 auth, 403 QPS, 400 robot not in group. */
export const ERRORS = {
  auth: () => fixture<{ response_examples: Failure[] }>('openapi-errors.json').response_examples[0]!,
  qps: () => fixture<{ response_examples: Failure[] }>('openapi-errors.json').response_examples[1]!,
  notInGroup: () => fixture<{ response_examples: Failure[] }>('openapi-errors.json').response_examples[2]!,
};

async function readJson(req: IncomingMessage): Promise<Record<string, unknown>> {
  const chunks: Buffer[] = [];
  for await (const c of req) chunks.push(c as Buffer);
  const text = Buffer.concat(chunks).toString('utf8');
  if (!text) return {};
  try {
    return JSON.parse(text) as Record<string, unknown>;
  } catch {
    return {};
  }
}

function json(res: ServerResponse, status: number, body: unknown): void {
  res.writeHead(status, { 'content-type': 'application/json' });
  res.end(JSON.stringify(body));
}
