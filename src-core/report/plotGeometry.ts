import type { Spectrum } from '../spectrum/Spectrum.js';

/**
 * Geometry of the overlay plot (pure, so the PDF and any other renderer draw the same thing). Each trace is
 * min–max normalised over the shown x range (references are "scaled" to the query, as in the app), and decimated
 * per device column keeping both the minimum and the maximum so narrow Raman peaks survive at print resolution.
 */
export interface PlotTrace {
  label: string;
  /** Points in box coordinates: x from 0 (left) to width, y from 0 (top) to height. */
  points: Array<[number, number]>;
}

export interface PlotGeometry {
  xMin: number;
  xMax: number;
  xTicks: Array<{ value: number; pos: number }>;
  yTicks: Array<{ value: number; pos: number }>;
  traces: PlotTrace[];
}

/** "Nice" tick step (1, 2, 5 × 10^k) giving about `target` ticks over span. */
export function niceStep(span: number, target: number): number {
  const raw = span / Math.max(1, target);
  const mag = 10 ** Math.floor(Math.log10(raw));
  const f = raw / mag;
  return (f < 1.5 ? 1 : f < 3 ? 2 : f < 7 ? 5 : 10) * mag;
}

export function overlayGeometry(traces: Array<{ label: string; spectrum: Spectrum }>, width: number, height: number, columnsPerPoint = 2): PlotGeometry {
  const first = traces[0]?.spectrum;
  const xMin = first && first.x.length ? first.x[0]! : 0;
  let xMax = first && first.x.length ? first.x[first.x.length - 1]! : 1;
  if (!(xMax > xMin)) xMax = xMin + 1;
  const columns = Math.max(10, Math.round(width * columnsPerPoint));
  const out: PlotTrace[] = [];
  for (const t of traces) {
    const { x, y } = t.spectrum;
    let lo = Infinity;
    let hi = -Infinity;
    for (let i = 0; i < x.length; i++) {
      if (x[i]! < xMin || x[i]! > xMax) continue;
      lo = Math.min(lo, y[i]!);
      hi = Math.max(hi, y[i]!);
    }
    const scale = hi > lo ? 1 / (hi - lo) : 0;
    const colMin = new Float64Array(columns).fill(Infinity);
    const colMax = new Float64Array(columns).fill(-Infinity);
    const colMinFirst = new Uint8Array(columns);
    for (let i = 0; i < x.length; i++) {
      const xi = x[i]!;
      if (xi < xMin || xi > xMax) continue;
      const c = Math.min(columns - 1, Math.floor(((xi - xMin) / (xMax - xMin)) * columns));
      const v = (y[i]! - lo) * scale;
      if (v < colMin[c]!) {
        colMin[c] = v;
        if (colMax[c] === -Infinity) colMinFirst[c] = 1;
      }
      if (v > colMax[c]!) colMax[c] = v;
    }
    const points: Array<[number, number]> = [];
    const toY = (v: number): number => height - v * height;
    for (let c = 0; c < columns; c++) {
      if (colMin[c] === Infinity) continue;
      const px = ((c + 0.5) / columns) * width;
      const a = colMinFirst[c] ? colMin[c]! : colMax[c]!;
      const b = colMinFirst[c] ? colMax[c]! : colMin[c]!;
      points.push([px, toY(a)]);
      if (b !== a) points.push([px, toY(b)]);
    }
    out.push({ label: t.label, points });
  }
  const step = niceStep(xMax - xMin, 8);
  const xTicks: PlotGeometry['xTicks'] = [];
  for (let v = Math.ceil(xMin / step) * step; v <= xMax + 1e-9; v += step) xTicks.push({ value: +v.toPrecision(10), pos: ((v - xMin) / (xMax - xMin)) * width });
  const yTicks = [0, 0.25, 0.5, 0.75, 1].map((v) => ({ value: v, pos: height - v * height }));
  return { xMin, xMax, xTicks, yTicks, traces: out };
}
