import type { Spectrum } from '../spectrum/Spectrum.js';
import type { MapLayout } from './mapLayout.js';

function median(values: Float64Array | number[]): number {
  const a = Float64Array.from(values).sort();
  if (a.length === 0) return NaN;
  const m = a.length >> 1;
  return a.length % 2 ? a[m]! : (a[m - 1]! + a[m]!) / 2;
}

/** Noise level of a spectrum: the robust (MAD) spread of its first differences, divided by √2. */
export function noiseLevel(y: ArrayLike<number>): number {
  const n = y.length;
  if (n < 3) return 0;
  const d = new Float64Array(n - 1);
  for (let i = 1; i < n; i++) d[i - 1] = y[i]! - y[i - 1]!;
  const m = median(d);
  for (let i = 0; i < d.length; i++) d[i] = Math.abs(d[i]! - m);
  return (1.4826 * median(d)) / Math.SQRT2;
}

/**
 * Signal-to-noise ratio of a spectrum: (99th percentile − median) / noise level. A spectrum of noise alone
 * scores about 3; a clear Raman band tens to thousands.
 */
export function signalToNoise(y: ArrayLike<number>): number {
  const a = Float64Array.from(y).sort();
  if (a.length < 3) return 0;
  const top = a[Math.min(a.length - 1, Math.floor(a.length * 0.99))]!;
  const noise = noiseLevel(y);
  const signal = top - a[a.length >> 1]!;
  return noise > 0 ? signal / noise : signal > 0 ? Infinity : 0;
}

/** Neighbouring spectra of spectrum i: the 8 surrounding pixels of a grid; the 2 on each side along a line. */
function neighbours(layout: MapLayout, i: number): number[] {
  const p = layout.pixelOf[i]!;
  const col = p % layout.width;
  const row = Math.floor(p / layout.width);
  const out: number[] = [];
  const reach = layout.kind === 'line' ? 2 : 1;
  for (let dy = -reach; dy <= reach; dy++) {
    for (let dx = -reach; dx <= reach; dx++) {
      if ((dx === 0 && dy === 0) || (layout.kind === 'line' && dy !== 0)) continue;
      const c = col + dx;
      const r = row + dy;
      if (c < 0 || r < 0 || c >= layout.width || r >= layout.height) continue;
      const s = layout.spectrumAt[r * layout.width + c]!;
      if (s >= 0) out.push(s);
    }
  }
  return out;
}

/** Spikes wider than this many points are taken for real bands, not cosmic rays. */
const MAX_SPIKE_POINTS = 3;

/**
 * Cosmic-ray removal across neighbouring pixels: a point that stands above the median of the same point in the
 * neighbouring spectra (after matching their level) by more than `threshold` noise levels, in a run of at most
 * MAX_SPIKE_POINTS points, is a spike present in this pixel only: it and the points next to it are replaced by that
 * neighbour median. A band present in several pixels, or a broad band, is left alone. Only spectra with the same
 * number of points as their neighbours are compared. Returns the cleaned spectra (new arrays where changed) and the
 * number of spikes removed.
 */
export function removeSpikesAcrossPixels(spectra: readonly Spectrum[], layout: MapLayout, threshold = 8): { spectra: Spectrum[]; spikes: number; pixels: number } {
  let spikes = 0;
  let pixels = 0;
  const out = spectra.map((s, i) => {
    const nb = neighbours(layout, i).filter((j) => spectra[j]!.y.length === s.y.length);
    if (nb.length < 2) return s;
    const n = s.y.length;
    const ref = new Float64Array(n);
    const col = new Float64Array(nb.length);
    for (let k = 0; k < n; k++) {
      for (let j = 0; j < nb.length; j++) col[j] = spectra[nb[j]!]!.y[k]!;
      ref[k] = median(col);
    }
    const diff = new Float64Array(n);
    for (let k = 0; k < n; k++) diff[k] = s.y[k]! - ref[k]!;
    const offset = median(diff);
    const noise = Math.max(noiseLevel(s.y), 1e-12);
    let y: Float64Array | undefined;
    let k = 0;
    let found = 0;
    while (k < n) {
      if (diff[k]! - offset <= threshold * noise) {
        k++;
        continue;
      }
      let e = k;
      while (e + 1 < n && diff[e + 1]! - offset > (threshold / 2) * noise) e++;
      let b = k;
      while (b - 1 >= 0 && diff[b - 1]! - offset > (threshold / 2) * noise) b--;
      if (e - b + 1 <= MAX_SPIKE_POINTS) {
        y ??= Float64Array.from(s.y);
        for (let q = Math.max(0, b - 1); q <= Math.min(n - 1, e + 1); q++) y[q] = ref[q]! + offset;
        found++;
      }
      k = e + 1;
    }
    if (!y) return s;
    spikes += found;
    pixels++;
    return { ...s, y, meta: { ...s.meta, warnings: [...s.meta.warnings, `${found} cosmic-ray spike${found === 1 ? '' : 's'} removed (not in the neighbouring pixels)`] } };
  });
  return { spectra: out, spikes, pixels };
}
