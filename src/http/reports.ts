/**
 * `GET /api/v1/reports/response-rate?from=YYYY-MM-DD&to=YYYY-MM-DD&format=json|csv|xlsx[&colour=red,orange][&township=T01]`
 * — the response-rate export (see workflows/response-rate-export.ts). 400 with `{error}` naming the
 * bad parameter. Guarded like the dashboard (src/http/access.ts).
 */
import type { FastifyInstance } from 'fastify';
import type { ReportDeps } from '../../workflows/response-rate.js';
import { exportReport, parseExportParams } from '../../workflows/response-rate-export.js';
import { requireAccess } from './access.js';

export function reportRoutes(http: FastifyInstance, deps: ReportDeps): void {
  http.get('/api/v1/reports/response-rate', { onRequest: requireAccess(deps.config.DASHBOARD_TOKEN) }, async (req, reply) => {
    const params = parseExportParams(req.query as Record<string, string | undefined>, deps.config.TIMEZONE);
    if (typeof params === 'string') return reply.code(400).send({ error: params });
    const out = await exportReport(deps, params);
    return reply
      .header('content-type', out.contentType)
      .header('content-disposition', `attachment; filename="${out.filename}"`)
      .send(out.body);
  });
}
