/**
 * The dashboard in a real browser: Debian's `chromium` driven by playwright-core. Skipped (with the
 * reason) only when /usr/bin/chromium is absent — CI installs it (`apt-get install -y chromium`).
 */
import { existsSync, mkdirSync } from 'node:fs';
import { resolve } from 'node:path';
import type { AddressInfo } from 'node:net';
import { chromium, type Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { percent } from '../../src/core/percent.js';
import { buildTestApp, type TestApp } from '../helpers/app.js';
import { county } from '../helpers/console.js';
import { generateMonth, truthTally, type Month } from './month.js';

// page-side code below runs in the browser; these names are the browser's (no DOM lib in this project)
declare const document: any;
declare const window: any;
type Element = any;

const CHROMIUM = '/usr/bin/chromium';
const haveChromium = existsSync(CHROMIUM);
if (!haveChromium) console.warn(`dashboard browser test skipped: ${CHROMIUM} is absent (install it: apt-get install -y chromium)`);
const ARTIFACTS = resolve(import.meta.dirname, '../../test-results');
const TOKEN = 'test-dashboard-token-7';
const c = county();

let app: TestApp;
let month: Month;
let base: string;
let browser: Browser | undefined;

beforeAll(async () => {
  app = await buildTestApp({ env: { DASHBOARD_TOKEN: TOKEN } });
  month = await generateMonth(app.db, new Date(), 7);
  await app.http.listen({ port: 0, host: '127.0.0.1' });
  base = `http://127.0.0.1:${(app.http.server.address() as AddressInfo).port}`;
  if (haveChromium) {
    browser = await chromium.launch({
      executablePath: CHROMIUM,
      args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'],
    });
  }
});
afterAll(async () => {
  await browser?.close();
  await app?.close();
});

/** Response rate in percent as the dashboard shows it (rounded down to one decimal). */
const pct = (n: number, d: number) => (d === 0 ? null : Math.floor((n / d) * 1000) / 10);

describe('dashboard', () => {
  it('refuses requests without the right token; the page and its data need it', async () => {
    for (const url of ['/dashboard', '/dashboard/data.json', '/api/v1/reports/response-rate?from=2026-01-01']) {
      const r = await fetch(base + url);
      expect(r.status, url).toBe(401);
      expect((await fetch(`${base}${url}${url.includes('?') ? '&' : '?'}token=wrong`)).status).toBe(401);
    }
    expect((await fetch(`${base}/dashboard/data.json`, { headers: { authorization: `Bearer ${TOKEN}` } })).status).toBe(200);
    expect((await fetch(`${base}/dashboard?token=${TOKEN}`)).status).toBe(200);
  });

  it('without DASHBOARD_TOKEN answers only the local machine', async () => {
    const open = await buildTestApp({ roster: false });
    try {
      expect((await open.http.inject({ method: 'GET', url: '/dashboard', remoteAddress: '127.0.0.1' })).statusCode).toBe(200);
      expect((await open.http.inject({ method: 'GET', url: '/dashboard/data.json', remoteAddress: '::1' })).statusCode).toBe(200);
      const far = await open.http.inject({ method: 'GET', url: '/dashboard', remoteAddress: '10.1.2.3' });
      expect(far.statusCode).toBe(403);
      expect(far.json()).toMatchObject({ error: 'forbidden', reason: expect.stringContaining('localhost') });
      expect((await open.http.inject({ method: 'GET', url: '/api/v1/reports/response-rate?from=2026-01-01', remoteAddress: '10.1.2.3' })).statusCode).toBe(403);
    } finally {
      await open.close();
    }
  });

  it.skipIf(!haveChromium)('renders the charts in headless Chromium with the right numbers', async () => {
    const page = await browser!.newPage({ viewport: { width: 1400, height: 1100 } });
    const errors: string[] = [];
    page.on('pageerror', (e) => errors.push(e.message));
    await page.goto(`${base}/dashboard?token=${TOKEN}`);
    await page.waitForFunction(() => document.body.dataset.ready === '1' || document.body.dataset.ready === 'error', null, { timeout: 20_000 });
    expect(errors).toEqual([]);
    expect(await page.evaluate(() => document.body.dataset.ready)).toBe('1');
    expect(await page.textContent('#title')).toBe('清溪县 响应率看板');

    // ECharts options as rendered, read from the chart instances in the page
    const opts = await page.evaluate(() => {
      const w = window as unknown as { echarts: { getInstanceByDom(el: Element): { getOption(): any } } };
      const get = (id: string) => w.echarts.getInstanceByDom(document.getElementById(id)!).getOption();
      const pick = (o: any) => ({ x: o.xAxis[0].data ?? null, y: o.yAxis[0].data ?? null, series: o.series.map((s: any) => ({ name: s.name, data: s.data })) });
      return { rate: pick(get('chart-rate')), open: pick(get('chart-open')), risk: pick(get('chart-risk')), leads: pick(get('chart-leads')) };
    });

    // response rate per township per day = the generated truth
    const days = [...new Set(month.truth.map((t) => t.day))];
    const dayLabels: string[] = opts.rate.x;
    expect(dayLabels).toHaveLength(30);
    const countyLine = opts.rate.series.find((s: { name: string }) => s.name === '全县')!.data as (number | null)[];
    for (const d of days) {
      const i = dayLabels.indexOf(d.slice(5));
      const t = truthTally(month.truth.filter((x) => x.day === d));
      expect(countyLine[i], d).toBe(pct(t.acknowledged, t.targeted));
    }
    for (const t of c.townships) {
      const line = opts.rate.series.find((s: { name: string }) => s.name === t.name)!.data as (number | null)[];
      for (const d of days) {
        const rows = month.truth.filter((x) => x.day === d && x.townshipId === t.unit_id);
        const tt = truthTally(rows);
        expect(line[dayLabels.indexOf(d.slice(5))], `${t.name} ${d}`).toBe(pct(tt.acknowledged, tt.targeted));
      }
    }

    // today's items with their laggards
    expect(opts.open.series[0].data).toHaveLength(month.todayIds.length);
    const items = await page.$$eval('#open-list li', (lis) => lis.map((li) => li.textContent ?? ''));
    expect(items).toHaveLength(month.todayIds.length);
    for (const id of month.todayIds) {
      const t = truthTally(month.truth.filter((x) => x.directiveId === id));
      const n = month.numbers.get(id)!;
      const label = `${n.kind === 'notice' ? '通告' : '令'}${n.number}`;
      const idx = (opts.open.y as string[]).indexOf(label);
      expect(idx, label).toBeGreaterThanOrEqual(0);
      expect(opts.open.series[0].data[idx]).toBe(pct(t.acknowledged, t.targeted));
      const li = items.find((x) => x.includes(`第${n.number}号 ${t.acknowledged}/${t.targeted}`))!;
      expect(li, label).toBeDefined();
      const silent = month.truth.find((x) => x.directiveId === id && !x.acknowledged);
      if (silent) expect(li).toContain('未确认 — ');
    }

    // risk colours per township = the fixture's
    const reds = opts.risk.series.find((s: { name: string }) => s.name === '红')!.data as number[];
    const greens = opts.risk.series.find((s: { name: string }) => s.name === '绿')!.data as number[];
    c.townships.forEach((t, i) => {
      expect(opts.risk.y[i]).toBe(t.name);
      const grids = c.grids.filter((g) => g.unit_id!.startsWith(`${t.unit_id}-`));
      expect(reds[i], t.name).toBe(grids.filter((g) => g.risk_color === 'red').length);
      expect(greens[i], t.name).toBe(grids.filter((g) => g.risk_color === 'green').length);
    });

    // lead times: the median per township = nearest rank of the generated minutes
    const med = (xs: number[]) => {
      const s = [...xs].sort((a, b) => a - b);
      return s.length ? Math.round(s[Math.ceil(0.5 * s.length) - 1]! * 10) / 10 : null;
    };
    const acceptLine = opts.leads.series.find((s: { name: string }) => s.name === '受理用时中位')!.data as (number | null)[];
    c.townships.forEach((t, i) => {
      const acc = month.leads.filter((l) => l.townshipId === t.unit_id && l.accept !== null).map((l) => l.accept!);
      expect(acceptLine[i], t.name).toBe(med(acc));
    });
    expect(await page.textContent('#lead-kpi')).toContain(`线索 ${month.leads.length}`);
    const all = truthTally(month.truth);
    expect(percent(all.acknowledged, all.targeted)).not.toBe('100.0%');

    mkdirSync(ARTIFACTS, { recursive: true });
    await page.screenshot({ path: resolve(ARTIFACTS, 'dashboard.png'), fullPage: true });
    expect(existsSync(resolve(ARTIFACTS, 'dashboard.png'))).toBe(true);
    await page.close();
  });
});
