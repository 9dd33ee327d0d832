/**
 * Builds the web console's front end (src/console/ui, TypeScript for the browser) into dist/console: one
 * minified ES module with uPlot inside it, the style sheets and the page shell. The console service serves
 * these files; tsc never sees the browser code (tsconfig.json excludes it; src/console/ui/tsconfig.json checks it).
 */
import { copyFileSync, mkdirSync } from 'node:fs';
import { build } from 'esbuild';

const out = 'dist/console';
mkdirSync(`${out}/assets`, { recursive: true });
await build({
  entryPoints: ['src/console/ui/main.ts'],
  outfile: `${out}/assets/app.js`,
  bundle: true,
  format: 'esm',
  platform: 'browser',
  target: ['es2022'],
  minify: true,
  sourcemap: true,
  logLevel: 'warning',
});
copyFileSync('src/console/ui/index.html', `${out}/index.html`);
copyFileSync('src/console/ui/app.css', `${out}/assets/app.css`);
copyFileSync('node_modules/uplot/dist/uPlot.min.css', `${out}/assets/uPlot.min.css`);
