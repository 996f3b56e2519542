import { requireLength } from './params.js';

/**
 * Rubberband baseline: the lower convex hull of the points (x_i, y_i), as if a band were stretched under the
 * spectrum from below, interpolated linearly between the hull's vertices. Parameter-free; it follows convex
 * backgrounds exactly and under-corrects concave (fluorescence-hump) ones, which is why ALS-type methods exist.
 * The hull is found with Andrew's monotone chain in O(n) on the ascending x axis. Returns the baseline.
 */
export function baselineRubberband(x: ArrayLike<number>, y: ArrayLike<number>): Float64Array {
  const n = y.length;
  requireLength('rubberband baseline', n, 2);
  const hull: number[] = [];
  for (let i = 0; i < n; i++) {
    // Pop while the last two hull points and i do not turn counter-clockwise (the middle one lies above the chord).
    while (hull.length >= 2) {
      const a = hull[hull.length - 2]!;
      const b = hull[hull.length - 1]!;
      const cross = (x[b]! - x[a]!) * (y[i]! - y[a]!) - (y[b]! - y[a]!) * (x[i]! - x[a]!);
      if (cross <= 0) hull.pop();
      else break;
    }
    hull.push(i);
  }
  const out = new Float64Array(n);
  for (let h = 0; h + 1 < hull.length; h++) {
    const a = hull[h]!;
    const b = hull[h + 1]!;
    const dx = x[b]! - x[a]!;
    for (let i = a; i <= b; i++) out[i] = dx === 0 ? y[a]! : y[a]! + ((y[b]! - y[a]!) * (x[i]! - x[a]!)) / dx;
  }
  return out;
}
