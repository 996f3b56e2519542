import { randomBytes } from 'node:crypto';
import { chmodSync, realpathSync, renameSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { basename, dirname, join, resolve } from 'node:path';
import { SpecmatchError } from '../../errors.js';

export interface OutputOptions {
  /** The folder the user picked in a dialog: a path resolving outside it is refused. */
  allowedDir?: string;
  /** The command's input files: the output is never one of them (a report must not replace its measurement). */
  inputs?: readonly string[];
  /** What to do with an existing file: replace it (keeping its permissions) or refuse. @default 'replace' */
  existing?: 'replace' | 'refuse';
}

/**
 * Checks that `outPath` can be written: its folder exists, it is not a folder itself, not one of `inputs`, not an
 * existing file when `existing` is 'refuse', and (with `allowedDir`) not outside that folder. Returns the absolute path.
 */
export function checkOutputPath(outPath: string, opts: OutputOptions = {}): string {
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
  let found: ReturnType<typeof statSync> | undefined;
  try {
    found = statSync(target);
  } catch {
    found = undefined;
  }
  if (found?.isDirectory()) throw new SpecmatchError('E_OUTPUT', `${outPath}: is a folder`);
  if (found) {
    const real = realpathSync(target);
    for (const input of opts.inputs ?? []) {
      let same: boolean;
      try {
        const st = statSync(input);
        same = realpathSync(input) === real || (st.ino === found.ino && st.dev === found.dev);
      } catch {
        same = false;
      }
      if (same) throw new SpecmatchError('E_OUTPUT', `${outPath}: is one of the input files; writing would replace it: choose another output name`);
    }
    if (opts.existing === 'refuse') throw new SpecmatchError('E_OUTPUT', `${outPath}: already exists; choose another name, or add --force to replace it`);
  }
  return target;
}

/**
 * Writes bytes atomically: to a temporary file beside the target, then renamed over it, so an error or an
 * interrupted process never leaves a half-written output (at worst a hidden `.NAME.xxxx.tmp` is removed again);
 * a full disk leaves the previous file as it was.
 */
export function writeFileAtomic(outPath: string, bytes: Uint8Array | string, opts: OutputOptions = {}): string {
  const target = checkOutputPath(outPath, opts);
  const tmp = join(dirname(target), `.${basename(target)}.${randomBytes(4).toString('hex')}.tmp`);
  let mode: number | undefined;
  try {
    mode = statSync(target).mode & 0o7777;
  } catch {
    mode = undefined;
  }
  try {
    writeFileSync(tmp, bytes, { flag: 'wx' });
    // A replaced file keeps its permissions (a 0600 report stays private).
    if (mode !== undefined) chmodSync(tmp, mode);
    renameSync(tmp, target);
  } catch (err) {
    rmSync(tmp, { force: true });
    const code = (err as NodeJS.ErrnoException).code;
    const why = code === 'EACCES' || code === 'EPERM' ? 'permission denied' : code === 'EROFS' ? 'read-only file system' : code === 'ENOSPC' ? 'disk full' : (err as Error).message;
    throw new SpecmatchError('E_OUTPUT', `${outPath}: cannot write: ${why}`, { cause: err });
  }
  return target;
}
