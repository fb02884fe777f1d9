import { rmSync, mkdirSync } from 'node:fs';
import { queuePrefix, quiet, startServer } from './lib.js';
import { fanOutGridrelay } from './sections.js';
import { readCounty } from './roster.js';
const c = readCounty('examples/demo-county');
for (const f of ['g.db', 'g.db-wal', 'g.db-shm']) rmSync(`/tmp/bt/${f}`, { force: true });
rmSync('/tmp/bt/prof', { recursive: true, force: true }); mkdirSync('/tmp/bt/prof', { recursive: true });
const prof = process.env.PROF ? ['--cpu-prof', '--cpu-prof-dir=/tmp/bt/prof'] : [];
const dbUrl = 'file:/tmp/bt/g.db';
const s = await startServer([...prof, 'dist/src/main.js'], { DATABASE_URL: dbUrl, DEMO_ROSTER: 'examples/demo-county', QUEUE_PREFIX: queuePrefix('gr'), CONSOLE_GROUP_RATE: '100000/s', QUIET_HOURS: '', DINGTALK_CLIENT_ID: '', SLACK_BOT_TOKEN: '' });
for (let i = 0; i < Number(process.env.N ?? 4); i++) {
  const r = await fanOutGridrelay({ server: s, replies: { kind: 'gridrelay', databaseUrl: dbUrl }, databaseUrl: dbUrl }, c, 762, `fan${i}`);
  await quiet(s.url);
  console.log(r);
}
console.log('rss', s.peakRssMb().toFixed(0));
await s.stop();
