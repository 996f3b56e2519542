import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { FIXTURES, specmatchErrorOf } from '../../../test/support.js';
import { readSpectra } from '../../formats/readSpectra.js';
import { CLASSIC_PIPELINE_HASH, classicAxisValues, classicVector } from '../../matching/classicAxis.js';
import { pipelineHash, runPipeline } from '../pipeline.js';
import { resampleLinear } from '../resampleLinear.js';
import { smoothSavitzkyGolay } from '../smoothSavitzkyGolay.js';
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

  it('the classic vector is the registry pipeline under its canonical hash, equal to classic-v2 where the spectrum covers the axis', () => {
    expect(CLASSIC_PIPELINE_HASH).toMatch(/^[0-9a-f]{64}$/);
    const x = Float64Array.from({ length: 1600 }, (_, i) => 50 + i);
    const y = x.map((v) => 200 + 0.1 * v + 500 * Math.exp(-(((v - 460) / 6) ** 2)) + 300 * Math.exp(-(((v - 1085) / 5) ** 2)));
    const now = classicVector(bareSpectrum(x, y));
    const before = classicV2(x, y);
    for (let i = 0; i < now.length; i++) expect(now[i]).toBeCloseTo(before[i]!, 3);
    // RRUFF files start above 100 cm⁻¹: only the held edge can differ (now the interpolated value at the first axis
    // point inside the range, before the first measured value); everything from the first measured axis point on is equal.
    for (const s of rruff) {
      const v = classicVector(s);
      const old = classicV2(s.x, s.y);
      const axis = classicAxisValues();
      const inside = axis.findIndex((a) => a >= s.x[0]! + 8);
      const end = axis.findLastIndex((a) => a <= s.x[s.x.length - 1]! - 8);
      for (let i = inside; i <= end; i++) expect(Math.abs(v[i]! - old[i]!)).toBeLessThanOrEqual(1e-3 * Math.max(1, Math.abs(old[i]!)));
    }
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
