import { randomBytes } from 'node:crypto';
import { renameSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { basename, dirname, join, resolve } from 'node:path';
import { SpecmatchError } from '../../errors.js';

/**
 * Checks that `outPath` can be written: its folder exists, it is not a folder itself, and (when `allowedDir` is
 * given: the folder the user picked in a dialog) it does not resolve outside that folder. Returns the absolute path.
 */
export function checkOutputPath(outPath: string, opts: { allowedDir?: string } = {}): string {
  const target = resolve(outPath);
  if (opts.allowedDir !== undefined) {
    const root = resolve(opts.allowedDir);
    if (dirname(target) !== root && !target.startsWith(root + '/') && !target.startsWith(root + '\\')) {
      throw new SpecmatchError('E_OUTPUT', `${outPath}: outside the folder you chose (${root})`);
    }
  }
  const dir = dirname(target);
  let st;
  try {
    st = statSync(dir);
  } catch {
    throw new SpecmatchError('E_OUTPUT', `${outPath}: cannot write: the folder ${dir} does not exist`);
  }
  if (!st.isDirectory()) throw new SpecmatchError('E_OUTPUT', `${outPath}: cannot write: ${dir} is not a folder`);
  try {
    if (statSync(target).isDirectory()) throw new SpecmatchError('E_OUTPUT', `${outPath}: is a folder`);
  } catch (err) {
    if (err instanceof SpecmatchError) throw err;
  }
  return target;
}

/**
 * Writes bytes atomically: to a temporary file beside the target, then renamed over it, so an error or an
 * interrupted process never leaves a half-written output (at worst a hidden `.NAME.xxxx.tmp` is removed again).
 */
export function writeFileAtomic(outPath: string, bytes: Uint8Array | string, opts: { allowedDir?: string } = {}): string {
  const target = checkOutputPath(outPath, opts);
  const tmp = join(dirname(target), `.${basename(target)}.${randomBytes(4).toString('hex')}.tmp`);
  try {
    writeFileSync(tmp, bytes, { flag: 'wx' });
    renameSync(tmp, target);
  } catch (err) {
    rmSync(tmp, { force: true });
    const code = (err as NodeJS.ErrnoException).code;
    const why = code === 'EACCES' || code === 'EPERM' ? 'permission denied' : code === 'EROFS' ? 'read-only file system' : code === 'ENOSPC' ? 'disk full' : (err as Error).message;
    throw new SpecmatchError('E_OUTPUT', `${outPath}: cannot write: ${why}`, { cause: err });
  }
  return target;
}
