import type { Spectrum } from '../spectrum/Spectrum.js';

/**
 * Intensity of a band in one spectrum: the area between the spectrum and the straight line joining its values at
 * the band's edges (a local baseline), over [from, to] cm⁻¹, trapezoid rule. 0 when the band is outside the spectrum.
 */
export function bandArea(s: Spectrum, from: number, to: number): number {
  const lo = Math.min(from, to);
  const hi = Math.max(from, to);
  const { x, y } = s;
  let i0 = -1;
  let i1 = -1;
  for (let i = 0; i < x.length; i++) {
    if (x[i]! >= lo && x[i]! <= hi) {
      if (i0 < 0) i0 = i;
      i1 = i;
    }
  }
  if (i0 < 0 || i1 <= i0) return 0;
  const x0 = x[i0]!;
  const x1 = x[i1]!;
  const b = (xi: number): number => y[i0]! + ((xi - x0) * (y[i1]! - y[i0]!)) / (x1 - x0);
  let area = 0;
  for (let i = i0 + 1; i <= i1; i++) {
    const a = y[i - 1]! - b(x[i - 1]!);
    const c = y[i]! - b(x[i]!);
    area += ((a + c) / 2) * (x[i]! - x[i - 1]!);
  }
  return area;
}

/** Mean spectrum of the given spectra on the first one's axis (others interpolated linearly when their axes differ). */
export function meanSpectrum(spectra: readonly Spectrum[]): { x: Float64Array; y: Float64Array } | null {
  const first = spectra[0];
  if (!first) return null;
  const x = Float64Array.from(first.x);
  const y = new Float64Array(x.length);
  for (const s of spectra) {
    const same = s.x.length === x.length && s.x[0] === x[0] && s.x[x.length - 1] === x[x.length - 1];
    if (same) {
      for (let i = 0; i < x.length; i++) y[i] = y[i]! + s.y[i]!;
      continue;
    }
    let j = 0;
    for (let i = 0; i < x.length; i++) {
      const xi = x[i]!;
      while (j + 1 < s.x.length - 1 && s.x[j + 1]! < xi) j++;
      const xa = s.x[j]!;
      const xb = s.x[Math.min(j + 1, s.x.length - 1)]!;
      const t = xb === xa ? 0 : Math.min(1, Math.max(0, (xi - xa) / (xb - xa)));
      y[i] = y[i]! + s.y[j]! + t * (s.y[Math.min(j + 1, s.y.length - 1)]! - s.y[j]!);
    }
  }
  for (let i = 0; i < y.length; i++) y[i] = y[i]! / spectra.length;
  return { x, y };
}

/** The strongest band of a spectrum (its maximum above the median), as a window of ± halfWidth cm⁻¹ around it. */
export function strongestBand(s: { x: ArrayLike<number>; y: ArrayLike<number> }, halfWidth = 12): [number, number] | null {
  if (s.x.length < 3) return null;
  let best = 1;
  for (let i = 1; i < s.x.length - 1; i++) if (s.y[i]! > s.y[best]!) best = i;
  return [Math.round(s.x[best]! - halfWidth), Math.round(s.x[best]! + halfWidth)];
}

/** A perceptually ordered colour ramp (dark blue → teal → yellow) for intensity images; t in [0, 1]. */
export function rampColour(t: number): [number, number, number] {
  const stops: [number, number, number][] = [
    [20, 20, 70],
    [40, 90, 150],
    [30, 160, 140],
    [150, 210, 80],
    [250, 235, 60],
  ];
  const u = Math.min(1, Math.max(0, Number.isFinite(t) ? t : 0)) * (stops.length - 1);
  const k = Math.min(stops.length - 2, Math.floor(u));
  const f = u - k;
  const a = stops[k]!;
  const b = stops[k + 1]!;
  return [Math.round(a[0] + f * (b[0] - a[0])), Math.round(a[1] + f * (b[1] - a[1])), Math.round(a[2] + f * (b[2] - a[2]))];
}
