/**
 * A synthetic Raman map built from real RRUFF spectra of ../shared/data (the Processed files of
 * rruff/sample/common_minerals; the bundled library holds the RAW files), for the map correctness test and the map
 * benchmark. Each pixel: one spectrum of its region's mineral (the samples and lasers of that mineral in turn),
 * normalised, scaled by a random factor, on a fluorescence-like baseline that varies across the map, plus Gaussian
 * noise, resampled onto one shared axis. Positions in µm; the file order is shuffled, so only the positions say
 * where a pixel is. Deterministic (seeded).
 */
import { readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { readSpectra } from '../src-core/formats/readSpectra.js';
import { makeSpectrum } from '../src-core/spectrum/makeSpectrum.js';
import type { Spectrum } from '../src-core/spectrum/Spectrum.js';
import { sharedPath } from './support.js';

export interface SyntheticMap {
  spectra: Spectrum[];
  width: number;
  height: number;
  /** Mineral of each pixel (row-major, row 0 = smallest y). */
  truth: string[];
  /** Minerals used, by region. */
  minerals: string[];
}

/** Asymmetric regions: Quartz top left, Calcite a band on the right, Rutile a block bottom left, Baryte elsewhere. */
export function regionOf(col: number, row: number, width: number, height: number): string {
  const u = col / width;
  const v = row / height;
  if (u >= 0.75) return 'Calcite';
  if (u < 0.4 && v < 0.4) return 'Quartz';
  if (u >= 0.08 && u < 0.28 && v >= 0.6 && v < 0.9) return 'Rutile';
  return 'Baryte';
}

function rng(seed: number): () => number {
  let s = seed >>> 0;
  return () => {
    s = (s + 0x6d2b79f5) >>> 0;
    let t = s;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

function gaussian(r: () => number): number {
  return Math.sqrt(-2 * Math.log(r() + 1e-12)) * Math.cos(2 * Math.PI * r());
}

function interpolate(x: Float64Array, y: Float64Array, at: number): number {
  if (at <= x[0]!) return y[0]!;
  if (at >= x[x.length - 1]!) return y[y.length - 1]!;
  let lo = 0;
  let hi = x.length - 1;
  while (hi - lo > 1) {
    const mid = (lo + hi) >> 1;
    if (x[mid]! <= at) lo = mid;
    else hi = mid;
  }
  return y[lo]! + ((at - x[lo]!) * (y[hi]! - y[lo]!)) / (x[hi]! - x[lo]!);
}

/** Source spectra per mineral (Processed RRUFF files), normalised to a maximum of 1 on the map axis. */
function sources(minerals: readonly string[], axis: Float64Array): Map<string, Float64Array[]> {
  const dir = sharedPath('rruff/sample/common_minerals/processed/excellent_unoriented');
  const files = readdirSync(dir).sort();
  const out = new Map<string, Float64Array[]>();
  for (const m of minerals) {
    const list: Float64Array[] = [];
    for (const f of files.filter((n) => n.startsWith(`${m}__`))) {
      const s = readSpectra(new Uint8Array(readFileSync(join(dir, f))), f).spectra[0]!;
      const y = axis.map((a) => interpolate(s.x, s.y, a));
      let max = 0;
      for (const v of y) max = Math.max(max, v);
      if (max > 0) list.push(y.map((v) => v / max));
    }
    if (list.length === 0) throw new Error(`no Processed RRUFF file of ${m} in ${dir}`);
    out.set(m, list);
  }
  return out;
}

/**
 * Builds the map: width × height pixels, `points` axis values from 160 to 1290 cm⁻¹ (inside every model's and the
 * classic axis), noise σ = `noise` of the band maximum, baselines up to `baseline` of it.
 */
export function buildSyntheticMap(opts: { width: number; height: number; points?: number; noise?: number; baseline?: number; seed?: number; stepUm?: number }): SyntheticMap {
  const { width, height } = opts;
  const points = opts.points ?? 1000;
  const noise = opts.noise ?? 0.02;
  const baseline = opts.baseline ?? 0.6;
  const step = opts.stepUm ?? 2;
  const r = rng(opts.seed ?? 7);
  const axis = new Float64Array(points);
  for (let i = 0; i < points; i++) axis[i] = 160 + (i * (1290 - 160)) / (points - 1);
  const minerals = ['Quartz', 'Calcite', 'Rutile', 'Baryte'];
  const src = sources(minerals, axis);
  const truth: string[] = [];
  const pixels: { col: number; row: number; y: Float64Array }[] = [];
  const used = new Map<string, number>();
  for (let row = 0; row < height; row++) {
    for (let col = 0; col < width; col++) {
      const m = regionOf(col, row, width, height);
      truth.push(m);
      const list = src.get(m)!;
      const k = used.get(m) ?? 0;
      used.set(m, k + 1);
      const base = list[k % list.length]!;
      const scale = 1000 * (0.6 + 0.8 * r());
      // Fluorescence: a decaying exponential plus a slope, stronger towards the right and bottom of the map.
      const strength = baseline * scale * (0.2 + 0.8 * ((col / width + row / height) / 2)) * (0.5 + r());
      const decay = 300 + 500 * r();
      const slope = (r() - 0.5) * 0.3 * scale;
      const y = new Float64Array(points);
      for (let i = 0; i < points; i++) {
        const a = axis[i]!;
        y[i] = base[i]! * scale + strength * Math.exp(-(a - 160) / decay) + (slope * (a - 160)) / 1130 + 200 + noise * scale * gaussian(r);
      }
      pixels.push({ col, row, y });
    }
  }
  // Shuffle the file order: the layout must come from the positions alone.
  for (let i = pixels.length - 1; i > 0; i--) {
    const j = Math.floor(r() * (i + 1));
    [pixels[i], pixels[j]] = [pixels[j]!, pixels[i]!];
  }
  const count = pixels.length;
  const spectra = pixels.map((p, index) =>
    makeSpectrum({
      x: axis,
      y: p.y,
      xUnit: 'cm-1',
      meta: { sourceFile: 'synthetic-map', format: 'synthetic', position: { index, count, xUm: 100 + p.col * step, yUm: -50 + p.row * step } },
    }),
  );
  return { spectra, width, height, truth, minerals };
}
