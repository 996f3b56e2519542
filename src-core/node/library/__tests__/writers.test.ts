/**
 * The library's reliability promises (docs/notes/reliability.md): one writer discipline (immediate transactions,
 * busy timeout, retries, E_LIBRARY_BUSY), nothing written to a file before it is known to be a library, read-only
 * libraries readable, merges that keep notes and can be undone, undo after a re-import that does not split.
 */
import { existsSync, mkdtempSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Worker } from 'node:worker_threads';
import Database from 'better-sqlite3';
import { afterEach, beforeAll, describe, expect, it } from 'vitest';
import { readSpectra } from '../../../formats/readSpectra.js';
import { mountTmpfs, mountUnavailableReason } from '../../../../test/faults.js';
import { Library } from '../Library.js';
import { matchSpectrum } from '../matchLibrary.js';
import { SCHEMA_VERSION } from '../schema.js';
import { mineralName, writeSyntheticSet } from './synthetic.js';

const require = createRequire(import.meta.url);
const root = mkdtempSync(join(tmpdir(), 'specmatch-writers-'));
let seq = 0;
const fresh = (): string => join(root, `lib-${++seq}.specmatch`);
const open: Library[] = [];
afterEach(() => {
  while (open.length) open.pop()!.close();
});
function create(path = fresh(), opts: { busyTimeoutMs?: number } = {}): Library {
  const lib = Library.open(path, { create: true, user: 'tester', ...opts });
  open.push(lib);
  return lib;
}

/**
 * Another writer: a worker thread with its own connection that takes the write lock (BEGIN IMMEDIATE), writes a
 * row, holds the lock for `holdMs`, then commits. Resolves `locked` once it holds the lock.
 */
function otherWriter(path: string, holdMs: number): { locked: Promise<void>; done: Promise<void> } {
  const worker = new Worker(
    `const { workerData, parentPort } = require('node:worker_threads');
     const Database = require(workerData.mod);
     const db = new Database(workerData.path);
     db.exec('BEGIN IMMEDIATE');
     db.prepare("INSERT INTO audit (at, user, action, detail) VALUES ('now', 'other', 'other-writer', '{}')").run();
     parentPort.postMessage('locked');
     Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, workerData.holdMs);
     db.exec('COMMIT');
     db.close();`,
    { eval: true, workerData: { mod: require.resolve('better-sqlite3'), path, holdMs } },
  );
  const locked = new Promise<void>((resolve, reject) => {
    worker.once('message', () => resolve());
    worker.once('error', reject);
  });
  const done = new Promise<void>((resolve, reject) => {
    worker.once('exit', () => resolve());
    worker.once('error', reject);
  });
  return { locked, done };
}

let setDir: string;
let files: string[];
beforeAll(() => {
  setDir = join(root, 'set');
  files = writeSyntheticSet(setDir, 4, 2); // 4 synthetic minerals × 2 samples
});

describe('one writer discipline', () => {
  it('an import waits for another writer (immediate transaction, busy timeout) instead of failing', async () => {
    const path = fresh();
    const lib = create(path);
    await lib.importPaths([files[0]!]); // the file exists and holds a library
    const other = otherWriter(path, 600);
    await other.locked;
    // The batch's transaction reads (duplicates) before it writes: with a deferred BEGIN the upgrade to a writer
    // fails at once with "database is locked", whatever the busy timeout.
    const r = await lib.importPaths(files.slice(1, 4));
    await other.done;
    expect(r.errors).toEqual([]);
    expect(r.added).toBe(3);
    expect(lib.auditLog(10).map((e) => e.action)).toContain('other-writer');
  });

  it('a writer that keeps the lock gets E_LIBRARY_BUSY "another Specmatch is writing", after the retries', async () => {
    const path = fresh();
    const lib = create(path, { busyTimeoutMs: 20 });
    await lib.importPaths([setDir]);
    const id = lib.findSubstancesByName(mineralName(0))[0]!;
    const other = otherWriter(path, 4000);
    await other.locked;
    const t0 = Date.now();
    let caught: unknown;
    try {
      lib.editSubstance(id, { notes: 'edited while another writer held the lock' });
    } catch (err) {
      caught = err;
    }
    const waited = Date.now() - t0;
    await other.done;
    expect(caught).toMatchObject({ code: 'E_LIBRARY_BUSY', message: expect.stringMatching(/another Specmatch is writing/) as unknown });
    expect(waited).toBeGreaterThan(500); // it retried with backoff before giving up
    expect(lib.getSubstance(id).notes).toBe('');
    lib.editSubstance(id, { notes: 'after' }); // the lock is free again
    expect(lib.getSubstance(id).notes).toBe('after');
  });
});

describe('never modifies a file that is not a library', () => {
  it.each([
    ['another application (application id set)', 0x1234],
    ['another application (no application id)', 0],
  ])('%s: refused, byte for byte unchanged, no journal files', (_label, appId) => {
    const other = join(root, `foreign-${++seq}.sqlite`);
    const db = new Database(other);
    db.exec('CREATE TABLE t (a); INSERT INTO t VALUES (1)');
    db.pragma(`application_id = ${appId}`);
    db.close();
    const before = readFileSync(other);
    const mtime = statSync(other).mtimeMs;
    expect(() => Library.open(other)).toThrow(/another application/);
    expect(() => Library.open(other, { create: true })).toThrow(/another application/);
    expect(readFileSync(other).equals(before)).toBe(true);
    expect(before[18]).toBe(1); // still a rollback-journal file, not switched to WAL
    expect(statSync(other).mtimeMs).toBe(mtime);
    expect(existsSync(`${other}-wal`) || existsSync(`${other}-shm`)).toBe(false);
  });

  it('an empty SQLite database (no tables) still becomes a library', () => {
    const path = join(root, `empty-${++seq}.sqlite`);
    new Database(path).close();
    const lib = create(path);
    expect(lib.info().schemaVersion).toBe(SCHEMA_VERSION);
  });
});

const noMount = mountUnavailableReason();
if (noMount) process.stderr.write(`[skip] read-only library folder: ${noMount}\n`);
describe.skipIf(noMount !== null)(`a read-only library is readable${noMount ? ` [skipped: ${noMount}]` : ''}`, () => {
  it('in a read-only folder it opens read-only, says so, matches, and refuses changes with a clear error', async () => {
    const fs = mountTmpfs(8 * 1024 * 1024);
    try {
      const path = join(fs.dir, 'ro.specmatch');
      const lib = Library.open(path, { create: true, user: 'tester' });
      await lib.importPaths([setDir]);
      lib.close();
      fs.makeReadOnly();
      const ro = Library.open(path);
      try {
        expect(ro.readOnly).toBe(true);
        expect(ro.warnings.join(' ')).toMatch(/read-only/);
        expect(ro.info()).toMatchObject({ substances: 4, spectra: 8 });
        const query = readSpectra(readFileSync(files[2]!), 'q.txt').spectra[0]!;
        expect((await matchSpectrum(ro, query, { topK: 1 })).matches[0]!.substance).toBe(mineralName(1));
        const id = ro.findSubstancesByName(mineralName(0))[0]!;
        expect(() => ro.editSubstance(id, { notes: 'x' })).toThrow(/read-only; changes cannot be saved/);
        await expect(ro.importPaths([files[0]!])).rejects.toMatchObject({ code: 'E_LIBRARY' });
      } finally {
        ro.close();
      }
    } finally {
      fs.unmount();
    }
  });
});

describe('merge keeps notes and can be undone; undo after a re-import does not split', () => {
  it('merge unites notes, aliases and tags; undo restores both substances, their spectra and fields', async () => {
    const lib = create();
    await lib.importPaths([setDir]);
    const [a, b] = [0, 1].map((m) => lib.findSubstancesByName(mineralName(m))[0]!);
    lib.editSubstance(a!, { notes: 'reference from lab A', aliases: ['A-alias'], tags: ['sulfide'] });
    lib.editSubstance(b!, { notes: 'measured 2024, 785 nm', aliases: ['B-alias'], tags: ['oxide'] });
    const aBefore = lib.getSubstance(a!);
    const bBefore = lib.getSubstance(b!);
    const { substance, undoToken } = lib.mergeSubstances(a!, [b!]);
    expect(substance.notes).toContain('reference from lab A');
    expect(substance.notes).toContain('measured 2024, 785 nm');
    expect(substance.aliases).toEqual(expect.arrayContaining(['A-alias', 'B-alias', mineralName(1)]));
    expect(substance.tags).toEqual(expect.arrayContaining(['sulfide', 'oxide']));
    expect(substance.spectra).toBe(4);
    expect(lib.info().substances).toBe(3);
    const entry = lib.auditLog(1)[0]!;
    expect(entry.action).toBe('merge');
    expect(entry.detail).toMatchObject({ from: [{ id: b, spectra: [3, 4] }], before: { notes: 'reference from lab A' } }); // what undoing needs

    expect(lib.undo(undoToken)).toEqual({ substanceId: a });
    expect(lib.info().substances).toBe(4);
    const aAfter = lib.getSubstance(a!);
    const bAfter = lib.getSubstance(b!);
    expect({ ...aAfter, updatedAt: '' }).toEqual({ ...aBefore, updatedAt: '' });
    expect({ ...bAfter, updatedAt: '' }).toEqual({ ...bBefore, updatedAt: '' });
    expect(() => lib.undo(undoToken)).toThrow(/cannot undo/);
    expect(lib.auditLog(1)[0]!.action).toBe('undo-merge');
  });

  it('merge-from keeps the notes, aliases and tags of a matched substance', async () => {
    const other = create();
    await other.importPaths([files[0]!]);
    const oid = other.findSubstancesByName(mineralName(0))[0]!;
    other.editSubstance(oid, { notes: 'from the other lab', tags: ['shared'], aliases: ['Other name'] });
    const otherPath = other.path;
    other.close();
    open.splice(open.indexOf(other), 1);
    const lib = create();
    await lib.importPaths([files[1]!]);
    lib.mergeFrom(otherPath);
    const d = lib.getSubstance(lib.findSubstancesByName(mineralName(0))[0]!);
    expect(d).toMatchObject({ notes: 'from the other lab', tags: ['shared'], aliases: ['Other name'], spectra: 2 });
  });

  it('remove, re-import one of its files, undo: one substance with all its spectra', async () => {
    const lib = create();
    await lib.importPaths([setDir]);
    const a = lib.findSubstancesByName(mineralName(0))[0]!;
    lib.editSubstance(a, { notes: 'keep me' });
    const token = lib.removeSubstance(a);
    const again = await lib.importPaths([files[0]!]);
    expect(again.added).toBe(1);
    lib.undo(token);
    const ids = lib.findSubstancesByName(mineralName(0));
    expect(ids).toEqual([a]);
    expect(lib.getSubstance(a)).toMatchObject({ spectra: 2, notes: 'keep me' });
    expect(lib.info()).toMatchObject({ substances: 4, spectra: 8 });
    expect(lib.database.pragma('foreign_key_check')).toEqual([]);
  });
});

describe('a damaged library says how to recover', () => {
  it('check() reads every page and reports damage with a recovery hint; reads fail with E_LIBRARY, not E_INTERNAL', async () => {
    const path = fresh();
    const lib = create(path);
    await lib.importPaths([setDir]);
    expect(lib.check()).toEqual({ ok: true, problems: [], hint: null });
    lib.close();
    open.pop();
    // Damage one b-tree page of the spectra table (its header and cell pointers) as a bad sector would.
    const probe = new Database(path, { readonly: true });
    const page = (probe.prepare("SELECT rootpage FROM sqlite_master WHERE name = 'spectra'").get() as { rootpage: number }).rootpage;
    const pageSize = probe.pragma('page_size', { simple: true }) as number;
    probe.close();
    const bytes = readFileSync(path);
    bytes.fill(0xa5, (page - 1) * pageSize, (page - 1) * pageSize + 64);
    writeFileSync(path, bytes);
    const damaged = Library.open(path);
    open.push(damaged);
    const r = damaged.check();
    expect(r.ok).toBe(false);
    expect(r.hint).toMatch(/\.recover/);
    const { toSpecmatchError } = await import('../../../errors.js');
    let err: unknown;
    try {
      damaged.getSpectrum(1);
    } catch (e) {
      err = toSpecmatchError(e);
    }
    expect(err).toMatchObject({ code: 'E_LIBRARY', message: expect.stringMatching(/damaged.*\.recover/) as unknown });
  });
});
