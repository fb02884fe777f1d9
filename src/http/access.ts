/**
 * Access to gridrelay's HTTP routes by token.
 *
 * - Reports API and dashboard ({@link requireAccess}): `DASHBOARD_TOKEN` set → the request must carry it
 *   (`?token=` or `Authorization: Bearer <token>`), else 401; not set → only requests from the local
 *   machine (127.0.0.1, ::1) are served, others get 403.
 * - Console API ({@link requireToken}): `CONSOLE_TOKEN` set → every `/console/` request must carry it, else
 *   401; not set → open (config refuses to start without it unless `HOST` is loopback).
 *
 * Refusals are thrown as {@link HttpError}s, answered `{code, error: 'unauthorized' | 'forbidden', reason}`.
 * Tokens are compared in constant time.
 */
import { createHash, timingSafeEqual } from 'node:crypto';
import type { FastifyRequest } from 'fastify';
import { HttpError } from './validate.js';

const LOCAL = new Set(['127.0.0.1', '::1', '::ffff:127.0.0.1']);

/** Whether `ip` is the local machine. */
export const isLocal = (ip: string | undefined) => !!ip && LOCAL.has(ip);

const digest = (s: string) => createHash('sha256').update(s, 'utf8').digest();

/** Whether `given` equals `expected`, in time independent of where they differ and of their lengths. */
export function sameToken(given: string, expected: string): boolean {
  return timingSafeEqual(digest(given), digest(expected));
}

/** The token a request carries (query `token` given once, or a bearer token), if any. */
export function tokenOf(req: FastifyRequest): string | undefined {
  const q = (req.query as Record<string, unknown> | undefined)?.token;
  if (typeof q === 'string' && q) return q;
  const m = /^Bearer\s+(\S+)$/i.exec(req.headers.authorization ?? '');
  return m?.[1];
}

/**
 * A fastify `onRequest` hook: the request must carry `token`. `name` is the variable holding it, for the reason.
 * @throws HttpError 401 `unauthorized` (`GR_ERR_UNAUTHORIZED`) with `WWW-Authenticate: Bearer`.
 */
export function requireToken(token: string, name: string) {
  return async (req: FastifyRequest) => {
    const given = tokenOf(req);
    if (given && sameToken(given, token)) return;
    const reason = given ? `wrong token (${name})` : `token required (${name}): ?token= or Authorization: Bearer <token>`;
    throw new HttpError(401, 'unauthorized', reason, { 'www-authenticate': 'Bearer' });
  };
}

/**
 * A fastify `onRequest` hook enforcing the reports/dashboard rule above for `token` (undefined = localhost only).
 * @throws HttpError 401 as {@link requireToken}, or 403 `forbidden` (`GR_ERR_FORBIDDEN`) from another machine.
 */
export function requireAccess(token: string | undefined) {
  if (token) return requireToken(token, 'DASHBOARD_TOKEN');
  return async (req: FastifyRequest) => {
    if (!isLocal(req.ip)) throw new HttpError(403, 'forbidden', 'DASHBOARD_TOKEN is not set: reachable from localhost only');
  };
}
