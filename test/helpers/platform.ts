/**
 * startPlatformApp: a test gridrelay (buildTestApp: fresh SQLite file, random queue prefix, the fixture
 * county imported) on one platform, started and ready to receive:
 * - `console` — the embedded console (drive it with `console.ts`); no fake;
 * - `dingtalk` — the real dingtalk-stream SDK against a local FakeDingTalk, resolved once the Stream
 *   connection is up (per-group and per-app rates out of the way unless `env` sets them);
 * - `slack` — real Bolt with the HTTP receiver (`POST /slack/events` on the app's server, signed by the
 *   fake) and its Web API client on a local FakeSlack;
 * - `slack-socket` — the same in Socket Mode, resolved once the fake's socket is open.
 * `teardown()` stops the app (deleting its files and queue keys), then the fake.
 */
import { buildTestApp, type TestApp } from './app.js';
import { until } from './wait.js';
import { FakeDingTalk } from '../fakes/dingtalk.js';
import { FakeSlack } from '../fakes/slack.js';

/** The fake each platform runs against. */
export interface PlatformFakes {
  console: undefined;
  dingtalk: FakeDingTalk;
  slack: FakeSlack;
  'slack-socket': FakeSlack;
}

export type PlatformName = keyof PlatformFakes;

export interface PlatformApp<P extends PlatformName> {
  app: TestApp;
  fake: PlatformFakes[P];
  /** Stops the app, then the fake (also when stopping the app fails). */
  teardown(): Promise<void>;
}

export interface PlatformAppOptions<P extends PlatformName> {
  platform: P;
  /** Extra environment, over the platform's credentials and test defaults, e.g. `{ DINGTALK_APP_QPS: '10' }`. */
  env?: Record<string, string>;
  /** Runs with the started fake before the app starts (e.g. `(f) => (f.tokenExpireIn = 2)`). */
  beforeStart?: (fake: PlatformFakes[P]) => void;
}

/** DingTalk's test defaults: no per-group or per-app throttling unless a test sets its own. */
const DINGTALK_TEST_ENV = { DINGTALK_GROUP_RATE: '1000/s', DINGTALK_APP_QPS: '1000' };

/** A started fake for `platform` and the environment that points gridrelay at it (undefined, {} for the console). */
async function startFake(platform: PlatformName): Promise<{ fake: FakeDingTalk | FakeSlack | undefined; env: Record<string, string> }> {
  switch (platform) {
    case 'dingtalk': {
      const fake = await new FakeDingTalk().start();
      return { fake, env: { ...fake.env(), ...DINGTALK_TEST_ENV } };
    }
    case 'slack': {
      const fake = await new FakeSlack().start();
      return { fake, env: fake.env() };
    }
    case 'slack-socket': {
      const fake = await new FakeSlack().start();
      return { fake, env: fake.socketEnv() };
    }
    default:
      return { fake: undefined, env: {} };
  }
}

/** Waits until the adapter can receive: DingTalk's Stream connection up and healthy, Slack's socket open. */
async function ready(platform: PlatformName, app: TestApp, fake: FakeDingTalk | FakeSlack | undefined): Promise<void> {
  if (platform === 'dingtalk') {
    const f = fake as FakeDingTalk;
    await until('a stream connection', () => f.openConnections().length === 1 && app.adapter.health().ok);
  } else if (platform === 'slack-socket') {
    const f = fake as FakeSlack;
    await until('a socket', () => f.sockets.some((s) => s.open));
  }
}

/**
 * Starts the fake for `opts.platform` (if any), then a test app pointed at it, and waits until the
 * adapter receives. If any step fails, whatever was started is stopped before the error is rethrown.
 * @returns the app, the fake (undefined for the console) and `teardown`
 */
export async function startPlatformApp<P extends PlatformName>(opts: PlatformAppOptions<P>): Promise<PlatformApp<P>> {
  const { fake, env } = await startFake(opts.platform);
  const teardown = async (app?: TestApp) => {
    try {
      await app?.close();
    } finally {
      await fake?.stop();
    }
  };
  let app: TestApp | undefined;
  try {
    opts.beforeStart?.(fake as PlatformFakes[P]);
    app = await buildTestApp({ env: { ...env, ...opts.env } });
    await ready(opts.platform, app, fake);
  } catch (err) {
    await teardown(app).catch(() => undefined);
    throw err;
  }
  const started = app;
  return { app: started, fake: fake as PlatformFakes[P], teardown: () => teardown(started) };
}
