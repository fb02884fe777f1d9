#!/usr/bin/env node
/**
 * `npm run build` — compiles gridrelay to `dist/` (what `npm start` runs: `node dist/src/main.js`).
 *
 *   node scripts/build.mjs             clean build: tsc -p tsconfig.build.json into a fresh folder, the non-TypeScript
 *                                      files the code reads beside itself (src/http/dashboard.html,
 *                                      src/core/ack-lexicon.txt, …) copied next to their JavaScript, the web console
 *                                      (web/console/: checked by tsc -p web/console, bundled by Vite into console/),
 *                                      then that folder swapped in as dist/ (a gridrelay running from dist/ never sees
 *                                      it half-built)
 *   node scripts/build.mjs --if-stale  the same, only when dist/ is missing or older than a source file (src/,
 *                                      commands/, workflows/, scripts/, test/helpers/, web/, package.json,
 *                                      tsconfig*.json); otherwise prints nothing and exits 0
 *
 * Plain JavaScript so that it runs before anything is compiled. `npm ci` runs it (package.json `prepare`).
 * dist/.build-stamp marks a finished build; its mtime is what `--if-stale` compares against.
 * Exit code: tsc's or Vite's when one fails (dist/ is left as it was), 0 otherwise.
 */
import { spawnSync } from 'node:child_process';
import { cpSync, existsSync, mkdirSync, readdirSync, renameSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';

const ROOT = join(dirname(fileURLToPath(import.meta.url)), '..');
const DIST = join(ROOT, 'dist');
const STAMP = join(DIST, '.build-stamp');
/** Folders whose TypeScript tsconfig.build.json compiles and whose other files are copied beside it. */
const ASSET_ROOTS = ['src', 'commands', 'workflows', 'scripts'];
/** Everything a build reads: a change to any of these makes dist/ stale. */
const INPUT_DIRS = [...ASSET_ROOTS, 'test/helpers', 'test/fakes', 'web'];
/** The web console's Vite project (its own tsconfig.json and vite.config.ts); bundled into `<dist>/console`. */
const WEB_CONSOLE = join(ROOT, 'web', 'console');
const INPUT_FILES = ['package.json', 'tsconfig.json', 'tsconfig.build.json'];

/** Every file under `dir` (absolute paths; none when it does not exist). */
function filesUnder(dir) {
  if (!existsSync(dir)) return [];
  return readdirSync(dir, { recursive: true, withFileTypes: true })
    .filter((e) => e.isFile())
    .map((e) => join(e.parentPath ?? e.path, e.name));
}

/** True when dist/ has no finished build or a build input changed after it. */
export function distIsStale() {
  if (!existsSync(STAMP)) return true;
  const built = statSync(STAMP).mtimeMs;
  const inputs = [...INPUT_DIRS.flatMap((d) => filesUnder(join(ROOT, d))), ...INPUT_FILES.map((f) => join(ROOT, f)).filter(existsSync)];
  return inputs.some((f) => statSync(f).mtimeMs > built);
}

function build() {
  const t0 = performance.now();
  const out = join(ROOT, `dist.building-${process.pid}`);
  rmSync(out, { recursive: true, force: true });
  const require = createRequire(import.meta.url);
  const tsc = require.resolve('typescript/bin/tsc');
  // the vite package exports only its API: its CLI sits two folders above dist/node/index.js
  const vite = join(dirname(require.resolve('vite')), '..', '..', 'bin', 'vite.js');
  const steps = [
    ['tsc', [tsc, '-p', join(ROOT, 'tsconfig.build.json'), '--outDir', out]],
    ['tsc (web console)', [tsc, '-p', join(WEB_CONSOLE, 'tsconfig.json')]],
    ['vite (web console)', [vite, 'build', '--config', join(WEB_CONSOLE, 'vite.config.ts'), '--outDir', join(out, 'console'), '--emptyOutDir']],
  ];
  for (const [name, args] of steps) {
    const r = spawnSync(process.execPath, args, { cwd: ROOT, stdio: 'inherit' });
    if (r.status !== 0) {
      rmSync(out, { recursive: true, force: true });
      console.error(`build failed: ${name} exited ${r.status ?? r.signal}`);
      process.exit(r.status || 1);
    }
  }
  let assets = 0;
  for (const dir of ASSET_ROOTS) {
    for (const file of filesUnder(join(ROOT, dir))) {
      if (/\.(ts|mjs)$/.test(file)) continue;
      const to = join(out, relative(ROOT, file));
      mkdirSync(dirname(to), { recursive: true });
      cpSync(file, to);
      assets++;
    }
  }
  writeFileSync(join(out, '.build-stamp'), `${new Date().toISOString()}\n`);
  const old = join(ROOT, `dist.old-${process.pid}`);
  if (existsSync(DIST)) renameSync(DIST, old);
  renameSync(out, DIST);
  rmSync(old, { recursive: true, force: true });
  console.log(`built dist/ (${assets} asset${assets === 1 ? '' : 's'} copied, web console in dist/console/) in ${((performance.now() - t0) / 1000).toFixed(1)} s`);
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  if (!process.argv.includes('--if-stale')) build();
  else if (distIsStale()) {
    console.log(`dist/ is ${existsSync(STAMP) ? 'older than the sources' : 'not built'}: building it (npm run build) …`);
    build();
  }
}
