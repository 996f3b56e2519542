import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, readdirSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { homedir } from 'node:os';
import { basename, join } from 'node:path';

/**
 * Unpacks RRUFF .tar.xz archives from ../shared/data into a cache outside the repository (never committed) and
 * lists the .txt files. Unpacking is done once per archive; a marker file records completion so an interrupted
 * unpack is redone rather than trusted.
 */
export function cacheDir(): string {
  return process.env['SPECMATCH_CACHE'] ?? join(process.env['XDG_CACHE_HOME'] ?? join(homedir(), '.cache'), 'specmatch');
}

export function unpackArchive(archivePath: string): string {
  const name = basename(archivePath).replace(/\.tar\.xz$/, '');
  const dest = join(cacheDir(), 'unpacked', name);
  const marker = join(dest, '.complete');
  if (existsSync(marker)) return dest;
  const tmp = `${dest}.tmp-${process.pid}`;
  rmSync(tmp, { recursive: true, force: true });
  mkdirSync(tmp, { recursive: true });
  execFileSync('tar', ['-xJf', archivePath, '-C', tmp], { stdio: ['ignore', 'ignore', 'inherit'] });
  rmSync(dest, { recursive: true, force: true });
  renameSync(tmp, dest);
  writeFileSync(marker, new Date().toISOString());
  return dest;
}

/** All .txt files under a folder, sorted, recursively. */
export function listTxtFiles(dir: string): string[] {
  const out: string[] = [];
  const walk = (d: string): void => {
    for (const e of readdirSync(d, { withFileTypes: true })) {
      const p = join(d, e.name);
      if (e.isDirectory()) walk(p);
      else if (e.isFile() && e.name.toLowerCase().endsWith('.txt')) out.push(p);
    }
  };
  walk(dir);
  return out.sort();
}

/** Unpack (cached) and list the spectra of a RRUFF archive: `listRruffArchive(shared + '/rruff/raw/excellent_unoriented__Raman_Data_RAW.tar.xz')`. */
export function listRruffArchive(archivePath: string): string[] {
  return listTxtFiles(unpackArchive(archivePath));
}
