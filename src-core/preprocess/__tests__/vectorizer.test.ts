import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { FIXTURES, specmatchErrorOf } from '../../../test/support.js';
import { readSpectra } from '../../formats/readSpectra.js';
import { CLASSIC_PIPELINE_HASH, classicAxisValues, classicVector } from '../../matching/classicAxis.js';
import { pipelineHash, runPipeline } from '../pipeline.js';
import { resampleLinear } from '../resampleLinear.js';
import { smoothSavitzkyGolay } from '../smoothSavitzkyGolay.js';
import { baselineAls } from '../baselineAls.js';
import { cosineSimilarity } from '../../matching/similarity.js';
import { bareSpectrum, makeVectorizer, vectorAxisOf } from '../vectorizer.js';

const rruff = readdirSync(join(FIXTURES, 'rruff'))
  .filter((f) => f.endsWith('.txt'))
  .map((f) => readSpectra(new Uint8Array(readFileSync(join(FIXTURES, 'rruff', f))), f).spectra[0]!);

/** The classic chain as it was written before it became a registry pipeline (classic-v2, 2026-11), for comparison. */
function classicV2(x: Float64Array, y: Float64Array): Float32Array {
  const axis = classicAxisValues();
  const r = resampleLinear(x, y, axis, Number.NaN);
  for (let i = 0; i < r.length; i++) if (Number.isNaN(r[i]!)) r[i] = axis[i]! < x[0]! ? y[0]! : y[y.length - 1]!;
  const sg7 = [-2, 3, 6, 7, 6, 3, -2].map((w) => w / 21);
  const out = new Float32Array(r.length);
  for (let i = 0; i < r.length; i++) {
    let acc = 0;
    for (let j = -3; j <= 3; j++) acc += sg7[j + 3]! * r[Math.min(r.length - 1, Math.max(0, i + j))]!;
    out[i] = acc;
  }
  return out;
}

/** classic-v2 followed by the ALS baseline the default classic pipeline subtracts since 2026-12-03. */
function classicV3(x: Float64Array, y: Float64Array): Float32Array {
  const v = classicV2(x, y);
  const b = baselineAls(v, { lambda: 1e3, p: 0.03 });
  return Float32Array.from(v, (a, i) => a - b[i]!);
}

describe('vectorizer (one pipeline, one hash)', () => {
  it('axis.resample outside: hold-edge holds the value at the nearest axis point inside the measured range', () => {
    const s = bareSpectrum([10, 20, 30], [1, 3, 5]);
    const run = (outside: string) =>
      runPipeline(s, { schemaVersion: 1, steps: [{ kind: 'axis.resample', params: { from: 0, to: 40, points: 9, outside } }] }).result.y;
    expect(Array.from(run('zero'))).toEqual([0, 0, 1, 2, 3, 4, 5, 0, 0]);
    expect(Array.from(run('hold-edge'))).toEqual([1, 1, 1, 2, 3, 4, 5, 5, 5]);
    // no axis point inside 11–12: the measured end values are held
    const narrow = runPipeline(bareSpectrum([11, 12], [1, 2], 'narrow.txt'), { schemaVersion: 1, steps: [{ kind: 'axis.resample', params: { from: 0, to: 40, points: 3, outside: 'hold-edge' } }] });
    expect(Array.from(narrow.result.y)).toEqual([1, 2, 2]);
  });

  it("Savitzky–Golay edge 'nearest' is the centre filter over edge-padded data; 'interp' is unchanged", () => {
    const y = Float64Array.from({ length: 40 }, (_, i) => Math.sin(i / 3) * 10 + i);
    const near = smoothSavitzkyGolay(y, { window: 7, polyorder: 3, edge: 'nearest' });
    const sg7 = [-2, 3, 6, 7, 6, 3, -2].map((w) => w / 21);
    for (let i = 0; i < y.length; i++) {
      let acc = 0;
      for (let j = -3; j <= 3; j++) acc += sg7[j + 3]! * y[Math.min(y.length - 1, Math.max(0, i + j))]!;
      expect(near[i]).toBeCloseTo(acc, 10);
    }
    const interp = smoothSavitzkyGolay(y, { window: 7, polyorder: 3 });
    for (let i = 3; i < y.length - 3; i++) expect(interp[i]).toBeCloseTo(near[i]!, 10);
    expect(Math.abs(interp[0]! - near[0]!)).toBeGreaterThan(1e-6);
  });

  it('the classic vector is the registry pipeline under its canonical hash: classic-v2 then an ALS baseline', () => {
    expect(CLASSIC_PIPELINE_HASH).toMatch(/^[0-9a-f]{64}$/);
    const x = Float64Array.from({ length: 1600 }, (_, i) => 50 + i);
    const y = x.map((v) => 200 + 0.1 * v + 500 * Math.exp(-(((v - 460) / 6) ** 2)) + 300 * Math.exp(-(((v - 1085) / 5) ** 2)));
    const now = classicVector(bareSpectrum(x, y));
    const before = classicV3(x, y);
    for (let i = 0; i < now.length; i++) expect(now[i]).toBeCloseTo(before[i]!, 2);
    // RRUFF files start above 100 cm⁻¹: only the held edge differs from classic-v2's (now the interpolated value at
    // the first axis point inside the range, before the first measured value), and the baseline spreads a difference
    // there over some tens of points; away from the ends the vectors agree.
    for (const s of rruff) {
      const v = classicVector(s);
      const old = classicV3(s.x, s.y);
      const axis = classicAxisValues();
      const inside = axis.findIndex((a) => a >= s.x[0]! + 80);
      const end = axis.findLastIndex((a) => a <= s.x[s.x.length - 1]! - 80);
      const scale = Math.max(...old.map(Math.abs));
      for (let i = inside; i <= end; i++) expect(Math.abs(v[i]! - old[i]!)).toBeLessThanOrEqual(2e-3 * scale);
    }
  });

  it('the default classic vector of a spectrum under a strong fluorescence background is close to that of its bands alone', () => {
    const x = Float64Array.from({ length: 1300 }, (_, i) => 150 + i);
    const bands = x.map((v) => 500 * Math.exp(-(((v - 460) / 6) ** 2)) + 300 * Math.exp(-(((v - 1085) / 5) ** 2)) + 150 * Math.exp(-(((v - 700) / 8) ** 2)));
    const fluorescent = x.map((v, i) => bands[i]! + 3000 * Math.exp(-(((v - 1100) / 500) ** 2)) + 0.5 * v);
    const clean = classicVector(bareSpectrum(x, bands));
    const raw = classicVector(bareSpectrum(x, fluorescent));
    expect(cosineSimilarity(clean, raw)).toBeGreaterThan(0.97);
    // without the baseline step (classic-v2) the background dominates
    expect(cosineSimilarity(classicV2(x, bands), classicV2(x, fluorescent))).toBeLessThan(0.6);
  });

  it('a vector pipeline must end its axis steps with axis.resample', () => {
    expect(vectorAxisOf({ schemaVersion: 1, steps: [{ kind: 'axis.crop', params: { from: 100, to: 900 } }, { kind: 'axis.resample', params: { from: 100, to: 900, points: 5 } }, { kind: 'normalize.max', params: {} }] })).toEqual({ from: 100, to: 900, points: 5 });
    expect(specmatchErrorOf(() => vectorAxisOf({ schemaVersion: 1, steps: [{ kind: 'baseline.als', params: {} }] })).message).toMatch(/no axis.resample/);
    expect(specmatchErrorOf(() => vectorAxisOf({ schemaVersion: 1, steps: [{ kind: 'axis.resample', params: {} }, { kind: 'axis.regrid', params: {} }] })).message).toMatch(/step 1 \(axis.regrid\)/);
  });

  it('is keyed by the hash of the validated pipeline: defaults written out or left implicit give one key', () => {
    const a = makeVectorizer({ schemaVersion: 1, steps: [{ kind: 'axis.resample', params: { from: 100, to: 1500, points: 701 } }] });
    const b = makeVectorizer({ schemaVersion: 1, steps: [{ kind: 'axis.resample', params: { points: 701, to: 1500, from: 100, method: 'linear', outside: 'zero' } }] });
    expect(a.hash).toBe(b.hash);
    expect(a.hash).toBe(pipelineHash(a.pipeline));
    expect(a.apply(rruff[0]!)).toHaveLength(701);
  });
});
