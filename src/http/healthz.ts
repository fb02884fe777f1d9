/**
 * `GET /healthz`: the database (`database.dialect`: sqlite or pg), the inbox's lag (`inbox.lagMs`: how long the
 * oldest unprocessed message has waited), Redis, the platform adapter and the outbox (200 when all are up, else 503), and
 * this process's `role`: `leader` (holds the platform's inbound connection) or `follower`, with `holder`
 * (holder id of the leader as last seen, null when unknown) and `self` (this process's holder id). A
 * follower is healthy: its adapter only sends. The console and Slack over HTTP elect no leader: always `leader`.
 */
import type { FastifyInstance } from 'fastify';
import type { Redis } from 'ioredis';
import { dialect, pingDb, type Db } from '../db/client.js';
import { oldestReceivedAt } from '../db/queries/messages.js';
import type { Outbox } from '../core/outbox.js';
import type { PlatformAdapter } from '../platform/port.js';
import type { LeaderView } from '../jobs/leader.js';
import { readInput, querySchema } from './validate.js';

/** Neither route takes parameters (an unknown one is refused 400). */
const noQuery = querySchema({});

export function healthRoutes(http: FastifyInstance, deps: { db: Db; redis: Redis; adapter: PlatformAdapter; outbox: Outbox; leader: LeaderView }): void {
  // `GET /`: what this server offers, for someone who opens it in a browser
  http.get('/', async (req) => {
    readInput(noQuery, req.query, 'query');
    return {
      name: 'gridrelay',
      platform: deps.adapter.name,
      endpoints: {
        health: 'GET /healthz',
        ...(deps.adapter.name === 'console'
          ? {
              console: 'GET /console/ (the web console: every group, play any member)',
              say: 'POST /console/v1/inbound {conversationId, senderId, text, msgId?, quotedSeq?, attachments?}',
              read: 'GET /console/v1/outbound?conversationId=&after=<seq>',
              file: 'GET /console/v1/files/<id>',
              drill: 'POST /console/v1/drill (演练), GET /console/v1/drill',
            }
          : {}),
        dashboard: 'GET /dashboard',
        export: 'GET /api/v1/reports/response-rate?from=YYYY-MM-DD&to=YYYY-MM-DD&format=xlsx|csv|json',
      },
      docs: 'README.md, docs/PRODUCT.md',
    };
  });

  http.get('/healthz', async (req, reply) => {
    readInput(noQuery, req.query, 'query');
    const database = await pingDb(deps.db);
    let oldest: Date | null = null;
    try {
      oldest = database ? await oldestReceivedAt(deps.db) : null;
    } catch {
      oldest = null;
    }
    let redis = false;
    try {
      redis = (await Promise.race([deps.redis.ping(), new Promise((r) => setTimeout(() => r('timeout'), 1000))])) === 'PONG';
    } catch {
      redis = false;
    }
    const platform = deps.adapter.health();
    const ok = database && redis && platform.ok;
    return reply.code(ok ? 200 : 503).send({
      status: ok ? 'ok' : 'degraded',
      role: deps.leader.isLeader ? 'leader' : 'follower',
      holder: deps.leader.holder,
      self: deps.leader.id,
      database: { dialect: dialect(deps.db), status: database ? 'ok' : 'down' },
      // how long the oldest stored message has waited to be processed (0: none waits)
      inbox: { lagMs: oldest ? Math.max(0, Date.now() - oldest.getTime()) : 0 },
      redis: redis ? 'ok' : 'down',
      platform: { name: deps.adapter.name, ...platform },
      outbox: await deps.outbox.counts(),
    });
  });
}
