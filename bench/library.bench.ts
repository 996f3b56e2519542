/**
 * `npm run bench -- library`: reference library speed.
 *
 * 1. Query time (embed + search) with 10,000 and 100,000 reference spectra. The references are SYNTHETIC (random
 *    Lorentzian bands on a sloped baseline, labelled so in their metadata): search cost depends on the count and
 *    vector size, not on the content. For the Siamese method, when a model is installed, the reference embeddings
 *    are synthetic unit vectors of the model's embedding size and the query is embedded by the real model.
 *    Reported: the first query (loads the vectors into one contiguous matrix) and the median of 20 later queries.
 * 2. A 1,000-file import through the CLI (`specmatch library import`), process start included, on the first
 *    1,000 RRUFF RAW files of ../shared/data (synthetic RRUFF-format files when it is absent).
 */
import { spawnSync } from 'node:child_process';
import { copyFileSync, existsSync, mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { basename, join, resolve } from 'node:path';
import type { EmbeddingModel } from '../src-core/engine/EmbeddingModel.js';
import { CLASSIC_MODEL_ID, CLASSIC_PIPELINE_HASH, classicAxisValues } from '../src-core/matching/classicAxis.js';
import { listRruffArchive } from '../src-core/node/data/rruffArchive.js';
import { loadDefaultModelIfAny } from '../src-core/node/library/cliSupport.js';
import { Library } from '../src-core/node/library/Library.js';
import { matchSpectrum } from '../src-core/node/library/matchLibrary.js';
import type { MatchMethod } from '../src-core/matching/types.js';
import type { Spectrum } from '../src-core/spectrum/Spectrum.js';
import { writeSyntheticSet } from '../src-core/node/library/__tests__/synthetic.js';

const repo = resolve(import.meta.dirname, '..');
const shared = process.env['SPECMATCH_SHARED_DATA'] ?? join(repo, '../shared/data');

function rng(seed: number): () => number {
  let s = seed >>> 0 || 1;
  return () => {
    s ^= s << 13;
    s >>>= 0;
    s ^= s >>> 17;
    s ^= s << 5;
    s >>>= 0;
    return s / 0x100000000;
  };
}

function syntheticSpectrum(seed: number): Spectrum {
  const r = rng(seed);
  const axis = classicAxisValues();
  const y = new Float64Array(axis.length);
  const bands = Array.from({ length: 3 + Math.floor(r() * 4) }, () => ({ x: 120 + r() * 1350, h: 100 + r() * 1000, w: 3 + r() * 12 }));
  for (let i = 0; i < axis.length; i++) {
    let v = 200 + 0.1 * axis[i]! + 5 * r();
    for (const b of bands) v += b.h / (1 + ((axis[i]! - b.x) / b.w) ** 2);
    y[i] = v;
  }
  return {
    x: Float64Array.from(axis),
    y,
    meta: { substance: `SYNTHETIC-${seed}`, sourceFile: `synthetic-${seed}.txt`, format: 'synthetic', xKind: 'raman-shift', originalXUnit: 'cm-1', position: { index: 0, count: 1 }, fields: { NOTE: 'SYNTHETIC benchmark spectrum' }, warnings: [] },
  };
}

/** Fills a library with `n` synthetic references (4 per substance) straight through SQL: fast enough for 100,000. */
async function syntheticLibrary(path: string, n: number, model: EmbeddingModel | null): Promise<Library> {
  const lib = Library.open(path, { create: true, user: 'bench' });
  const db = lib.database;
  const { classicVector } = await import('../src-core/matching/classicAxis.js');
  const insSub = db.prepare("INSERT INTO substances (name, created_at, updated_at) VALUES (?, 'bench', 'bench')");
  const insSpec = db.prepare(
    "INSERT INTO spectra (substance_id, file_sha256, file_index, source_file, format, x_kind, points, x_min, x_max, x, y, meta, added_at) VALUES (?, ?, 0, ?, 'synthetic', 'raman-shift', 2, 100, 1500, ?, ?, '{}', 'bench')",
  );
  const insVec = db.prepare('INSERT INTO embeddings (spectrum_id, model_id, pipeline_hash, vector) VALUES (?, ?, ?, ?)');
  const tiny = Buffer.from(new Float32Array([100, 1500]).buffer);
  const r = rng(7);
  const dim = model?.manifest.embeddingSize ?? 0;
  const chunk = 5000;
  for (let start = 0; start < n; start += chunk) {
    db.transaction(() => {
      let sub = 0;
      for (let i = start; i < Math.min(n, start + chunk); i++) {
        if (i % 4 === 0) sub = Number(insSub.run(`SYNTHETIC substance ${i / 4}`).lastInsertRowid);
        const s = syntheticSpectrum(i + 1);
        const id = Number(insSpec.run(sub, i.toString(16).padStart(64, '0'), s.meta.sourceFile, tiny, tiny).lastInsertRowid);
        const v = classicVector(s.x, s.y);
        insVec.run(id, CLASSIC_MODEL_ID, CLASSIC_PIPELINE_HASH, Buffer.from(v.buffer, v.byteOffset, v.byteLength));
        if (model) {
          const e = new Float32Array(dim);
          let norm = 0;
          for (let k = 0; k < dim; k++) norm += (e[k] = r() - 0.5) ** 2;
          for (let k = 0; k < dim; k++) e[k] = e[k]! / Math.sqrt(norm);
          insVec.run(id, model.manifest.id, model.manifest.pipelineHash, Buffer.from(e.buffer));
        }
      }
    })();
  }
  return lib;
}

const median = (a: number[]): number => [...a].sort((x, y) => x - y)[Math.floor(a.length / 2)]!;

async function queryBench(model: EmbeddingModel | null): Promise<void> {
  const dir = mkdtempSync(join(tmpdir(), 'specmatch-bench-lib-'));
  for (const n of [10_000, 100_000]) {
    const t0 = performance.now();
    const lib = await syntheticLibrary(join(dir, `bench-${n}.specmatch`), n, model);
    console.log(`  built a SYNTHETIC library of ${n} references in ${((performance.now() - t0) / 1000).toFixed(1)} s`);
    const methods: MatchMethod[] = ['hqi-derivative', 'hqi-correlation', 'cosine', ...(model ? (['siamese'] as const) : [])];
    for (const method of methods) {
      const opts = { method, topK: 10, model };
      const q0 = syntheticSpectrum(1_000_000);
      let t = performance.now();
      await matchSpectrum(lib, q0, opts);
      const first = performance.now() - t;
      const times: number[] = [];
      for (let i = 0; i < 20; i++) {
        const q = syntheticSpectrum(2_000_000 + i);
        t = performance.now();
        await matchSpectrum(lib, q, opts);
        times.push(performance.now() - t);
      }
      console.log(`  query ${method.padEnd(15)} ${String(n).padStart(7)} refs: median ${median(times).toFixed(1)} ms, first (loads vectors) ${first.toFixed(0)} ms`);
    }
    lib.close();
    rmSync(join(dir, `bench-${n}.specmatch`), { force: true });
  }
  rmSync(dir, { recursive: true, force: true });
}

function importBench(withModel: boolean): void {
  const dir = mkdtempSync(join(tmpdir(), 'specmatch-bench-import-'));
  const files = join(dir, 'files');
  mkdirSync(files);
  let label: string;
  const archive = join(shared, 'rruff/raw/excellent_unoriented__Raman_Data_RAW.tar.xz');
  if (existsSync(archive)) {
    for (const f of listRruffArchive(archive).slice(0, 1000)) copyFileSync(f, join(files, basename(f)));
    label = 'first 1,000 RRUFF RAW excellent files';
  } else {
    writeSyntheticSet(files, 500, 2);
    label = '1,000 SYNTHETIC RRUFF-format files';
  }
  const lib = join(dir, 'import.specmatch');
  const args = [join(repo, 'bin/specmatch.js'), 'library', 'import', '--library', lib, '--json', ...(withModel ? [] : ['--no-embed']), files];
  const t = performance.now();
  const r = spawnSync(process.execPath, args, { encoding: 'utf8', maxBuffer: 256 * 1024 * 1024 });
  const wall = (performance.now() - t) / 1000;
  const summary = (JSON.parse(r.stdout.trim().split('\n').at(-1) ?? '{}') as { summary?: { spectra: number; added: number; errors: number; embedded: number } }).summary;
  if (r.status !== 0 || !summary) {
    console.log(`  import failed (exit ${r.status}): ${r.stderr.slice(0, 500)}`);
  } else {
    console.log(
      `  CLI import ${withModel ? '(with model embeddings)' : '(classic vectors only)'}: ${label}: ${summary.added} spectra in ${wall.toFixed(2)} s wall, process start included = ${(summary.added / wall).toFixed(0)} spectra/s (${summary.errors} errors, ${summary.embedded} embedded)`,
    );
  }
  rmSync(dir, { recursive: true, force: true });
}

export async function run(): Promise<void> {
  const model = await loadDefaultModelIfAny().catch(() => null);
  console.log(`library bench: model ${model ? `${model.key} on ${model.backend}` : 'none installed (classic methods only)'}`);
  importBench(false);
  if (model) importBench(true);
  await queryBench(model);
  model?.dispose();
}
