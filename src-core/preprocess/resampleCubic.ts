import { resampleLinear } from './resampleLinear.js';

/**
 * Natural cubic spline through (x, y) (x strictly ascending) evaluated on `grid` (ascending). The second
 * derivatives M solve the tridiagonal system h_{i−1} M_{i−1} + 2 (h_{i−1} + h_i) M_i + h_i M_{i+1} = 6 (Δ_i − Δ_{i−1})
 * with M_0 = M_{n−1} = 0 (natural end conditions), by the Thomas algorithm in O(n). Grid points outside
 * [x_0, x_{n−1}] get `fill` (default 0, as resampleLinear: no signal where nothing was measured). With fewer than
 * 3 points the spline degenerates to linear interpolation. Repeated x values (which readers keep) are averaged
 * into one knot first, since a spline cannot pass through two values at one x.
 */
export function resampleCubic(
  xIn: ArrayLike<number>,
  yIn: ArrayLike<number>,
  grid: ArrayLike<number>,
  fill = 0,
): Float64Array {
  const { x, y } = mergeEqualX(xIn, yIn);
  const n = x.length;
  if (n < 3) return resampleLinear(x, y, grid, fill);
  const h = new Float64Array(n - 1);
  const slope = new Float64Array(n - 1);
  for (let i = 0; i < n - 1; i++) {
    h[i] = x[i + 1]! - x[i]!;
    slope[i] = (y[i + 1]! - y[i]!) / h[i]!;
  }
  // Tridiagonal solve for the interior M_1 … M_{n−2}.
  const m = new Float64Array(n);
  const cPrime = new Float64Array(n);
  const dPrime = new Float64Array(n);
  for (let i = 1; i < n - 1; i++) {
    const a = h[i - 1]!;
    const b = 2 * (h[i - 1]! + h[i]!);
    const c = h[i]!;
    const d = 6 * (slope[i]! - slope[i - 1]!);
    const denom = b - (i > 1 ? a * cPrime[i - 1]! : 0);
    cPrime[i] = c / denom;
    dPrime[i] = (d - (i > 1 ? a * dPrime[i - 1]! : 0)) / denom;
  }
  for (let i = n - 2; i >= 1; i--) m[i] = dPrime[i]! - (i < n - 2 ? cPrime[i]! * m[i + 1]! : 0);
  const out = new Float64Array(grid.length);
  let j = 0;
  const x0 = x[0]!;
  const xn = x[n - 1]!;
  for (let k = 0; k < grid.length; k++) {
    const g = grid[k]!;
    if (g < x0 || g > xn) {
      out[k] = fill;
      continue;
    }
    while (j < n - 2 && x[j + 1]! < g) j++;
    const hj = h[j]!;
    const t1 = x[j + 1]! - g;
    const t0 = g - x[j]!;
    out[k] =
      (m[j]! * t1 * t1 * t1 + m[j + 1]! * t0 * t0 * t0) / (6 * hj) +
      (y[j]! / hj - (m[j]! * hj) / 6) * t1 +
      (y[j + 1]! / hj - (m[j + 1]! * hj) / 6) * t0;
  }
  return out;
}

function mergeEqualX(x: ArrayLike<number>, y: ArrayLike<number>): { x: ArrayLike<number>; y: ArrayLike<number> } {
  let dup = false;
  for (let i = 1; i < x.length; i++) if (!(x[i]! > x[i - 1]!)) dup = true;
  if (!dup) return { x, y };
  const xs: number[] = [];
  const ys: number[] = [];
  let i = 0;
  while (i < x.length) {
    let j = i;
    let s = 0;
    while (j < x.length && x[j] === x[i]) s += y[j++]!;
    xs.push(x[i]!);
    ys.push(s / (j - i));
    i = j;
  }
  return { x: xs, y: ys };
}
