/**
 * The bundled reference library (resources/library pack, 4,549 RRUFF spectra) as a file in the test cache
 * (outside the repository), created from the pack once and reused: importing the pack takes tens of seconds, so
 * tests and benches that need the real library share one copy. Its reference embeddings are added on first use by
 * whoever needs them (they stay, keyed by model). Tests must not change its spectra.
 */
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { createHash } from 'node:crypto';
import { cacheDir } from '../src-core/node/data/rruffArchive.js';
import { createLibraryFromPack, defaultPackPath } from '../src-core/node/library/defaultLibrary.js';

export function bundledLibraryPath(): string {
  const pack = defaultPackPath();
  const tag = createHash('sha256').update(readFileSync(pack)).digest('hex').slice(0, 12);
  const path = join(cacheDir(), 'test-libraries', `bundled-${tag}.specmatch`);
  if (!existsSync(path)) createLibraryFromPack(pack, path);
  return path;
}
