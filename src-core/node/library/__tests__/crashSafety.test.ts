/**
 * Crash safety of imports: a child process importing 1,000 files is killed with SIGKILL after its second committed
 * batch. The library must open, pass PRAGMA integrity_check, hold every batch committed before the kill (and only
 * whole batches), and a re-run of the import must complete it without duplicates.
 */
import { spawn } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createRequire } from 'node:module';
import { describe, expect, it } from 'vitest';
import { Library } from '../Library.js';
import { writeSyntheticSet } from './synthetic.js';

const require = createRequire(import.meta.url);
const TSX = require.resolve('tsx');
const CHILD = join(import.meta.dirname, 'crashImportChild.ts');
const FILES = 1000;
const BATCH = 20;

describe('import crash safety (SIGKILL mid-import)', () => {
  it('keeps every committed batch, stays consistent, and a re-run completes without duplicates', async () => {
    const root = mkdtempSync(join(tmpdir(), 'specmatch-crash-'));
    const dir = join(root, 'files');
    writeSyntheticSet(dir, FILES / 2, 2, 0);
    const libPath = join(root, 'crash.specmatch');

    const child = spawn(process.execPath, ['--import', TSX, CHILD, libPath, dir, String(BATCH)], { stdio: ['ignore', 'pipe', 'pipe'] });
    let committed = 0;
    let commits = 0;
    let stderr = '';
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    const exit = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) => child.on('exit', (code, signal) => resolve({ code, signal })));
    let buffer = '';
    child.stdout.on('data', (d: Buffer) => {
      buffer += d.toString();
      let nl: number;
      while ((nl = buffer.indexOf('\n')) >= 0) {
        const line = buffer.slice(0, nl);
        buffer = buffer.slice(nl + 1);
        const m = /^committed (\d+) (\d+)$/.exec(line);
        if (m) {
          committed = Number(m[2]);
          commits++;
          if (commits === 2) child.kill('SIGKILL');
        }
      }
    });
    const { signal } = await exit;
    expect(stderr).toBe('');
    expect(signal).toBe('SIGKILL');
    expect(committed).toBe(2 * BATCH);

    const lib = Library.open(libPath);
    try {
      expect(lib.database.pragma('integrity_check', { simple: true })).toBe('ok');
      expect(lib.database.pragma('foreign_key_check')).toEqual([]);
      const held = lib.info().spectra;
      expect(held).toBeGreaterThanOrEqual(committed);
      expect(held).toBeLessThan(FILES);
      expect(held % BATCH).toBe(0); // whole batches only: a batch is one transaction
      const vectors = (lib.database.prepare('SELECT count(*) AS n FROM embeddings').get() as { n: number }).n;
      expect(vectors).toBe(held); // each spectrum committed with its classic vector

      const rerun = await lib.importPaths([dir]);
      expect(rerun.errors).toEqual([]);
      expect(rerun.duplicates).toBe(held);
      expect(rerun.added).toBe(FILES - held);
      const counts = lib.database.prepare('SELECT count(*) AS n, count(DISTINCT file_sha256 || file_index) AS ids FROM spectra').get() as { n: number; ids: number };
      expect(counts).toEqual({ n: FILES, ids: FILES });
      expect(lib.info().substances).toBe(FILES / 2);
      expect(lib.database.pragma('integrity_check', { simple: true })).toBe('ok');
    } finally {
      lib.close();
    }
  }, 180_000);
});
