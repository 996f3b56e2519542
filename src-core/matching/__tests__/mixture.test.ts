import { describe, expect, it } from 'vitest';
import { classicAxisValues, classicVector } from '../classicAxis.js';
import { baselineAls } from '../../preprocess/baselineAls.js';
import { alsBaseline, buildMixtureReferences, extensionCandidates, coverageMask, fitMixture, MIXTURE_ALS, mixtureCurves, mixtureVector, referenceScale, subtractReference } from '../mixture.js';

function lcg(seed: number): () => number {
  let s = seed;
  return () => (s = (s * 1103515245 + 12345) % 2 ** 31) / 2 ** 31;
}

/** Synthetic substance m: 3–6 Lorentzian bands (deterministic). */
function bands(m: number): Array<{ x: number; h: number; w: number }> {
  const r = lcg(1000 + m * 7919);
  const n = 3 + Math.floor(r() * 4);
  return Array.from({ length: n }, () => ({ x: 150 + r() * 1300, h: 0.2 + r() * 0.8, w: 3 + r() * 8 }));
}

/** A raw spectrum on 1 cm⁻¹ from 90 to 1600: Σ weight × substance bands (shifted), a sloped hump baseline, noise. */
function raw(parts: Array<[number, number]>, opts: { shift?: number; noise?: number; seed?: number; baseline?: number } = {}): { x: Float64Array; y: Float64Array } {
  const r = lcg(opts.seed ?? 7);
  const x = Float64Array.from({ length: 1511 }, (_, i) => 90 + i);
  const y = new Float64Array(x.length);
  for (let i = 0; i < x.length; i++) {
    let v = (opts.baseline ?? 1) * (0.5 + 0.0004 * x[i]! + 0.8 * Math.exp(-(((x[i]! - 900) / 500) ** 2)));
    for (const [m, wgt] of parts) for (const b of bands(m)) v += (wgt * b.h) / (1 + ((x[i]! - b.x - (opts.shift ?? 0)) / b.w) ** 2);
    y[i] = v + (opts.noise ?? 0.005) * (r() - 0.5);
  }
  return { x, y };
}

const N = 40;
const axis = classicAxisValues();
const dim = axis.length;
const data = new Float32Array(N * dim);
for (let m = 0; m < N; m++) {
  const s = raw([[m, 1]], { seed: m + 1 });
  data.set(mixtureVector(classicVector(s.x, s.y)), m * dim);
}
const refs = buildMixtureReferences(data, N, dim, Int32Array.from({ length: N }, (_, i) => i));
const fullMask = coverageMask(90, 1600);

function query(parts: Array<[number, number]>, opts: Parameters<typeof raw>[1] = {}): Float32Array {
  const s = raw(parts, { seed: 99, ...opts });
  return mixtureVector(classicVector(s.x, s.y));
}

describe('mixture vectors', () => {
  it('remove the baseline and scale to a maximum of 1', () => {
    const v = mixtureVector(classicVector(...Object.values(raw([[3, 1]], { baseline: 10 })) as [Float64Array, Float64Array]));
    expect(Math.max(...v)).toBeCloseTo(1, 6);
    // Far from every band of substance 3 the corrected vector is near zero although the baseline was 10× the bands.
    const far = axis.findIndex((x) => bands(3).every((b) => Math.abs(x - b.x) > 60));
    expect(Math.abs(v[far]!)).toBeLessThan(0.1);
  });
  it('the written-out ALS baseline equals preprocess/baselineAls with the same parameters', () => {
    for (const m of [1, 6, 13]) {
      const y = Float64Array.from(classicVector(...Object.values(raw([[m, 1]], { baseline: 3, seed: m })) as [Float64Array, Float64Array]));
      const want = baselineAls(y, MIXTURE_ALS);
      const got = alsBaseline(y, new Float64Array(y.length));
      for (let i = 0; i < y.length; i++) expect(got[i]).toBeCloseTo(want[i]!, 10);
    }
  });
  it('a constant or non-finite input gives zeros, not NaN', () => {
    expect(Array.from(mixtureVector(new Float32Array(dim).fill(5))).every((v) => v === 0)).toBe(true);
    const bad = new Float32Array(dim).fill(1);
    bad[10] = Number.NaN;
    expect(Array.from(mixtureVector(bad)).every((v) => v === 0)).toBe(true);
  });
});

describe('fitMixture', () => {
  it('names both components of a 50:50 and a 70:30 mixture, with fractions near the truth', () => {
    for (const [a, b, wa] of [
      [3, 17, 0.5],
      [8, 25, 0.7],
      [30, 11, 0.6],
    ] as const) {
      const ans = fitMixture(query([[a, wa], [b, 1 - wa]]), fullMask, refs);
      expect(ans.verdict).toBe('mixture');
      expect(ans.fit.components.map((c) => c.substance).sort((x, y) => x - y)).toEqual([a, b].sort((x, y) => x - y));
      const fa = ans.fit.components.find((c) => c.substance === a)!.fraction;
      expect(fa).toBeGreaterThan(wa - 0.12);
      expect(fa).toBeLessThan(wa + 0.12);
      expect(ans.fit.r2).toBeGreaterThan(0.95);
      expect(ans.fit.r2).toBeGreaterThan(ans.single.r2);
    }
  });

  it('finds the three components of a 40:35:25 mixture', () => {
    const ans = fitMixture(query([[5, 0.4], [21, 0.35], [33, 0.25]]), fullMask, refs);
    expect(ans.fit.components.map((c) => c.substance).sort((x, y) => x - y)).toEqual([5, 21, 33]);
  });

  it('keeps a pure spectrum one component, also with more noise', () => {
    for (const m of [2, 14, 27]) {
      for (const noise of [0.005, 0.04]) {
        const ans = fitMixture(query([[m, 1]], { noise, seed: m }), fullMask, refs);
        expect(ans.verdict).toBe('single');
        expect(ans.fit.components[0]!.substance).toBe(m);
      }
    }
  });

  it('tolerates a 4 cm⁻¹ shift between library and sample, and reports the shift it applied', () => {
    const ans = fitMixture(query([[9, 0.5], [19, 0.5]], { shift: 4 }), fullMask, refs);
    expect(ans.fit.components.map((c) => c.substance).sort((x, y) => x - y)).toEqual([9, 19]);
    for (const c of ans.fit.components) expect(Math.abs(c.shiftCm - 4)).toBeLessThanOrEqual(2);
  });

  it('the extension scan ranks references by the exact drop of the residual, as a direct least-squares fit does', () => {
    // Direct: least squares of the query on [chosen rows, candidate, Legendre polynomial of degree 3] by normal equations.
    const rss = (cols: ArrayLike<number>[], y: ArrayLike<number>): number => {
      const t = Array.from({ length: dim }, (_, i) => (2 * i) / (dim - 1) - 1);
      const all: number[][] = [...cols.map((c) => Array.from(c)), ...[0, 1, 2, 3].map((d) => t.map((v) => v ** d))];
      const k = all.length;
      const A = all.map((a) => all.map((b) => a.reduce((s, v, i) => s + v * b[i]!, 0)));
      const h = all.map((a) => a.reduce((s, v, i) => s + v * y[i]!, 0));
      for (let c = 0; c < k; c++)
        for (let r = c + 1; r < k; r++) {
          const f = A[r]![c]! / A[c]![c]!;
          for (let j = c; j < k; j++) A[r]![j] = A[r]![j]! - f * A[c]![j]!;
          h[r] = h[r]! - f * h[c]!;
        }
      const x = new Array<number>(k).fill(0);
      for (let r = k - 1; r >= 0; r--) x[r] = (h[r]! - A[r]!.slice(r + 1).reduce((s, v, j) => s + v * x[r + 1 + j]!, 0)) / A[r]![r]!;
      return Array.from(y).reduce((s: number, v: number, i: number) => s + (v - all.reduce((z, col, j) => z + x[j]! * col[i]!, 0)) ** 2, 0);
    };
    const q = query([[3, 0.5], [17, 0.3], [29, 0.2]]);
    const row = (m: number): Float32Array => refs.data.subarray(m * dim, (m + 1) * dim);
    const base = rss([row(3)], q);
    const direct = Array.from({ length: N }, (_, m) => m)
      .filter((m) => m !== 3)
      .map((m) => ({ m, drop: base - rss([row(3), row(m)], q) }))
      .sort((a, b) => b.drop - a.drop);
    const scanned = extensionCandidates(q, fullMask, refs, [3], 3);
    expect(scanned).toEqual(direct.slice(0, 3).map((d) => d.m));
    expect(scanned[0]).toBe(17);
  });

  it('respects maxComponents and the left-out rows, and refuses bad options', () => {
    const q = query([[3, 0.5], [17, 0.5]]);
    expect(fitMixture(q, fullMask, refs, { maxComponents: 1 }).fit.components).toHaveLength(1);
    const excluded = new Uint8Array(N);
    excluded[3] = 1;
    const ans = fitMixture(q, fullMask, refs, { excludedRows: excluded });
    expect(ans.fit.components.map((c) => c.ref)).not.toContain(3);
    expect(() => fitMixture(q, fullMask, refs, { maxComponents: 6 })).toThrow(RangeError);
    expect(() => fitMixture(q, fullMask, refs, { maxComponents: 0 })).toThrow(RangeError);
  });

  it('answers no-match for noise and for an empty library', () => {
    const r = lcg(5);
    const noise = Float32Array.from({ length: dim }, () => r());
    expect(fitMixture(noise, fullMask, refs).verdict).toBe('no-match');
    const empty = buildMixtureReferences(new Float32Array(0), 0, dim, new Int32Array(0));
    expect(fitMixture(query([[1, 1]]), fullMask, empty)).toMatchObject({ verdict: 'no-match', fit: { components: [] } });
  });

  it('fits only the covered range: a query measured 200–800 cm⁻¹ is not penalised for bands outside it', () => {
    const q = query([[12, 0.5], [36, 0.5]]);
    const mask = coverageMask(200, 800);
    const ans = fitMixture(q, mask, refs);
    const inRange = (m: number): boolean => bands(m).some((b) => b.x > 210 && b.x < 790 && b.h > 0.3);
    for (const c of ans.fit.components) expect(inRange(c.substance)).toBe(true);
  });
});

describe('curves and subtraction', () => {
  it('the curves add up: fitted = Σ components + baseline, residual = query − fitted', () => {
    const q = query([[3, 0.5], [17, 0.5]]);
    const ans = fitMixture(q, fullMask, refs);
    const c = mixtureCurves(q, fullMask, refs, ans.fit);
    expect(c.components).toHaveLength(ans.fit.components.length);
    for (let i = 0; i < c.x.length; i += 37) {
      const sum = c.components.reduce((s, comp) => s + comp[i]!, 0) + c.baseline[i]!;
      expect(c.fitted[i]).toBeCloseTo(sum, 9);
      expect(c.residual[i]).toBeCloseTo(c.query[i]! - c.fitted[i]!, 9);
    }
    // R² from the curves equals the fit's (same baseline polynomial).
    const mean = c.query.reduce((s, v) => s + v, 0) / c.query.length;
    expect(c.residual.reduce((s, v) => s + v * v, 0)).toBeLessThan(0.1 * c.query.reduce((s, v) => s + (v - mean) ** 2, 0));
  });

  it('referenceScale recovers a known scale and subtractReference removes it', () => {
    const ref = refs.data.subarray(4 * dim, 5 * dim);
    const q = Float32Array.from(ref, (v, i) => 0.37 * v + 0.02 + 0.00001 * i);
    expect(referenceScale(q, ref, fullMask)).toBeCloseTo(0.37, 6);
    const left = subtractReference(q, ref, 0.37);
    expect(Math.max(...left.map(Math.abs))).toBeLessThan(0.03);
  });
});
