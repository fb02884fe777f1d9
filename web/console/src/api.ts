/**
 * The console API as the page uses it (docs: README "网页控制台 / web console", contract in PRODUCT.md §3):
 * every call goes to `/console/v1/…` with the page's own `?token=` passed on (as `Authorization: Bearer` for
 * fetch, as `?token=` where the browser cannot set headers: EventSource, <img>).
 */

/** A unit of the organisation as `GET /console/v1/org` lists it (tree order). */
export interface Unit {
  unitId: string;
  kind: 'county' | 'township' | 'village' | 'grid';
  name: string;
  parentId: string | null;
  riskColour: RiskColour | null;
  controlLevel: 1 | 2 | 3 | null;
  /** The unit's group; villages have none. */
  conversationId: string | null;
}

export type RiskColour = 'red' | 'orange' | 'yellow' | 'blue' | 'green';

export interface Group {
  conversationId: string;
  title: string;
  unitId: string;
}

export interface Org {
  county: string;
  /** IANA time zone of the county (the bot's `TIMEZONE`): the page shows times in it, as the bot's messages do. */
  timeZone?: string;
  units: Unit[];
  groups: Group[];
}

export interface Member {
  memberId: string;
  name: string;
  role: string;
  roleZh: string;
}

export interface Command {
  word: string;
  aliases: string[];
  usage: string;
  summary: string;
}

/** One row of a group's chat: a person's message, the bot's, or a person's button press. */
export interface ChatMessage {
  seq: number;
  conversationId: string;
  from: 'bot' | 'person';
  senderId?: string;
  senderName?: string;
  senderRole?: string;
  text: string;
  markdown?: string;
  mentions?: { memberId: string; name: string }[];
  actions?: { kind: 'ack'; label: string; command: string }[];
  attachments?: { name: string; contentType: string; url: string }[];
  pressed?: { label: string };
  sentAt: string;
}

export interface Summary {
  lastSeq: number;
  conversations: { conversationId: string; lastSeq: number; botMessages: number }[];
}

/** A picture to send with a message (`POST /console/v1/inbound` `attachments`). */
export interface OutgoingAttachment {
  kind: 'image';
  name: string;
  contentType: string;
  dataBase64: string;
}

/** A refused or failed request: the HTTP status and the server's `{error, reason}` when it sent one. */
export class ApiError extends Error {
  constructor(
    readonly status: number,
    readonly error: string,
    reason: string,
  ) {
    super(reason);
  }
}

/** The token the page was opened with (`/console/?token=…`), or null. */
export const TOKEN: string | null = new URLSearchParams(location.search).get('token');

/** `url` with the page's token added as `?token=` (for EventSource and images). */
export function withToken(url: string): string {
  if (!TOKEN) return url;
  return `${url}${url.includes('?') ? '&' : '?'}token=${encodeURIComponent(TOKEN)}`;
}

async function call<T>(method: 'GET' | 'POST', path: string, query?: Record<string, string | number>, body?: unknown): Promise<T> {
  const q = query ? `?${new URLSearchParams(Object.entries(query).map(([k, v]) => [k, String(v)]))}` : '';
  const headers: Record<string, string> = {};
  if (TOKEN) headers.authorization = `Bearer ${TOKEN}`;
  if (body !== undefined) headers['content-type'] = 'application/json';
  let r: Response;
  try {
    r = await fetch(`/console/v1/${path}${q}`, { method, headers, ...(body !== undefined ? { body: JSON.stringify(body) } : {}) });
  } catch (err) {
    throw new ApiError(0, 'network', `连不上 gridrelay（${(err as Error).message}）`);
  }
  const json = (await r.json().catch(() => null)) as (T & { error?: string; reason?: string; message?: string }) | null;
  if (!r.ok) throw new ApiError(r.status, json?.error ?? `http_${r.status}`, json?.message ?? json?.reason ?? `HTTP ${r.status}`);
  return json as T;
}

export const api = {
  org: () => call<Org>('GET', 'org'),
  members: (conversationId: string) => call<{ members: Member[] }>('GET', 'members', { conversationId }).then((r) => r.members),
  commands: (conversationId: string, senderId: string) => call<{ commands: Command[] }>('GET', 'commands', { conversationId, senderId }).then((r) => r.commands),
  chat: (conversationId: string, after: number) => call<{ messages: ChatMessage[] }>('GET', 'chat', { conversationId, after }).then((r) => r.messages),
  summary: () => call<Summary>('GET', 'summary'),
  send: (body: { conversationId: string; senderId: string; text: string; msgId: string; attachments?: OutgoingAttachment[] }) =>
    call<{ msgId: string }>('POST', 'inbound', undefined, body),
  press: (body: { conversationId: string; senderId: string; seq: number; label: string }) => call<{ msgId: string }>('POST', 'press', undefined, body),
  startDrill: () => call<{ drillId: string }>('POST', 'drill', undefined, {}),
  drill: () => call<{ running: boolean; step?: string }>('GET', 'drill'),
};

/** Every message of a group's chat after `after`, following pages of at most 1,000. */
export async function wholeChat(conversationId: string, after = 0): Promise<ChatMessage[]> {
  const all: ChatMessage[] = [];
  for (;;) {
    const page = await api.chat(conversationId, after);
    all.push(...page);
    if (page.length < 1000) return all;
    after = page[page.length - 1]!.seq;
  }
}

/** A message id for `POST /inbound` (a retried send is stored once). */
export function newMsgId(): string {
  const c = globalThis.crypto;
  if (typeof c?.randomUUID === 'function') return `web-${c.randomUUID()}`;
  return `web-${Date.now().toString(36)}-${Math.random().toString(36).slice(2, 12)}`;
}
