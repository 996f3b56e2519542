/**
 * Resolution matching: Gaussian broadening of a spectrum recorded at a finer resolution (line FWHM `from`, cm⁻¹)
 * to a coarser one (`to`). Gaussian line shapes add in quadrature, so the kernel's FWHM is √(to² − from²); nothing
 * changes when `to` ≤ `from`. The kernel is evaluated on the x distances themselves, so an uneven axis is fine.
 * An instrument's resolution is the median FWHM of its calibration lines (specmatch calibrate prints it).
 */
export function broadenGaussian(x: ArrayLike<number>, y: ArrayLike<number>, from: number, to: number): Float64Array {
  const n = Math.min(x.length, y.length);
  const out = Float64Array.from({ length: n }, (_, i) => y[i]!);
  if (!(to > from) || n < 3) return out;
  const fwhm = Math.sqrt(to * to - from * from);
  const sd = fwhm / (2 * Math.sqrt(2 * Math.LN2));
  const reach = 4 * sd;
  let lo = 0;
  for (let i = 0; i < n; i++) {
    const xi = x[i]!;
    while (lo < n && x[lo]! < xi - reach) lo++;
    let sw = 0;
    let sy = 0;
    for (let j = lo; j < n && x[j]! <= xi + reach; j++) {
      const d = (x[j]! - xi) / sd;
      // weight by the sample's own width (half the distance to its neighbours) so uneven spacing integrates right
      const width = (x[Math.min(n - 1, j + 1)]! - x[Math.max(0, j - 1)]!) / 2;
      const w = Math.exp(-0.5 * d * d) * width;
      sw += w;
      sy += w * y[j]!;
    }
    out[i] = sw > 0 ? sy / sw : y[i]!;
  }
  return out;
}
