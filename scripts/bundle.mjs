/**
 * Bundles the `samsa` command (dist/src/cli/main.js, compiled by tsc) into an ES module, dist/samsa.mjs (with its
 * lazily loaded parts in dist/chunks/), which
 * bin/samsa.js loads when it exists. Resolving and compiling ~170 modules, plus the pure-JavaScript dependencies
 * (pino, commander), is a large share of the broker's start-up time; one file halves it.
 *
 * Packages with native addons stay external: their `.node` binaries are found at run time next to their JavaScript.
 * Bundled CommonJS code calls `require` for Node's built-ins, so the banner gives the module a real one.
 */
import { rmSync } from 'node:fs';
import { build } from 'esbuild';

const NATIVE = ['@node-rs/crc32', 'lz4-napi', 'snappy', '@mongodb-js/zstd'];
// The etcd client (cluster mode only, loaded lazily) reads its .proto files next to its own code at run time.
const RUNTIME_FILES = ['etcd3'];

rmSync('dist/chunks', { recursive: true, force: true });

await build({
  // The entry becomes dist/samsa.mjs; each subcommand and each HTTP service (loaded with import() only when used)
  // becomes a chunk in dist/chunks, so `samsa start` without services parses no registry, SQL or console code.
  entryPoints: { samsa: 'dist/src/cli/main.js' },
  outdir: 'dist',
  outExtension: { '.js': '.mjs' },
  chunkNames: 'chunks/[name]-[hash]',
  splitting: true,
  bundle: true,
  platform: 'node',
  format: 'esm',
  target: 'node20',
  external: [...NATIVE, ...RUNTIME_FILES],
  banner: {
    js: "import { createRequire as samsaCreateRequire } from 'node:module'; const require = samsaCreateRequire(import.meta.url);",
  },
  logLevel: 'warning',
});
