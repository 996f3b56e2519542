import type { ClassicMethod } from './similarity.js';

/**
 * Brute-force search of one query against every reference of a library, over one contiguous Float32Array
 * (row-major, `count × dim`). Measured (bench/library.bench.ts) to be fast enough for 100,000 references, so no
 * approximate index is needed.
 *
 * Every classic measure becomes a dot product once both vectors are prepared the same way, so the library stores
 * prepared rows and a query costs one pass over the matrix:
 * - correlation HQI: rows centred and L2-normalised → dot = Pearson r, score r² (0 when r ≤ 0)
 * - derivative HQI: the same on first differences (the Savitzky–Golay-free form of derivative correlation)
 * - cosine: rows L2-normalised → dot = cos, score max(0, cos)
 * - euclidean: rows L2-normalised → distance² = 2 − 2 cos, score 1 / (1 + distance)
 * These are exactly the functions of similarity.ts (tests compare both). With an exclusion mask the measures are
 * recomputed over the kept points from the prepared rows: Pearson r is invariant to the affine map that prepared
 * a row and cosine to its scaling, so the masked scores equal similarity.ts's masked scores too.
 */
export interface ReferenceMatrix {
  /** Values per row. */
  dim: number;
  /** Number of rows. */
  count: number;
  /** count × dim, row-major. */
  data: Float32Array;
}

/** Length of a prepared row for a method given the axis length (derivative rows are one shorter). */
export function preparedLength(method: ClassicMethod, axisPoints: number): number {
  return method === 'hqi-derivative' ? axisPoints - 1 : axisPoints;
}

/** Prepares one axis vector for `method` (see the module comment). A constant vector becomes all zeros (score 0). */
export function prepareVector(method: ClassicMethod, v: ArrayLike<number>): Float32Array {
  let src: Float64Array;
  if (method === 'hqi-derivative') {
    src = new Float64Array(Math.max(0, v.length - 1));
    for (let i = 0; i < src.length; i++) src[i] = v[i + 1]! - v[i]!;
  } else src = Float64Array.from(v);
  const center = method === 'hqi-correlation' || method === 'hqi-derivative';
  if (center && src.length > 0) {
    let s = 0;
    for (const x of src) s += x;
    const mean = s / src.length;
    for (let i = 0; i < src.length; i++) src[i] = src[i]! - mean;
  }
  let ss = 0;
  for (const x of src) ss += x * x;
  const out = new Float32Array(src.length);
  if (ss > 0) {
    const inv = 1 / Math.sqrt(ss);
    for (let i = 0; i < src.length; i++) out[i] = src[i]! * inv;
  }
  return out;
}

/** Maps a raw dot / correlation value to the method's [0, 1] score, as similarity.ts does. */
export function scoreFromDot(method: ClassicMethod, dot: number): number {
  switch (method) {
    case 'hqi-correlation':
    case 'hqi-derivative':
      return dot > 0 ? Math.min(1, dot * dot) : 0;
    case 'cosine':
      return Math.min(1, Math.max(0, dot));
    case 'euclidean':
      return 1 / (1 + Math.sqrt(Math.max(0, 2 - 2 * dot)));
  }
}

/** The mask of a first difference: both neighbours kept. */
export function differenceMask(mask: ArrayLike<number>): Uint8Array {
  const d = new Uint8Array(Math.max(0, mask.length - 1));
  for (let i = 0; i < d.length; i++) d[i] = mask[i] && mask[i + 1] ? 1 : 0;
  return d;
}

/**
 * Scores of a prepared query against every row. `mask` (axis length for every method; converted for the
 * derivative) switches to the masked formulas.
 */
export function scoreAll(method: ClassicMethod, matrix: ReferenceMatrix, query: Float32Array, mask?: ArrayLike<number>): Float32Array {
  const { dim, count, data } = matrix;
  if (query.length !== dim) throw new RangeError(`query has ${query.length} values, the matrix ${dim}`);
  const out = new Float32Array(count);
  if (!mask) {
    for (let r = 0; r < count; r++) {
      const off = r * dim;
      let s0 = 0;
      let s1 = 0;
      let s2 = 0;
      let s3 = 0;
      let i = 0;
      // 4 independent accumulators let V8 overlap the multiply-adds.
      for (; i + 3 < dim; i += 4) {
        s0 += query[i]! * data[off + i]!;
        s1 += query[i + 1]! * data[off + i + 1]!;
        s2 += query[i + 2]! * data[off + i + 2]!;
        s3 += query[i + 3]! * data[off + i + 3]!;
      }
      for (; i < dim; i++) s0 += query[i]! * data[off + i]!;
      out[r] = scoreFromDot(method, s0 + s1 + s2 + s3);
    }
    return out;
  }
  const m = method === 'hqi-derivative' ? differenceMask(mask) : mask;
  const kept: number[] = [];
  for (let i = 0; i < dim; i++) if (m[i]) kept.push(i);
  const idx = Int32Array.from(kept);
  const k = idx.length;
  let sq = 0;
  let sqq = 0;
  for (const i of idx) {
    sq += query[i]!;
    sqq += query[i]! * query[i]!;
  }
  const centred = method === 'hqi-correlation' || method === 'hqi-derivative';
  const varQ = centred ? sqq - (sq * sq) / k : sqq;
  for (let r = 0; r < count; r++) {
    const off = r * dim;
    let sr = 0;
    let srr = 0;
    let sqr = 0;
    for (let j = 0; j < k; j++) {
      const i = idx[j]!;
      const v = data[off + i]!;
      sr += v;
      srr += v * v;
      sqr += query[i]! * v;
    }
    let value: number;
    if (centred) {
      const varR = srr - (sr * sr) / k;
      value = varQ > 0 && varR > 0 ? (sqr - (sq * sr) / k) / Math.sqrt(varQ * varR) : 0;
    } else {
      value = varQ > 0 && srr > 0 ? sqr / Math.sqrt(varQ * srr) : 0;
    }
    out[r] = scoreFromDot(method, value);
  }
  return out;
}
