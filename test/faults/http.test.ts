/**
 * Hostile HTTP: every route in src/http/ and the console API, fed repeated parameters, wrong types, huge
 * bodies, bad JSON, unicode junk, path traversal, unknown townships, bad `after` values, missing and extra
 * fields. Each must be answered 4xx `{error: code, reason}` — never 5xx — and store nothing. Then the
 * console token: with `CONSOLE_TOKEN` set, no /console/ route answers without it.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { consoleMessages, inboundMessages, outboundMessages } from '../../src/db/schema/index.js';
import { buildTestApp, type TestApp } from '../helpers/app.js';
import { county, say } from '../helpers/console.js';
import { recordFault } from './record.js';

interface Case {
  name: string;
  method?: 'GET' | 'POST' | 'PUT' | 'DELETE';
  url: string;
  /** An object is sent as JSON; a string is sent as it is (with `contentType`). */
  body?: unknown;
  contentType?: string;
  headers?: Record<string, string>;
  /** The status expected when it matters (else any 4xx). */
  status?: number;
  /** The `error` code expected when it matters. */
  code?: string;
}

const c = county();
const grid = c.groupOf[c.grids[0]!.unit_id!]!;
const worker = c.memberOf(c.grids[0]!.unit_id!, 'grid_worker');
const ok = { conversationId: grid, senderId: worker, text: '/帮助' };
const IN = '/console/v1/inbound';
const OUT = '/console/v1/outbound';
const EXPORT = '/api/v1/reports/response-rate';

const CASES: Case[] = [
  // console inbound: body shape
  { name: 'bad JSON', url: IN, body: '{"conversationId":', contentType: 'application/json', status: 400, code: 'invalid_json' },
  { name: 'empty JSON body', url: IN, body: '', contentType: 'application/json', status: 400 },
  { name: 'body is an array', url: IN, body: [ok], status: 400, code: 'invalid_body' },
  { name: 'body is a string', url: IN, body: '"hello"', contentType: 'application/json', status: 400, code: 'invalid_body' },
  { name: 'body is null', url: IN, body: 'null', contentType: 'application/json', status: 400 },
  { name: 'missing conversationId', url: IN, body: { senderId: worker, text: 'x' }, status: 400, code: 'missing_field' },
  { name: 'missing senderId', url: IN, body: { conversationId: grid, text: 'x' }, status: 400, code: 'missing_field' },
  { name: 'missing text', url: IN, body: { conversationId: grid, senderId: worker }, status: 400, code: 'missing_field' },
  { name: 'text is a number', url: IN, body: { ...ok, text: 42 }, status: 400, code: 'invalid_field' },
  { name: 'conversationId is a number', url: IN, body: { ...ok, conversationId: 12345 }, status: 400 },
  { name: 'senderId is an object', url: IN, body: { ...ok, senderId: { $ne: null } }, status: 400 },
  { name: 'extra field', url: IN, body: { ...ok, role: 'commander' }, status: 400, code: 'unknown_field' },
  { name: '__proto__ in the body', url: IN, body: `{"conversationId":"${grid}","senderId":"${worker}","text":"x","__proto__":{"admin":true}}`, contentType: 'application/json', status: 400 },
  { name: 'constructor.prototype in the body', url: IN, body: `{"conversationId":"${grid}","senderId":"${worker}","text":"x","constructor":{"prototype":{"admin":true}}}`, contentType: 'application/json', status: 400 },
  { name: 'text of 4,001 characters', url: IN, body: { ...ok, text: '情'.repeat(4001) }, status: 413, code: 'text_too_long' },
  // the body may hold nine pictures (about 64 MB): a long text is refused by its length
  { name: 'text of 200,000 characters', url: IN, body: { ...ok, text: 'x'.repeat(200_000) }, status: 413, code: 'text_too_long' },
  { name: 'conversationId of 129 characters', url: IN, body: { ...ok, conversationId: 'c'.repeat(129) }, status: 400 },
  { name: 'conversationId with a control character', url: IN, body: { ...ok, conversationId: `${grid}\u0001` }, status: 400 },
  { name: 'conversationId with a newline', url: IN, body: { ...ok, conversationId: `${grid}\nX-Injected: 1` }, status: 400 },
  { name: 'senderId with a zero-width space', url: IN, body: { ...ok, senderId: `${worker}\u200b` }, status: 400 },
  { name: 'senderId with a right-to-left override', url: IN, body: { ...ok, senderId: `\u202e${worker}` }, status: 400 },
  { name: 'conversationId with a lone surrogate', url: IN, body: `{"conversationId":"\\ud800${grid}","senderId":"${worker}","text":"x"}`, contentType: 'application/json', status: 400 },
  { name: 'senderId with a noncharacter', url: IN, body: { ...ok, senderId: `${worker}\ufffe` }, status: 400 },
  { name: 'empty senderId', url: IN, body: { ...ok, senderId: '' }, status: 400 },
  { name: 'text with a NUL byte', url: IN, body: { ...ok, text: '/帮助\u0000' }, status: 400 },
  { name: 'text with a lone surrogate', url: IN, body: `{"conversationId":"${grid}","senderId":"${worker}","text":"\\udfff"}`, contentType: 'application/json', status: 400 },
  { name: 'quotedSeq is a string', url: IN, body: { ...ok, quotedSeq: 'x' }, status: 400 },
  { name: 'quotedSeq is negative', url: IN, body: { ...ok, quotedSeq: -1 }, status: 400 },
  { name: 'quotedSeq is a fraction', url: IN, body: { ...ok, quotedSeq: 1.5 }, status: 400 },
  { name: 'quotedSeq is 1e300', url: IN, body: `{"conversationId":"${grid}","senderId":"${worker}","text":"x","quotedSeq":1e300}`, contentType: 'application/json', status: 400 },
  { name: 'msgId empty', url: IN, body: { ...ok, msgId: '' }, status: 400 },
  { name: 'msgId of 300 characters', url: IN, body: { ...ok, msgId: 'm'.repeat(300) }, status: 400 },
  { name: 'text/plain body', url: IN, body: JSON.stringify(ok), contentType: 'text/plain', status: 400, code: 'invalid_body' },
  { name: 'form body', url: IN, body: new URLSearchParams(ok).toString(), contentType: 'application/x-www-form-urlencoded', status: 415, code: 'unsupported_media_type' },
  { name: 'unknown query parameter on inbound', url: `${IN}?as=commander`, body: ok, status: 400, code: 'unknown_parameter' },
  { name: 'PUT on inbound', method: 'PUT', url: IN, body: ok, status: 404, code: 'not_found' },
  { name: 'path traversal in the path', method: 'GET', url: '/console/v1/../../../etc/passwd', status: 404 },
  { name: 'encoded path traversal under /dashboard', method: 'GET', url: '/dashboard/..%2f..%2fpackage.json', status: 404 },
  // console outbound
  { name: 'after=-1', method: 'GET', url: `${OUT}?after=-1`, status: 400, code: 'invalid_parameter' },
  { name: 'after=NaN', method: 'GET', url: `${OUT}?after=NaN`, status: 400 },
  { name: 'after=1e3', method: 'GET', url: `${OUT}?after=1e3`, status: 400 },
  { name: 'after=0x10', method: 'GET', url: `${OUT}?after=0x10`, status: 400 },
  { name: 'after empty', method: 'GET', url: `${OUT}?after=`, status: 400 },
  { name: 'after beyond a safe integer', method: 'GET', url: `${OUT}?after=99999999999999999999`, status: 400 },
  { name: 'after repeated', method: 'GET', url: `${OUT}?after=1&after=2`, status: 400, code: 'repeated_parameter' },
  { name: 'conversationId repeated', method: 'GET', url: `${OUT}?conversationId=a&conversationId=b`, status: 400, code: 'repeated_parameter' },
  { name: 'conversationId with %00', method: 'GET', url: `${OUT}?conversationId=${grid}%00`, status: 400 },
  { name: 'conversationId of 500 characters', method: 'GET', url: `${OUT}?conversationId=${'c'.repeat(500)}`, status: 400 },
  { name: 'unknown parameter on outbound', method: 'GET', url: `${OUT}?limit=100000`, status: 400, code: 'unknown_parameter' },
  // reports export
  { name: 'from repeated (was a 500)', method: 'GET', url: `${EXPORT}?from=2026-01-01&from=2026-01-02`, status: 400, code: 'repeated_parameter' },
  { name: 'to repeated', method: 'GET', url: `${EXPORT}?from=2026-01-01&to=2026-01-02&to=2026-01-03`, status: 400 },
  { name: 'format repeated', method: 'GET', url: `${EXPORT}?from=2026-01-01&format=csv&format=xlsx`, status: 400 },
  { name: 'township repeated', method: 'GET', url: `${EXPORT}?from=2026-01-01&township=T01&township=T02`, status: 400 },
  { name: 'unknown township', method: 'GET', url: `${EXPORT}?from=2026-01-01&township=T99`, status: 400, code: 'unknown_township' },
  { name: 'a grid as township', method: 'GET', url: `${EXPORT}?from=2026-01-01&township=${c.grids[0]!.unit_id}`, status: 400, code: 'unknown_township' },
  { name: 'path traversal as township', method: 'GET', url: `${EXPORT}?from=2026-01-01&township=..%2F..%2Fetc%2Fpasswd`, status: 400, code: 'unknown_township' },
  { name: 'SQL as township', method: 'GET', url: `${EXPORT}?from=2026-01-01&township=${encodeURIComponent("T01' OR '1'='1")}`, status: 400 },
  { name: 'unknown export parameter', method: 'GET', url: `${EXPORT}?from=2026-01-01&debug=1`, status: 400, code: 'unknown_parameter' },
  { name: 'impossible day', method: 'GET', url: `${EXPORT}?from=2026-02-30`, status: 400 },
  { name: 'from of 1,000 characters', method: 'GET', url: `${EXPORT}?from=${'2'.repeat(1000)}`, status: 400 },
  { name: 'unknown colour', method: 'GET', url: `${EXPORT}?from=2026-01-01&colour=purple`, status: 400 },
  { name: 'emoji junk as format', method: 'GET', url: `${EXPORT}?from=2026-01-01&format=${encodeURIComponent('💣\u202ecsv')}`, status: 400 },
  { name: 'token repeated', method: 'GET', url: `${EXPORT}?from=2026-01-01&token=a&token=b`, status: 400 },
  // dashboard, health, index
  { name: 'days=0', method: 'GET', url: '/dashboard/data.json?days=0', status: 400 },
  { name: 'days=367', method: 'GET', url: '/dashboard/data.json?days=367', status: 400 },
  { name: 'days=-5', method: 'GET', url: '/dashboard/data.json?days=-5', status: 400 },
  { name: 'days=abc', method: 'GET', url: '/dashboard/data.json?days=abc', status: 400 },
  { name: 'days repeated', method: 'GET', url: '/dashboard/data.json?days=1&days=2', status: 400, code: 'repeated_parameter' },
  { name: 'unknown parameter on the dashboard page', method: 'GET', url: '/dashboard?theme=%3Cscript%3E', status: 400 },
  { name: 'unknown parameter on echarts', method: 'GET', url: '/dashboard/echarts.min.js?v=../../x', status: 400 },
  { name: 'unknown parameter on /healthz', method: 'GET', url: '/healthz?verbose=1', status: 400 },
  { name: 'unknown parameter on /', method: 'GET', url: '/?a=b', status: 400 },
  { name: 'no such route', method: 'GET', url: '/admin', status: 404, code: 'not_found' },
];

let app: TestApp;
const counts = () => ({
  inbound: app.db.select().from(inboundMessages).all().length,
  outbound: app.db.select().from(outboundMessages).all().length,
  console: app.db.select().from(consoleMessages).all().length,
});

beforeAll(async () => {
  app = await buildTestApp();
});
afterAll(async () => {
  await app?.close();
});

async function send(a: TestApp, k: Case) {
  const method = k.method ?? 'POST';
  const headers: Record<string, string> = { ...(k.headers ?? {}) };
  let payload: string | undefined;
  if (k.body !== undefined) {
    payload = typeof k.body === 'string' ? k.body : JSON.stringify(k.body);
    headers['content-type'] = k.contentType ?? 'application/json';
  }
  return a.http.inject({ method, url: k.url, headers, ...(payload !== undefined ? { payload } : {}) });
}

describe('hostile HTTP', () => {
  it(`answers each of ${CASES.length} hostile requests 4xx {error, reason}, never 5xx, and stores nothing`, async () => {
    expect(CASES.length).toBeGreaterThanOrEqual(40);
    const before = counts();
    let fiveXX = 0;
    const wrong: string[] = [];
    for (const k of CASES) {
      const r = await send(app, k);
      if (r.statusCode >= 500) fiveXX++;
      const body = (() => {
        try {
          return r.json() as { error?: unknown; reason?: unknown };
        } catch {
          return {};
        }
      })();
      const fine =
        r.statusCode >= 400 &&
        r.statusCode < 500 &&
        (k.status === undefined || r.statusCode === k.status) &&
        typeof body.error === 'string' &&
        /^[a-z_]+$/.test(body.error) &&
        (k.code === undefined || body.error === k.code) &&
        typeof body.reason === 'string' &&
        body.reason.length > 0;
      if (!fine) wrong.push(`${k.name}: ${r.statusCode} ${r.body.slice(0, 200)}`);
    }
    await app.inbox.idle();
    recordFault('HTTP cases (4xx, never 5xx)', CASES.length);
    recordFault('HTTP 5xx answers', fiveXX, 'expected 0');
    expect(wrong).toEqual([]);
    expect(fiveXX).toBe(0);
    expect(counts()).toEqual(before);
  });

  it('still serves well-formed requests: a message, a page of outbound, an export for a known township', async () => {
    const r = await say(app.http, grid, worker, '/帮助');
    expect(r.status).toBe(202);
    expect((await app.http.inject({ method: 'GET', url: `${OUT}?after=0&conversationId=${grid}` })).statusCode).toBe(200);
    const t = c.townships[0]!.unit_id!;
    const ex = await app.http.inject({ method: 'GET', url: `${EXPORT}?from=2026-01-01&township=${t}&format=json` });
    expect(ex.statusCode).toBe(200);
    expect((await app.http.inject({ method: 'GET', url: '/dashboard/data.json?days=7' })).statusCode).toBe(200);
    expect((await app.http.inject({ method: 'GET', url: '/healthz' })).statusCode).toBe(200);
  });
});

describe('console token', () => {
  const TOKEN = 'console-token-0123456789abcdef';
  let guarded: TestApp;
  beforeAll(async () => {
    guarded = await buildTestApp({ env: { CONSOLE_TOKEN: TOKEN, HOST: '0.0.0.0' } });
  });
  afterAll(async () => {
    await guarded?.close();
  });

  it('refuses every /console/ route without the token (401), accepts it as a bearer or ?token=', async () => {
    const refused: Case[] = [
      { name: 'inbound without a token', url: IN, body: ok },
      { name: 'inbound with a wrong token', url: IN, body: ok, headers: { authorization: 'Bearer wrong-token-wrong-token' } },
      { name: 'inbound with the token one character short', url: IN, body: ok, headers: { authorization: `Bearer ${TOKEN.slice(0, -1)}` } },
      { name: 'inbound with the token in a wrong scheme', url: IN, body: ok, headers: { authorization: `Basic ${TOKEN}` } },
      { name: 'inbound with a wrong ?token=', url: `${IN}?token=nope`, body: ok },
      { name: 'outbound without a token', method: 'GET', url: OUT },
      { name: 'outbound with a wrong token', method: 'GET', url: `${OUT}?token=${TOKEN}x` },
      { name: 'outbound with the token given twice', method: 'GET', url: `${OUT}?token=${TOKEN}&token=${TOKEN}` },
    ];
    const before = guarded.db.select().from(inboundMessages).all().length;
    let fiveXX = 0;
    for (const k of refused) {
      const r = await send(guarded, k);
      if (r.statusCode >= 500) fiveXX++;
      expect(r.statusCode, k.name).toBe(401);
      expect(r.json(), k.name).toMatchObject({ error: 'unauthorized', reason: expect.stringContaining('CONSOLE_TOKEN') });
    }
    recordFault('HTTP cases (4xx, never 5xx)', refused.length);
    recordFault('HTTP 5xx answers', fiveXX, 'expected 0');
    expect(guarded.db.select().from(inboundMessages).all().length).toBe(before);

    const bearer = await guarded.http.inject({ method: 'POST', url: IN, payload: { ...ok, msgId: 'tok-1' }, headers: { authorization: `Bearer ${TOKEN}` } });
    expect(bearer.statusCode).toBe(202);
    const query = await guarded.http.inject({ method: 'GET', url: `${OUT}?token=${TOKEN}&conversationId=${grid}` });
    expect(query.statusCode).toBe(200);
  });
});
