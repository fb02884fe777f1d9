/**
 * HTTP input checking and HTTP errors, shared by every route in src/http/ and the console API: one zod
 * schema per route for its query (and body), and one shape for every refusal — `{code, message, error, reason}`
 * with a 4xx status — including fastify's own (bad JSON, body too large, wrong content type, no such
 * route). Handlers and hooks throw an {@link HttpError}; the one error handler ({@link installHttpErrors})
 * answers it. Nothing malformed reaches a handler, and no input makes gridrelay answer 5xx.
 */
import type { FastifyError, FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { z } from 'zod';
import { codeOf, GridrelayError, type ErrorCode } from '../core/errors.js';

/**
 * The body of every 4xx/5xx answer: the error `code` (`GR_ERR_…`, src/core/errors.ts), a stable machine
 * `error` naming what exactly was wrong (`unknown_parameter`, `text_too_long`, `unauthorized` …) and a
 * human `reason` (English).
 */
export interface HttpRefusal {
  /** The error's code, e.g. `GR_ERR_BAD_INPUT` (src/core/errors.ts). */
  code: ErrorCode;
  /** The message for a person (English; the same text as `reason`). */
  message: string;
  /** What exactly was wrong, snake_case: `unknown_parameter`, `text_too_long` … */
  error: string;
  /** The message, under the name the console API has always used. */
  reason: string;
}

/** The code of an HTTP status: 401, 403, 404, 409, 503, other 5xx, other 4xx (a malformed request). */
function codeForStatus(status: number): ErrorCode {
  if (status === 401) return 'GR_ERR_UNAUTHORIZED';
  if (status === 403) return 'GR_ERR_FORBIDDEN';
  if (status === 404) return 'GR_ERR_NOT_FOUND';
  if (status === 409) return 'GR_ERR_CONFLICT';
  if (status === 503) return 'GR_ERR_UNAVAILABLE';
  if (status >= 500) return 'GR_ERR_INTERNAL';
  return 'GR_ERR_BAD_REQUEST';
}

/**
 * A refused HTTP request: thrown by a route handler or hook, answered by the error handler as `status`
 * `{code, message, error, reason}` with `headers` (e.g. `WWW-Authenticate`). `code` follows from the status
 * (400/413/415 → `GR_ERR_BAD_REQUEST`, 401 → `GR_ERR_UNAUTHORIZED`, 403 → `GR_ERR_FORBIDDEN`, 404 →
 * `GR_ERR_NOT_FOUND`, 409 → `GR_ERR_CONFLICT`, 503 → `GR_ERR_UNAVAILABLE`); `message` is the reason.
 */
export class HttpError extends GridrelayError {
  override name = 'HttpError';
  constructor(
    /** HTTP status, 4xx or 5xx. */
    readonly status: number,
    /** What exactly was wrong, snake_case: `unknown_parameter`, `text_too_long` … */
    readonly error: string,
    reason: string,
    readonly headers: Readonly<Record<string, string>> = {},
  ) {
    super(codeForStatus(status), reason);
  }
}

/** Longest `reason` sent back (it may quote the input). */
const REASON_MAX = 300;

const clip = (s: string) => (s.length > REASON_MAX ? `${s.slice(0, REASON_MAX - 1)}…` : s);

/** Answers `err` as `{code, message, error, reason}` with its status and headers. */
function answer(reply: FastifyReply, err: HttpError): FastifyReply {
  const message = clip(err.message);
  return reply
    .code(err.status)
    .headers(err.headers)
    .send({ code: err.code, message, error: err.error, reason: message } satisfies HttpRefusal);
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

/** The `error` for a failed parse of `where` ('query' → `*_parameter`, 'body' → `*_field`). */
function issueCode(issue: z.core.$ZodIssue, where: 'query' | 'body'): string {
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
 * Parses `value` (a request's query or body) with `schema`.
 * @returns the parsed value.
 * @throws HttpError 400 (`GR_ERR_BAD_REQUEST`; `error`: `unknown_parameter`, `repeated_parameter`,
 *   `missing_field`, `invalid_field` …; `invalid_body` when the body is not an object), or 413
 *   `<field>_too_long` for a field in `tooLarge` that is too long.
 */
export function readInput<S extends z.ZodType>(schema: S, value: unknown, where: 'query' | 'body', opts: { tooLarge?: string[] } = {}): z.infer<S> {
  const r = schema.safeParse(value ?? (where === 'query' ? {} : undefined), { reportInput: true });
  if (r.success) return r.data;
  const issues = r.error.issues;
  const big = issues.find((i) => i.code === 'too_big' && opts.tooLarge?.includes(String(i.path[0])));
  if (big) throw new HttpError(413, `${String(big.path[0])}_too_long`, reasonOf([big], where));
  throw new HttpError(400, issueCode(issues[0]!, where), where === 'body' && issues[0]!.path.length === 0 && issues[0]!.code === 'invalid_type' ? 'the body must be a JSON object' : reasonOf(issues, where));
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
 * What an error thrown while serving a request is answered: an {@link HttpError} as it is; fastify's own
 * 4xx refusals by their code (bad JSON → 400 `invalid_json`, body over the limit → 413 `body_too_large`,
 * unknown content type → 415 `unsupported_media_type` …); anything else is a bug: 500 `internal`.
 */
function asHttpError(err: unknown): HttpError {
  if (err instanceof HttpError) return err;
  const e = err as Partial<FastifyError>;
  const status = e.statusCode;
  if (typeof status === 'number' && status >= 400 && status < 500) {
    return new HttpError(status, FASTIFY_CODES[e.code ?? ''] ?? (err instanceof SyntaxError ? 'invalid_json' : 'bad_request'), e.message ?? 'bad request');
  }
  return new HttpError(500, 'internal', 'internal error; see the server log');
}

/**
 * Installs the one error handler and the not-found handler on the root server: every refusal, thrown by a
 * handler or hook ({@link HttpError}) or fastify's own, is answered `{code, message, error, reason}`; no route →
 * 404 `not_found`. Anything else is a bug: logged with its code, answered 500 `internal` without details.
 * Call once, before the routes are registered.
 */
export function installHttpErrors(http: FastifyInstance): void {
  http.setErrorHandler((err: FastifyError, req: FastifyRequest, reply: FastifyReply) => {
    const refusal = asHttpError(err);
    if (refusal.code === 'GR_ERR_INTERNAL') {
      req.log.error({ code: codeOf(err), err: err.message, stack: err.stack, url: req.url.slice(0, 200) }, 'http: request failed');
    }
    return answer(reply, refusal);
  });
  http.setNotFoundHandler((req: FastifyRequest, reply: FastifyReply) =>
    answer(reply, new HttpError(404, 'not_found', `no route ${req.method} ${req.url.split('?')[0]!.slice(0, 100)}; GET / lists the endpoints`)),
  );
}
