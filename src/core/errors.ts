/**
 * Coded errors of gridrelay's own. Every error class here and elsewhere (`RosterError`, `ConfigError`,
 * `PlatformError`, `HttpError`) extends {@link GridrelayError} and so carries a `code` from
 * {@link ERROR_CODES}; logs name it (`{ code, err }`, see {@link errorFields}), HTTP answers carry it.
 */

/** Every code, once, with its meaning. */
export const ERROR_CODES = {
  GR_ERR_USAGE: 'malformed command: answered with its usage (UsageError)',
  GR_ERR_FORBIDDEN: 'not allowed: a chat refusal that says why (Refusal), or an HTTP request from an address not served (403)',
  GR_ERR_ROSTER: 'roster file rejected; nothing of it applied (RosterError)',
  GR_ERR_CONFIG: 'configuration rejected at start (ConfigError)',
  GR_ERR_PLATFORM: 'a chat platform call failed; its kind says whether to retry (PlatformError)',
  GR_ERR_BAD_REQUEST: 'HTTP request malformed: a parameter, field, JSON body, size or content type (400, 413, 415)',
  GR_ERR_UNAUTHORIZED: 'HTTP request without the right token (401)',
  GR_ERR_NOT_FOUND: 'no such HTTP route (404)',
  GR_ERR_CONFLICT: 'HTTP request clashing with what runs now, e.g. a second drill while one runs (409)',
  GR_ERR_UNAVAILABLE: 'not receiving: starting or stopping (HTTP 503)',
  GR_ERR_INTERNAL: 'a bug: an error not of gridrelay\'s own (HTTP 500, details only in the log)',
} as const;
export type ErrorCode = keyof typeof ERROR_CODES;

/**
 * An error with a code from {@link ERROR_CODES}. Of its subclasses only {@link UsageError} and
 * {@link Refusal} are answered to the person in chat (their `message` is Chinese); the others are for
 * operators (English).
 */
export class GridrelayError extends Error {
  override name = 'GridrelayError';
  constructor(
    readonly code: ErrorCode,
    message: string,
  ) {
    super(message);
  }
}

/** A command's arguments did not parse; the reply shows `message` and the command's usage. */
export class UsageError extends GridrelayError {
  constructor(message = '格式不对') {
    super('GR_ERR_USAGE', message);
  }
}

/** The person may not do this here; `message` says why (shown as the reply). */
export class Refusal extends GridrelayError {
  constructor(message: string) {
    super('GR_ERR_FORBIDDEN', message);
  }
}

/** The code of any error: its own, or `GR_ERR_INTERNAL` for one that is not gridrelay's (a bug). */
export function codeOf(err: unknown): ErrorCode {
  return err instanceof GridrelayError ? err.code : 'GR_ERR_INTERNAL';
}

/** Fields for logging an error: `{ code, err: message }` (pino: `log.error(errorFields(err), 'what failed')`). */
export function errorFields(err: unknown): { code: ErrorCode; err: string } {
  if (!(err instanceof Error)) return { code: codeOf(err), err: String(err) };
  // a driver error wrapped by drizzle ("Failed query: …") carries the database's reason as its cause
  const cause = err.cause instanceof Error ? `: ${err.cause.message}` : '';
  return { code: codeOf(err), err: `${err.message}${cause}` };
}
