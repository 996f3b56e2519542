import { existsSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { SpecmatchError } from '../errors.js';

/** The checkout or installed package root (package.json, dist-renderer/, resources/), found from src/ and dist/ alike. */
export function packageRoot(): string {
  let dir = dirname(fileURLToPath(import.meta.url));
  for (let i = 0; i < 8; i++) {
    const pkg = join(dir, 'package.json');
    if (existsSync(pkg) && (JSON.parse(readFileSync(pkg, 'utf8')) as { name?: string }).name === 'specmatch') return dir;
    dir = dirname(dir);
  }
  throw new SpecmatchError('E_INTERNAL', 'cannot find the Specmatch package folder (package.json)');
}

let cachedVersion: string | undefined;

/** The app's version from package.json (the same in the CLI, the web server, Electron and reports). */
export function appVersion(): string {
  cachedVersion ??= (JSON.parse(readFileSync(join(packageRoot(), 'package.json'), 'utf8')) as { version: string }).version;
  return cachedVersion;
}
