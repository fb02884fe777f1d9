/**
 * The web console and its API exist only on the console platform (issue 16, PRODUCT.md §3): with DingTalk or
 * Slack configured, nothing under /console/ is served — not the page, not the chat, not the pictures, not the
 * drill — while on the console platform the same addresses answer.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { startPlatformApp, type PlatformName } from '../helpers/platform.js';

/** Every address of the console: the page, its assets, the API the page reads, the pictures, the drill. */
const CONSOLE_ADDRESSES: { method: 'GET' | 'POST'; url: string }[] = [
  { method: 'GET', url: '/console/' },
  { method: 'GET', url: '/console/assets/index.js' },
  { method: 'GET', url: '/console/v1/outbound' },
  { method: 'POST', url: '/console/v1/inbound' },
  { method: 'GET', url: '/console/v1/org' },
  { method: 'GET', url: '/console/v1/members?conversationId=x' },
  { method: 'GET', url: '/console/v1/commands?conversationId=x&senderId=y' },
  { method: 'GET', url: '/console/v1/chat?conversationId=x' },
  { method: 'GET', url: '/console/v1/summary' },
  { method: 'GET', url: '/console/v1/events' },
  { method: 'POST', url: '/console/v1/press' },
  { method: 'GET', url: '/console/v1/files/abc' },
  { method: 'GET', url: '/console/v1/drill' },
  { method: 'POST', url: '/console/v1/drill' },
];

describe('the console exists only on the console platform', () => {
  let teardown: (() => Promise<void>) | null = null;
  afterEach(async () => {
    await teardown?.();
    teardown = null;
  });

  it.each(['dingtalk', 'slack'] satisfies PlatformName[])('%s: every /console/ address answers 404', async (platform) => {
    const started = await startPlatformApp({ platform });
    teardown = started.teardown;
    const answers = await Promise.all(
      CONSOLE_ADDRESSES.map(async ({ method, url }) => {
        const r = await started.app.http.inject({ method, url, ...(method === 'POST' ? { payload: {} } : {}) });
        return `${method} ${url} → ${r.statusCode}`;
      }),
    );
    expect(answers).toEqual(CONSOLE_ADDRESSES.map(({ method, url }) => `${method} ${url} → 404`));
  });

  it('console: the same addresses are served (the org, the summary and the drill state answer 200)', async () => {
    const started = await startPlatformApp({ platform: 'console' });
    teardown = started.teardown;
    for (const url of ['/console/v1/org', '/console/v1/summary', '/console/v1/drill', '/console/v1/outbound']) {
      expect((await started.app.http.inject({ method: 'GET', url })).statusCode, url).toBe(200);
    }
  });
});
