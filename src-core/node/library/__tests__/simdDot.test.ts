import { describe, expect, it } from 'vitest';
import { padTo4, SimdMatrix, simdAvailable } from '../simdDot.js';

describe('WebAssembly SIMD dot products', () => {
  it('runs here (Node 20 has WebAssembly SIMD)', () => {
    expect(simdAvailable()).toBe(true);
  });

  it('equals the scalar dot product and weighted L1 distance for every row, with rows padded to a multiple of 4', () => {
    const rows = 37;
    const dim = 701;
    const m = new SimdMatrix(rows, dim);
    expect(m.dim).toBe(padTo4(dim));
    expect(m.dim).toBe(704);
    let seed = 11;
    const r = (): number => ((seed = (seed * 1103515245 + 12345) % 2 ** 31) / 2 ** 31 - 0.5);
    for (let i = 0; i < rows; i++) for (let k = 0; k < dim; k++) m.data[i * m.dim + k] = r();
    const q = Float32Array.from({ length: dim }, r);
    const dots = m.dotAll(q);
    expect(dots).toHaveLength(rows);
    for (let i = 0; i < rows; i++) {
      let s = 0;
      for (let k = 0; k < dim; k++) s += q[k]! * m.data[i * m.dim + k]!;
      expect(dots[i]).toBeCloseTo(s, 4);
    }
    const w = Float32Array.from({ length: dim }, () => Math.abs(r()));
    const l1 = m.weightedL1All(q, w);
    for (let i = 0; i < rows; i++) {
      let s = 0;
      for (let k = 0; k < dim; k++) s += w[k]! * Math.abs(q[k]! - m.data[i * m.dim + k]!);
      expect(l1[i]).toBeCloseTo(s, 3);
    }
    // a second query reuses the memory and does not see the first
    const zero = m.dotAll(new Float32Array(dim));
    expect(Array.from(zero).every((v) => v === 0)).toBe(true);
  });

  it('block kernels (many queries, row tiles, a short last block) give exactly the one-query results', () => {
    // 300 rows: more than one 256-row tile; 7 queries in a batch of 4: one full block, one padded; 11 queries: two calls.
    const rows = 300;
    const dim = 129;
    const m = new SimdMatrix(rows, dim, 7);
    let seed = 5;
    const r = (): number => ((seed = (seed * 1103515245 + 12345) % 2 ** 31) / 2 ** 31 - 0.5);
    for (let i = 0; i < rows; i++) for (let k = 0; k < dim; k++) m.data[i * m.dim + k] = r();
    const qs = Array.from({ length: 11 }, () => Float32Array.from({ length: dim }, r));
    const w = Float32Array.from({ length: dim }, r);
    const dots = m.dotsMany(qs);
    const l1 = m.weightedL1Many(qs, w);
    expect(dots).toHaveLength(11);
    qs.forEach((q, j) => {
      expect(Array.from(dots[j]!)).toEqual(Array.from(m.dotAll(q)));
      expect(Array.from(l1[j]!)).toEqual(Array.from(m.weightedL1All(q, w)));
    });
    expect(() => new SimdMatrix(3, 4).dotsMany(qs)).toThrow(/without room/);
  });
});
