/**
 * Where the package's own files are, the same whether the code runs from its TypeScript sources (`src/…` under
 * tsx, in development and tests) or compiled (`dist/src/…` under node, `npm start`): {@link PACKAGE_ROOT} is found
 * by walking up from this module to the first directory that holds a `package.json`.
 *
 * Assets that sit beside their module (src/http/dashboard.html, src/core/ack-lexicon.txt) are read relative to
 * `import.meta.url` instead; `npm run build` copies them next to their compiled JavaScript.
 */
import { existsSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

/**
 * The directory holding `path` or, walking up, the nearest ancestor holding a `package.json`.
 * @param from an absolute directory path to start at
 * @returns the absolute path of that directory
 * @throws Error when no ancestor holds a `package.json` (a copy of the code without its package)
 */
export function findPackageRoot(from: string): string {
  for (let dir = from; ; ) {
    if (existsSync(join(dir, 'package.json'))) return dir;
    const up = dirname(dir);
    if (up === dir) throw new Error(`no package.json in ${from} or any directory above it`);
    dir = up;
  }
}

/**
 * The absolute path of gridrelay's package root (the repository root: package.json, migrations/, examples/), for
 * files found relative to the package rather than to the working directory.
 */
export const PACKAGE_ROOT: string = findPackageRoot(dirname(fileURLToPath(import.meta.url)));
