/**
 * The drill's routes (演练, workflows/drill/), console platform only, guarded like the console API (`CONSOLE_TOKEN`):
 * - `POST /console/v1/drill` `{}` (or no body) → `202 {drillId}`: the scripted drill starts on the loaded county;
 *   `409 drill_running` while one runs (in this process or another sharing the database);
 * - `GET /console/v1/drill` → `{running, step?}` (the step in Chinese, e.g. `网格陆续确认`).
 * Nothing from outside reaches the drill flag of a message: the drill's people speak through the inbox directly.
 */
import type { FastifyInstance, FastifyRequest } from 'fastify';
import { z } from 'zod';
import type { Drills } from '../../workflows/drill/index.js';
import { HttpError, querySchema, readInput } from './validate.js';

/** The body of `POST /console/v1/drill`: an empty object, or none. */
const startBody = z.strictObject({}).optional();
const noQuery = querySchema({});

/** Registers both routes; `onRequest` is the console's token guard (empty when no `CONSOLE_TOKEN`). */
export function drillRoutes(http: FastifyInstance, deps: { drills: Drills; onRequest: ((req: FastifyRequest) => Promise<void>)[] }): void {
  http.post('/console/v1/drill', { onRequest: deps.onRequest }, async (req, reply) => {
    readInput(noQuery, req.query, 'query');
    readInput(startBody, req.body, 'body');
    const started = await deps.drills.start();
    if (!started) throw new HttpError(409, 'drill_running', 'a drill is running; wait until GET /console/v1/drill says running: false');
    return reply.code(202).send(started);
  });
  http.get('/console/v1/drill', { onRequest: deps.onRequest }, async (req) => {
    readInput(noQuery, req.query, 'query');
    return await deps.drills.status();
  });
}
