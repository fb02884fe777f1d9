/**
 * Vite build of the web console (issue 16): the Preact page in web/console/ → dist/console/ (index.html and
 * assets/), served by the console adapter at `/console/` (src/platform/console/page.ts). `npm run build`
 * (scripts/build.mjs) runs it after tsc, with `--outDir` pointing into the folder it is building.
 * JSX is compiled by Vite's own transform (oxc) with Preact's automatic runtime: no Babel plugin.
 */
import { fileURLToPath } from 'node:url';
import { defineConfig } from 'vite';

const here = fileURLToPath(new URL('.', import.meta.url));

export default defineConfig({
  root: here,
  base: '/console/',
  logLevel: 'warn',
  oxc: { jsx: { runtime: 'automatic', importSource: 'preact' } },
  build: {
    outDir: fileURLToPath(new URL('../../dist/console', import.meta.url)),
    emptyOutDir: true,
    assetsDir: 'assets',
    target: 'es2022',
    chunkSizeWarningLimit: 300,
  },
});
