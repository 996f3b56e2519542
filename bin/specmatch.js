#!/usr/bin/env node
// Thin launcher: the CLI is compiled to dist/ by `npm run build:core` (npm's prepare runs it on install).
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

const entry = new URL('../dist/src-core/node/cli/main.js', import.meta.url);
if (!existsSync(fileURLToPath(entry))) {
  process.stderr.write('specmatch: not built yet. Run `npm ci` (or `npm run build:core`) in the project folder.\n');
  process.exit(1);
}
const { main } = await import(entry.href);
process.exitCode = await main(process.argv.slice(2));
