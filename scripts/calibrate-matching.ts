/**
 * Measures the classic methods on RRUFF RAW spectra from ../shared/data and derives the verdict thresholds of
 * src-core/matching/verdict.ts (docs/notes/library.md records the output).
 *
 *   nice -n 10 npx tsx scripts/calibrate-matching.ts [--quality excellent] [--json OUT.json]
 *
 * Protocol (leave-one-sample-out on one RRUFF quality set): every spectrum whose mineral has a spectrum of another
 * RRUFF sample is a "known" query; its references are every spectrum of the set except those of its own sample
 * (so the same specimen measured at another laser does not count). The same query against every spectrum of the
 * other minerals only is the "unknown" (open-set) case: what the best score looks like when the library lacks the
 * substance. Thresholds:
 * - noMatch: the 5th percentile of the best score of correctly identified known queries (at most 5 % of true
 *   matches are called no-match);
 * - match, gap: the pair that calls the most known queries 'match' while at least 95 % of those 'match' verdicts
 *   name the right mineral. RRUFF holds many isostructural minerals, so a query of a mineral missing from the
 *   library often finds a close relative: the share of unknown queries called 'match' is reported beside it.
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { readSpectra } from '../src-core/formats/readSpectra.js';
import { classicVector } from '../src-core/matching/classicAxis.js';
import { prepareVector, preparedLength, scoreAll } from '../src-core/matching/search.js';
import type { ClassicMethod } from '../src-core/matching/similarity.js';
import { listRruffArchive } from '../src-core/node/data/rruffArchive.js';

const { values } = parseArgs({ options: { quality: { type: 'string', default: 'excellent' }, json: { type: 'string' }, shared: { type: 'string' } } });
const repo = resolve(import.meta.dirname, '..');
const shared = resolve(values.shared ?? process.env['SPECMATCH_SHARED_DATA'] ?? join(repo, '../shared/data'));
const files = listRruffArchive(join(shared, 'rruff/raw', `${values.quality}_unoriented__Raman_Data_RAW.tar.xz`));

const mineral: string[] = [];
const sample: string[] = [];
const vectors: Float32Array[] = [];
for (const f of files) {
  try {
    const s = readSpectra(readFileSync(f), f.split('/').pop()!).spectra[0]!;
    mineral.push(s.meta.substance ?? '');
    sample.push(s.meta.sampleId ?? f);
    vectors.push(classicVector(s.x, s.y));
  } catch (err) {
    process.stderr.write(`skip ${f}: ${(err as Error).message}\n`);
  }
}
const n = vectors.length;
const samplesOf = new Map<string, Set<string>>();
mineral.forEach((m, i) => samplesOf.set(m, (samplesOf.get(m) ?? new Set()).add(sample[i]!)));
const known = mineral.map((m) => (samplesOf.get(m)?.size ?? 0) >= 2);
process.stderr.write(`${n} spectra, ${samplesOf.size} minerals, ${known.filter(Boolean).length} known queries (mineral has ≥ 2 samples)\n`);

interface Outcome {
  correct: boolean;
  score: number;
  gap: number;
}
const quantile = (a: number[], q: number): number => {
  const s = [...a].sort((x, y) => x - y);
  return s.length ? s[Math.min(s.length - 1, Math.max(0, Math.floor(q * (s.length - 1))))]! : NaN;
};

const report: Record<string, unknown> = {};
const methods = (process.env['CALIBRATE_METHODS'] ?? 'hqi-derivative,hqi-correlation,cosine,euclidean').split(',') as ClassicMethod[];
for (const method of methods) {
  const t0 = performance.now();
  const dim = preparedLength(method, vectors[0]!.length);
  const data = new Float32Array(n * dim);
  const prepared = vectors.map((v) => prepareVector(method, v));
  prepared.forEach((p, i) => data.set(p, i * dim));
  const matrix = { dim, count: n, data };
  const knownOut: Outcome[] = [];
  const unknownOut: Outcome[] = [];
  for (let q = 0; q < n; q++) {
    const scores = scoreAll(method, matrix, prepared[q]!);
    // best score per mineral among allowed references
    const bestKnown = new Map<string, number>();
    const bestOther = new Map<string, number>();
    for (let r = 0; r < n; r++) {
      if (sample[r] === sample[q]) continue;
      const m = mineral[r]!;
      const v = scores[r]!;
      if (v > (bestKnown.get(m) ?? -1)) bestKnown.set(m, v);
      if (m !== mineral[q] && v > (bestOther.get(m) ?? -1)) bestOther.set(m, v);
    }
    const top2 = (map: Map<string, number>): [string, number, number] => {
      let b = '';
      let s1 = -1;
      let s2 = -1;
      for (const [m, v] of map) {
        if (v > s1) {
          s2 = s1;
          s1 = v;
          b = m;
        } else if (v > s2) s2 = v;
      }
      return [b, s1, Math.max(0, s1 - Math.max(0, s2))];
    };
    if (known[q]) {
      const [b, s, g] = top2(bestKnown);
      knownOut.push({ correct: b === mineral[q], score: s, gap: g });
    }
    const [, s, g] = top2(bestOther);
    unknownOut.push({ correct: false, score: s, gap: g });
  }
  const top1 = knownOut.filter((o) => o.correct).length / knownOut.length;
  const correctScores = knownOut.filter((o) => o.correct).map((o) => o.score);
  const noMatch = quantile(correctScores, 0.05);
  let best = { match: 1, gap: 1, recall: 0, precision: 1 };
  for (let mi = 0; mi <= 100; mi++) {
    const match = mi / 100;
    for (const gap of [0, 0.005, 0.01, 0.02, 0.03, 0.05, 0.075, 0.1, 0.15, 0.2, 0.25, 0.3, 0.4]) {
      const called = (o: Outcome): boolean => o.score >= match && o.gap >= gap && o.score >= noMatch;
      const tp = knownOut.filter((o) => called(o) && o.correct).length;
      const fp = knownOut.filter((o) => called(o) && !o.correct).length;
      const precision = tp + fp > 0 ? tp / (tp + fp) : 1;
      const recall = tp / knownOut.length;
      if (precision >= 0.95 && recall > best.recall) best = { match, gap, recall, precision };
    }
  }
  const unknownBelow = unknownOut.filter((o) => o.score < noMatch).length / unknownOut.length;
  const unknownCalledMatch = unknownOut.filter((o) => o.score >= best.match && o.gap >= best.gap && o.score >= noMatch).length / unknownOut.length;
  const r = {
    queries: knownOut.length,
    top1: Number(top1.toFixed(4)),
    knownCorrectScore: { p5: quantile(correctScores, 0.05), p50: quantile(correctScores, 0.5) },
    unknownBestScore: { p50: quantile(unknownOut.map((o) => o.score), 0.5), p95: quantile(unknownOut.map((o) => o.score), 0.95) },
    calibration: { match: best.match, gap: best.gap, noMatch: Number(noMatch.toFixed(3)) },
    matchRecall: Number(best.recall.toFixed(4)),
    matchPrecision: Number(best.precision.toFixed(4)),
    unknownCalledNoMatch: Number(unknownBelow.toFixed(4)),
    unknownCalledMatch: Number(unknownCalledMatch.toFixed(4)),
    seconds: Number(((performance.now() - t0) / 1000).toFixed(1)),
  };
  report[method] = r;
  console.log(method, JSON.stringify(r));
}
if (values.json) writeFileSync(values.json, JSON.stringify({ quality: values.quality, spectra: n, minerals: samplesOf.size, methods: report }, null, 2) + '\n');
