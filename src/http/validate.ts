/**
 * HTTP input checking, shared by every route in src/http/ and the console API: one zod schema per
 * route for its query (and body), and one shape for every refusal — `{error: code, reason}` with a 4xx
 * status — including fastify's own (bad JSON, body too large, wrong content type, no such route).
 * Nothing malformed reaches a handler, and no input makes gridrelay answer 5xx.
 */
import type { FastifyError, FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { z } from 'zod';

/** The body of every 4xx/5xx answer: a stable machine `error` code and a human `reason` (English). */
export interface HttpRefusal {
  error: string;
  reason: string;
}

/** Longest `reason` sent back (it may quote the input). */
const REASON_MAX = 300;

const clip = (s: string) => (s.length > REASON_MAX ? `${s.slice(0, REASON_MAX - 1)}…` : s);

/** Answers `status` with `{error: code, reason}`. @returns the reply (return it from the handler). */
export function refuse(reply: FastifyReply, status: number, code: string, reason: string): FastifyReply {
  return reply.code(status).send({ error: code, reason: clip(reason) } satisfies HttpRefusal);
}

/**
 * A query parameter given at most once, as text of at most `max` characters (fastify turns
 * `?a=1&a=2` into an array: refused as "given more than once").
 */
export function param(name: string, max = 100) {
  return z
    .string({ error: (iss) => (Array.isArray(iss.input) ? `${name} is given more than once` : iss.input === undefined ? `${name} is required` : `${name} must be text`) })
    .max(max, `${name} is longer than ${max} characters`);
}

/** `token` in a query string: read by src/http/access.ts, accepted (and ignored) by every query schema. */
export const tokenParam = { token: param('token', 512).optional() };

/** A strict query schema: the given parameters plus `token`; any other parameter is refused. */
export function querySchema<T extends z.ZodRawShape>(shape: T) {
  return z.strictObject({ ...tokenParam, ...shape });
}

/** Characters an identifier may not hold: controls, format characters (zero-width, bidi), lone surrogates, unassigned, whitespace. */
const NOT_ID = /[\p{C}\s]/u;

/** An identifier (conversation, member, message id): 1–`max` printable characters without spaces. */
export function identifier(name: string, max = 128) {
  return z
    .string({ error: (iss) => (iss.input === undefined ? `${name} is required` : `${name} must be a string`) })
    .min(1, `${name} is required`)
    .max(max, `${name} is longer than ${max} characters`)
    .refine((v) => !NOT_ID.test(v), `${name} may hold printable characters only (no spaces, control or invisible characters)`);
}

/** A non-negative integer written in decimal digits only (`0`, `17`; not `-1`, `1e3`, `0x10`, ` 5`, ``). */
export function nonNegativeInt(name: string, max = Number.MAX_SAFE_INTEGER) {
  return param(name, 16)
    .regex(/^\d{1,16}$/, `${name} must be a non-negative integer`)
    .transform(Number)
    .refine((n) => n <= max, `${name} must be at most ${max}`);
}

/** The code for a failed parse of `where` ('query' → `*_parameter`, 'body' → `*_field`). */
function codeOf(issue: z.core.$ZodIssue, where: 'query' | 'body'): string {
  const noun = where === 'query' ? 'parameter' : 'field';
  if (issue.code === 'unrecognized_keys') return `unknown_${noun}`;
  if (issue.code === 'invalid_type' && issue.path.length === 0) return `invalid_${where}`;
  if (issue.code === 'invalid_type' && issue.input === undefined) return `missing_${noun}`;
  if (issue.code === 'invalid_type' && Array.isArray(issue.input) && where === 'query') return 'repeated_parameter';
  return `invalid_${noun}`;
}

/** A readable reason for the issues: `field: message`, at most three. */
function reasonOf(issues: z.core.$ZodIssue[], where: 'query' | 'body'): string {
  return issues
    .slice(0, 3)
    .map((i) => {
      if (i.code === 'unrecognized_keys') return `unknown ${where === 'query' ? 'parameter' : 'field'} ${i.keys.map((k) => JSON.stringify(k.slice(0, 40))).join(', ')}`;
      const at = i.path.map(String).join('.');
      return at && !i.message.startsWith(at) ? `${at}: ${i.message}` : i.message;
    })
    .join('; ');
}

/**
 * Parses `value` (a request's query or body) with `schema`. On failure answers 400 `{error, reason}`
 * (`error`: `unknown_parameter`, `repeated_parameter`, `missing_field`, `invalid_field` …; `invalid_body`
 * when the body is not an object) and returns undefined — the handler then returns `reply`.
 * `tooLarge` lists fields whose `too_big` failure is answered 413 `<field>_too_long` instead.
 */
export function parseInput<S extends z.ZodType>(
  schema: S,
  value: unknown,
  reply: FastifyReply,
  where: 'query' | 'body',
  opts: { tooLarge?: string[] } = {},
): z.infer<S> | undefined {
  const r = schema.safeParse(value ?? (where === 'query' ? {} : undefined), { reportInput: true });
  if (r.success) return r.data;
  const issues = r.error.issues;
  const big = issues.find((i) => i.code === 'too_big' && opts.tooLarge?.includes(String(i.path[0])));
  if (big) refuse(reply, 413, `${String(big.path[0])}_too_long`, reasonOf([big], where));
  else refuse(reply, 400, codeOf(issues[0]!, where), where === 'body' && issues[0]!.path.length === 0 && issues[0]!.code === 'invalid_type' ? 'the body must be a JSON object' : reasonOf(issues, where));
  return undefined;
}

/** Codes for fastify's own refusals, by its error code. */
const FASTIFY_CODES: Record<string, string> = {
  FST_ERR_CTP_INVALID_JSON_BODY: 'invalid_json',
  FST_ERR_CTP_EMPTY_JSON_BODY: 'invalid_json',
  FST_ERR_CTP_BODY_TOO_LARGE: 'body_too_large',
  FST_ERR_CTP_INVALID_MEDIA_TYPE: 'unsupported_media_type',
  FST_ERR_CTP_INVALID_CONTENT_LENGTH: 'invalid_content_length',
  FST_ERR_CTP_INVALID_TYPE: 'invalid_content_type',
  FST_ERR_CTP_EMPTY_TYPE: 'invalid_content_type',
};

/**
 * Installs the error and not-found handlers on the root server, so fastify's own refusals use the
 * `{error, reason}` shape: bad JSON → 400 `invalid_json`, body over the limit → 413 `body_too_large`,
 * unknown content type → 415 `unsupported_media_type`, no route → 404 `not_found`. Anything else is a
 * bug: logged, answered 500 `internal` without details. Call once, before the routes are registered.
 */
export function installHttpErrors(http: FastifyInstance): void {
  http.setErrorHandler((err: FastifyError, req: FastifyRequest, reply: FastifyReply) => {
    const status = typeof err.statusCode === 'number' && err.statusCode >= 400 && err.statusCode < 500 ? err.statusCode : 500;
    if (status === 500) {
      req.log.error({ err: err.message, stack: err.stack, url: req.url.slice(0, 200) }, 'http: request failed');
      return refuse(reply, 500, 'internal', 'internal error; see the server log');
    }
    const code = FASTIFY_CODES[err.code] ?? (err instanceof SyntaxError ? 'invalid_json' : 'bad_request');
    return refuse(reply, status, code, err.message);
  });
  http.setNotFoundHandler((req: FastifyRequest, reply: FastifyReply) =>
    refuse(reply, 404, 'not_found', `no route ${req.method} ${req.url.split('?')[0]!.slice(0, 100)}; GET / lists the endpoints`),
  );
}
