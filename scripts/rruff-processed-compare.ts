/**
 * How closely a pipeline reproduces RRUFF's Processed spectra from their RAW measurements.
 *
 *   nice -n 10 npx tsx scripts/rruff-processed-compare.ts [--quality excellent_unoriented] [--preset rruff-processed |
 *       --pipeline FILE.json] [--every K] [--offset J] [--tune coarse|fine|edge]
 *
 * Pairs the RAW and Processed file of each measurement through ../shared/data/rruff/index.csv (same name up to
 * "__Raman_Data_RAW|Processed__<n>.txt"; names with several files on either side are skipped as ambiguous), unpacks
 * the archives into the cache (src-core/node/data/rruffArchive.ts), and reports the median Pearson correlation on
 * the Processed file's x inside RAW's range (outputs interpolated there, linear, 0 where a pipeline left no data)
 * for (a) RAW as is and (b) RAW after the pipeline. --every K --offset J takes pairs J, J+K, …; --tune compares a
 * grid of candidate pipelines instead (tune on one subset, report the chosen one on another).
 */
import { readFileSync } from 'node:fs';
import { basename, join, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { readSpectra } from '../src-core/formats/readSpectra.js';
import { listRruffArchive } from '../src-core/node/data/rruffArchive.js';
import type { Pipeline } from '../src-core/preprocess/pipeline.js';
import { runPipeline, validatePipeline } from '../src-core/preprocess/pipeline.js';
import { getPreset } from '../src-core/preprocess/presets.js';
import { resampleLinear } from '../src-core/preprocess/resampleLinear.js';
import type { Spectrum } from '../src-core/spectrum/Spectrum.js';

export interface RruffPair {
  key: string;
  raw: string;
  processed: string;
}

/** Measurement key of a RRUFF file name: everything before "__Raman_Data_RAW__" / "__Raman_Data_Processed__". */
export function rruffMeasurementKey(fileName: string): string | undefined {
  const m = /^(.*)__Raman_Data_(RAW|Processed)__\d+\.txt$/i.exec(basename(fileName));
  return m?.[1];
}

/** RAW/Processed pairs among file paths, by measurement key; keys with more than one file on a side are skipped. */
export function pairRruffFiles(rawFiles: readonly string[], processedFiles: readonly string[]): RruffPair[] {
  const group = (files: readonly string[]): Map<string, string[]> => {
    const m = new Map<string, string[]>();
    for (const f of files) {
      const k = rruffMeasurementKey(f);
      if (k !== undefined) m.set(k, [...(m.get(k) ?? []), f]);
    }
    return m;
  };
  const raw = group(rawFiles);
  const processed = group(processedFiles);
  const pairs: RruffPair[] = [];
  for (const [key, r] of [...raw].sort((a, b) => (a[0] < b[0] ? -1 : 1))) {
    const p = processed.get(key);
    if (r.length === 1 && p?.length === 1) pairs.push({ key, raw: r[0]!, processed: p[0]! });
  }
  return pairs;
}

/** Pearson correlation of two equally long series (NaN when either is constant). */
export function pearson(a: ArrayLike<number>, b: ArrayLike<number>): number {
  const n = a.length;
  let ma = 0;
  let mb = 0;
  for (let i = 0; i < n; i++) {
    ma += a[i]!;
    mb += b[i]!;
  }
  ma /= n;
  mb /= n;
  let sab = 0;
  let saa = 0;
  let sbb = 0;
  for (let i = 0; i < n; i++) {
    const da = a[i]! - ma;
    const db = b[i]! - mb;
    sab += da * db;
    saa += da * da;
    sbb += db * db;
  }
  return sab / Math.sqrt(saa * sbb);
}

/**
 * Pearson r between `candidate` interpolated onto the reference's x and the reference, over the reference points
 * inside `range` (the RAW measurement's x range: the same points for every pipeline, so a pipeline that crops
 * away part of what the Processed file shows scores 0 there rather than escaping the comparison).
 */
export function correlationOnReferenceAxis(
  candidate: Spectrum,
  reference: Spectrum,
  range: readonly [number, number] = [candidate.x[0]!, candidate.x[candidate.x.length - 1]!],
): number {
  const xs: number[] = [];
  const ys: number[] = [];
  for (let i = 0; i < reference.x.length; i++) {
    if (reference.x[i]! >= range[0] && reference.x[i]! <= range[1]) {
      xs.push(reference.x[i]!);
      ys.push(reference.y[i]!);
    }
  }
  if (xs.length < 10) return NaN;
  return pearson(resampleLinear(candidate.x, candidate.y, xs, 0), ys);
}

function readOne(path: string): Spectrum {
  return readSpectra(new Uint8Array(readFileSync(path)), path).spectra[0]!;
}

export interface PairScore {
  key: string;
  raw: number;
  processed: number;
}

/** Both correlations for one pair; a pipeline failure on a pair scores NaN (counted and reported, not hidden). */
export function scorePair(pair: RruffPair, pipeline: Pipeline): PairScore {
  const raw = readOne(pair.raw);
  const reference = readOne(pair.processed);
  const range = [raw.x[0]!, raw.x[raw.x.length - 1]!] as const;
  let processed: number;
  try {
    processed = correlationOnReferenceAxis(runPipeline(raw, pipeline).result, reference, range);
  } catch {
    processed = NaN;
  }
  return { key: pair.key, raw: correlationOnReferenceAxis(raw, reference, range), processed };
}

export function quantile(values: readonly number[], q: number): number {
  const a = values.filter((v) => Number.isFinite(v)).sort((x, y) => x - y);
  if (a.length === 0) return NaN;
  const pos = q * (a.length - 1);
  const i = Math.floor(pos);
  return a[i]! + (a[Math.min(i + 1, a.length - 1)]! - a[i]!) * (pos - i);
}

/** Candidate pipelines: 'coarse' spans every baseline method; 'fine' refines ALS around the coarse winners; 'edge' adds a crop. */
function tuneCandidates(grid: string): Array<{ label: string; pipeline: Pipeline }> {
  const out: Array<{ label: string; pipeline: Pipeline }> = [];
  const add = (label: string, steps: Array<{ kind: string; params: Record<string, unknown> }>): void => {
    out.push({ label, pipeline: validatePipeline({ schemaVersion: 1, steps }) });
  };
  const one = (label: string, kind: string, params: Record<string, unknown>): void => add(label, [{ kind, params }]);
  if (grid === 'coarse') {
    for (const lambda of [1e4, 1e5, 1e6, 1e7, 1e8])
      for (const p of [0.001, 0.005, 0.01, 0.03]) one(`als λ=${lambda} p=${p}`, 'baseline.als', { lambda, p });
    for (const lambda of [1e5, 1e6, 1e7, 1e8]) one(`arpls λ=${lambda}`, 'baseline.arpls', { lambda });
    for (const lambda of [1e5, 1e6, 1e7]) one(`airpls λ=${lambda}`, 'baseline.airpls', { lambda });
    for (const polyorder of [3, 5, 7]) one(`imodpoly ${polyorder}`, 'baseline.imodpoly', { polyorder });
    one('rubberband', 'baseline.rubberband', {});
  } else if (grid === 'fine') {
    for (const lambda of [3e5, 1e6, 3e6])
      for (const p of [0.003, 0.005, 0.007, 0.01, 0.02]) one(`als λ=${lambda} p=${p}`, 'baseline.als', { lambda, p });
    add('despike + als λ=1e6 p=0.005', [
      { kind: 'despike.shoulder', params: {} },
      { kind: 'baseline.als', params: { lambda: 1e6, p: 0.005 } },
    ]);
    one('als d=3 λ=1e8 p=0.005', 'baseline.als', { lambda: 1e8, p: 0.005, differenceOrder: 3 });
    one('als d=3 λ=1e9 p=0.01', 'baseline.als', { lambda: 1e9, p: 0.01, differenceOrder: 3 });
  } else if (grid === 'edge') {
    // RAW files start in the notch filter's edge (near-zero counts below ~100 cm⁻¹) that Processed files leave out;
    // cropping it before the baseline keeps ALS from bending down to it.
    for (const from of [90, 100, 110, 120, 150]) {
      for (const [lambda, p] of [
        [1e6, 0.005],
        [1e6, 0.01],
        [3e6, 0.01],
      ] as const) {
        add(`crop ≥${from} + als λ=${lambda} p=${p}`, [
          { kind: 'axis.crop', params: { from, to: 4000 } },
          { kind: 'baseline.als', params: { lambda, p } },
        ]);
      }
    }
  } else {
    throw new Error(`--tune takes coarse, fine or edge, got '${grid}'`);
  }
  return out;
}

function main(): void {
  const { values } = parseArgs({
    options: {
      quality: { type: 'string', default: 'excellent_unoriented' },
      preset: { type: 'string' },
      pipeline: { type: 'string' },
      every: { type: 'string', default: '1' },
      offset: { type: 'string', default: '0' },
      tune: { type: 'string' },
      shared: { type: 'string' },
    },
  });
  const shared =
    values.shared ?? process.env['SPECMATCH_SHARED_DATA'] ?? resolve(import.meta.dirname, '../../shared/data');
  const quality = values.quality;
  const every = Number(values.every);
  const offset = Number(values.offset);
  const rawFiles = listRruffArchive(join(shared, `rruff/raw/${quality}__Raman_Data_RAW.tar.xz`));
  const processedFiles = listRruffArchive(join(shared, `rruff/processed/${quality}__Raman_Data_Processed.tar.xz`));
  const pairs = pairRruffFiles(rawFiles, processedFiles).filter((_, i) => i % every === offset);
  console.log(`${quality}: ${pairs.length} pairs (every ${every}, offset ${offset})`);
  if (values.tune !== undefined) {
    const rows: Array<{ label: string; median: number; p10: number; failed: number }> = [];
    for (const c of tuneCandidates(values.tune)) {
      const t0 = performance.now();
      const scores = pairs.map((p) => scorePair(p, c.pipeline).processed);
      rows.push({
        label: c.label,
        median: quantile(scores, 0.5),
        p10: quantile(scores, 0.1),
        failed: scores.filter((s) => !Number.isFinite(s)).length,
      });
      console.log(
        `  ${c.label.padEnd(24)} median ${quantile(scores, 0.5).toFixed(4)}  p10 ${quantile(scores, 0.1).toFixed(4)}  (${((performance.now() - t0) / 1000).toFixed(1)} s)`,
      );
    }
    rows.sort((a, b) => b.median - a.median);
    console.log('\nbest by median:');
    for (const r of rows.slice(0, 8))
      console.log(`  ${r.label.padEnd(24)} median ${r.median.toFixed(4)}  p10 ${r.p10.toFixed(4)}  failed ${r.failed}`);
    return;
  }
  const pipeline =
    values.pipeline !== undefined
      ? validatePipeline(JSON.parse(readFileSync(values.pipeline, 'utf8')))
      : getPreset(values.preset ?? 'rruff-processed').pipeline;
  const t0 = performance.now();
  const scores = pairs.map((p) => scorePair(p, pipeline));
  const raw = scores.map((s) => s.raw);
  const proc = scores.map((s) => s.processed);
  const fmt = (v: number): string => v.toFixed(4);
  console.log(`pipeline: ${JSON.stringify(pipeline)}`);
  console.log(
    `pairs: ${scores.length}, pipeline failures: ${proc.filter((v) => !Number.isFinite(v)).length}, ${((performance.now() - t0) / 1000).toFixed(1)} s`,
  );
  console.log(
    `RAW as is:       median r ${fmt(quantile(raw, 0.5))}  p10 ${fmt(quantile(raw, 0.1))}  p90 ${fmt(quantile(raw, 0.9))}`,
  );
  console.log(
    `RAW + pipeline:  median r ${fmt(quantile(proc, 0.5))}  p10 ${fmt(quantile(proc, 0.1))}  p90 ${fmt(quantile(proc, 0.9))}`,
  );
  console.log(
    `share of pairs with r ≥ 0.99: RAW ${fmt(raw.filter((v) => v >= 0.99).length / raw.length)}, pipeline ${fmt(proc.filter((v) => v >= 0.99).length / proc.length)}`,
  );
}

if (process.argv[1] !== undefined && resolve(process.argv[1]) === resolve(import.meta.filename)) {
  main();
}
