/** Coded errors of gridrelay's own. */

export const ERROR_CODES = {
  GR_ERR_USAGE: 'malformed command',
  GR_ERR_FORBIDDEN: 'not allowed for this sender or group',
  GR_ERR_NOT_FOUND: 'no such item',
  GR_ERR_ROSTER: 'roster file rejected',
} as const;
export type ErrorCode = keyof typeof ERROR_CODES;

/** An error with a code from {@link ERROR_CODES}; `message` is fit to show to the person (Chinese). */
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
