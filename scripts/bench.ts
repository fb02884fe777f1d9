/**
 * `npm run bench` — timings of the main job on the fixture county, each as a ratio against a floor
 * (the slowest we accept), printed as a table. Runs compiled, `node dist/scripts/bench.js` (npm run bench
 * rebuilds dist/ first when the sources changed). Needs Redis on REDIS_URL. Exit code 1 if a ratio < 1.
 * On SQLite by default; `DATABASE_URL=postgres://user@host:port/<any db>` runs it on that PostgreSQL server
 * (each app gets a fresh database there, dropped after).
 *
 * Floors come from the seed: a directive must reach 747 grids and 15 townships well within a minute,
 * and a county's acknowledgements must be tallied faster than people can type them.
 */
// before the helpers read it: which database the bench apps use
const pgUrl = /^postgres(ql)?:\/\//.test(process.env.DATABASE_URL ?? '') ? new URL(process.env.DATABASE_URL!) : null;
if (pgUrl) {
  process.env.GRIDRELAY_TEST_DB = 'pg';
  process.env.TEST_PG_URL = `${pgUrl.protocol}//${pgUrl.username ? `${pgUrl.username}@` : ''}${pgUrl.host}`;
}
const { buildTestApp, dropTestDatabase, testDatabaseUrl } = await import('../test/helpers/app.js');
import { ask, county, outbound, say } from '../test/helpers/console.js';
import { closeDb, openDb } from '../src/db/client.js';
import { importRoster } from '../src/roster/import.js';
import { FIXTURE_DIR } from '../test/helpers/app.js';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

const c = county();
const rows: { metric: string; measured: string; floor: string; ratio: number }[] = [];
/** Records a "lower is better" measurement: ratio = floor / measured. */
const lower = (metric: string, ms: number, floorMs: number) => rows.push({ metric, measured: `${ms.toFixed(0)} ms`, floor: `${floorMs} ms`, ratio: floorMs / ms });
/** Records a "higher is better" measurement: ratio = measured / floor. */
const higher = (metric: string, v: number, floor: number, unit: string) => rows.push({ metric, measured: `${v.toFixed(0)} ${unit}`, floor: `${floor} ${unit}`, ratio: v / floor });

async function main() {
  const dir = mkdtempSync(join(tmpdir(), 'gridrelay-bench-'));
  try {
    const db = await openDb(testDatabaseUrl(join(dir, 'import')));
    let t = performance.now();
    await importRoster(db, FIXTURE_DIR);
    lower('roster import (1,029 units, 2,336 members)', performance.now() - t, 10_000);
    await closeDb(db);
    dropTestDatabase(join(dir, 'import'));

    const app = await buildTestApp({ env: { CONSOLE_GROUP_RATE: '1000/s' } });
    try {
      const targets = new Set([...c.grids, ...c.townships].map((u) => c.groupOf[u.unit_id!]));
      t = performance.now();
      await say(app.http, c.commandGroup, c.commander, '/令 基准测试');
      for (;;) {
        const reached = (await outbound(app.http)).filter((m) => targets.has(m.conversationId)).length;
        if (reached >= targets.size) break;
        await new Promise((r) => setTimeout(r, 20));
      }
      lower('directive relayed to 762 groups (console)', performance.now() - t, 60_000);

      t = performance.now();
      for (const g of c.grids) await say(app.http, c.groupOf[g.unit_id!]!, c.memberOf(g.unit_id!, 'grid_worker'), '收到');
      await app.inbox.idle();
      const s = (performance.now() - t) / 1000;
      higher('acknowledgements stored and processed', c.grids.length / s, 50, '/s');

      t = performance.now();
      const answer = await ask(app.http, c.commandGroup, c.commander, '/进度 1');
      if (!answer.includes('747/747')) throw new Error(`unexpected /进度 answer: ${answer.slice(0, 80)}`);
      lower('/进度 answer for 762 units', performance.now() - t, 2_000);
    } finally {
      await app.close();
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
  console.log(`database: ${pgUrl ? `PostgreSQL (${pgUrl.host})` : 'SQLite (file)'}`);
  const w = [44, 12, 10, 7];
  const line = (cells: string[]) => cells.map((x, i) => x.padEnd(w[i]!)).join(' | ');
  console.log(line(['metric', 'measured', 'floor', 'ratio']));
  console.log(w.map((n) => '-'.repeat(n)).join('-|-'));
  for (const r of rows) console.log(line([r.metric, r.measured, r.floor, `${r.ratio.toFixed(1)}×`]));
  if (rows.some((r) => r.ratio < 1)) process.exitCode = 1;
}

main().catch((err) => {
  console.error(err);
  process.exit(1);
});
