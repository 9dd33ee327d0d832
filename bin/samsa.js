#!/usr/bin/env node
// The build bundles the command into one file (dist/samsa.mjs), which starts much faster than loading ~170 modules;
// without a bundle (a bare `tsc` build) the compiled modules are used.
import { existsSync } from 'node:fs';

const bundle = new URL('../dist/samsa.mjs', import.meta.url);
await import(existsSync(bundle) ? bundle.href : '../dist/src/cli/main.js');
