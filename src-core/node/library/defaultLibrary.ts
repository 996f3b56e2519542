import { existsSync, mkdirSync, renameSync, rmSync } from 'node:fs';
import { homedir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { SpecmatchError } from '../../errors.js';
import { Library } from './Library.js';

/** File name of the bundled pack in resources/library/ (versioned: a new pack gets a new name). */
export const DEFAULT_PACK_FILE = 'rruff-default-v1.pack.gz';

/**
 * Where the user's default library lives: `$SPECMATCH_HOME/default.specmatch` when set, else the platform's user
 * data folder: `$XDG_DATA_HOME` or `~/.local/share` on Linux, `%APPDATA%` on Windows,
 * `~/Library/Application Support` on macOS, each + `specmatch/default.specmatch`.
 */
export function defaultLibraryPath(env: NodeJS.ProcessEnv = process.env, platform: string = process.platform): string {
  const home = env['SPECMATCH_HOME'];
  if (home) return join(home, 'default.specmatch');
  let base: string;
  if (platform === 'win32') base = env['APPDATA'] ?? join(homedir(), 'AppData', 'Roaming');
  else if (platform === 'darwin') base = join(homedir(), 'Library', 'Application Support');
  else base = env['XDG_DATA_HOME'] || join(homedir(), '.local', 'share');
  return join(base, 'specmatch', 'default.specmatch');
}

/**
 * The bundled pack: `$SPECMATCH_PACK` when set, else resources/library/ found by walking up from this module (the
 * same code runs from src-core/ under tsx and from dist/ after the build). The packaged app passes its own path.
 */
export function defaultPackPath(env: NodeJS.ProcessEnv = process.env): string {
  if (env['SPECMATCH_PACK']) return env['SPECMATCH_PACK'];
  let dir = dirname(fileURLToPath(import.meta.url));
  for (let i = 0; i < 8; i++) {
    const candidate = join(dir, 'resources', 'library', DEFAULT_PACK_FILE);
    if (existsSync(candidate)) return candidate;
    const up = dirname(dir);
    if (up === dir) break;
    dir = up;
  }
  throw new SpecmatchError('E_LIBRARY', `the bundled reference pack ${DEFAULT_PACK_FILE} was not found under resources/library/ (set SPECMATCH_PACK)`);
}

/**
 * Creates a library from a pack at `dest`. It is built under a temporary name and renamed into place, so a crash
 * during creation never leaves a half-filled default library; when another process won the race, its file is kept.
 */
export function createLibraryFromPack(packPath: string, dest: string, opts: { user?: string } = {}): void {
  mkdirSync(dirname(dest), { recursive: true });
  const tmp = `${dest}.creating-${process.pid}`;
  rmSync(tmp, { force: true });
  const lib = Library.open(tmp, { create: true, name: 'RRUFF default library', ...(opts.user === undefined ? {} : { user: opts.user }) });
  try {
    lib.importPack(packPath);
    lib.database.pragma('wal_checkpoint(TRUNCATE)');
  } catch (err) {
    lib.close();
    for (const suffix of ['', '-wal', '-shm']) rmSync(tmp + suffix, { force: true });
    throw err;
  }
  lib.close();
  if (existsSync(dest)) {
    rmSync(tmp, { force: true });
    return;
  }
  renameSync(tmp, dest);
}

/** Opens the user's default library, creating it from the bundled pack on first use. */
export function openDefaultLibrary(opts: { user?: string; path?: string; packPath?: string } = {}): Library {
  const path = opts.path ?? defaultLibraryPath();
  if (!existsSync(path)) createLibraryFromPack(opts.packPath ?? defaultPackPath(), path, opts.user === undefined ? {} : { user: opts.user });
  return Library.open(path, opts.user === undefined ? {} : { user: opts.user });
}
