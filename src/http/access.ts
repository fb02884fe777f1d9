/**
 * Access to the reports API and the dashboard: `DASHBOARD_TOKEN` set → the request must carry it
 * (`?token=` or `Authorization: Bearer <token>`), else 401; not set → only requests from the local
 * machine (127.0.0.1, ::1) are served, others get 403.
 */
import { timingSafeEqual } from 'node:crypto';
import type { FastifyReply, FastifyRequest } from 'fastify';

const LOCAL = new Set(['127.0.0.1', '::1', '::ffff:127.0.0.1']);

/** Whether `ip` is the local machine. */
export const isLocal = (ip: string | undefined) => !!ip && LOCAL.has(ip);

function same(a: string, b: string): boolean {
  const x = Buffer.from(a);
  const y = Buffer.from(b);
  return x.length === y.length && timingSafeEqual(x, y);
}

/** The token a request carries (query `token`, or a bearer token), if any. */
export function tokenOf(req: FastifyRequest): string | undefined {
  const q = (req.query as Record<string, unknown> | undefined)?.token;
  if (typeof q === 'string' && q) return q;
  const m = /^Bearer\s+(\S+)$/i.exec(req.headers.authorization ?? '');
  return m?.[1];
}

/** A fastify `onRequest` hook enforcing the rule above for `token` (undefined = localhost only). */
export function requireAccess(token: string | undefined) {
  return async (req: FastifyRequest, reply: FastifyReply) => {
    if (token) {
      const given = tokenOf(req);
      if (!given || !same(given, token)) {
        return reply.code(401).header('www-authenticate', 'Bearer').send({ error: given ? 'wrong token' : 'token required: ?token= or Authorization: Bearer' });
      }
      return;
    }
    if (!isLocal(req.ip)) return reply.code(403).send({ error: 'DASHBOARD_TOKEN is not set: reachable from localhost only' });
  };
}
