/**
 * The console's failures. Sends raise no PlatformError: the console is gridrelay's own database, and a
 * failure to store a message is thrown as it is (the outbox retries it like any transient failure; a
 * resend is not shown twice). Inbound requests are refused with 4xx `{error, reason}` (src/http/validate.ts),
 * and with 503 `not_receiving` while the adapter is starting or stopping.
 */
import type { FastifyReply } from 'fastify';
import { refuse } from '../../http/validate.js';

/** Answers 503 `not_receiving`: the adapter is not started, or stopping. @returns the reply (return it from the handler). */
export function refuseNotReceiving(reply: FastifyReply): FastifyReply {
  return refuse(reply, 503, 'not_receiving', 'not receiving (starting or stopping)');
}
