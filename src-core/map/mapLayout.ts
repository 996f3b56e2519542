import type { Spectrum } from '../spectrum/Spectrum.js';

/**
 * Where each spectrum of a map, line scan or multi-spectrum file sits in an image.
 *
 * Orientation (one convention everywhere: CLI PNG, app canvas, report page): column 0 is the smallest stage x and
 * x grows to the right; row 0 is the smallest stage y and y grows downwards, as the vendors' map viewers and video
 * images show a raster scan (its first line at the top). Readers that state grid indices (WDF, JobinYvon) use the
 * same convention, so their indices are taken as they are.
 */
export interface MapLayout {
  /** Image size in pixels. */
  width: number;
  height: number;
  /** 'grid': a 2-D map; 'line': a line scan or a multi-spectrum file laid out as one row. */
  kind: 'grid' | 'line';
  /** Spectrum index → pixel index (row · width + column). */
  pixelOf: Int32Array;
  /** Pixel index → spectrum index, −1 where the file has no spectrum (an interrupted map). */
  spectrumAt: Int32Array;
  /** True when the file gives stage positions in µm (then `stepUm` is set). */
  positions: boolean;
  /** Stage distance between neighbouring pixels in µm, along x and y (a line: along the line, both equal). */
  stepUm?: { x: number; y: number };
  /** Stage position range, µm (for captions). */
  rangeUm?: { x: [number, number]; y: [number, number] };
}

/** Distinct values of `v` (sorted), merging values closer than `tol`; returns a function giving a value's slot. */
function clusters(values: readonly number[], tol: number): { count: number; slot: (v: number) => number; centres: number[] } {
  const sorted = [...values].sort((a, b) => a - b);
  const centres: number[] = [];
  for (const v of sorted) if (centres.length === 0 || v - centres[centres.length - 1]! > tol) centres.push(v);
  const slot = (v: number): number => {
    let lo = 0;
    let hi = centres.length - 1;
    while (lo < hi) {
      const mid = (lo + hi + 1) >> 1;
      if (centres[mid]! <= v + tol) lo = mid;
      else hi = mid - 1;
    }
    return lo;
  };
  return { count: centres.length, slot, centres };
}

function finite(v: number | undefined): v is number {
  return v !== undefined && Number.isFinite(v);
}

function lineLayout(spectra: readonly Spectrum[]): MapLayout {
  const n = spectra.length;
  const pixelOf = new Int32Array(n);
  const spectrumAt = new Int32Array(n);
  for (let i = 0; i < n; i++) {
    pixelOf[i] = i;
    spectrumAt[i] = i;
  }
  const layout: MapLayout = { width: n, height: 1, kind: 'line', pixelOf, spectrumAt, positions: false };
  const pos = spectra.map((s) => s.meta.position);
  if (n >= 2 && pos.every((p) => finite(p.xUm) && finite(p.yUm))) {
    let length = 0;
    for (let i = 1; i < n; i++) length += Math.hypot(pos[i]!.xUm! - pos[i - 1]!.xUm!, pos[i]!.yUm! - pos[i - 1]!.yUm!);
    const step = length / (n - 1);
    if (step > 0) {
      layout.positions = true;
      layout.stepUm = { x: step, y: step };
      layout.rangeUm = range(pos.map((p) => p.xUm!), pos.map((p) => p.yUm!));
    }
  }
  return layout;
}

function range(xs: readonly number[], ys: readonly number[]): { x: [number, number]; y: [number, number] } {
  return { x: [Math.min(...xs), Math.max(...xs)], y: [Math.min(...ys), Math.max(...ys)] };
}

/**
 * Lays the spectra out as an image: grid indices from the reader when it gives them, else a grid rebuilt from the
 * stage positions (distinct x and y values), else one row in file order (a line scan, or a multi-spectrum file
 * without positions).
 */
export function layoutMap(spectra: readonly Spectrum[]): MapLayout {
  const n = spectra.length;
  if (n === 0) return { width: 0, height: 0, kind: 'line', pixelOf: new Int32Array(0), spectrumAt: new Int32Array(0), positions: false };
  const pos = spectra.map((s) => s.meta.position);
  const hasXY = pos.every((p) => finite(p.xUm) && finite(p.yUm));

  let col: number[] | undefined;
  let row: number[] | undefined;
  if (pos.every((p) => Number.isInteger(p.column) && Number.isInteger(p.row) && p.column! >= 0 && p.row! >= 0)) {
    col = pos.map((p) => p.column!);
    row = pos.map((p) => p.row!);
  } else if (hasXY) {
    const xs = pos.map((p) => p.xUm!);
    const ys = pos.map((p) => p.yUm!);
    const span = Math.max(Math.max(...xs) - Math.min(...xs), Math.max(...ys) - Math.min(...ys));
    const tol = Math.max(1e-9, span * 1e-6);
    const cx = clusters(xs, tol);
    const cy = clusters(ys, tol);
    // A real grid: at least 2 × 2, and not much sparser than the spectra it holds (a diagonal line scan is not).
    if (cx.count >= 2 && cy.count >= 2 && cx.count * cy.count <= 2 * n) {
      col = xs.map(cx.slot);
      row = ys.map(cy.slot);
    }
  }
  if (!col || !row) return lineLayout(spectra);
  const width = Math.max(...col) + 1;
  const height = Math.max(...row) + 1;
  if (height === 1 || width * height > 4 * n + 16) return lineLayout(spectra);
  const pixelOf = new Int32Array(n);
  const spectrumAt = new Int32Array(width * height).fill(-1);
  for (let i = 0; i < n; i++) {
    const p = row[i]! * width + col[i]!;
    // Two spectra on one pixel: not a grid after all.
    if (spectrumAt[p] !== -1) return lineLayout(spectra);
    spectrumAt[p] = i;
    pixelOf[i] = p;
  }
  const layout: MapLayout = { width, height, kind: 'grid', pixelOf, spectrumAt, positions: false };
  if (hasXY) {
    const xs = pos.map((p) => p.xUm!);
    const ys = pos.map((p) => p.yUm!);
    const r = range(xs, ys);
    const sx = width > 1 ? (r.x[1] - r.x[0]) / (width - 1) : 0;
    const sy = height > 1 ? (r.y[1] - r.y[0]) / (height - 1) : 0;
    const stepX = sx > 0 ? sx : sy;
    const stepY = sy > 0 ? sy : sx;
    if (stepX > 0 && stepY > 0) {
      layout.positions = true;
      layout.stepUm = { x: stepX, y: stepY };
      layout.rangeUm = r;
    }
  }
  return layout;
}
