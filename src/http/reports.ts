/**
 * `GET /api/v1/reports/response-rate?from=YYYY-MM-DD&to=YYYY-MM-DD&format=json|csv|xlsx[&colour=red,orange][&township=T01][&item=<条目ID>]`
 * — the response-rate export (see workflows/reports/export.ts). Each parameter at most once,
 * no others (but `token`); `township` must be a township id of the roster, `item` an item's id (the link
 * `/导出 N` answers with). A bad request is answered
 * 400 `{code, error, reason}` naming the parameter (src/http/validate.ts). Guarded like the dashboard
 * (src/http/access.ts).
 *
 * `GET /api/v1/reports/errands?day=YYYY-MM-DD|YYYYMMDD[&township=T01][&format=json|xlsx]` — 红色代办's
 * purchase lists of one cut-off day with the per-village breakdown (workflows/reports/errands.ts).
 */
import type { FastifyInstance } from 'fastify';
import { getDirective } from '../db/queries/directives.js';
import { getUnit } from '../db/queries/roster.js';
import type { ReportDeps } from '../../workflows/reports/response-rate.js';
import { exportReport, parseExportParams } from '../../workflows/reports/export.js';
import { errandLists, errandsXlsx } from '../../workflows/reports/errands.js';
import { requireAccess } from './access.js';
import { HttpError, param, querySchema, readInput } from './validate.js';

const exportQuery = querySchema({
  from: param('from', 40).optional(),
  to: param('to', 40).optional(),
  format: param('format', 20).optional(),
  colour: param('colour', 100).optional(),
  township: param('township', 64).optional(),
  item: param('item', 20).optional(),
});

export function reportRoutes(http: FastifyInstance, deps: ReportDeps): void {
  http.get('/api/v1/reports/response-rate', { onRequest: requireAccess(deps.config.DASHBOARD_TOKEN) }, async (req, reply) => {
    const q = readInput(exportQuery, req.query, 'query');
    const params = parseExportParams(q, deps.config.TIMEZONE);
    if (typeof params === 'string') throw new HttpError(400, 'invalid_parameter', params);
    if (params.townshipId !== undefined && (await getUnit(deps.db, params.townshipId))?.kind !== 'township') {
      throw new HttpError(400, 'unknown_township', `township=${JSON.stringify(params.townshipId)} is not a township id of the roster (e.g. T01)`);
    }
    if (params.directiveId !== undefined && !await getDirective(deps.db, params.directiveId)) {
      throw new HttpError(400, 'unknown_item', `item=${params.directiveId} is not the id of a directive or notice (条目ID)`);
    }
    const out = await exportReport(deps, params);
    return reply
      .header('content-type', out.contentType)
      .header('content-disposition', `attachment; filename="${out.filename}"`)
      .send(out.body);
  });

  const errandQuery = querySchema({ day: param('day', 20).optional(), township: param('township', 64).optional(), format: param('format', 20).optional() });
  http.get('/api/v1/reports/errands', { onRequest: requireAccess(deps.config.DASHBOARD_TOKEN) }, async (req, reply) => {
    const q = readInput(errandQuery, req.query, 'query');
    const m = /^(\d{4})-?(\d{2})-?(\d{2})$/.exec(q.day ?? '');
    if (!m) throw new HttpError(400, 'invalid_parameter', 'day must be the cut-off day as YYYY-MM-DD or YYYYMMDD, e.g. day=2026-12-02');
    const day = Number(m[1]! + m[2]! + m[3]!);
    if (q.township !== undefined && (await getUnit(deps.db, q.township))?.kind !== 'township') {
      throw new HttpError(400, 'unknown_township', `township=${JSON.stringify(q.township)} is not a township id of the roster (e.g. T01)`);
    }
    const format = q.format ?? 'json';
    if (format !== 'json' && format !== 'xlsx') throw new HttpError(400, 'invalid_parameter', 'format must be json or xlsx');
    const lists = await errandLists(deps, day, q.township);
    const base = `errands-${day}${q.township ? `-${q.township}` : ''}`;
    if (format === 'xlsx') {
      return reply
        .header('content-type', 'application/vnd.openxmlformats-officedocument.spreadsheetml.sheet')
        .header('content-disposition', `attachment; filename="${base}.xlsx"`)
        .send(await errandsXlsx(day, lists));
    }
    return reply.header('content-type', 'application/json; charset=utf-8').send(JSON.stringify({ day, lists }));
  });
}
