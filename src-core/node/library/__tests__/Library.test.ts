import { existsSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { unzipSync, zipSync } from 'fflate';
import { afterEach, beforeAll, describe, expect, it } from 'vitest';
import type { EmbeddingModel, ModelManifest } from '../../../engine/EmbeddingModel.js';
import { readSpectra } from '../../../formats/readSpectra.js';
import { classicVector } from '../../../matching/classicAxis.js';
import type { Spectrum } from '../../../spectrum/Spectrum.js';
import { Library } from '../Library.js';
import { matchSpectrum } from '../matchLibrary.js';
import { SCHEMA_VERSION } from '../schema.js';
import { mineralName, syntheticRruffText, writeSyntheticSet } from './synthetic.js';

const root = mkdtempSync(join(tmpdir(), 'specmatch-library-'));
let seq = 0;
const fresh = (): string => join(root, `lib-${++seq}.specmatch`);
const open: Library[] = [];
function create(path = fresh()): Library {
  const lib = Library.open(path, { create: true, user: 'tester' });
  open.push(lib);
  return lib;
}
afterEach(() => {
  while (open.length) open.pop()!.close();
});

function readOne(text: string, name = 'query.txt'): Spectrum {
  return readSpectra(new TextEncoder().encode(text), name).spectra[0]!;
}

/** A stand-in for the Siamese engine (test double): embeds by coarse-graining the classic vector, cosine head. */
function fakeModel(id = 'fake-model', pipelineHash = 'p1'): EmbeddingModel & { embedded: number } {
  const manifest: ModelManifest = {
    id,
    version: 'test',
    axis: { from: 100, to: 1500, points: 701 },
    pipeline: { schemaVersion: 1, steps: [] },
    pipelineHash,
    embeddingSize: 70,
    training: {},
    // A model that recommends itself as the default method (see defaultMethodFor).
    metrics: { recommendedMethod: 'siamese' },
    tfjsVersion: 'none',
    calibration: { match: 0.9, ambiguousGap: 0.01, noMatch: 0.5 },
  };
  const cos = (a: Float32Array, b: Float32Array): number => {
    let ab = 0;
    for (let i = 0; i < a.length; i++) ab += a[i]! * b[i]!;
    return Math.max(0, Math.min(1, ab));
  };
  const model = {
    manifest,
    key: `${id}:${pipelineHash}`,
    backend: 'cpu',
    embedded: 0,
    embed(spectra: readonly Spectrum[]): Promise<Float32Array[]> {
      model.embedded += spectra.length;
      return Promise.resolve(
        spectra.map((s) => {
          const v = classicVector(s.x, s.y);
          const e = new Float32Array(70);
          for (let i = 0; i < 700; i++) e[Math.floor(i / 10)]! += v[i + 1]! - v[i]!;
          let n = 0;
          for (const x of e) n += x * x;
          return e.map((x) => x / Math.sqrt(n || 1));
        }),
      );
    },
    similarity: cos,
    similarityMany: (q: Float32Array, refs: readonly Float32Array[]) => Float32Array.from(refs.map((r) => cos(q, r))),
    dispose() {},
  };
  return model;
}

describe('Library store', () => {
  let setDir: string;
  let files: string[];
  beforeAll(() => {
    setDir = join(root, 'set');
    files = writeSyntheticSet(setDir, 6, 3); // 6 synthetic minerals × 3 samples
  });

  it('creates a new file with WAL, foreign keys and schema version, and refuses missing or foreign files', () => {
    const path = fresh();
    expect(() => Library.open(path)).toThrow(/no such library/);
    const lib = create(path);
    const info = lib.info();
    expect(info).toMatchObject({ schemaVersion: SCHEMA_VERSION, substances: 0, spectra: 0, journalMode: 'wal' });
    expect(lib.database.pragma('foreign_keys', { simple: true })).toBe(1);
    const text = join(root, 'not-a-library.txt');
    writeFileSync(text, 'hello');
    expect(() => Library.open(text)).toThrow(/not a Specmatch library/);
    const other = join(root, 'other.sqlite');
    const db = new Database(other);
    db.exec('CREATE TABLE t (a)');
    db.close();
    expect(() => Library.open(other)).toThrow(/another application/);
  });

  it('refuses a library made by a newer schema', () => {
    const path = fresh();
    create(path).close();
    const db = new Database(path);
    db.pragma('user_version = 99');
    db.close();
    expect(() => Library.open(path)).toThrow(/newer/);
  });

  it('imports a folder: substances named verbatim from ##NAMES, formula and elements, identities, no duplicates on re-import', async () => {
    const lib = create();
    const progress: number[] = [];
    const r = await lib.importPaths([setDir], { onProgress: (done) => progress.push(done) });
    expect(r).toMatchObject({ files: 18, spectra: 18, added: 18, duplicates: 0, substancesCreated: 6, cancelled: false });
    expect(r.errors).toEqual([]);
    expect(progress.at(-1)).toBe(18);
    const again = await lib.importPaths([files[0]!, setDir]);
    expect(again).toMatchObject({ added: 0, duplicates: 19 });
    const page = lib.listSubstances();
    expect(page.total).toBe(6);
    expect(page.items[0]).toMatchObject({ name: mineralName(0), spectra: 3, formula: 'Ca(CO_3_)', elements: ['C', 'Ca', 'O'] });
    const detail = lib.getSubstance(page.items[0]!.id);
    expect(detail.spectraList).toHaveLength(3);
    expect(detail.spectraList[0]!.fileSha256).toMatch(/^[0-9a-f]{64}$/);
    expect(detail.spectraList[0]!.sampleId).toBe('S000000');
    const s = lib.getSpectrum(detail.spectraList[0]!.id);
    const original = readOne(readFileSync(files[0]!, 'utf8'));
    expect(s.x.length).toBe(original.x.length);
    expect(s.y[10]).toBeCloseTo(original.y[10]!, 2);
    expect(s.meta.fields['LOCALITY']).toContain('SYNTHETIC');
  });

  it('keeps the RRUFF name verbatim with entities decoded, and --name overrides it', async () => {
    const lib = create();
    const f = join(root, 'entity.txt');
    writeFileSync(f, syntheticRruffText({ mineral: 40, sample: 0, name: 'Julgoldite-(Fe&#178;&#8314;)' }));
    await lib.importPaths([f]);
    expect(lib.listSubstances().items.map((s) => s.name)).toEqual(['Julgoldite-(Fe²⁺)']);
    const g = join(root, 'entity2.txt');
    writeFileSync(g, syntheticRruffText({ mineral: 41, sample: 0 }));
    await lib.importPaths([g], { name: 'My reference' });
    expect(lib.findSubstancesByName('My reference')).toHaveLength(1);
  });

  it('lists a per-file error for bad files and goes on with the batch', async () => {
    const lib = create();
    const bad = join(root, 'bad');
    writeSyntheticSet(bad, 2, 1);
    writeFileSync(join(bad, 'corrupt.txt'), '##NAMES=Broken\r\n##END=\r\n');
    writeFileSync(join(bad, 'binary.dat'), Buffer.from([0, 1, 2, 3, 255, 0, 7]));
    writeFileSync(join(bad, 'empty.txt'), '');
    const r = await lib.importPaths([bad, join(root, 'missing-folder')]);
    expect(r.added).toBe(2);
    const byFile: Record<string, string> = Object.fromEntries(r.errors.map((e): [string, string] => [e.file.split('/').pop()!, e.code]));
    expect(byFile).toMatchObject({ 'corrupt.txt': 'E_EMPTY', 'binary.dat': 'E_UNKNOWN_FORMAT', 'empty.txt': 'E_EMPTY', 'missing-folder': 'E_READ' });
    for (const e of r.errors) expect(e.message).toContain(e.file.split('/').pop()!);
  });

  it('imports .zip archives (RRUFF-style flat zips and folders inside), with member errors and bomb limits', async () => {
    const lib = create();
    const members: Record<string, Uint8Array> = {};
    const enc = new TextEncoder();
    for (let m = 50; m < 53; m++) members[`excellent_unoriented/${mineralName(m)}__R${m}__Raman__532__0__unoriented__Raman_Data_RAW__${m}.txt`] = enc.encode(syntheticRruffText({ mineral: m, sample: 0 }));
    members['excellent_unoriented/readme.bin'] = new Uint8Array([0, 0, 0, 1]);
    members['__MACOSX/._junk'] = new Uint8Array([1]);
    const zip = join(root, 'rruff.zip');
    writeFileSync(zip, zipSync(members));
    const bomb = join(root, 'bomb.zip');
    writeFileSync(bomb, zipSync({ 'zeros.txt': new Uint8Array(5_000_000) }, { level: 9 }));
    const notZip = join(root, 'fake.zip');
    writeFileSync(notZip, 'not a zip at all');
    const r = await lib.importPaths([zip, bomb, notZip]);
    expect(r.added).toBe(3);
    expect(r.errors.map((e) => e.code).sort()).toEqual(['E_CORRUPT', 'E_CORRUPT', 'E_UNKNOWN_FORMAT']);
    expect(r.errors.find((e) => e.file.endsWith('readme.bin'))!.file).toBe(`${zip}!/excellent_unoriented/readme.bin`);
    expect(r.errors.some((e) => /ratio/.test(e.message))).toBe(true);
    // the same spectra as loose files are recognised (identity = file bytes + index)
    const loose = join(root, 'loose.txt');
    writeFileSync(loose, members[Object.keys(members)[0]!]!);
    expect((await lib.importPaths([loose])).duplicates).toBe(1);
  });

  it('stops at a cancelled signal between batches, keeping what was committed', async () => {
    const lib = create();
    const ac = new AbortController();
    const r = await lib.importPaths([setDir], { batchFiles: 5, signal: ac.signal, onBatchCommitted: (filesDone) => filesDone >= 10 && ac.abort() });
    expect(r.cancelled).toBe(true);
    expect(r.added).toBe(10);
    expect(lib.info().spectra).toBe(10);
  });

  it('adds one spectrum as a new substance: matchable at once (classic and with a model)', async () => {
    const lib = create();
    await lib.importPaths([setDir]);
    const model = fakeModel();
    await lib.recomputeEmbeddings(model);
    const novel = readOne(syntheticRruffText({ mineral: 77, sample: 0 }));
    const added = await lib.addSpectrum(novel, { substance: 'New compound X', tags: ['in-house'], model });
    expect(added.createdSubstance).toBe(true);
    const query = readOne(syntheticRruffText({ mineral: 77, sample: 1 }));
    for (const opts of [{ method: 'hqi-derivative' as const }, { model }]) {
      const res = await matchSpectrum(lib, query, { ...opts, topK: 3 });
      expect(res.matches[0]).toMatchObject({ substance: 'New compound X', spectrumId: added.spectrumId, rank: 1 });
    }
    await expect(lib.addSpectrum(novel, { substance: 'Again' })).rejects.toThrow(/already in the library/);
    await expect(lib.addSpectrum(novel, { substance: '  ' })).rejects.toThrow(/empty/);
    expect(lib.listSubstances({ tag: 'IN-HOUSE' }).items.map((s) => s.name)).toEqual(['New compound X']);
  });

  it('searches by name, alias, tag and element(s)', async () => {
    const lib = create();
    await lib.importPaths([setDir]);
    const id = lib.findSubstancesByName(mineralName(1))[0]!;
    lib.editSubstance(id, { aliases: ['Chalcocite-like'], tags: ['sulfide'] });
    expect(lib.listSubstances({ query: 'chalcocite' }).items.map((s) => s.id)).toEqual([id]);
    expect(lib.listSubstances({ query: 'SYNTHETICA-1' }).total).toBe(1);
    expect(lib.listSubstances({ element: 'Cu' }).total).toBe(3);
    expect(lib.listSubstances({ element: ['Cu', 'S'] }).total).toBe(3);
    expect(lib.listSubstances({ element: ['Cu', 'Ca'] }).total).toBe(0);
    expect(lib.listSubstances({ element: 'C' }).total).toBe(3); // C, not Ca or Cu
    expect(lib.listSubstances({ limit: 2, offset: 1 }).items).toHaveLength(2);
    expect(() => lib.listSubstances({ element: 'Xyz' })).toThrow(/element symbol/);
    expect(lib.listSubstances({ query: '100%_' }).total).toBe(0);
  });

  it('removes with undo, renames, edits, merges, all audited', async () => {
    const lib = create();
    await lib.importPaths([setDir]);
    const [a, b, c] = [0, 1, 2].map((m) => lib.findSubstancesByName(mineralName(m))[0]!);
    const token = lib.removeSubstance(a!);
    expect(lib.info().substances).toBe(5);
    expect(() => lib.getSubstance(a!)).toThrow(/no substance/);
    const q = readOne(readFileSync(files[0]!, 'utf8'));
    expect((await matchSpectrum(lib, q, { topK: 10 })).matches.map((m) => m.substanceId)).not.toContain(a);
    lib.undo(token);
    expect(lib.info()).toMatchObject({ substances: 6, spectra: 18 });
    expect((await matchSpectrum(lib, q, { topK: 1 })).matches[0]!.substanceId).toBe(a);
    expect(() => lib.undo(token)).toThrow(/cannot undo/);

    lib.renameSubstance(b!, 'Renamed');
    expect(lib.getSubstance(b!).name).toBe('Renamed');
    expect(() => lib.renameSubstance(b!, '')).toThrow(/empty/);
    const edited = lib.editSubstance(b!, { formula: 'Fe_2_O_3_', cas: '1317-60-8', notes: 'checked', tags: ['oxide', 'oxide', ' '] });
    expect(edited).toMatchObject({ elements: ['Fe', 'O'], cas: '1317-60-8', notes: 'checked', tags: ['oxide'] });
    expect(() => lib.editSubstance(b!, { cas: '12' })).toThrow(/CAS/);

    const merged = lib.mergeSubstances(b!, [c!]).substance;
    expect(merged.spectra).toBe(6);
    expect(merged.aliases).toContain(mineralName(2));
    expect(lib.info().substances).toBe(5);
    expect(() => lib.mergeSubstances(b!, [b!])).toThrow(/at least one other/);

    const actions = lib.auditLog().map((e) => e.action);
    expect(actions).toEqual(expect.arrayContaining(['create', 'import', 'remove', 'undo-remove', 'rename', 'edit', 'merge']));
    expect(lib.auditLog()[0]!.user).toBe('tester');
  });

  it('a removed substance re-imported comes back as new; purge deletes its rows', async () => {
    const lib = create();
    await lib.importPaths([setDir]);
    const a = lib.findSubstancesByName(mineralName(0))[0]!;
    lib.removeSubstance(a);
    const r = await lib.importPaths([files[0]!]);
    expect(r.added).toBe(1);
    expect(lib.purgeRemoved()).toBe(1);
    expect(lib.database.prepare('SELECT count(*) AS n FROM spectra').get()).toEqual({ n: 16 });
    expect(lib.database.pragma('foreign_key_check')).toEqual([]);
  });

  it('exports a library copy and JCAMP-DX zip that read back; merges another library in without duplicates', async () => {
    const lib = create();
    await lib.importPaths([setDir]);
    lib.removeSubstance(lib.findSubstancesByName(mineralName(5))[0]!);
    const copyPath = join(root, `copy-${seq}.specmatch`);
    lib.exportLibrary(copyPath);
    expect(() => lib.exportLibrary(copyPath)).toThrow(/already exists/);
    const copy = Library.open(copyPath);
    open.push(copy);
    expect(copy.info()).toMatchObject({ substances: 5, spectra: 15 });

    const zipPath = join(root, `export-${seq}.zip`);
    expect(lib.exportJcampZip(zipPath)).toBe(15);
    const unzipped = unzipSync(readFileSync(zipPath));
    const names = Object.keys(unzipped);
    expect(names).toHaveLength(15);
    const back = readSpectra(unzipped[names[0]!]!, names[0]!);
    expect(back.format).toMatch(/jcamp/);
    const orig = lib.getSpectrum(lib.getSubstance(lib.findSubstancesByName(mineralName(0))[0]!).spectraList[0]!.id);
    expect(back.spectra[0]!.x.length).toBe(orig.x.length);
    expect(back.spectra[0]!.y[100]).toBeCloseTo(orig.y[100]!, 2);

    const target = create();
    await target.importPaths([files[0]!, ...writeSyntheticSet(join(root, `extra-${seq}`), 1, 1, 90)]);
    const r = target.mergeFrom(copyPath);
    expect(r).toMatchObject({ spectraAdded: 14, duplicates: 1, substancesAdded: 4, substancesMatched: 1 });
    expect(target.info()).toMatchObject({ substances: 6, spectra: 16 });
    expect(target.mergeFrom(copyPath).spectraAdded).toBe(0);
    expect(() => target.mergeFrom(join(root, 'nope.specmatch'))).toThrow(/no such library/);
  });

  it('embeddings: imported with the model, status per key, stale keys recomputed in batches, never mixed', async () => {
    const lib = create();
    const m1 = fakeModel('fake-model', 'p1');
    await lib.importPaths([setDir], { model: m1 });
    expect(lib.embeddingStatus(m1.key)).toEqual({ key: m1.key, total: 18, current: 18, missing: 0 });
    const m2 = fakeModel('fake-model', 'p2');
    expect(lib.embeddingStatus(m2.key).missing).toBe(18);
    const res = await matchSpectrum(lib, readOne(readFileSync(files[0]!, 'utf8')), { model: m2 });
    expect(res).toMatchObject({ references: 0, missingEmbeddings: 18, matches: [], verdict: 'no-match' });
    const progress: Array<[number, number]> = [];
    const ac = new AbortController();
    const first = await lib.recomputeEmbeddings(m2, { batchSize: 4, signal: ac.signal, onProgress: (d, t) => (progress.push([d, t]), d >= 8 && ac.abort()) });
    expect(first).toMatchObject({ computed: 8, failed: 0, cancelled: true });
    const second = await lib.recomputeEmbeddings(m2, { batchSize: 4 });
    expect(second).toMatchObject({ computed: 10, failed: 0, cancelled: false });
    expect(lib.embeddingStatus(m2.key).missing).toBe(0);
    expect(lib.info().modelKeys.map((k) => k.key)).toEqual(expect.arrayContaining([m1.key, m2.key]));
    expect(() => lib.embeddingStatus('nokey')).toThrow(/not a model key/);
  });

  it('embedding status is kept between queries but follows every change, also one made through another connection', async () => {
    const path = fresh();
    const lib = create(path);
    const m = fakeModel('fake-model', 'p1');
    await lib.importPaths([setDir], { model: m });
    expect(lib.embeddingStatus(m.key)).toMatchObject({ total: 18, missing: 0 });
    const other = Library.open(path, { user: 'other' });
    open.push(other);
    await other.importPaths(writeSyntheticSet(join(root, 'status-other'), 1, 2, 70));
    expect(lib.embeddingStatus(m.key)).toMatchObject({ total: 20, current: 18, missing: 2 });
    const sub = lib.listSubstances().items.find((s) => s.name === mineralName(70))!;
    lib.removeSubstance(sub.id);
    expect(lib.embeddingStatus(m.key)).toMatchObject({ total: 18, current: 18, missing: 0 });
  });
});

describe('a model that cannot embed some spectra', () => {
  it('imports them anyway (classic only, with a warning); recompute reports them; a broken model is E_MODEL', async () => {
    const lib = create();
    const picky = fakeModel('picky', 'p');
    const embed = picky.embed.bind(picky);
    picky.embed = (spectra) =>
      spectra.some((s) => s.meta.sampleId === 'S000101') ? Promise.reject(new Error('outside the model axis')) : embed(spectra);
    const dir = join(root, 'picky');
    writeSyntheticSet(dir, 2, 3);
    const r = await lib.importPaths([dir], { model: picky });
    expect(r).toMatchObject({ added: 6, errors: [] });
    const warned = r.results.filter((f) => f.warnings?.length);
    expect(warned).toHaveLength(1);
    expect(warned[0]!.warnings![0]).toMatch(/not embedded with picky \(.*outside the model axis/);
    expect(lib.embeddingStatus(picky.key)).toMatchObject({ current: 5, missing: 1 });
    const again = await lib.recomputeEmbeddings(picky);
    expect(again).toMatchObject({ computed: 0, failed: 1, cancelled: false });
    expect(again.errors[0]!.message).toMatch(/outside the model axis/);
    const broken = fakeModel('broken', 'b');
    broken.embed = () => Promise.reject(new Error('weights missing'));
    await expect(lib.importPaths([writeSyntheticSet(join(root, 'broken-model'), 2, 1, 70)[0]!, join(root, 'broken-model')], { model: broken })).rejects.toMatchObject({ code: 'E_MODEL' });
  });
});

describe('matchSpectrum', () => {
  let lib: Library;
  let files: string[];
  beforeAll(async () => {
    files = writeSyntheticSet(join(root, 'match-set'), 12, 2);
    lib = Library.open(join(root, 'match.specmatch'), { create: true });
    await lib.importPaths(files);
  });

  it('ranks one row per substance with every HQI, gap and a verdict; K > library returns all', async () => {
    const q = readOne(syntheticRruffText({ mineral: 3, sample: 7 }));
    for (const method of ['hqi-derivative', 'hqi-correlation', 'cosine', 'euclidean'] as const) {
      const r = await matchSpectrum(lib, q, { method, topK: 100 });
      expect(r.method).toBe(method);
      expect(r.matches).toHaveLength(12);
      expect(new Set(r.matches.map((m) => m.substance)).size).toBe(12);
      expect(r.matches[0]!.substance).toBe(mineralName(3));
      expect(r.matches.map((m) => m.rank)).toEqual(Array.from({ length: 12 }, (_, i) => i + 1));
      for (let i = 0; i < 11; i++) {
        expect(r.matches[i]!.score).toBeGreaterThanOrEqual(r.matches[i + 1]!.score);
        expect(r.matches[i]!.gap).toBeCloseTo(r.matches[i]!.score - r.matches[i + 1]!.score, 6);
      }
      for (const m of r.matches) for (const v of Object.values(m.hqi)) expect(v).toBeGreaterThanOrEqual(0);
      expect(r.verdict).toBe('match');
      expect(r.references).toBe(24);
    }
  });

  it('fused = α·siamese + (1 − α)·derivative HQI of the same reference, α from the manifest', async () => {
    const model = fakeModel('fuse-model', 'f1');
    model.manifest.metrics['fusionAlpha'] = 0.3;
    await lib.recomputeEmbeddings(model);
    const q = readOne(syntheticRruffText({ mineral: 6, sample: 4 }));
    const fused = await matchSpectrum(lib, q, { method: 'fused', model, topK: 12 });
    const siamese = await matchSpectrum(lib, q, { method: 'siamese', model, topK: 12 });
    expect(fused.matches[0]!.substance).toBe(mineralName(6));
    expect(fused.method).toBe('fused');
    const [s] = await model.embed([q]);
    for (const row of fused.matches) {
      const ref = lib.vectorOf(row.spectrumId, 'fuse-model', 'f1')!;
      expect(row.score).toBeCloseTo(0.3 * model.similarity(s!, ref) + 0.7 * row.hqi.derivative, 4);
    }
    expect(siamese.matches[0]!.substance).toBe(mineralName(6));
    // Verdict thresholds: the manifest's fused calibration when measured with this α, else uncalibrated defaults.
    expect(fused.calibration?.source).toContain('uncalibrated');
    model.manifest.fusedCalibration = { alpha: 0.3, match: 0.42, ambiguousGap: 0.01, noMatch: 0.2 };
    const calibrated = await matchSpectrum(lib, q, { method: 'fused', model, topK: 12 });
    expect(calibrated.calibration).toMatchObject({ match: 0.42, gap: 0.01, noMatch: 0.2, source: 'model fuse-model manifest, fused α = 0.3' });
    model.manifest.fusedCalibration = { alpha: 0.5, match: 0.42, ambiguousGap: 0.01, noMatch: 0.2 };
    expect((await matchSpectrum(lib, q, { method: 'fused', model, topK: 12 })).calibration?.source).toContain('uncalibrated');
  });

  it('siamese fast path: an exposed L1 head runs in SIMD with the same scores; a head that is not the similarity is ignored', async () => {
    const w = Float32Array.from({ length: 70 }, (_, i) => 0.5 + (i % 7) / 10);
    const l1 = (a: Float32Array, b: Float32Array): number => {
      let z = 1.5;
      for (let k = 0; k < 70; k++) z -= w[k]! * Math.abs(a[k]! - b[k]!);
      return 1 / (1 + Math.exp(-z));
    };
    const honest = Object.assign(fakeModel('l1-model', 'h1'), { head: { w: w.map((v) => -v), b: 1.5 } });
    honest.similarity = l1;
    let largestCall = 0;
    honest.similarityMany = (q, refs) => {
      largestCall = Math.max(largestCall, refs.length);
      return Float32Array.from(refs.map((r) => l1(q, r)));
    };
    const liar = Object.assign(fakeModel('l1-liar', 'h2'), { head: { w: new Float32Array(70).fill(1), b: 0 } });
    for (const model of [honest, liar]) {
      await lib.recomputeEmbeddings(model);
      const q = readOne(syntheticRruffText({ mineral: 8, sample: 3 }));
      const r = await matchSpectrum(lib, q, { model, topK: 12 });
      expect(r.matches[0]!.substance).toBe(mineralName(8));
      const [e] = await model.embed([q]);
      for (const row of r.matches) expect(row.score).toBeCloseTo(model.similarity(e!, lib.vectorOf(row.spectrumId, model.manifest.id, model.manifest.pipelineHash)!), 5);
    }
    expect(largestCall).toBeLessThanOrEqual(16); // the honest head was searched in SIMD, checked on 16 references
  });

  it('the row HQI of the method equals the row score (same pair, same pipeline)', async () => {
    const q = readOne(syntheticRruffText({ mineral: 5, sample: 9 }));
    const r = await matchSpectrum(lib, q, { method: 'hqi-correlation', topK: 3 });
    for (const m of r.matches) expect(m.hqi.correlation).toBeCloseTo(m.score, 4);
  });

  it('exclude masks a range: a band only in the excluded range no longer counts', async () => {
    const q = readOne(syntheticRruffText({ mineral: 3, sample: 8 }));
    const full = await matchSpectrum(lib, q, { method: 'hqi-correlation', topK: 1 });
    const masked = await matchSpectrum(lib, q, { method: 'hqi-correlation', topK: 1, exclude: [[100, 800]] });
    expect(masked.matches[0]!.score).not.toBeCloseTo(full.matches[0]!.score, 6);
    await expect(matchSpectrum(lib, q, { exclude: [[0, 9999]] })).rejects.toThrow(/nothing left/);
  });

  it('an unknown substance gets a low score and not a match verdict', async () => {
    const q = readOne(syntheticRruffText({ mineral: 500, sample: 0 }));
    const r = await matchSpectrum(lib, q, { method: 'hqi-derivative', topK: 5 });
    expect(r.matches).toHaveLength(5);
    expect(r.verdict).not.toBe('match');
  });

  it('rejects bad options and non-Raman queries with typed errors', async () => {
    const q = readOne(syntheticRruffText({ mineral: 1, sample: 0 }));
    await expect(matchSpectrum(lib, q, { method: 'siamese' })).rejects.toMatchObject({ code: 'E_MODEL' });
    await expect(matchSpectrum(lib, q, { topK: 0 })).rejects.toMatchObject({ code: 'E_PARAM' });
    await expect(matchSpectrum(lib, q, { method: 'fused' })).rejects.toMatchObject({ code: 'E_MODEL' });
    await expect(matchSpectrum(lib, q, { method: 'magic' as 'cosine' })).rejects.toMatchObject({ code: 'E_PARAM' });
    await expect(matchSpectrum(lib, { ...q, meta: { ...q.meta, xKind: 'wavelength' } })).rejects.toThrow(/laser wavelength/);
  });

  it('sees changes made by another connection (cache invalidated through data_version)', async () => {
    const other = Library.open(lib.path);
    const q = readOne(syntheticRruffText({ mineral: 300, sample: 1 }));
    await other.addSpectrum(readOne(syntheticRruffText({ mineral: 300, sample: 0 })), { substance: 'From elsewhere' });
    other.close();
    expect((await matchSpectrum(lib, q, { topK: 1 })).matches[0]!.substance).toBe('From elsewhere');
  });

  it('an empty library answers no-match with no rows', async () => {
    const empty = create();
    const r = await matchSpectrum(empty, readOne(syntheticRruffText({ mineral: 1, sample: 0 })));
    expect(r).toMatchObject({ verdict: 'no-match', matches: [] });
    expect(existsSync(empty.path)).toBe(true);
  });
});

describe('defaultMethodFor', () => {
  it('is derivative HQI unless the model manifest recommends a valid method', async () => {
    const { defaultMethodFor } = await import('../matchLibrary.js');
    const m = fakeModel();
    expect(defaultMethodFor(null)).toBe('hqi-derivative');
    expect(defaultMethodFor(m.manifest)).toBe('siamese');
    m.manifest.metrics['recommendedMethod'] = 'fused';
    expect(defaultMethodFor(m.manifest)).toBe('fused');
    m.manifest.metrics['recommendedMethod'] = 'magic';
    expect(defaultMethodFor(m.manifest)).toBe('hqi-derivative');
    delete m.manifest.metrics['recommendedMethod'];
    expect(defaultMethodFor(m.manifest)).toBe('hqi-derivative');
  });
});
