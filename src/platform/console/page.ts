/**
 * The web console's page (issue 16): the static files Vite builds from web/console/ into dist/console/
 * (`npm run build`, scripts/build.mjs), served on the console platform only:
 *
 * - `GET /console` → 302 to `/console/` (its query kept: `?token=`).
 * - `GET /console/` → index.html (`cache-control: no-store`: a rebuild is seen at once).
 * - `GET /console/assets/<file>` → a built asset (names carry a content hash: cached for a year); 404 otherwise.
 *
 * No token is needed for these (they hold no data; the page passes its own `?token=` on to the API).
 * When dist/console/ is missing (a checkout that was never built) `/console/` answers 503 with a hint, in
 * Chinese and English, to run `npm run build`. The folder is looked at on every request, so a build made
 * while gridrelay runs is served without a restart.
 */
import { existsSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { extname, join } from 'node:path';
import type { FastifyInstance } from 'fastify';
import type { Config } from '../../config.js';
import { HttpError } from '../../http/validate.js';
import { PACKAGE_ROOT } from '../../paths.js';

/** Where `npm run build` puts the page: `<package root>/dist/console`. */
export const CONSOLE_PAGE_DIR = join(PACKAGE_ROOT, 'dist', 'console');

const TYPES: Record<string, string> = {
  '.js': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
  '.jpg': 'image/jpeg',
  '.webp': 'image/webp',
  '.ico': 'image/x-icon',
  '.woff2': 'font/woff2',
  '.json': 'application/json; charset=utf-8',
  '.map': 'application/json; charset=utf-8',
};

/** A built asset's name: one path segment of safe characters (no `..`, no folders). */
const ASSET_NAME = /^[A-Za-z0-9_-][A-Za-z0-9._-]{0,200}$/;

/** The 503 page when the page was never built. */
const NOT_BUILT = `<!doctype html><html lang="zh-CN"><meta charset="utf-8"><title>网页控制台未构建</title>
<body style="font-family:system-ui,sans-serif;max-width:40rem;margin:3rem auto;padding:0 1rem">
<h1>网页控制台尚未构建</h1><p>请在 gridrelay 目录运行 <code>npm run build</code>，然后刷新本页。</p>
<p lang="en">The web console has not been built: run <code>npm run build</code> in gridrelay's folder, then reload this page.</p>
</body></html>\n`;

/**
 * Registers `/console`, `/console/` and `/console/assets/*` (see the module doc).
 * @param opts.dir the built page's folder (default {@link CONSOLE_PAGE_DIR}; tests point it elsewhere)
 */
export function registerPage(http: FastifyInstance, opts: { dir?: string } = {}): void {
  const dir = opts.dir ?? CONSOLE_PAGE_DIR;
  const index = join(dir, 'index.html');

  http.get('/console', async (req, reply) => {
    const q = req.url.indexOf('?');
    return reply.redirect(`/console/${q >= 0 ? req.url.slice(q) : ''}`, 302);
  });

  http.get('/console/', async (_req, reply) => {
    if (!existsSync(index)) return reply.code(503).header('content-type', 'text/html; charset=utf-8').header('cache-control', 'no-store').send(NOT_BUILT);
    return reply.header('content-type', 'text/html; charset=utf-8').header('cache-control', 'no-store').send(await readFile(index));
  });

  http.get<{ Params: { file: string } }>('/console/assets/:file', async (req, reply) => {
    const name = req.params.file;
    const type = TYPES[extname(name).toLowerCase()];
    if (!ASSET_NAME.test(name) || !type) throw new HttpError(404, 'not_found', `no such asset: ${name}`);
    let body: Buffer;
    try {
      body = await readFile(join(dir, 'assets', name));
    } catch {
      throw new HttpError(404, 'not_found', `no such asset: ${name} (is the web console built? npm run build)`);
    }
    return reply.header('content-type', type).header('cache-control', 'public, max-age=31536000, immutable').send(body);
  });
}

/**
 * The address to open the console at, as `npm start` prints it: `PUBLIC_URL` when set, else `http://HOST:port`
 * (an any-address HOST such as 0.0.0.0 or :: shown as 127.0.0.1, an IPv6 one in brackets), then `/console/`, with
 * `?token=<CONSOLE_TOKEN>` when a token is set. Pure.
 * @param port the port actually listened on (PORT may be 0)
 */
export function consoleUrl(config: Pick<Config, 'HOST' | 'PUBLIC_URL' | 'CONSOLE_TOKEN'>, port: number): string {
  let base: string;
  if (config.PUBLIC_URL) base = config.PUBLIC_URL.replace(/\/+$/, '');
  else {
    const host = config.HOST === '0.0.0.0' || config.HOST === '::' || config.HOST === '' ? '127.0.0.1' : config.HOST;
    base = `http://${host.includes(':') ? `[${host}]` : host}:${port}`;
  }
  return `${base}/console/${config.CONSOLE_TOKEN ? `?token=${encodeURIComponent(config.CONSOLE_TOKEN)}` : ''}`;
}
