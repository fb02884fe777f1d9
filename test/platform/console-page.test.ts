/**
 * The web console's static page (src/platform/console/page.ts): served from the built folder without the token,
 * a 503 hint (Chinese and English) when it was never built, assets by safe name only, and the URL `npm start`
 * prints. The page itself in a browser: test/console-ui.test.ts.
 */
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Fastify, { type FastifyInstance } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { installHttpErrors } from '../../src/http/validate.js';
import { consoleUrl, registerPage } from '../../src/platform/console/page.js';
import { buildTestApp, type TestApp } from '../helpers/app.js';

const dir = mkdtempSync(join(tmpdir(), 'gridrelay-page-'));
const built = join(dir, 'console');
let http: FastifyInstance;
let bare: FastifyInstance;
let app: TestApp;
const TOKEN = 'page-test-token-0123456789';

beforeAll(async () => {
  mkdirSync(join(built, 'assets'), { recursive: true });
  writeFileSync(join(built, 'index.html'), '<!doctype html><title>console</title><script src="/console/assets/index-abc.js"></script>');
  writeFileSync(join(built, 'assets', 'index-abc.js'), 'console.log(1)');
  writeFileSync(join(dir, 'secret.txt'), 'not an asset');
  http = Fastify();
  installHttpErrors(http);
  registerPage(http, { dir: built });
  await http.ready();
  bare = Fastify();
  installHttpErrors(bare);
  registerPage(bare, { dir: join(dir, 'never-built') });
  await bare.ready();
  app = await buildTestApp({ roster: false, env: { CONSOLE_TOKEN: TOKEN } });
});

afterAll(async () => {
  await http?.close();
  await bare?.close();
  await app?.close();
  rmSync(dir, { recursive: true, force: true });
});

describe('web console page', () => {
  it('serves index.html and its assets from the built folder', async () => {
    const page = await http.inject({ method: 'GET', url: '/console/?token=abc' });
    expect(page.statusCode).toBe(200);
    expect(page.headers['content-type']).toMatch(/^text\/html/);
    expect(page.headers['cache-control']).toBe('no-store');
    expect(page.body).toContain('/console/assets/index-abc.js');
    const js = await http.inject({ method: 'GET', url: '/console/assets/index-abc.js' });
    expect(js.statusCode).toBe(200);
    expect(js.headers['content-type']).toMatch(/^text\/javascript/);
    expect(js.body).toBe('console.log(1)');
  });

  it('redirects /console to /console/ keeping the token', async () => {
    const r = await http.inject({ method: 'GET', url: '/console?token=abc' });
    expect(r.statusCode).toBe(302);
    expect(r.headers.location).toBe('/console/?token=abc');
  });

  it('answers 404 for a missing asset or a name that leaves the folder, never another file', async () => {
    for (const url of ['/console/assets/nope.js', '/console/assets/..%2Fsecret.txt', '/console/assets/..%2F..%2Fsecret.txt', '/console/assets/.hidden.js', '/console/assets/x.txt']) {
      const r = await http.inject({ method: 'GET', url });
      expect(r.statusCode, url).toBe(404);
      expect(r.body).not.toContain('not an asset');
      expect(r.json()).toMatchObject({ error: expect.any(String), reason: expect.any(String) });
    }
  });

  it('answers 503 with a hint in Chinese and English when the page was never built', async () => {
    const r = await bare.inject({ method: 'GET', url: '/console/' });
    expect(r.statusCode).toBe(503);
    expect(r.body).toContain('npm run build');
    expect(r.body).toContain('网页控制台尚未构建');
    expect(r.body).toContain('has not been built');
  });

  it('needs no token on the console platform while the API does', async () => {
    const page = await app.http.inject({ method: 'GET', url: '/console' });
    expect(page.statusCode).toBe(302);
    const asset = await app.http.inject({ method: 'GET', url: '/console/assets/none-such.js' });
    expect(asset.statusCode).toBe(404);
    expect((await app.http.inject({ method: 'GET', url: '/console/' })).statusCode).not.toBe(401);
    expect((await app.http.inject({ method: 'GET', url: '/console/v1/outbound' })).statusCode).toBe(401);
  });

  it('gives the URL npm start prints, with the token when one is set', () => {
    expect(consoleUrl({ HOST: '127.0.0.1' }, 3000)).toBe('http://127.0.0.1:3000/console/');
    expect(consoleUrl({ HOST: '0.0.0.0', CONSOLE_TOKEN: 'a b&c' }, 8080)).toBe('http://127.0.0.1:8080/console/?token=a%20b%26c');
    expect(consoleUrl({ HOST: '::1' }, 3000)).toBe('http://[::1]:3000/console/');
    expect(consoleUrl({ HOST: '10.0.0.5', PUBLIC_URL: 'https://gr.example.cn/', CONSOLE_TOKEN: 'tok' }, 3000)).toBe('https://gr.example.cn/console/?token=tok');
  });
});
