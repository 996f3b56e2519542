import { describe, expect, it } from 'vitest';
import { expectClose } from '../../../test/support.js';
import { makeRng } from '../../engine/random.js';
import { SpecmatchError } from '../../errors.js';
import type { Spectrum } from '../../spectrum/Spectrum.js';
import { WhittakerSystem } from '../banded.js';
import { baselineAirpls } from '../baselineAirpls.js';
import { baselineAls } from '../baselineAls.js';
import { baselineArpls } from '../baselineArpls.js';
import { baselineImodpoly } from '../baselineImodpoly.js';
import { baselineRubberband } from '../baselineRubberband.js';
import { crop } from '../crop.js';
import { mergeReplicates } from '../mergeReplicates.js';
import type { NormalizeMethod } from '../normalize.js';
import { normalize } from '../normalize.js';
import { assessQuality, countSpikes, formatSnr } from '../quality.js';
import { resampleCubic } from '../resampleCubic.js';
import { linearAxis } from '../resampleLinear.js';
import { smoothSavitzkyGolay } from '../smoothSavitzkyGolay.js';
import { smoothWhittaker } from '../smoothWhittaker.js';

/** Standard normal deviates by Box–Muller. */
function gauss(r: () => number): number {
  return Math.sqrt(-2 * Math.log(1 - r())) * Math.cos(2 * Math.PI * r());
}

/** Bands on a curved fluorescence background with noise σ = 2; returns the pieces too. */
function synthetic(
  seed = 1,
  n = 1000,
): { x: Float64Array; y: Float64Array; background: Float64Array; peaks: number[] } {
  const r = makeRng(seed);
  const x = linearAxis(100, 1800, n);
  const background = Float64Array.from(x, (v) => 400 + 300 * Math.exp(-(v - 100) / 500) + 0.1 * v);
  const centres = [300, 620, 1000, 1085, 1450];
  const y = Float64Array.from(
    x,
    (v, i) =>
      background[i]! + centres.reduce((s, c, k) => s + (600 - 80 * k) / (1 + ((v - c) / 6) ** 2), 0) + 2 * gauss(r),
  );
  const peaks = centres.map((c) => Math.round(((c - 100) / 1700) * (n - 1)));
  return { x, y, background, peaks };
}

describe('banded LDLᵀ solver', () => {
  it('solves (W + λDᵀD) z = b like dense Gaussian elimination, for d = 1, 2, 3', () => {
    const r = makeRng(3);
    for (const d of [1, 2, 3]) {
      const n = 14;
      const lambda = 7.5;
      const w = Float64Array.from({ length: n }, () => 0.1 + r());
      const b = Float64Array.from({ length: n }, () => r() * 10 - 5);
      // Dense reference: build D, then A = W + λ DᵀD, solve by Gauss with partial pivoting.
      const c = d === 1 ? [-1, 1] : d === 2 ? [1, -2, 1] : [-1, 3, -3, 1];
      const A = Array.from({ length: n }, (_, i) => Array.from({ length: n }, (_, j) => (i === j ? w[i]! : 0)));
      for (let row = 0; row < n - d; row++)
        for (let i = 0; i <= d; i++) for (let j = 0; j <= d; j++) A[row + i]![row + j]! += lambda * c[i]! * c[j]!;
      const M = A.map((rowV, i) => [...rowV, b[i]!]);
      for (let col = 0; col < n; col++) {
        let piv = col;
        for (let i = col + 1; i < n; i++) if (Math.abs(M[i]![col]!) > Math.abs(M[piv]![col]!)) piv = i;
        [M[col], M[piv]] = [M[piv]!, M[col]!];
        for (let i = 0; i < n; i++) {
          if (i === col) continue;
          const f = M[i]![col]! / M[col]![col]!;
          for (let j = col; j <= n; j++) M[i]![j]! -= f * M[col]![j]!;
        }
      }
      const dense = M.map((rowV, i) => rowV[n]! / rowV[i]!);
      expectClose(new WhittakerSystem(n, d, lambda).solve(w, b), dense, 1e-10);
    }
  });

  it('refuses a singular system and a spectrum too short for its order', () => {
    expect(() => new WhittakerSystem(10, 2, 5).solve(new Float64Array(10), new Float64Array(10))).toThrow(/singular/);
    expect(() => new WhittakerSystem(2, 2, 5)).toThrow(SpecmatchError);
  });
});

describe('baselines lie under the signal and follow the background', () => {
  const { x, y, background, peaks } = synthetic();
  const cases: Array<[string, Float64Array]> = [
    ['ALS', baselineAls(y, { lambda: 1e6, p: 0.01 })],
    ['arPLS', baselineArpls(y, { lambda: 1e6 })],
    ['airPLS', baselineAirpls(y, { lambda: 1e6 })],
    ['IModPoly', baselineImodpoly(x, y, { polyorder: 5 })],
    ['rubberband', baselineRubberband(x, y)],
  ];
  for (const [name, baseline] of cases) {
    it(`${name}: under the signal (beyond noise) at ≥ 98 % of points, far under every band top, near the true background`, () => {
      let above = 0;
      for (let i = 0; i < y.length; i++) if (baseline[i]! > y[i]! + 3 * 2) above++;
      expect(above / y.length).toBeLessThan(0.02);
      for (const p of peaks) expect(baseline[p]!).toBeLessThan(background[p]! + 0.15 * (y[p]! - background[p]!));
      let err = 0;
      for (let i = 0; i < y.length; i++) err += Math.abs(baseline[i]! - background[i]!);
      // Rubberband is a convex hull: it cannot follow this concave-up-then-linear background as closely.
      expect(err / y.length).toBeLessThan(name === 'rubberband' ? 60 : 25);
    });
  }

  it('rubberband never exceeds the signal and touches it at the hull vertices', () => {
    const base = baselineRubberband(x, y);
    for (let i = 0; i < y.length; i++) expect(base[i]!).toBeLessThanOrEqual(y[i]! + 1e-9);
    expect(base[0]).toBe(y[0]);
    expect(base[y.length - 1]).toBe(y[y.length - 1]);
  });
});

describe('Savitzky–Golay is exact on polynomials of degree ≤ polyorder (ends included)', () => {
  const r = makeRng(11);
  for (const [window, polyorder] of [
    [5, 2],
    [11, 3],
    [21, 4],
    [9, 5],
  ] as const) {
    it(`window ${window}, polyorder ${polyorder}: value, first and second derivative`, () => {
      const delta = 0.7;
      const coef = Array.from({ length: polyorder + 1 }, () => r() * 2 - 1);
      const n = 80;
      const t = Float64Array.from({ length: n }, (_, i) => (i - 40) * delta * 0.05);
      const p = (v: number, der: number): number => {
        let s = 0;
        for (let j = der; j <= polyorder; j++) {
          let f = 1;
          for (let q = 0; q < der; q++) f *= j - q;
          s += f * coef[j]! * v ** (j - der);
        }
        return s;
      };
      const y = Float64Array.from(t, (v) => p(v, 0));
      const step = delta * 0.05;
      expectClose(
        smoothSavitzkyGolay(y, { window, polyorder }),
        Array.from(t, (v) => p(v, 0)),
        1e-9,
      );
      expectClose(
        smoothSavitzkyGolay(y, { window, polyorder, derivative: 1, delta: step }),
        Array.from(t, (v) => p(v, 1)),
        1e-7,
      );
      if (polyorder >= 2)
        expectClose(
          smoothSavitzkyGolay(y, { window, polyorder, derivative: 2, delta: step }),
          Array.from(t, (v) => p(v, 2)),
          1e-4,
          1e-6,
        );
    });
  }

  it('is not exact on a polynomial of higher degree (the test can fail)', () => {
    const y = Float64Array.from({ length: 60 }, (_, i) => ((i - 30) / 10) ** 4);
    expect(() => expectClose(smoothSavitzkyGolay(y, { window: 11, polyorder: 3 }), y, 1e-6)).toThrow();
  });

  it('rejects an even window, polyorder ≥ window and a spectrum shorter than the window', () => {
    expect(() => smoothSavitzkyGolay(new Float64Array(50), { window: 10 })).toThrow(/odd/);
    expect(() => smoothSavitzkyGolay(new Float64Array(50), { window: 5, polyorder: 5 })).toThrow(/polyorder/);
    expect(() => smoothSavitzkyGolay(new Float64Array(8), { window: 11 })).toThrow(/at least 11 points/);
  });
});

describe('Whittaker smoother', () => {
  it('leaves polynomials of degree < d unchanged (the null space of the penalty)', () => {
    const lin = Float64Array.from({ length: 100 }, (_, i) => 3 + 0.25 * i);
    expectClose(smoothWhittaker(lin, { lambda: 1e4, differenceOrder: 2 }), lin, 1e-8);
    const quad = Float64Array.from({ length: 100 }, (_, i) => 1 + 0.1 * i - 0.003 * i * i);
    expectClose(smoothWhittaker(quad, { lambda: 1e4, differenceOrder: 3 }), quad, 1e-8);
  });

  it('reduces noise', () => {
    const r = makeRng(5);
    const clean = Float64Array.from({ length: 500 }, (_, i) => 100 * Math.sin(i / 40));
    const noisy = Float64Array.from(clean, (v) => v + 5 * gauss(r));
    const sm = smoothWhittaker(noisy, { lambda: 100 });
    const rms = (a: Float64Array): number => Math.sqrt(a.reduce((s, v, i) => s + (v - clean[i]!) ** 2, 0) / a.length);
    expect(rms(sm)).toBeLessThan(0.4 * rms(noisy));
  });
});

describe('normalizations hit their invariants', () => {
  const { x, y } = synthetic(2, 300);
  const shifted = Float64Array.from(y, (v) => v - 700); // mixed signs
  const invariants: Record<NormalizeMethod, (out: Float64Array) => void> = {
    max: (o) => expect(Math.max(...o.map(Math.abs))).toBeCloseTo(1, 12),
    minmax: (o) => {
      expect(Math.min(...o)).toBe(0);
      expect(Math.max(...o)).toBeCloseTo(1, 12);
    },
    vector: (o) => expect(Math.hypot(...o)).toBeCloseTo(1, 12),
    area: (o) => {
      let a = 0;
      for (let i = 1; i < o.length; i++) a += ((Math.abs(o[i]!) + Math.abs(o[i - 1]!)) / 2) * (x[i]! - x[i - 1]!);
      expect(a).toBeCloseTo(1, 12);
    },
    snv: (o) => {
      const mean = o.reduce((s, v) => s + v, 0) / o.length;
      expect(mean).toBeCloseTo(0, 12);
      expect(Math.sqrt(o.reduce((s, v) => s + (v - mean) ** 2, 0) / o.length)).toBeCloseTo(1, 12);
    },
  };
  for (const [method, check] of Object.entries(invariants) as Array<[NormalizeMethod, (o: Float64Array) => void]>) {
    it(`${method}`, () => {
      check(normalize(x, y, method));
      check(normalize(x, shifted, method));
      expect(() =>
        normalize(
          x,
          new Float64Array(x.length).fill(method === 'max' || method === 'vector' || method === 'area' ? 0 : 5),
          method,
        ),
      ).toThrow(/flat spectrum/);
    });
  }
});

describe('axis steps', () => {
  it('cubic resampling passes through the knots, is exact on straight lines and fills outside the range', () => {
    const x = Float64Array.from([0, 1, 2.5, 3, 4.2, 6]);
    const y = Float64Array.from(x, (v) => Math.sin(v));
    expectClose(resampleCubic(x, y, x), y, 1e-12);
    const line = Float64Array.from(x, (v) => 2 - 0.5 * v);
    const grid = linearAxis(-1, 7, 33);
    const out = resampleCubic(x, line, grid, -9);
    grid.forEach((g, i) => expect(out[i]).toBeCloseTo(g < 0 || g > 6 ? -9 : 2 - 0.5 * g, 10));
  });

  it('cubic resampling averages repeated x values into one knot', () => {
    const out = resampleCubic([0, 1, 1, 2, 3], [0, 1, 3, 4, 6], [1]);
    expect(out[0]).toBeCloseTo(2, 12);
  });

  it('crop keeps the inclusive range and says what the spectrum covers when nothing is left', () => {
    const r = crop([1, 2, 3, 4, 5], [10, 20, 30, 40, 50], { from: 2, to: 4 });
    expect(Array.from(r.x)).toEqual([2, 3, 4]);
    expect(Array.from(r.y)).toEqual([20, 30, 40]);
    expect(() => crop([1, 2, 3], [1, 2, 3], { from: 10, to: 20 })).toThrow(
      /leaves no points \(the spectrum covers 1 … 3\)/,
    );
  });

  it('mergeReplicates averages on the shared range with the densest point count', () => {
    const mk = (x: number[], y: number[], file: string): Spectrum => ({
      x: Float64Array.from(x),
      y: Float64Array.from(y),
      meta: {
        sourceFile: file,
        format: 't',
        xKind: 'raman-shift',
        originalXUnit: 'cm-1',
        position: { index: 0, count: 1 },
        fields: {},
        warnings: [],
      },
    });
    const a = mk([0, 1, 2, 3, 4], [0, 2, 4, 6, 8], 'a');
    const b = mk([1, 2, 3, 4, 5, 6], [4, 6, 8, 10, 12, 14], 'b');
    const m = mergeReplicates([a, b]);
    expect(Array.from(m.x)).toEqual(Array.from(linearAxis(1, 4, 6)));
    m.x.forEach((v, i) => expect(m.y[i]).toBeCloseTo((2 * v + (2 * v + 2)) / 2, 12));
    expect(m.meta.warnings.at(-1)).toMatch(/average of 2 replicates/);
    expect(() => mergeReplicates([a, mk([10, 11], [1, 1], 'c')])).toThrow(/share no x range/);
    expect(() => mergeReplicates([])).toThrow(SpecmatchError);
  });
});

describe('quality figures', () => {
  it('estimates the noise σ and the SNR of a band on a known noise level', () => {
    const r = makeRng(9);
    const y = Float64Array.from(
      { length: 2000 },
      (_, i) => 1000 + 500 * Math.exp(-0.5 * ((i - 1000) / 8) ** 2) + 10 * gauss(r),
    );
    const q = assessQuality({ y });
    expect(q.noiseSigma).toBeGreaterThan(9);
    expect(q.noiseSigma).toBeLessThan(11);
    expect(q.snr).toBeGreaterThan(45);
    expect(q.snr).toBeLessThan(60);
    expect(q.saturated).toBe(false);
    expect(q.negative).toBe(false);
  });

  it('flags a clipped plateau, a full-scale maximum and negative intensities', () => {
    const base = Float64Array.from({ length: 200 }, (_, i) => 100 + 50 * Math.sin(i / 7));
    const clipped = Float64Array.from(base, (v) => Math.min(v, 140));
    expect(assessQuality({ y: clipped }).saturated).toBe(true);
    const fullScale = Float64Array.from(base);
    fullScale[50] = 65535;
    expect(assessQuality({ y: fullScale }).saturated).toBe(true);
    const neg = Float64Array.from(base, (v) => v - 160);
    const q = assessQuality({ y: neg });
    expect(q.negative).toBe(true);
    expect(q.negativeFraction).toBeGreaterThan(0.5);
    expect(assessQuality({ y: new Float64Array(0) }).snr).toBe(0);
  });

  it('counts one- and two-pixel spikes but not a sharp band sampled over several points', () => {
    const r = makeRng(4);
    // a strong, narrow band (FWHM ≈ 5 points) on noise
    const y = Float64Array.from({ length: 1000 }, (_, i) => 200 + 5000 / (1 + ((i - 400) / 2.5) ** 2) + 5 * gauss(r));
    expect(countSpikes(y)).toBe(0);
    y[100] = y[100]! + 800;
    y[700] = y[700]! + 900;
    y[701] = y[701]! + 700;
    expect(countSpikes(y)).toBe(2);
    expect(assessQuality({ y }).spikes).toBe(2);
    expect([formatSnr(Infinity), formatSnr(0), formatSnr(4.26), formatSnr(1234.4)]).toEqual(['∞', '–', '4.3', '1,234']);
  });
});
