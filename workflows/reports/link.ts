/**
 * `/导出 N`: the link to one item's XLSX — the response-rate export of the day the item was issued, cut to
 * that item (`GET /api/v1/reports/response-rate?from=&to=&format=xlsx&item=<条目ID>&token=`, export.ts) —
 * posted in the command group. The export route asks `DASHBOARD_TOKEN` (src/http/access.ts); without one it
 * serves only the server itself, so no link is posted and the answer says why. Read-only.
 */
import type { Config } from '../../src/config.js';
import type { CoreDeps } from '../../src/core/deps.js';
import { Refusal } from '../../src/core/errors.js';
import type { Directive } from '../../src/db/schema/index.js';
import { isoDayIn } from '../../src/time/clock.js';
import { formatNumber } from '../directive/format.js';
import { refWord } from '../directive/ref.js';

/** Where people open gridrelay's HTTP routes: `PUBLIC_URL`, else `http://HOST:PORT` (a wildcard host as loopback), without a trailing `/`. */
export function publicBase(config: Pick<Config, 'PUBLIC_URL' | 'HOST' | 'PORT'>): string {
  if (config.PUBLIC_URL) return config.PUBLIC_URL.replace(/\/+$/, '');
  const host = ['0.0.0.0', '::', ''].includes(config.HOST) ? '127.0.0.1' : config.HOST.includes(':') ? `[${config.HOST}]` : config.HOST;
  return `http://${host}:${config.PORT}`;
}

/** The export URL of item `d`'s XLSX (one row per target unit), carrying `token`. */
export function itemExportUrl(config: Pick<Config, 'PUBLIC_URL' | 'HOST' | 'PORT' | 'TIMEZONE'>, d: Pick<Directive, 'id' | 'issuedAt'>, token: string): string {
  const day = isoDayIn(d.issuedAt, config.TIMEZONE);
  const q = new URLSearchParams({ from: day, to: day, format: 'xlsx', item: String(d.id), token });
  return `${publicBase(config)}/api/v1/reports/response-rate?${q}`;
}

/**
 * The answer to `/导出` for item `d`: its XLSX link when `DASHBOARD_TOKEN` is set; otherwise why there is none.
 * @throws Refusal when the item has no acknowledgements to export: revoked (left out of reports), or sent
 *   with `回执:否`.
 */
export function itemExportText(deps: CoreDeps, d: Directive): string {
  const name = formatNumber(d);
  if (d.status === 'revoked') throw new Refusal(`${name}已撤回，不计入报表，没有确认明细可导出。`);
  if (!d.ackRequired) throw new Refusal(`${name}无需回执（回执:否），没有确认明细可导出。`);
  if (d.drill) throw new Refusal(`${name}是演练，不计入报表，没有确认明细可导出。/进度 ${refWord(d)} 查看确认情况。`);
  const token = deps.config.DASHBOARD_TOKEN;
  if (!token) return `${name} 确认明细：未设置 DASHBOARD_TOKEN，报表只能在服务器本机打开，不能发链接。请管理员设置后再试。`;
  return [`${name} 确认明细（XLSX，每个单位一行）：`, itemExportUrl(deps.config, d, token), '链接含访问令牌，请勿转发到群外。'].join('\n');
}
