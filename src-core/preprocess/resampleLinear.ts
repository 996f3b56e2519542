/**
 * Linear interpolation of (x, y) onto `grid` (both ascending). Grid points outside [x0, xn] get `fill`
 * (default 0: a spectrum holds no signal where it was not measured).
 */
export function resampleLinear(x: ArrayLike<number>, y: ArrayLike<number>, grid: ArrayLike<number>, fill = 0): Float64Array {
  const out = new Float64Array(grid.length);
  const n = x.length;
  if (n === 0) return out.fill(fill);
  let j = 0;
  const x0 = x[0]!;
  const xn = x[n - 1]!;
  for (let i = 0; i < grid.length; i++) {
    const g = grid[i]!;
    if (g < x0 || g > xn) {
      out[i] = fill;
      continue;
    }
    while (j < n - 2 && x[j + 1]! < g) j++;
    const xa = x[j]!;
    const xb = x[Math.min(j + 1, n - 1)]!;
    const ya = y[j]!;
    const yb = y[Math.min(j + 1, n - 1)]!;
    out[i] = xb === xa ? ya : ya + ((g - xa) * (yb - ya)) / (xb - xa);
  }
  return out;
}

/** An evenly spaced axis: `points` values from `from` to `to` inclusive. */
export function linearAxis(from: number, to: number, points: number): Float64Array {
  const a = new Float64Array(points);
  const step = points > 1 ? (to - from) / (points - 1) : 0;
  for (let i = 0; i < points; i++) a[i] = from + i * step;
  return a;
}
