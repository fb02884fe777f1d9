/**
 * The dashboard (看板): `GET /dashboard` (the page), `GET /dashboard/data.json[?days=30]` (its data,
 * workflows/reports/dashboard.ts) and `GET /dashboard/echarts.min.js` (ECharts from node_modules — no CDN;
 * a public library, served without the token). Page and data are guarded by src/http/access.ts.
 * Queries are checked by one schema per route (src/http/validate.ts): 400 `{code, message, error, reason}`.
 */
import type { FastifyInstance } from 'fastify';
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { dashboardData } from '../../workflows/reports/dashboard.js';
import type { ReportDeps } from '../../workflows/reports/response-rate.js';
import { requireAccess } from './access.js';
import { nonNegativeInt, readInput, querySchema } from './validate.js';

/** `days` of the charts: 1–366 (default 30). The page passes its own query on to data.json, so both accept it. */
const days = nonNegativeInt('days', 366).refine((n) => n >= 1, 'days must be an integer 1-366').optional();
const pageQuery = querySchema({ days });
const dataQuery = querySchema({ days });
const scriptQuery = querySchema({});

const PAGE = join(dirname(fileURLToPath(import.meta.url)), 'dashboard.html');

/** Path of ECharts' minified browser build. @throws when `echarts` is not installed. */
function echartsPath(): string {
  const require = createRequire(import.meta.url);
  return join(dirname(require.resolve('echarts/package.json')), 'dist', 'echarts.min.js');
}

export function dashboardRoutes(http: FastifyInstance, deps: ReportDeps & { now(): Date }): void {
  const guard = { onRequest: requireAccess(deps.config.DASHBOARD_TOKEN) };
  let page: string | null = null;
  let echarts: Buffer | null = null;
  http.get('/dashboard', guard, async (req, reply) => {
    readInput(pageQuery, req.query, 'query');
    page ??= readFileSync(PAGE, 'utf8');
    return reply.header('content-type', 'text/html; charset=utf-8').header('cache-control', 'no-store').send(page);
  });
  http.get('/dashboard/data.json', guard, async (req, reply) => {
    const q = readInput(dataQuery, req.query, 'query');
    return reply.header('cache-control', 'no-store').send(await dashboardData(deps, deps.now(), q.days ?? 30));
  });
  http.get('/dashboard/echarts.min.js', async (req, reply) => {
    readInput(scriptQuery, req.query, 'query');
    echarts ??= readFileSync(echartsPath());
    return reply.header('content-type', 'application/javascript; charset=utf-8').header('cache-control', 'public, max-age=86400').send(echarts);
  });
}
