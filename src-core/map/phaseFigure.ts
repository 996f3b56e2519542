import type { PhaseMap } from './phaseMap.js';
import { LOW_SIGNAL_COLOUR, phaseImageRgb, UNIDENTIFIED_COLOUR } from './phaseMap.js';
import type { Rgb } from './raster.js';
import { encodePng, Raster, TEXT_HEIGHT, textWidth } from './raster.js';

/** A scale bar: a round length (1, 2 or 5 × 10ⁿ µm) close to a quarter of the image width. */
export interface ScaleBar {
  lengthUm: number;
  lengthPx: number;
  label: string;
}

export function scaleBar(umPerPixel: number, imageWidthPx: number): ScaleBar | undefined {
  if (!(umPerPixel > 0) || !(imageWidthPx > 0)) return undefined;
  const target = (imageWidthPx / 4) * umPerPixel;
  const p = 10 ** Math.floor(Math.log10(target));
  let lengthUm = p;
  for (const m of [1, 2, 5, 10]) if (m * p <= target) lengthUm = m * p;
  const lengthPx = lengthUm / umPerPixel;
  const label = `${lengthUm >= 1000 ? `${+(lengthUm / 1000).toPrecision(3)} mm` : `${+lengthUm.toPrecision(3)} µm`}`;
  return { lengthUm, lengthPx, label };
}

/** Legend rows of a phase map: colour, label (with pixel count and fraction). */
export function legendRows(map: PhaseMap): { colour: Rgb; label: string }[] {
  const n = Math.max(1, map.results.length);
  const pct = (k: number): string => `${((100 * k) / n).toFixed(1)} %`;
  const rows = map.phases.map((p) => ({ colour: p.colour, label: `${p.substance}: ${p.pixels} px (${pct(p.pixels)})` }));
  rows.push({ colour: UNIDENTIFIED_COLOUR, label: `unidentified: ${map.unidentified} px (${pct(map.unidentified)})` });
  if (map.lowSignal > 0) rows.push({ colour: LOW_SIGNAL_COLOUR, label: `low signal: ${map.lowSignal} px (${pct(map.lowSignal)})` });
  return rows;
}

/** How many screen pixels each map pixel gets (the image about 480 px on its longer side, at least 1). */
export function cellSize(width: number, height: number, target = 480): number {
  return Math.max(1, Math.floor(target / Math.max(width, height, 1)));
}

const fmt = (v: number): string => String(+v.toPrecision(5));

/**
 * The phase image as a PNG figure: title, the map (one colour per substance, grey unidentified, dark grey low signal,
 * white where the file has no spectrum; x to the right, y downwards), the stage range, a scale bar in µm when the
 * file has positions, and the legend with pixel counts and fractions.
 */
export function renderPhaseFigure(map: PhaseMap, opts: { title: string; subtitle?: string }): Raster {
  const { width, height } = map.layout;
  // A line of 1 × n pixels gets taller cells so it is visible.
  const cell = cellSize(width, height);
  const cellH = map.layout.kind === 'line' ? Math.max(cell, 24) : cell;
  const imgW = width * cell;
  const imgH = height * cellH;
  const margin = 16;
  const legend = legendRows(map);
  const legendW = Math.max(...legend.map((r) => textWidth(r.label))) + 24;
  const lineH = TEXT_HEIGHT + 5;
  const head = opts.subtitle ? 2 * lineH : lineH;
  const captions: string[] = [];
  const bar = map.layout.stepUm ? scaleBar(map.layout.stepUm.x / cell, imgW) : undefined;
  if (map.layout.rangeUm) {
    const r = map.layout.rangeUm;
    captions.push(map.layout.kind === 'grid' ? `x ${fmt(r.x[0])} … ${fmt(r.x[1])} µm left to right, y ${fmt(r.y[0])} … ${fmt(r.y[1])} µm top to bottom` : `line of ${map.results.length} spectra from (${fmt(r.x[0])}, ${fmt(r.y[0])}) µm`);
  } else captions.push(map.layout.kind === 'grid' ? 'no stage positions in the file' : `${map.results.length} spectra in file order (no positions)`);
  const below = (bar ? 22 : 0) + captions.length * lineH;
  const W = Math.max(margin * 3 + imgW + legendW, margin * 2 + Math.max(textWidth(opts.title), textWidth(opts.subtitle ?? ''), ...captions.map(textWidth)));
  const H = margin * 2 + head + Math.max(imgH + 8 + below, legend.length * lineH);
  const r = new Raster(W, H);
  let y = margin;
  r.text(margin, y, opts.title);
  y += lineH;
  if (opts.subtitle) {
    r.text(margin, y, opts.subtitle, [80, 80, 80]);
    y += lineH;
  }
  const top = y;
  drawPhaseImage(r, map, margin, top, cell, cellH);
  r.strokeRect(margin - 1, top - 1, imgW + 2, imgH + 2, [60, 60, 60]);
  let by = top + imgH + 8;
  if (bar) {
    r.fillRect(margin, by + 2, bar.lengthPx, 4, [0, 0, 0]);
    r.text(margin + bar.lengthPx + 6, by - 3, bar.label);
    by += 22;
  }
  for (const c of captions) {
    r.text(margin, by, c, [80, 80, 80]);
    by += lineH;
  }
  const lx = margin * 2 + imgW;
  legend.forEach((row, i) => {
    const ly = top + i * lineH;
    r.fillRect(lx, ly + 1, 14, 14, row.colour);
    r.strokeRect(lx, ly + 1, 14, 14, [60, 60, 60]);
    r.text(lx + 20, ly, row.label);
  });
  return r;
}

/** The phase image's pixels at (x, y), each map pixel a cell × cellH block. */
function drawPhaseImage(r: Raster, map: PhaseMap, x: number, y: number, cell: number, cellH: number): void {
  const { width, height } = map.layout;
  const rgb = phaseImageRgb(map);
  for (let row = 0; row < height; row++) {
    for (let col = 0; col < width; col++) {
      const o = (row * width + col) * 3;
      r.fillRect(x + col * cell, y + row * cellH, cell, cellH, [rgb[o]!, rgb[o + 1]!, rgb[o + 2]!]);
    }
  }
}

/**
 * The phase image alone (no title, legend or captions) as PNG bytes, with the figure's cell sizes: what the PDF
 * report's map page places, drawing its legend, scale bar and table as text beside it.
 */
export function phaseImagePng(map: PhaseMap): { png: Uint8Array; width: number; height: number } {
  const cell = cellSize(map.layout.width, map.layout.height);
  const cellH = map.layout.kind === 'line' ? Math.max(cell, 24) : cell;
  const r = new Raster(map.layout.width * cell, map.layout.height * cellH);
  drawPhaseImage(r, map, 0, 0, cell, cellH);
  return { png: encodePng(r), width: r.width, height: r.height };
}

/** renderPhaseFigure as PNG bytes. */
export function phaseFigurePng(map: PhaseMap, opts: { title: string; subtitle?: string }): Uint8Array {
  return encodePng(renderPhaseFigure(map, opts));
}
