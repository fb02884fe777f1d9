/**
 * The console's failures. Sends raise no PlatformError: the console is gridrelay's own database, and a
 * failure to store a message is thrown as it is (the outbox retries it like any transient failure; a
 * resend is not shown twice). Inbound requests are refused with 4xx `{code, message, error, reason}` (src/http/validate.ts),
 * and with 503 `not_receiving` while the adapter is starting or stopping.
 */
import { HttpError } from '../../http/validate.js';

/** The 503 `not_receiving` refusal: the adapter is not started, or stopping. Throw it from a handler. */
export function notReceiving(): HttpError {
  return new HttpError(503, 'not_receiving', 'not receiving (starting or stopping)');
}
