import { describe, expect, it } from 'vitest';
import { nnls, nnlsGram } from '../nnls.js';

function lcg(seed: number): () => number {
  let s = seed;
  return () => (s = (s * 1103515245 + 12345) % 2 ** 31) / 2 ** 31;
}

/** Unconstrained least squares on a subset of columns (normal equations, Gaussian elimination). */
function lsOnSubset(cols: number[][], b: number[], subset: number[]): number[] | null {
  const m = subset.length;
  const a = subset.map((i) => [...subset.map((j) => dot(cols[i]!, cols[j]!)), dot(cols[i]!, b)]);
  for (let c = 0; c < m; c++) {
    let p = c;
    for (let r = c + 1; r < m; r++) if (Math.abs(a[r]![c]!) > Math.abs(a[p]![c]!)) p = r;
    if (Math.abs(a[p]![c]!) < 1e-12) return null;
    [a[c], a[p]] = [a[p]!, a[c]!];
    for (let r = c + 1; r < m; r++) {
      const f = a[r]![c]! / a[c]![c]!;
      for (let j = c; j <= m; j++) a[r]![j] = a[r]![j]! - f * a[c]![j]!;
    }
  }
  const z = new Array<number>(m).fill(0);
  for (let r = m - 1; r >= 0; r--) {
    let s = a[r]![m]!;
    for (let j = r + 1; j < m; j++) s -= a[r]![j]! * z[j]!;
    z[r] = s / a[r]![r]!;
  }
  return z;
}

function dot(a: number[], b: number[]): number {
  return a.reduce((s, v, i) => s + v * b[i]!, 0);
}

function rss(cols: number[][], b: number[], x: ArrayLike<number>): number {
  return b.reduce((s, bi, t) => {
    let f = 0;
    for (let j = 0; j < cols.length; j++) f += cols[j]![t]! * x[j]!;
    return s + (bi - f) ** 2;
  }, 0);
}

/** The exact NNLS optimum by enumeration: the best feasible unconstrained solution over every column subset. */
function bruteForce(cols: number[][], b: number[]): { x: number[]; rss: number } {
  const k = cols.length;
  let best = { x: new Array<number>(k).fill(0), rss: dot(b, b) };
  for (let mask = 1; mask < 1 << k; mask++) {
    const subset = [...Array(k).keys()].filter((j) => mask & (1 << j));
    const z = lsOnSubset(cols, b, subset);
    if (!z || z.some((v) => v < 0)) continue;
    const x = new Array<number>(k).fill(0);
    subset.forEach((j, t) => (x[j] = z[t]!));
    const r = rss(cols, b, x);
    if (r < best.rss - 1e-12) best = { x, rss: r };
  }
  return best;
}

describe('nnls (Lawson–Hanson)', () => {
  it('recovers an exact non-negative combination', () => {
    const r = lcg(3);
    const cols = Array.from({ length: 4 }, () => Array.from({ length: 50 }, () => r()));
    const truth = [0.7, 0, 1.3, 0.2];
    const b = cols[0]!.map((_, t) => truth.reduce((s, a, j) => s + a * cols[j]![t]!, 0));
    const res = nnls(cols, b);
    for (let j = 0; j < 4; j++) expect(res.x[j]).toBeCloseTo(truth[j]!, 8);
    expect(res.rss).toBeLessThan(1e-12);
  });

  it('textbook case: the unconstrained solution is negative, NNLS clamps it and refits the rest', () => {
    // b = 2·c0 − 1·c1 exactly; c0 and c1 orthogonal unit vectors, so NNLS gives x = [2, 0] with rss 1.
    const cols = [
      [1, 0, 0],
      [0, 1, 0],
    ];
    const res = nnls(cols, [2, -1, 0]);
    expect(Array.from(res.x)).toEqual([2, 0]);
    expect(res.rss).toBeCloseTo(1, 12);
  });

  it('matches the enumerated optimum on 200 random problems (correlated columns, noise, negative targets)', () => {
    const r = lcg(11);
    for (let trial = 0; trial < 200; trial++) {
      const k = 1 + (trial % 6);
      const n = 8 + (trial % 20);
      const base = Array.from({ length: n }, () => r());
      const cols = Array.from({ length: k }, () => base.map((v) => 0.6 * v + r() - 0.3));
      const b = Array.from({ length: n }, () => r() * 2 - 0.6);
      const got = nnls(cols, b);
      const want = bruteForce(cols, b);
      expect(got.rss).toBeCloseTo(want.rss, 7);
      for (let j = 0; j < k; j++) {
        expect(got.x[j]).toBeGreaterThanOrEqual(0);
        expect(got.x[j]).toBeCloseTo(want.x[j]!, 5);
      }
    }
  });

  it('a duplicated column does not break it, and b = 0 gives x = 0', () => {
    const c = [1, 2, 3, 4];
    const res = nnls([c, c, [0, 1, 0, 0]], [2, 4, 6, 8]);
    expect(res.x[0]! + res.x[1]!).toBeCloseTo(2, 10);
    expect(res.x[2]).toBe(0);
    expect(Array.from(nnls([c], [0, 0, 0, 0]).x)).toEqual([0]);
  });

  it('rejects a Gram matrix of the wrong size', () => {
    expect(() => nnlsGram([1, 2, 3], [1, 2])).toThrow(RangeError);
  });
});
