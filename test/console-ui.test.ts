/**
 * The web console (`/console/`, issue 16) in a real browser: Debian's `chromium` driven by playwright-core, against
 * gridrelay on the demo county (console platform, a TCP port, the page as `npm run build` made it: built here first
 * when dist/ is stale). A commander issues `/令` from the page; a grid worker presses 「收到」 under the relay in the
 * grid group; the commander's `/进度` shows that grid acknowledged; a grid worker's `/上报` with a picture reaches
 * the township room with the picture shown; the page at 390 px phone width; the drill button. Screenshots of each
 * step go to test-results/console-*.png. Skipped (with the reason) only when /usr/bin/chromium is absent — CI
 * installs it.
 */
import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync } from 'node:fs';
import type { AddressInfo } from 'node:net';
import { join, resolve } from 'node:path';
import { chromium, type Browser, type Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CONSOLE_PAGE_DIR } from '../src/platform/console/page.js';
import { buildTestApp, type TestApp } from './helpers/app.js';
import { county } from './helpers/console.js';
import { REPO_ROOT } from './helpers/processes.js';

// page-side code below runs in the browser; these names are the browser's (no DOM lib in this project)
declare const document: any;

const CHROMIUM = '/usr/bin/chromium';
const haveChromium = existsSync(CHROMIUM);
if (!haveChromium) console.warn(`console browser test skipped: ${CHROMIUM} is absent (install it: apt-get install -y chromium)`);
const ARTIFACTS = resolve(import.meta.dirname, '../test-results');
const TOKEN = 'test-console-token-0123456789';
/** How long the page may take to show what the bot answered (it answers in well under a second here). */
const UI_WAIT = Number(process.env.CONSOLE_UI_WAIT_MS ?? 20_000);

const c = county();
const GRID = 'T01-V01-G1';
const gridGroup = c.groupOf[GRID]!;
const townshipRoom = c.groupOf['T01']!;
const township = c.townships.find((t) => t.unit_id === 'T01')!;
const worker = c.memberOf(GRID, 'grid_worker');
const commanderName = c.members.find((m) => m.member_id === c.commander)!.name!;
const gridsOfT01 = c.grids.filter((g) => g.unit_id!.startsWith('T01-')).length;

let app: TestApp;
let base: string;
let browser: Browser | undefined;
let page: Page;
const pageErrors: string[] = [];
/** The directive the commander issues, as the bot numbered it (`指挥部令〔2026〕第1号`). */
let directive = '';
/** Whether the page loaded in the first test: the later steps build on it (and fail at once without it). */
let loaded = false;
const needsPage = () => expect(loaded, 'the page did not load: see the first test').toBe(true);

beforeAll(async () => {
  // the page the server serves is the one `npm run build` made (dist/console/)
  execFileSync(process.execPath, ['scripts/build.mjs', '--if-stale'], { cwd: REPO_ROOT, stdio: 'pipe' });
  app = await buildTestApp({ env: { CONSOLE_TOKEN: TOKEN } });
  await app.http.listen({ port: 0, host: '127.0.0.1' });
  base = `http://127.0.0.1:${(app.http.server.address() as AddressInfo).port}`;
  if (haveChromium) {
    browser = await chromium.launch({
      executablePath: CHROMIUM,
      args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'],
    });
    page = await browser.newPage({ viewport: { width: 1280, height: 860 } });
    page.on('pageerror', (e) => pageErrors.push(e.message));
    mkdirSync(ARTIFACTS, { recursive: true });
  }
}, 180_000);

afterAll(async () => {
  await browser?.close();
  await app?.close();
});

const shot = async (p: Page, name: string) => {
  await p.screenshot({ path: join(ARTIFACTS, name) });
  expect(existsSync(join(ARTIFACTS, name))).toBe(true);
};

/** Opens a group from the tree (searching for it by name first, so that its fold is open). */
async function openGroup(p: Page, conversationId: string, search: string) {
  await p.fill('.tree .search', search);
  await p.click(`.tree [data-conversation-id="${conversationId}"]`);
  await p.waitForFunction((id: string) => document.body.dataset.conversationId === id, conversationId);
  await p.fill('.tree .search', '');
}

/** Picks the speaker (说话人) and waits until the command menu knows what they may do. */
async function speakAs(p: Page, memberId: string) {
  await p.locator(`.speaker select option[value="${memberId}"]`).waitFor({ state: 'attached', timeout: UI_WAIT });
  await p.selectOption('.speaker select', memberId);
}

/** Types `text` into the composer and sends it with Enter (Escape first closes the command menu). */
async function send(p: Page, text: string) {
  await p.fill('.composer textarea', text);
  await p.press('.composer textarea', 'Escape');
  await p.press('.composer textarea', 'Enter');
  await p.waitForFunction(() => document.querySelector('.composer textarea').value === '', null, { timeout: UI_WAIT });
}

/** The text of the last bot message matching `re`, once one is shown. */
async function botSays(p: Page, re: RegExp): Promise<string> {
  const m = p.locator('.chat .msg.bot', { hasText: re }).last();
  await m.waitFor({ timeout: UI_WAIT });
  return (await m.textContent()) ?? '';
}

describe('web console page (no browser)', () => {
  it('serves the page npm run build made, and its assets, without the token', async () => {
    // through inject: a kept-alive socket of this process's fetch would hold the app's close for a minute
    const r = await app.http.inject({ method: 'GET', url: '/console/' });
    expect(r.statusCode).toBe(200);
    expect(r.body).toBe(readFileSync(join(CONSOLE_PAGE_DIR, 'index.html'), 'utf8'));
    const assets = [...r.body.matchAll(/(?:src|href)="(\/console\/assets\/[^"]+)"/g)].map((m) => m[1]!);
    expect(assets.length).toBeGreaterThanOrEqual(2);
    for (const a of assets) expect((await app.http.inject({ method: 'GET', url: a })).statusCode, a).toBe(200);
  });
});

describe.skipIf(!haveChromium)('web console in headless Chromium', () => {
  it('a commander issues /令 from the page: the command menu, the confirmation, the unseen counts', async () => {
    await page.goto(`${base}/console/?token=${TOKEN}`);
    await page.waitForFunction(() => document.body.dataset.ready === '1' || document.body.dataset.ready === 'error', null, { timeout: UI_WAIT });
    expect(await page.evaluate(() => document.body.dataset.ready), (await page.textContent('body')) ?? '').toBe('1');
    loaded = true;
    // the tree: the command group, every township's room; a search finds a grid inside its folds
    expect(await page.locator('.tree .row.group').count()).toBe(1 + c.townships.length);
    await openGroup(page, c.commandGroup, '清溪县');
    await speakAs(page, c.commander);

    // "/" opens the commands this commander may use here
    await page.fill('.composer textarea', '/');
    await page.locator('.composer .menu li[data-word="/令"]').waitFor({ timeout: UI_WAIT });
    await page.fill('.composer textarea', '');

    await send(page, '/令 各网格今晚20点前完成返乡人员排查，结果报乡镇指挥室');
    const confirmation = await botSays(page, /已发布/);
    directive = /指挥部令〔\d{4}〕第\d+号/.exec(confirmation)?.[0] ?? '';
    expect(directive).toMatch(/^指挥部令〔\d{4}〕第1号$/);
    // the person's message and the bot's, the number highlighted
    await expect(page.locator('.chat .msg.person', { hasText: '各网格今晚20点前完成返乡人员排查' }).locator('.name').textContent()).resolves.toBe(commanderName);
    expect(await page.locator('.chat .msg.bot .num', { hasText: directive }).count()).toBeGreaterThan(0);
    // the relays are unseen in the townships' folds
    const badge = page.locator(`.tree [data-conversation-id="${townshipRoom}"] .badge`);
    await badge.waitFor({ timeout: UI_WAIT });
    expect(Number((await badge.textContent())!.replace('+', ''))).toBeGreaterThan(0);
    await shot(page, 'console-1-directive.png');
  });

  it('a grid worker presses 「收到」 under the relay in the grid group', async () => {
    needsPage();
    await openGroup(page, gridGroup, '周家坞村第1网格');
    await speakAs(page, worker);
    // the worker's menu has no /令
    await page.fill('.composer textarea', '/');
    await page.locator('.composer .menu li').first().waitFor({ timeout: UI_WAIT });
    expect(await page.locator('.composer .menu li[data-word="/令"]').count()).toBe(0);
    await page.fill('.composer textarea', '');

    const relay = page.locator('.chat .msg.bot', { hasText: directive }).first();
    await relay.locator('button.action', { hasText: '收到' }).click();
    await page.locator('.chat .press', { hasText: '按下「收到」' }).waitFor({ timeout: UI_WAIT });
    expect(await botSays(page, /已确认/)).toContain(directive);
    await shot(page, 'console-2-ack.png');
  });

  it("the commander's /进度 shows the grid acknowledged", async () => {
    needsPage();
    await openGroup(page, c.commandGroup, '清溪县');
    await speakAs(page, c.commander);
    await send(page, '/进度');
    const progress = await botSays(page, /确认进度/);
    expect(progress).toContain(directive);
    expect(progress).toContain(`网格：1/${c.grids.length}`);
    expect(progress).toContain(`${township.name} 1/${gridsOfT01}`);
    await shot(page, 'console-3-progress.png');
  });

  it("a grid worker's picture lead reaches the township room with the picture shown", async () => {
    needsPage();
    await openGroup(page, gridGroup, '周家坞村第1网格');
    await speakAs(page, worker);
    // a picture: a piece of the page itself, as a png
    const png = await page.screenshot({ clip: { x: 0, y: 0, width: 160, height: 120 } });
    await page.setInputFiles('.composer input[type=file]', { name: 'fever.png', mimeType: 'image/png', buffer: png });
    await page.locator('.composer .picked img').waitFor({ timeout: UI_WAIT });
    await send(page, '/上报 周家坞村3组一户从外地返乡，孩子发烧 地点:周家坞村3组 人数:3');
    const accepted = await botSays(page, /线索\s?\d{8}-\d{3}/);
    const lead = /\d{8}-\d{3}/.exec(accepted)![0];
    // the worker's own message shows the picture
    await page.locator('.chat .msg.person .pics img').last().waitFor({ timeout: UI_WAIT });

    await openGroup(page, townshipRoom, township.name!);
    const inRoom = page.locator('.chat .msg.bot', { hasText: lead }).last();
    await inRoom.waitFor({ timeout: UI_WAIT });
    const img = inRoom.locator('.pics img').first();
    await img.waitFor({ timeout: UI_WAIT });
    await page.waitForFunction((el: any) => el.complete && el.naturalWidth > 0, await img.elementHandle(), { timeout: UI_WAIT });
    expect(await img.evaluate((el: any) => [el.naturalWidth, el.naturalHeight])).toEqual([160, 120]);
    await shot(page, 'console-4-lead.png');
  });

  it('works at 390 px phone width: the tree is a drawer', async () => {
    needsPage();
    const phone = await browser!.newPage({ viewport: { width: 390, height: 844 }, deviceScaleFactor: 2 });
    try {
      phone.on('pageerror', (e) => pageErrors.push(e.message));
      await phone.goto(`${base}/console/?token=${TOKEN}#${encodeURIComponent(townshipRoom)}`);
      await phone.waitForFunction(() => document.body.dataset.ready === '1', null, { timeout: UI_WAIT });
      await phone.locator('.chat .msg.bot .pics img').last().waitFor({ timeout: UI_WAIT });
      // the tree is off screen until ☰ opens it
      expect(await phone.locator('.side').evaluate((el: any) => el.getBoundingClientRect().right)).toBeLessThanOrEqual(0);
      expect(await phone.evaluate(() => document.documentElement.scrollWidth)).toBeLessThanOrEqual(390);
      await shot(phone, 'console-5-phone.png');
      await phone.click('.menu-btn');
      await phone.waitForFunction(() => document.querySelector('.side').getBoundingClientRect().left >= 0);
      await phone.click(`.tree [data-conversation-id="${c.commandGroup}"]`);
      await phone.waitForFunction((id: string) => document.body.dataset.conversationId === id, c.commandGroup);
      await phone.waitForFunction(() => document.querySelector('.side').getBoundingClientRect().right <= 0);
    } finally {
      await phone.close();
    }
  });

  it('「开始演练」 starts a drill; pressing it again while it runs says so', async () => {
    needsPage();
    await page.click('button.drill');
    await page.locator('.toast', { hasText: '演练已开始' }).waitFor({ timeout: UI_WAIT });
    await page.click('button.drill');
    await page.locator('.toast', { hasText: '演练正在进行中' }).waitFor({ timeout: UI_WAIT });
    expect(pageErrors).toEqual([]);
  });
});
