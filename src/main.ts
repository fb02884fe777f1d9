/**
 * Entry: parse config, open the database, load the demo roster into an empty one, start, print the web
 * console's URL (console platform), and stop cleanly on SIGINT/SIGTERM.
 */
import { buildApp } from './app.js';
import { existsSync } from 'node:fs';
import type { AddressInfo } from 'node:net';
import { ConfigError, loadConfig } from './config.js';
import { errorFields } from './core/errors.js';
import { describeCounts, importRosterIfEmpty } from './roster/import.js';
import { consoleUrl } from './platform/console/page.js';

// a .env file in the working directory is read if present (the real environment wins)
if (existsSync('.env')) process.loadEnvFile('.env');

let config;
try {
  config = loadConfig();
} catch (err) {
  if (err instanceof ConfigError) {
    console.error(`${err.code}: ${err.message}`);
    process.exit(2);
  }
  throw err;
}

const app = await buildApp(config);
if (config.DEMO_ROSTER) {
  try {
    const counts = await importRosterIfEmpty(app.db, config.DEMO_ROSTER);
    if (counts) app.log.info({ roster: config.DEMO_ROSTER }, `empty database: loaded the demo roster from ${config.DEMO_ROSTER} (${describeCounts(counts)})`);
  } catch (err) {
    app.log.error(errorFields(err), 'could not load the demo roster');
  }
}
await app.start();
if (app.adapter.name === 'console') {
  // the web console's address (with ?token= when CONSOLE_TOKEN is set), on stdout whatever LOG_LEVEL says
  const port = (app.http.server.address() as AddressInfo | null)?.port ?? config.PORT;
  console.log(`网页控制台 / web console: ${consoleUrl(config, port)}`);
}

let stopping = false;
for (const signal of ['SIGINT', 'SIGTERM'] as const) {
  process.on(signal, () => {
    if (stopping) return;
    stopping = true;
    app.log.info({ signal }, 'stopping');
    app
      .stop()
      .then(() => process.exit(0))
      .catch((err) => {
        app.log.error(errorFields(err), 'stop failed');
        process.exit(1);
      });
  });
}
