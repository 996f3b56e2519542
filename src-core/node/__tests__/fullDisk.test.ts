/**
 * Fault injection: the disk fills up during an import and during a report (a small tmpfs, see test/faults.ts).
 * Promises (docs/notes/reliability.md): the import stops with E_LIBRARY_FULL, the library opens, passes
 * integrity_check and holds whole batches only; once space is freed the same import completes without duplicates.
 * A report that cannot be written leaves no partial file and the previous report intact.
 */
import { readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { execFileSync } from 'node:child_process';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { FIXTURES } from '../../../test/support.js';
import type { MountedFolder } from '../../../test/faults.js';
import { mountTmpfs, mountUnavailableReason } from '../../../test/faults.js';
import type { CliIO } from '../cli/CliCommand.js';
import { command as report } from '../cli/commands/report.js';
import { Library } from '../library/Library.js';
import { writeSyntheticSet } from '../library/__tests__/synthetic.js';

const reason = mountUnavailableReason();
if (reason) process.stderr.write(`[skip] full-disk fault injection: ${reason}\n`);

let fs: MountedFolder | undefined;
afterEach(() => {
  fs?.unmount();
  fs = undefined;
});

describe.skipIf(reason !== null)(`a full disk${reason ? ` [skipped: ${reason}]` : ''}`, () => {
  it('during an import: E_LIBRARY_FULL, whole batches kept, consistent file, the re-run completes after space is freed', async () => {
    fs = mountTmpfs(1024 * 1024);
    const src = join(fs.dir, '..', `${fs.dir.split('/').pop()!}-src`);
    const files = writeSyntheticSet(src, 60, 2); // 120 files, about 20 kB each in the library: more than 1 MiB
    const path = join(fs.dir, 'full.specmatch');
    const lib = Library.open(path, { create: true, user: 'fault' });
    let committed = 0;
    let caught: unknown;
    try {
      await lib.importPaths([src], { batchFiles: 10, onBatchCommitted: (_files, added) => (committed = added) });
    } catch (err) {
      caught = err;
    }
    lib.close();
    expect(caught).toMatchObject({ code: 'E_LIBRARY_FULL', message: expect.stringMatching(/disk is full.*everything saved before it is kept/) as unknown });
    expect(committed).toBeGreaterThan(0);

    execFileSync('mount', ['-o', 'remount,size=16m', fs.dir]);
    const again = Library.open(path);
    try {
      expect(again.check().ok).toBe(true);
      const held = again.info().spectra;
      expect(held).toBe(committed); // exactly the committed batches
      expect(held % 10).toBe(0);
      const r = await again.importPaths([src]);
      expect(r).toMatchObject({ added: files.length - held, duplicates: held, errors: [] });
      expect(again.info().spectra).toBe(files.length);
    } finally {
      again.close();
    }
  }, 120_000);

  it('during a report: E_OUTPUT "disk full", the previous report intact, no temporary file left', async () => {
    fs = mountTmpfs(256 * 1024);
    const rruff = join(FIXTURES, 'rruff');
    const libPath = join(fs.dir, '..', `${fs.dir.split('/').pop()!}.specmatch`);
    const lib = Library.open(libPath, { create: true });
    await lib.importPaths(readdirSync(rruff).map((f) => join(rruff, f)));
    lib.close();
    const out = join(fs.dir, 'report.csv');
    writeFileSync(out, 'previous report');
    // Fill the disk to the last byte.
    try {
      writeFileSync(join(fs.dir, 'filler'), Buffer.alloc(1024 * 1024));
    } catch {
      // ENOSPC once full: that is the point
    }
    const err: string[] = [];
    const io: CliIO = { out: () => undefined, err: (l) => err.push(l), errIsTTY: false, signal: new AbortController().signal };
    process.env['SPECMATCH_NO_MODEL'] = '1';
    await expect(report.run(['--library', libPath, '--method', 'hqi-derivative', '--force', '--out', out, join(rruff, readdirSync(rruff)[0]!)], io)).rejects.toMatchObject({
      code: 'E_OUTPUT',
      message: expect.stringMatching(/disk full/) as unknown,
    });
    expect(readFileSync(out, 'utf8')).toBe('previous report');
    expect(readdirSync(fs.dir).filter((f) => f.endsWith('.tmp'))).toEqual([]);
  }, 120_000);
});
