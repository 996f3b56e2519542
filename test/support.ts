/**
 * Shared test helpers: the ../shared/data location, skips with a visible reason, near-equality checks, typed-error
 * checks and a recursive file listing (the benches use the last one too).
 */
import { execFileSync } from 'node:child_process';
import { existsSync, readdirSync, statSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { SpecmatchError } from '../src-core/errors.js';

export const REPO_ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '..');
/** ../shared/data beside the checkout (CI has it; users do not). Override with SPECMATCH_SHARED_DATA. */
export const SHARED_DATA = process.env['SPECMATCH_SHARED_DATA'] ?? resolve(REPO_ROOT, '../shared/data');
export const HAS_SHARED_DATA = existsSync(join(SHARED_DATA, 'SOURCES.md'));
export const FIXTURES = join(REPO_ROOT, 'test/fixtures');

/** Whether poppler's pdftotext is installed (`.ci/run` installs it); tests that read a PDF back skip without it. */
export const HAS_PDFTOTEXT = (() => {
  try {
    execFileSync('pdftotext', ['-v'], { stdio: 'ignore' });
    return true;
  } catch {
    return false;
  }
})();

/** The text of a PDF file as pdftotext lays it out (`-layout`). */
export function pdfToText(pdf: string): string {
  return execFileSync('pdftotext', ['-layout', pdf, '-'], { encoding: 'utf8' });
}

export function sharedPath(...parts: string[]): string {
  return join(SHARED_DATA, ...parts);
}

/**
 * describe() for suites that need ../shared/data. Without it the suite is skipped and says why on stderr, so a
 * user's run shows the skip and its reason instead of silently passing.
 */
export function describeShared(name: string, fn: () => void): void {
  if (!HAS_SHARED_DATA) {
    process.stderr.write(`[skip] ${name}: needs ../shared/data (not found at ${SHARED_DATA})\n`);
    // The body is not even collected: suites may list shared files at collection time.
    describe.skip(`${name} [needs ../shared/data]`, () => {
      it.skip(`needs ../shared/data (not found at ${SHARED_DATA})`, () => undefined);
    });
    return;
  }
  describe(`${name} [needs ../shared/data]`, fn);
}

/** Every element of `actual` within `tol` (absolute + relative) of `expected`. */
export function expectClose(actual: ArrayLike<number>, expected: ArrayLike<number>, tol = 1e-9, rel = 0): void {
  expect(actual.length).toBe(expected.length);
  for (let i = 0; i < expected.length; i++) {
    const a = actual[i]!;
    const e = expected[i]!;
    const lim = tol + rel * Math.abs(e);
    if (!(Math.abs(a - e) <= lim)) {
      throw new Error(`element ${i}: ${a} differs from ${e} by ${Math.abs(a - e)} (> ${lim})`);
    }
  }
}

/**
 * Every file below `dir`, depth first, names sorted at each level so the order is the same on every platform and
 * file system (tests that pick "the second file" or seed a generator by position rely on it).
 */
export function walkFiles(dir: string): string[] {
  return readdirSync(dir)
    .sort()
    .flatMap((name) => {
      const path = join(dir, name);
      return statSync(path).isDirectory() ? walkFiles(path) : [path];
    });
}

/** Runs `fn`, which must throw a SpecmatchError, and returns that error; fails when it throws nothing or anything else. */
export function specmatchErrorOf(fn: () => unknown): SpecmatchError {
  try {
    fn();
  } catch (err) {
    expect(err).toBeInstanceOf(SpecmatchError);
    return err as SpecmatchError;
  }
  throw new Error('expected a SpecmatchError, nothing was thrown');
}

/** Expects `fn` to throw a SpecmatchError with `code` whose message names `file`. */
export function expectSpecmatchError(fn: () => unknown, code: string, file: string): void {
  const err = specmatchErrorOf(fn);
  expect(err.code).toBe(code);
  expect(err.message).toContain(file);
}
