import { WhittakerSystem } from '../preprocess/banded.js';
import { canonicalJsonHash } from '../preprocess/pipeline.js';
import { classicAxisValues } from './classicAxis.js';
import { nnlsGram } from './nnls.js';

/**
 * Mixture analysis: which combination of library substances explains a spectrum.
 *
 * Vectors. Every spectrum (query and references) becomes a "mixture vector" on the classic axis (100–1500 cm⁻¹,
 * 2 cm⁻¹, see classicAxis.ts) built from its classic vector: an ALS baseline (Eilers & Boelens 2005) is removed so
 * fluorescence and sloped backgrounds do not enter the fit, the bands are broadened by a small Gaussian so that a
 * library and a sample that differ by a few cm⁻¹ still overlap, and the vector is scaled to a maximum of 1. With
 * references at unit peak height, a fitted coefficient is the component's peak height in the query, and its
 * fraction is its share of the summed peak heights (the "by peak height" mixing of the issue).
 *
 * Search (fitMixture):
 * 1. A free low-order polynomial (Legendre, degree BASELINE_DEGREE) is fitted with the components and projected out
 *    of the query and of every candidate (Frisch–Waugh–Lovell), so what is left of a baseline costs no component.
 * 2. Preselection over the whole library (LibraryScan): one pass gives every reference's product with the projected
 *    query; the SCAN_ROWS references that alone explain most of it form a contiguous block. Candidates: the best of
 *    the block, a reverse score (cosine restricted to each reference's own bands: how much of them the query
 *    contains, whatever else it holds), and any rows the caller adds (the single-substance ranking of `match`).
 * 3. Exact extension scan: for each of the best sets of one size, the block's rows that most lower its residual
 *    (⟨row, residual⟩² over the row's norm orthogonal to the set; one pass over the block per four component
 *    vectors) join the candidates. Every pair of candidates is fitted by non-negative least squares (nnls.ts) from
 *    their Gram matrix, larger sets by a beam over the best smaller ones.
 * 4. Shifts: each candidate gets the shift (|shift| ≤ maxShift points) that best fits the target it was found for;
 *    the REFINE_TOP best sets of each size then have their shifts refined one component at a time before the best
 *    is chosen (a shift chosen against the whole query can be wrong beside the right partner).
 * 5. The penalty: a larger set is accepted only when it lowers ln(RSS) by at least `penalty`, explains at least
 *    `minGain` more of the query's signal and every component carries at least `minFraction`, so a pure spectrum
 *    stays one component.
 */

export const MIXTURE_ALS = { lambda: 1e4, p: 0.01 } as const;
/** ALS passes: the second removes what a strong, curved background leaves after the first. */
export const MIXTURE_ALS_PASSES = 2;
/** Gaussian broadening σ in axis points (2 cm⁻¹ each). */
export const MIXTURE_BROADEN_SIGMA = 1;
/** Degree of the free polynomial fitted with the components. */
export const BASELINE_DEGREE = 3;
/** Canonical description of the mixture vector; its hash names it (results and reports record it). */
export const MIXTURE_PIPELINE = {
  id: 'mixture-v1',
  from: 'classic',
  steps: [
    { kind: 'baseline.als', params: MIXTURE_ALS },
    { kind: 'baseline.als', params: MIXTURE_ALS },
    { kind: 'broaden.gaussian', params: { sigmaPoints: MIXTURE_BROADEN_SIGMA } },
    { kind: 'normalize.max', params: {} },
  ],
} as const;
export const MIXTURE_PIPELINE_HASH = canonicalJsonHash(MIXTURE_PIPELINE);

export const MAX_COMPONENTS_LIMIT = 5;
export const DEFAULT_MAX_COMPONENTS = 3;

export type MixtureVerdict = 'mixture' | 'single' | 'no-match';

export interface MixtureOptions {
  /** Components at most, 1…5 (default 3). */
  maxComponents?: number;
  /** Minimum drop of ln(RSS) for a component to be kept. */
  penalty?: number;
  /** Minimum fraction (share of the peak heights) for a component to be kept. */
  minFraction?: number;
  /** Minimum share of the query's signal (ΔRSS / TSS) a component must explain to be kept. */
  minGain?: number;
  /** Largest shift of a component, in axis points (2 cm⁻¹ each). */
  maxShift?: number;
  /** Candidates per preselection list (forward, reverse, residual). */
  poolSize?: number;
  /** R² of the fit below which the answer is `no-match`. */
  noMatchR2?: number;
  /** Rows to leave out of the search (1 = left out); used by the benchmark's leave-sample-out protocol. */
  excludedRows?: Uint8Array;
  /** Rows the caller ranked first by another method (e.g. `match`), added to the candidates. */
  extraCandidates?: readonly number[];
  /** Alternatives to return (default 3). */
  alternatives?: number;
}

export const MIXTURE_DEFAULTS: Required<Omit<MixtureOptions, 'excludedRows' | 'extraCandidates'>> = {
  maxComponents: DEFAULT_MAX_COMPONENTS,
  penalty: 0.3,
  minFraction: 0.15,
  minGain: 0.05,
  maxShift: 3,
  poolSize: 20,
  noMatchR2: 0.5,
  alternatives: 3,
};

/** The library's mixture vectors, one row per reference spectrum. */
export interface MixtureReferences {
  dim: number;
  count: number;
  /** count × dim, row-major, each row at maximum 1 (or all zero). */
  data: Float32Array;
  /** Dense substance index per row. */
  refSubstance: Int32Array;
  /** Row r's band points (value ≥ BAND_LEVEL) are bandIdx[bandStart[r] … bandStart[r + 1]). */
  bandStart: Int32Array;
  bandIdx: Int32Array;
  /** Σ of squares over each row's band points. */
  bandNorm2: Float32Array;
}

export interface MixtureComponent {
  /** Row in MixtureReferences. */
  ref: number;
  substance: number;
  /** Peak height in the query (query at maximum 1). */
  coefficient: number;
  /** Share of the summed peak heights, 0…1. */
  fraction: number;
  /** HQI (r²) of the component against the query with the other components subtracted. */
  score: number;
  /** Shift applied to the reference, cm⁻¹ (positive: to higher wavenumber). */
  shiftCm: number;
}

export interface MixtureFit {
  components: MixtureComponent[];
  /** 1 − RSS / TSS of the query (baseline polynomial fitted freely, so TSS is after removing it). */
  r2: number;
  /** Correlation HQI (r²) of the fitted sum against the query. */
  hqi: number;
  /** ‖residual‖ / ‖query‖ (after the baseline polynomial). */
  residual: number;
}

export interface MixtureAnswer {
  verdict: MixtureVerdict;
  fit: MixtureFit;
  /** The best one-substance fit, for the comparison the app shows. */
  single: MixtureFit;
  alternatives: MixtureFit[];
  /** The best fit of each size, 1…maxComponents, before the penalty chose among them (diagnostics, benchmark). */
  bySize: MixtureFit[];
}

const BAND_LEVEL = 0.1;

function gaussianKernel(sigma: number): Float64Array {
  const half = Math.max(1, Math.ceil(3 * sigma));
  const k = new Float64Array(2 * half + 1);
  let s = 0;
  for (let i = -half; i <= half; i++) s += k[i + half] = Math.exp(-(i * i) / (2 * sigma * sigma));
  for (let i = 0; i < k.length; i++) k[i] = k[i]! / s;
  return k;
}
const KERNEL = gaussianKernel(MIXTURE_BROADEN_SIGMA);

export interface AlsWorkspace {
  n: number;
  /** The banded Whittaker system of preprocess/banded.ts for n points and MIXTURE_ALS.lambda, reused across calls. */
  system: WhittakerSystem;
  w: Float64Array;
  rhs: Float64Array;
}
let alsCached: AlsWorkspace | null = null;

/** The reused workspace of the ALS baseline for n points (the library's vectors all have the same length). */
function alsWorkspace(n: number): AlsWorkspace {
  if (alsCached?.n === n) return alsCached;
  alsCached = { n, system: new WhittakerSystem(n, 2, MIXTURE_ALS.lambda), w: new Float64Array(n), rhs: new Float64Array(n) };
  return alsCached;
}

/**
 * The ALS baseline of `y` into `z` (Eilers & Boelens 2005, MIXTURE_ALS): the iteration of
 * preprocess/baselineAls.ts (weights p above the baseline, 1 − p below, at most 20 banded solves of the same
 * WhittakerSystem, stop when no weight changes) on one reused workspace: building the library's mixture vectors runs
 * it twice per reference, and a new system per call spent most of its time in allocation. A test checks that both
 * give the same baseline.
 */
export function alsBaseline(y: Float64Array, z: Float64Array, ws: AlsWorkspace = alsWorkspace(y.length)): Float64Array {
  const { n, system, w, rhs } = ws;
  const p = MIXTURE_ALS.p;
  w.fill(1);
  for (let it = 1; it <= 20; it++) {
    for (let i = 0; i < n; i++) rhs[i] = w[i]! * y[i]!;
    system.solve(w, rhs, z);
    if (it === 20) break;
    let changed = 0;
    for (let i = 0; i < n; i++) {
      const wi = y[i]! > z[i]! ? p : 1 - p;
      if (wi !== w[i]) changed++;
      w[i] = wi;
    }
    if (changed === 0) break;
  }
  return z;
}

/** A classic vector (classicAxis.ts) as its mixture vector: ALS baseline removed, broadened, maximum 1. */
export function mixtureVector(classic: ArrayLike<number>): Float32Array {
  const n = classic.length;
  const out = new Float32Array(n);
  if (n < 4) return out;
  let finite = true;
  for (let i = 0; i < n; i++) if (!Number.isFinite(classic[i]!)) finite = false;
  if (!finite) return out;
  const c = Float64Array.from(classic);
  let scale = 0;
  for (let i = 0; i < n; i++) scale = Math.max(scale, Math.abs(c[i]!));
  const base = new Float64Array(n);
  const als = alsWorkspace(n);
  for (let pass = 0; pass < MIXTURE_ALS_PASSES; pass++) {
    alsBaseline(c, base, als);
    for (let i = 0; i < n; i++) c[i] = c[i]! - base[i]!;
  }
  const half = (KERNEL.length - 1) / 2;
  let max = 0;
  for (let i = 0; i < n; i++) {
    let s = 0;
    for (let j = -half; j <= half; j++) s += KERNEL[j + half]! * c[Math.min(n - 1, Math.max(0, i + j))]!;
    out[i] = s;
    if (s > max) max = s;
  }
  // Nothing but a (removed) background: all zeros rather than amplified rounding.
  if (max > 1e-6 * scale && max > 0) for (let i = 0; i < n; i++) out[i] = out[i]! / max;
  else out.fill(0);
  return out;
}

/** Packs mixture vectors (count × dim) with their band lists. */
export function buildMixtureReferences(data: Float32Array, count: number, dim: number, refSubstance: Int32Array): MixtureReferences {
  if (data.length !== count * dim) throw new RangeError(`data holds ${data.length} values, expected ${count} × ${dim}`);
  const bandStart = new Int32Array(count + 1);
  const idx: number[] = [];
  const bandNorm2 = new Float32Array(count);
  for (let r = 0; r < count; r++) {
    bandStart[r] = idx.length;
    let s = 0;
    for (let i = 0; i < dim; i++) {
      const v = data[r * dim + i]!;
      if (v >= BAND_LEVEL) {
        idx.push(i);
        s += v * v;
      }
    }
    bandNorm2[r] = s;
  }
  bandStart[count] = idx.length;
  return { dim, count, data, refSubstance, bandStart, bandIdx: Int32Array.from(idx), bandNorm2 };
}

/** The query's coverage of the axis: 1 where the query was measured (x range), else 0. */
export function coverageMask(xMin: number, xMax: number): Uint8Array {
  const axis = classicAxisValues();
  const m = new Uint8Array(axis.length);
  for (let i = 0; i < axis.length; i++) m[i] = axis[i]! >= xMin - 1e-9 && axis[i]! <= xMax + 1e-9 ? 1 : 0;
  return m;
}

/** Row `r` shifted by `d` points (positive: to higher index), edges held. */
export function shiftedRow(refs: MixtureReferences, r: number, d: number): Float64Array {
  const { dim, data } = refs;
  const out = new Float64Array(dim);
  const off = r * dim;
  for (let i = 0; i < dim; i++) out[i] = data[off + Math.min(dim - 1, Math.max(0, i - d))]!;
  return out;
}

/** Orthonormal Legendre basis (degree 0…deg) over the kept points of `mask`, zero elsewhere. */
function baselineBasis(mask: Uint8Array, deg: number): Float64Array[] {
  const n = mask.length;
  let lo = -1;
  let hi = -1;
  for (let i = 0; i < n; i++)
    if (mask[i]) {
      if (lo < 0) lo = i;
      hi = i;
    }
  const basis: Float64Array[] = [];
  if (lo < 0) return basis;
  for (let d = 0; d <= deg; d++) {
    const v = new Float64Array(n);
    for (let i = lo; i <= hi; i++) {
      if (!mask[i]) continue;
      const t = hi === lo ? 0 : (2 * (i - lo)) / (hi - lo) - 1;
      v[i] = t ** d;
    }
    // Gram–Schmidt against the previous ones (twice, for stability).
    for (let pass = 0; pass < 2; pass++) {
      for (const b of basis) {
        let s = 0;
        for (let i = 0; i < n; i++) s += b[i]! * v[i]!;
        for (let i = 0; i < n; i++) v[i] = v[i]! - s * b[i]!;
      }
    }
    let nn = 0;
    for (let i = 0; i < n; i++) nn += v[i]! * v[i]!;
    if (nn < 1e-12) continue;
    const inv = 1 / Math.sqrt(nn);
    for (let i = 0; i < n; i++) v[i] = v[i]! * inv;
    basis.push(v);
  }
  return basis;
}

/** v masked and with the basis projected out, in place. */
function project(v: Float64Array, mask: Uint8Array, basis: readonly Float64Array[]): Float64Array {
  for (let i = 0; i < v.length; i++) if (!mask[i]) v[i] = 0;
  for (const b of basis) {
    let s = 0;
    for (let i = 0; i < v.length; i++) s += b[i]! * v[i]!;
    for (let i = 0; i < v.length; i++) v[i] = v[i]! - s * b[i]!;
  }
  return v;
}

function dot(a: ArrayLike<number>, b: ArrayLike<number>): number {
  let s = 0;
  for (let i = 0; i < a.length; i++) s += a[i]! * b[i]!;
  return s;
}

/** Reverse score: cosine of the query and each row over the row's band points only. */
function reverseScores(refs: MixtureReferences, q: Float64Array, excluded: Uint8Array | undefined): Float32Array {
  const out = new Float32Array(refs.count);
  const { data, dim, bandStart, bandIdx, bandNorm2 } = refs;
  for (let r = 0; r < refs.count; r++) {
    if (excluded?.[r]) {
      out[r] = -1;
      continue;
    }
    let s = 0;
    let qq = 0;
    for (let t = bandStart[r]!; t < bandStart[r + 1]!; t++) {
      const i = bandIdx[t]!;
      const qi = q[i]!;
      s += qi * data[r * dim + i]!;
      qq += qi * qi;
    }
    const den = Math.sqrt(qq * bandNorm2[r]!);
    // Few-band references fit anything; weigh by how much of the axis their bands cover (saturating at 8 points).
    const width = Math.min(1, (bandStart[r + 1]! - bandStart[r]!) / 8);
    out[r] = den > 0 ? (s / den) * width : 0;
  }
  return out;
}

/** Indices of the `k` largest scores, best per substance only. */
function topRows(scores: Float32Array, refs: MixtureReferences, k: number): number[] {
  const order = Array.from(scores.keys())
    .filter((r) => scores[r]! > 0)
    .sort((a, b) => scores[b]! - scores[a]!);
  const seen = new Set<number>();
  const out: number[] = [];
  for (const r of order) {
    const s = refs.refSubstance[r]!;
    if (seen.has(s)) continue;
    seen.add(s);
    out.push(r);
    if (out.length >= k) break;
  }
  return out;
}

interface Candidate {
  row: number;
  shift: number;
  /** Masked, shifted, baseline-projected vector. */
  v: Float64Array;
}

interface Trial {
  comps: Candidate[];
  x: Float64Array;
  rss: number;
}

/** The fitting context of one query. */
class Fitter {
  readonly q: Float64Array;
  readonly qq: number;
  readonly basis: Float64Array[];
  private readonly cache = new Map<number, Float64Array>();
  constructor(
    readonly refs: MixtureReferences,
    readonly mask: Uint8Array,
    queryVec: ArrayLike<number>,
  ) {
    this.basis = baselineBasis(mask, BASELINE_DEGREE);
    this.q = project(Float64Array.from(queryVec), mask, this.basis);
    this.qq = dot(this.q, this.q);
  }

  vector(row: number, shift: number): Float64Array {
    const key = row * 64 + (shift + 32);
    let v = this.cache.get(key);
    if (!v) {
      v = project(shiftedRow(this.refs, row, shift), this.mask, this.basis);
      this.cache.set(key, v);
    }
    return v;
  }

  /** The shift of `row` (|shift| ≤ maxShift) whose vector best correlates with `target`. */
  bestShift(row: number, target: Float64Array, maxShift: number): Candidate {
    let best: Candidate | null = null;
    let bestC = -Infinity;
    for (let d = -maxShift; d <= maxShift; d++) {
      const v = this.vector(row, d);
      const vv = dot(v, v);
      const c = vv > 0 ? dot(v, target) / Math.sqrt(vv) : -Infinity;
      // Prefer no shift on ties (a flat residual).
      if (c > bestC + 1e-9 || (best && Math.abs(c - bestC) <= 1e-9 && Math.abs(d) < Math.abs(best.shift))) {
        bestC = c;
        best = { row, shift: d, v };
      }
    }
    return best!;
  }

  fit(comps: Candidate[]): Trial {
    const k = comps.length;
    const G = new Float64Array(k * k);
    const h = new Float64Array(k);
    for (let i = 0; i < k; i++) {
      h[i] = dot(comps[i]!.v, this.q);
      for (let j = i; j < k; j++) G[i * k + j] = G[j * k + i] = dot(comps[i]!.v, comps[j]!.v);
    }
    const r = nnlsGram(G, h, this.qq);
    return { comps, x: r.x, rss: r.rss };
  }

  residual(t: Trial): Float64Array {
    const res = Float64Array.from(this.q);
    t.comps.forEach((c, j) => {
      const a = t.x[j]!;
      if (a !== 0) for (let i = 0; i < res.length; i++) res[i] = res[i]! - a * c.v[i]!;
    });
    return res;
  }

  /** The public form of a trial: fractions, per-component scores, R², HQI. */
  describe(t: Trial): MixtureFit {
    const kept = t.comps.map((c, j) => ({ c, a: t.x[j]! })).filter((e) => e.a > 0);
    const total = kept.reduce((s, e) => s + e.a, 0);
    const res = this.residual(t);
    const fitted = new Float64Array(this.q.length);
    for (let i = 0; i < fitted.length; i++) fitted[i] = this.q[i]! - res[i]!;
    const components: MixtureComponent[] = kept.map(({ c, a }) => {
      // The component against what the others leave of the query.
      const target = Float64Array.from(res);
      for (let i = 0; i < target.length; i++) target[i] = target[i]! + a * c.v[i]!;
      return {
        ref: c.row,
        substance: this.refs.refSubstance[c.row]!,
        coefficient: a,
        fraction: total > 0 ? a / total : 0,
        score: hqi(target, c.v, this.mask),
        shiftCm: c.shift * 2,
      };
    });
    components.sort((x, y) => y.fraction - x.fraction);
    return {
      components,
      r2: this.qq > 0 ? Math.max(0, 1 - t.rss / this.qq) : 0,
      hqi: hqi(this.q, fitted, this.mask),
      residual: this.qq > 0 ? Math.sqrt(t.rss / this.qq) : 1,
    };
  }
}

/** Squared Pearson r over the kept points (0 when r ≤ 0). */
function hqi(a: ArrayLike<number>, b: ArrayLike<number>, mask: Uint8Array): number {
  let n = 0;
  let sa = 0;
  let sb = 0;
  for (let i = 0; i < a.length; i++)
    if (mask[i]) {
      n++;
      sa += a[i]!;
      sb += b[i]!;
    }
  if (n < 2) return 0;
  const ma = sa / n;
  const mb = sb / n;
  let ab = 0;
  let aa = 0;
  let bb = 0;
  for (let i = 0; i < a.length; i++)
    if (mask[i]) {
      const da = a[i]! - ma;
      const db = b[i]! - mb;
      ab += da * db;
      aa += da * da;
      bb += db * db;
    }
  const r = aa > 0 && bb > 0 ? ab / Math.sqrt(aa * bb) : 0;
  return r > 0 ? Math.min(1, r * r) : 0;
}

/**
 * One query's scan of the whole library under the fit's projection P (the mask and the free polynomial): since P is
 * symmetric and idempotent, the projected product ⟨P row, u⟩ of any projected vector u is the plain ⟨row, u⟩, so
 * one pass over the stored rows gives every reference's projected correlation with the query (and its projected
 * norm), and one more pass per component vector gives what the exact extension scan needs.
 *
 * Preselection: the `SCAN_ROWS` references that alone explain most of the query (largest ⟨row, q⟩² / ‖P row‖²)
 * are gathered into a contiguous block; extension scans run over that block only.
 */
const SCAN_ROWS = 1200;
/** Sets of the size below extended by the scan: the best singles, then the best larger sets. */
const EXTEND_SINGLES = 12;
const EXTEND_SETS = 6;
/** Rows each extension scan adds to the candidates. */
const EXTEND_TOP = 4;
/** Best sets of each size whose shifts are refined before the best is chosen. */
const REFINE_TOP = 8;

class LibraryScan {
  /** ⟨row, q⟩ for every row (q projected). */
  readonly hq: Float64Array;
  /** ‖P row‖² for the rows of the block (0 elsewhere). */
  readonly nn: Float64Array;
  /** RSS drop of each row of the block fitted alone (0 when it correlates negatively; 0 outside the block). */
  readonly gain: Float64Array;
  /** The preselected rows, best first, and their data gathered row-major over [lo, hi). */
  readonly rows: Int32Array;
  private readonly block: Float32Array;
  private readonly lo: number;
  private readonly hi: number;
  private readonly dots = new Map<number, Float64Array>();

  constructor(
    private readonly refs: MixtureReferences,
    private readonly f: Fitter,
    excluded: Uint8Array | undefined,
  ) {
    const { dim, count, data } = refs;
    const mask = f.mask;
    let lo = dim;
    let hi = 0;
    for (let i = 0; i < dim; i++)
      if (mask[i]) {
        lo = Math.min(lo, i);
        hi = i + 1;
      }
    this.lo = lo;
    this.hi = Math.max(lo, hi);
    const q = f.q;
    const m = Float64Array.from(mask);
    this.hq = new Float64Array(count);
    this.nn = new Float64Array(count);
    this.gain = new Float64Array(count);
    // Pass 1 over every row: ⟨row, q⟩ and the masked norm; the gain without the polynomial part of the norm (the
    // references are baseline-corrected, so it is small) ranks the rows for the block.
    const approx = new Float64Array(count);
    for (let r = 0; r < count; r++) {
      if (excluded?.[r]) continue;
      const off = r * dim;
      let sq = 0;
      let mm = 0;
      for (let i = lo; i < this.hi; i++) {
        const v = data[off + i]!;
        sq += v * q[i]!;
        mm += v * v * m[i]!;
      }
      this.hq[r] = sq;
      approx[r] = sq > 0 && mm > 1e-9 ? (sq * sq) / mm : 0;
    }
    const pre = Array.from({ length: count }, (_, r) => r)
      .filter((r) => approx[r]! > 0)
      .sort((x, y) => approx[y]! - approx[x]!)
      .slice(0, SCAN_ROWS);
    // Exact projected norms of the block's rows (the polynomial's share removed), and their exact gains.
    const zero = new Float64Array(dim);
    const [b0, b1, b2, b3] = [0, 1, 2, 3].map((k) => f.basis[k] ?? zero) as [Float64Array, Float64Array, Float64Array, Float64Array];
    for (const r of pre) {
      const off = r * dim;
      let s0 = 0;
      let s1 = 0;
      let s2 = 0;
      let s3 = 0;
      let mm = 0;
      for (let i = lo; i < this.hi; i++) {
        const v = data[off + i]!;
        s0 += v * b0[i]!;
        s1 += v * b1[i]!;
        s2 += v * b2[i]!;
        s3 += v * b3[i]!;
        mm += v * v * m[i]!;
      }
      const nn = mm - s0 * s0 - s1 * s1 - s2 * s2 - s3 * s3;
      const sq = this.hq[r]!;
      this.nn[r] = nn;
      this.gain[r] = sq > 0 && nn > 1e-9 ? (sq * sq) / nn : 0;
    }
    const order = pre.filter((r) => this.gain[r]! > 0).sort((x, y) => this.gain[y]! - this.gain[x]!);
    this.rows = Int32Array.from(order);
    const w = this.hi - this.lo;
    this.block = new Float32Array(order.length * w);
    order.forEach((r, t) => this.block.set(data.subarray(r * dim + this.lo, r * dim + this.hi), t * w));
  }

  /** ⟨row, c.v⟩ for every preselected row, four candidates per pass over the block. */
  dotsOf(cands: readonly Candidate[]): Float64Array[] {
    const todo = cands.filter((c) => !this.dots.has(c.row * 64 + c.shift + 32));
    const uniq = [...new Map(todo.map((c) => [c.row * 64 + c.shift + 32, c])).values()];
    const w = this.hi - this.lo;
    const n = this.rows.length;
    for (let g = 0; g < uniq.length; g += 4) {
      const grp = uniq.slice(g, g + 4);
      // Float32 like the block: one multiply type in the inner loop (the products only rank the rows).
      const vs = grp.map((c) => Float32Array.from(c.v.subarray(this.lo, this.hi)));
      while (vs.length < 4) vs.push(new Float32Array(w));
      const [v0, v1, v2, v3] = vs as [Float32Array, Float32Array, Float32Array, Float32Array];
      const out = grp.map(() => new Float64Array(n));
      const { block } = this;
      for (let t = 0; t < n; t++) {
        const off = t * w;
        let a0 = 0;
        let a1 = 0;
        let a2 = 0;
        let a3 = 0;
        for (let i = 0; i < w; i++) {
          const x = block[off + i]!;
          a0 += x * v0[i]!;
          a1 += x * v1[i]!;
          a2 += x * v2[i]!;
          a3 += x * v3[i]!;
        }
        out[0]![t] = a0;
        if (out[1]) out[1][t] = a1;
        if (out[2]) out[2][t] = a2;
        if (out[3]) out[3][t] = a3;
      }
      grp.forEach((c, j) => this.dots.set(c.row * 64 + c.shift + 32, out[j]!));
    }
    return cands.map((c) => this.dots.get(c.row * 64 + c.shift + 32)!);
  }

  /**
   * Exact extension scan: for a fit `t` whose coefficients are all positive (so its residual is orthogonal to its
   * components), the RSS drop of adding each preselected row without constraints,
   * ⟨row, res⟩² / (‖P row‖² − dᵀ G⁻¹ d) with d the row's products with the components. The `top` best rows, one
   * per substance and none of the fit's substances.
   */
  extend(t: Trial, G: Float64Array, top: number, skipSubstances: ReadonlySet<number>): number[] {
    const k = t.comps.length;
    const inv = invert(G, k);
    if (!inv) return [];
    const d = this.dotsOf(t.comps);
    const n = this.rows.length;
    const gains = new Float64Array(n);
    const dv = new Float64Array(k);
    for (let u = 0; u < n; u++) {
      const r = this.rows[u]!;
      let rb = this.hq[r]!;
      for (let j = 0; j < k; j++) {
        dv[j] = d[j]![u]!;
        rb -= t.x[j]! * dv[j]!;
      }
      if (rb <= 0) continue;
      let quad = 0;
      for (let a = 0; a < k; a++) {
        let s = 0;
        for (let c = 0; c < k; c++) s += inv[a * k + c]! * dv[c]!;
        quad += dv[a]! * s;
      }
      const perp = this.nn[r]! - quad;
      if (perp <= 1e-6 * this.nn[r]!) continue;
      gains[u] = (rb * rb) / perp;
    }
    const order = Array.from({ length: n }, (_, u) => u)
      .filter((u) => gains[u]! > 0)
      .sort((a, b) => gains[b]! - gains[a]!);
    const out: number[] = [];
    const seen = new Set(skipSubstances);
    for (const u of order) {
      const r = this.rows[u]!;
      const s = this.refs.refSubstance[r]!;
      if (seen.has(s)) continue;
      seen.add(s);
      out.push(r);
      if (out.length >= top) break;
    }
    return out;
  }

  /** The `k` rows of largest single gain, one per substance. */
  topSingles(k: number): number[] {
    const out: number[] = [];
    const seen = new Set<number>();
    for (const r of this.rows) {
      const s = this.refs.refSubstance[r]!;
      if (seen.has(s)) continue;
      seen.add(s);
      out.push(r);
      if (out.length >= k) break;
    }
    return out;
  }
}

/** Inverse of a small symmetric positive-definite matrix (Gauss–Jordan); null when singular. */
function invert(G: ArrayLike<number>, k: number): Float64Array | null {
  const a = Float64Array.from(G);
  const inv = new Float64Array(k * k);
  for (let i = 0; i < k; i++) inv[i * k + i] = 1;
  for (let c = 0; c < k; c++) {
    let p = c;
    for (let r = c + 1; r < k; r++) if (Math.abs(a[r * k + c]!) > Math.abs(a[p * k + c]!)) p = r;
    const pv = a[p * k + c]!;
    if (Math.abs(pv) < 1e-12) return null;
    if (p !== c)
      for (let j = 0; j < k; j++) {
        [a[p * k + j], a[c * k + j]] = [a[c * k + j]!, a[p * k + j]!];
        [inv[p * k + j], inv[c * k + j]] = [inv[c * k + j]!, inv[p * k + j]!];
      }
    for (let j = 0; j < k; j++) {
      a[c * k + j] = a[c * k + j]! / pv;
      inv[c * k + j] = inv[c * k + j]! / pv;
    }
    for (let r = 0; r < k; r++) {
      if (r === c) continue;
      const fct = a[r * k + c]!;
      if (fct === 0) continue;
      for (let j = 0; j < k; j++) {
        a[r * k + j] = a[r * k + j]! - fct * a[c * k + j]!;
        inv[r * k + j] = inv[r * k + j]! - fct * inv[c * k + j]!;
      }
    }
  }
  return inv;
}

function checkOptions(opts: MixtureOptions): Required<Omit<MixtureOptions, 'excludedRows' | 'extraCandidates'>> {
  const o = { ...MIXTURE_DEFAULTS, ...opts };
  if (!Number.isInteger(o.maxComponents) || o.maxComponents < 1 || o.maxComponents > MAX_COMPONENTS_LIMIT) {
    throw new RangeError(`maxComponents must be a whole number from 1 to ${MAX_COMPONENTS_LIMIT}, got ${o.maxComponents}`);
  }
  if (!Number.isInteger(o.maxShift) || o.maxShift < 0 || o.maxShift > 10) throw new RangeError(`maxShift must be 0…10 points, got ${o.maxShift}`);
  return o;
}

/** The candidates of one query with their projected vectors and the Gram matrix among them (grown on demand). */
class Pool {
  readonly rows: number[] = [];
  readonly cands: Candidate[] = [];
  readonly h: number[] = [];
  readonly G: number[][] = [];
  private readonly index = new Map<number, number>();
  constructor(private readonly f: Fitter) {}

  has(row: number): boolean {
    return this.index.has(row);
  }

  add(c: Candidate): void {
    if (this.index.has(c.row)) return;
    const k = this.cands.length;
    this.index.set(c.row, k);
    this.rows.push(c.row);
    this.cands.push(c);
    this.h.push(dot(c.v, this.f.q));
    const g: number[] = [];
    for (let j = 0; j < k; j++) {
      const d = dot(c.v, this.cands[j]!.v);
      g.push(d);
      this.G[j]!.push(d);
    }
    g.push(dot(c.v, c.v));
    this.G.push(g);
  }

  /** The Gram matrix of pool members `idx`. */
  gram(idx: readonly number[]): Float64Array {
    const k = idx.length;
    const G = new Float64Array(k * k);
    for (let a = 0; a < k; a++) for (let b = 0; b < k; b++) G[a * k + b] = this.G[idx[a]!]![idx[b]!]!;
    return G;
  }

  /** NNLS of the query on pool members `idx`. */
  solve(idx: readonly number[]): Trial {
    const k = idx.length;
    const G = new Float64Array(k * k);
    const h = new Float64Array(k);
    for (let a = 0; a < k; a++) {
      h[a] = this.h[idx[a]!]!;
      for (let b = 0; b < k; b++) G[a * k + b] = this.G[idx[a]!]![idx[b]!]!;
    }
    const r = nnlsGram(G, h, this.f.qq);
    return { comps: idx.map((i) => this.cands[i]!), x: r.x, rss: r.rss };
  }
}

/**
 * The combination of references that best explains `query` (a mixture vector, mixtureVector()) measured over
 * `mask` (coverageMask()). Deterministic. Search: every pair of candidates is fitted (exhaustive, from the Gram
 * matrix of the candidates), larger sets by a beam over the best smaller ones; before each size the residual of the
 * best smaller set is searched against the whole library and its best references join the candidates.
 */
export function fitMixture(query: ArrayLike<number>, mask: Uint8Array, refs: MixtureReferences, opts: MixtureOptions = {}): MixtureAnswer {
  const o = checkOptions(opts);
  if (query.length !== refs.dim || mask.length !== refs.dim) throw new RangeError(`query/mask length ${query.length}/${mask.length}, references ${refs.dim}`);
  const f = new Fitter(refs, mask, query);
  const excluded = opts.excludedRows;
  const empty: MixtureFit = { components: [], r2: 0, hqi: 0, residual: 1 };
  if (refs.count === 0 || f.qq <= 0) return { verdict: 'no-match', fit: empty, single: empty, alternatives: [], bySize: [] };

  const qMasked = new Float64Array(refs.dim);
  for (let i = 0; i < refs.dim; i++) qMasked[i] = mask[i] ? query[i]! : 0;
  const scan = new LibraryScan(refs, f, excluded);
  const pool = new Pool(f);
  const addRows = (rows: Iterable<number>, target: Float64Array): void => {
    for (const r of rows) if (r >= 0 && r < refs.count && !excluded?.[r] && !pool.has(r)) pool.add(f.bestShift(r, target, o.maxShift));
  };
  addRows(scan.topSingles(o.poolSize), f.q);
  addRows(topRows(reverseScores(refs, qMasked, excluded), refs, o.poolSize), f.q);
  addRows(opts.extraCandidates ?? [], f.q);
  if (pool.cands.length === 0) return { verdict: 'no-match', fit: empty, single: empty, alternatives: [], bySize: [] };

  const substanceOf = (i: number): number => refs.refSubstance[pool.rows[i]!]!;
  const key = (idx: readonly number[]): string =>
    idx
      .map(substanceOf)
      .sort((a, b) => a - b)
      .join(',');
  const positive = (t: Trial): boolean => t.x.every((a) => a > 0);
  const BEAM = 24;

  // Size 1: every candidate.
  let level: Array<{ idx: number[]; t: Trial }> = pool.cands.map((_, i) => ({ idx: [i], t: pool.solve([i]) })).sort((a, b) => a.t.rss - b.t.rss);
  // Shift refinement (one component at a time, the others fixed). Each size's best set is the best of its
  // REFINE_TOP best sets after refinement: a candidate's shift was chosen against one target (the query or one
  // residual) and may be wrong beside another partner.
  const refine = (t: Trial): Trial => {
    let cur = t;
    for (let pass = 0; pass < 2; pass++) {
      for (let j = 0; j < cur.comps.length; j++) {
        for (let d = -o.maxShift; d <= o.maxShift; d++) {
          if (d === cur.comps[j]!.shift) continue;
          const comps = [...cur.comps];
          comps[j] = { row: comps[j]!.row, shift: d, v: f.vector(comps[j]!.row, d) };
          const trial = f.fit(comps);
          if (trial.rss < cur.rss * (1 - 1e-9) && positive(trial)) cur = trial;
        }
      }
    }
    return cur;
  };
  const bestOf = (lv: ReadonlyArray<{ t: Trial }>): Trial =>
    lv
      .slice(0, REFINE_TOP)
      .map((e) => refine(e.t))
      .reduce((x, y) => (y.rss < x.rss ? y : x));
  const best: Trial[] = [bestOf(level)];
  const levels = [level];
  for (let k = 2; k <= o.maxComponents; k++) {
    // Extension scan: the library rows that best extend each of the best sets of the size below (exact RSS drop,
    // over the preselected rows) join the candidates, at the shift that best fits that set's residual.
    const toExtend = level.filter((x) => positive(x.t)).slice(0, k === 2 ? EXTEND_SINGLES : EXTEND_SETS);
    // Their components' products with the block, four per pass (extend() then finds them computed).
    scan.dotsOf(toExtend.flatMap((e) => e.t.comps));
    for (const e of toExtend) {
      const rows = scan.extend(e.t, pool.gram(e.idx), EXTEND_TOP, new Set(e.idx.map(substanceOf)));
      addRows(rows, f.residual(e.t));
    }
    // Reverse search on the residual of the best smaller set (the bands it leaves unexplained).
    const res = f.residual(best[best.length - 1]!);
    const pos = Float64Array.from(res, (v) => Math.max(0, v));
    addRows(topRows(reverseScores(refs, pos, excluded), refs, Math.ceil(o.poolSize / 2)), res);
    // Pairs: exhaustive over the candidates; larger sets: the beam of the best smaller sets, each extended.
    const bases = k === 2 ? pool.cands.map((_, i) => [i]) : level.slice(0, BEAM).map((e) => e.idx);
    const seen = new Set<string>();
    const next: Array<{ idx: number[]; t: Trial }> = [];
    for (const base of bases) {
      const subs = new Set(base.map(substanceOf));
      for (let j = 0; j < pool.cands.length; j++) {
        if (subs.has(substanceOf(j))) continue;
        if (k === 2 && j <= base[0]!) continue;
        const idx = [...base, j];
        const kk = key(idx);
        if (seen.has(kk)) continue;
        seen.add(kk);
        const t = pool.solve(idx);
        if (positive(t)) next.push({ idx, t });
      }
    }
    if (next.length === 0) break;
    next.sort((a, b) => a.t.rss - b.t.rss);
    level = next;
    levels.push(level);
    best.push(bestOf(level));
  }

  const chosen = best;
  const minFraction = (t: Trial): number => {
    let total = 0;
    let min = Infinity;
    for (const a of t.x) {
      total += a;
      min = Math.min(min, a);
    }
    return total > 0 ? min / total : 0;
  };
  let k = 0;
  while (k + 1 < chosen.length) {
    const a = chosen[k]!;
    const b = chosen[k + 1]!;
    const gain = Math.log(Math.max(a.rss, 1e-300) / Math.max(b.rss, 1e-300));
    if (gain < o.penalty || (a.rss - b.rss) / f.qq < o.minGain || minFraction(b) < o.minFraction) break;
    k++;
  }
  const current = chosen[k]!;
  const fit = f.describe(current);
  const verdict: MixtureVerdict = fit.r2 < o.noMatchR2 ? 'no-match' : fit.components.length > 1 ? 'mixture' : 'single';
  // Alternatives: the best single (for a mixture), the best larger set that was refused, the runners-up of this size.
  const trialKey = (t: Trial): string =>
    t.comps
      .map((c) => refs.refSubstance[c.row])
      .sort((x, y) => x! - y!)
      .join(',');
  const seenAlt = new Set([trialKey(current)]);
  const alts: Trial[] = [];
  for (const t of [...(k > 0 ? [chosen[0]!] : []), ...(chosen[k + 1] ? [chosen[k + 1]!] : []), ...levels[k]!.slice(1).map((e) => e.t)]) {
    if (alts.length >= o.alternatives) break;
    if (seenAlt.has(trialKey(t))) continue;
    seenAlt.add(trialKey(t));
    alts.push(t);
  }
  return { verdict, fit, single: f.describe(chosen[0]!), alternatives: alts.map((t) => f.describe(t)), bySize: chosen.map((t) => f.describe(t)) };
}

/**
 * The extension scan of fitMixture on its own (for its test): the `top` rows that most lower the residual of the
 * fit of `rows` (unshifted) to `query`, best first.
 */
export function extensionCandidates(query: ArrayLike<number>, mask: Uint8Array, refs: MixtureReferences, rows: readonly number[], top: number): number[] {
  const f = new Fitter(refs, mask, query);
  const scan = new LibraryScan(refs, f, undefined);
  const comps = rows.map((row) => ({ row, shift: 0, v: f.vector(row, 0) }));
  const t = f.fit(comps);
  const k = comps.length;
  const G = new Float64Array(k * k);
  for (let a = 0; a < k; a++) for (let b = 0; b < k; b++) G[a * k + b] = dot(comps[a]!.v, comps[b]!.v);
  return scan.extend(t, G, top, new Set(rows.map((r) => refs.refSubstance[r]!)));
}

/** The curves of a fit for display, on the axis: the query, each scaled component, the free baseline, their sum, the residual. */
export interface MixtureCurves {
  x: number[];
  query: number[];
  components: number[][];
  baseline: number[];
  fitted: number[];
  residual: number[];
}

/** Curves of `fit` (from fitMixture on the same query, mask and references). Points outside the mask are dropped. */
export function mixtureCurves(query: ArrayLike<number>, mask: Uint8Array, refs: MixtureReferences, fit: MixtureFit): MixtureCurves {
  const axis = classicAxisValues();
  const n = refs.dim;
  const comps = fit.components.map((c) => {
    const v = shiftedRow(refs, c.ref, Math.round(c.shiftCm / 2));
    for (let i = 0; i < n; i++) v[i] = v[i]! * c.coefficient;
    return v;
  });
  const rest = new Float64Array(n);
  for (let i = 0; i < n; i++) rest[i] = mask[i] ? query[i]! - comps.reduce((s, v) => s + v[i]!, 0) : 0;
  const basis = baselineBasis(mask, BASELINE_DEGREE);
  const baseline = new Float64Array(n);
  for (const b of basis) {
    const s = dot(b, rest);
    for (let i = 0; i < n; i++) baseline[i] = baseline[i]! + s * b[i]!;
  }
  const out: MixtureCurves = { x: [], query: [], components: comps.map(() => []), baseline: [], fitted: [], residual: [] };
  for (let i = 0; i < n; i++) {
    if (!mask[i]) continue;
    const fitted = comps.reduce((s, v) => s + v[i]!, 0) + baseline[i]!;
    out.x.push(axis[i]!);
    out.query.push(query[i]!);
    comps.forEach((v, j) => out.components[j]!.push(v[i]!));
    out.baseline.push(baseline[i]!);
    out.fitted.push(fitted);
    out.residual.push(query[i]! - fitted);
  }
  return out;
}

/**
 * The non-negative scale of `reference` in `query` over `mask`, with the same free baseline polynomial as the fit
 * (the starting point of the app's subtraction slider).
 */
export function referenceScale(query: ArrayLike<number>, reference: ArrayLike<number>, mask: Uint8Array): number {
  const basis = baselineBasis(mask, BASELINE_DEGREE);
  const q = project(Float64Array.from(query), mask, basis);
  const r = project(Float64Array.from(reference), mask, basis);
  const rr = dot(r, r);
  return rr > 0 ? Math.max(0, dot(q, r) / rr) : 0;
}

/** query − scale × reference, point by point (the app's live residual). */
export function subtractReference(query: ArrayLike<number>, reference: ArrayLike<number>, scale: number): number[] {
  const out = new Array<number>(query.length);
  for (let i = 0; i < query.length; i++) out[i] = query[i]! - scale * reference[i]!;
  return out;
}
