/**
 * Non-negative least squares: min ‖A a − b‖² subject to a ≥ 0, by the active-set method of Lawson & Hanson
 * ("Solving Least Squares Problems", 1974, chapter 23), run on the normal equations. The mixture fit has a handful
 * of unknowns (≤ 5 components) and hundreds of points, so the k × k Gram matrix G = AᵀA and h = Aᵀb are formed
 * once and every step is a small dense solve.
 */

export interface NnlsResult {
  /** The solution, ≥ 0. */
  x: Float64Array;
  /** ‖A x − b‖² from the Gram form: bᵀb − 2 hᵀx + xᵀGx (pass bb to get it; NaN otherwise). */
  rss: number;
  /** Outer iterations used. */
  iterations: number;
}

/**
 * Solves the symmetric system M z = r restricted to the indices in `idx` (Gaussian elimination with partial pivoting,
 * k ≤ a few dozen). Returns null when the sub-matrix is singular (columns linearly dependent).
 */
function solveSub(G: ArrayLike<number>, k: number, h: ArrayLike<number>, idx: readonly number[]): Float64Array | null {
  const m = idx.length;
  const a = new Float64Array(m * (m + 1));
  for (let i = 0; i < m; i++) {
    for (let j = 0; j < m; j++) a[i * (m + 1) + j] = G[idx[i]! * k + idx[j]!]!;
    a[i * (m + 1) + m] = h[idx[i]!]!;
  }
  let scale = 0;
  for (let i = 0; i < m; i++) scale = Math.max(scale, Math.abs(a[i * (m + 1) + i]!));
  const tiny = (scale || 1) * 1e-12;
  for (let c = 0; c < m; c++) {
    let p = c;
    for (let r = c + 1; r < m; r++) if (Math.abs(a[r * (m + 1) + c]!) > Math.abs(a[p * (m + 1) + c]!)) p = r;
    if (Math.abs(a[p * (m + 1) + c]!) <= tiny) return null;
    if (p !== c) {
      for (let j = 0; j <= m; j++) {
        const t = a[c * (m + 1) + j]!;
        a[c * (m + 1) + j] = a[p * (m + 1) + j]!;
        a[p * (m + 1) + j] = t;
      }
    }
    const piv = a[c * (m + 1) + c]!;
    for (let r = c + 1; r < m; r++) {
      const f = a[r * (m + 1) + c]! / piv;
      if (f === 0) continue;
      for (let j = c; j <= m; j++) a[r * (m + 1) + j] = a[r * (m + 1) + j]! - f * a[c * (m + 1) + j]!;
    }
  }
  const z = new Float64Array(m);
  for (let r = m - 1; r >= 0; r--) {
    let s = a[r * (m + 1) + m]!;
    for (let j = r + 1; j < m; j++) s -= a[r * (m + 1) + j]! * z[j]!;
    z[r] = s / a[r * (m + 1) + r]!;
  }
  return z;
}

/**
 * NNLS from the Gram form: G = AᵀA (k × k, row-major), h = Aᵀb, and optionally bb = bᵀb for the residual.
 * Columns that are linearly dependent on the passive set are left at zero.
 */
export function nnlsGram(G: ArrayLike<number>, h: ArrayLike<number>, bb = Number.NaN, maxIterations = 100): NnlsResult {
  const k = h.length;
  if (G.length !== k * k) throw new RangeError(`Gram matrix has ${G.length} values, expected ${k * k}`);
  const x = new Float64Array(k);
  const passive = new Uint8Array(k);
  const blocked = new Uint8Array(k);
  let scale = 0;
  for (let i = 0; i < k; i++) scale = Math.max(scale, Math.abs(G[i * k + i]!));
  const tol = (scale || 1) * 1e-10;
  let iterations = 0;
  for (; iterations < maxIterations; iterations++) {
    // Gradient of ½xᵀGx − hᵀx, negated: w = h − Gx.
    let best = -1;
    let bestW = tol;
    for (let j = 0; j < k; j++) {
      if (passive[j] || blocked[j]) continue;
      let w = h[j]!;
      for (let i = 0; i < k; i++) w -= G[j * k + i]! * x[i]!;
      if (w > bestW) {
        bestW = w;
        best = j;
      }
    }
    if (best < 0) break;
    passive[best] = 1;
    // Inner loop: solve on the passive set; step back to feasibility while a passive variable would go ≤ 0.
    for (let inner = 0; inner <= k; inner++) {
      const idx: number[] = [];
      for (let j = 0; j < k; j++) if (passive[j]) idx.push(j);
      const z = solveSub(G, k, h, idx);
      if (!z) {
        // The newly added column depends on the passive ones: it can never help; leave it out.
        passive[best] = 0;
        blocked[best] = 1;
        break;
      }
      let alpha = 1;
      let limiting = -1;
      for (let t = 0; t < idx.length; t++) {
        if (z[t]! <= 0) {
          const j = idx[t]!;
          const a = x[j]! / (x[j]! - z[t]!);
          if (a < alpha) {
            alpha = a;
            limiting = j;
          }
        }
      }
      if (limiting < 0) {
        for (let t = 0; t < idx.length; t++) x[idx[t]!] = z[t]!;
        break;
      }
      for (let t = 0; t < idx.length; t++) {
        const j = idx[t]!;
        x[j] = x[j]! + alpha * (z[t]! - x[j]!);
      }
      for (const j of idx) {
        if (x[j]! <= tol * 1e-6 || j === limiting) {
          x[j] = 0;
          passive[j] = 0;
        }
      }
    }
  }
  let rss = Number.NaN;
  if (Number.isFinite(bb)) {
    let quad = 0;
    let lin = 0;
    for (let i = 0; i < k; i++) {
      lin += h[i]! * x[i]!;
      for (let j = 0; j < k; j++) quad += x[i]! * G[i * k + j]! * x[j]!;
    }
    rss = Math.max(0, bb - 2 * lin + quad);
  }
  return { x, rss, iterations };
}

/** NNLS on explicit columns: `columns[j]` is column j of A (all the same length as b). */
export function nnls(columns: ReadonlyArray<ArrayLike<number>>, b: ArrayLike<number>): NnlsResult {
  const k = columns.length;
  const n = b.length;
  for (const c of columns) if (c.length !== n) throw new RangeError(`a column has ${c.length} values, b has ${n}`);
  const G = new Float64Array(k * k);
  const h = new Float64Array(k);
  for (let i = 0; i < k; i++) {
    const ci = columns[i]!;
    let s = 0;
    for (let t = 0; t < n; t++) s += ci[t]! * b[t]!;
    h[i] = s;
    for (let j = i; j < k; j++) {
      const cj = columns[j]!;
      let d = 0;
      for (let t = 0; t < n; t++) d += ci[t]! * cj[t]!;
      G[i * k + j] = d;
      G[j * k + i] = d;
    }
  }
  let bb = 0;
  for (let t = 0; t < n; t++) bb += b[t]! * b[t]!;
  return nnlsGram(G, h, bb);
}
