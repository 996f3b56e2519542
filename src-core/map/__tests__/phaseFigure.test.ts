import { unzlibSync } from 'fflate';
import { describe, expect, it } from 'vitest';
import { makeSpectrum } from '../../spectrum/makeSpectrum.js';
import type { Spectrum } from '../../spectrum/Spectrum.js';
import { layoutMap } from '../mapLayout.js';
import { mapCsv, mapJsonLines, mapRows } from '../mapTable.js';
import { cellSize, renderPhaseFigure, scaleBar } from '../phaseFigure.js';
import type { PixelResult } from '../phaseMap.js';
import { buildPhaseMap, UNIDENTIFIED_COLOUR } from '../phaseMap.js';
import { encodePng, Raster } from '../raster.js';

const spec = (index: number, count: number, xUm?: number, yUm?: number): Spectrum =>
  makeSpectrum({ x: [100, 200, 300], y: [1, 2, 1], xUnit: 'cm-1', meta: { sourceFile: 'm', format: 't', position: { index, count, ...(xUm === undefined ? {} : { xUm }), ...(yUm === undefined ? {} : { yUm }) } } });

/** Decodes our own PNG (RGB, filter 0 rows) back to pixels: checks the encoder and lets tests read the image. */
function decodePng(png: Uint8Array): { width: number; height: number; rgb: (x: number, y: number) => number[] } {
  expect(Array.from(png.subarray(0, 8))).toEqual([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]);
  const dv = new DataView(png.buffer, png.byteOffset);
  let p = 8;
  let width = 0;
  let height = 0;
  const idat: Uint8Array[] = [];
  while (p < png.length) {
    const len = dv.getUint32(p);
    const type = String.fromCharCode(...png.subarray(p + 4, p + 8));
    if (type === 'IHDR') {
      width = dv.getUint32(p + 8);
      height = dv.getUint32(p + 12);
    } else if (type === 'IDAT') idat.push(png.subarray(p + 8, p + 8 + len));
    p += 12 + len;
  }
  const raw = unzlibSync(idat[0]!);
  const stride = width * 3 + 1;
  return { width, height, rgb: (x, y) => Array.from(raw.subarray(y * stride + 1 + x * 3, y * stride + 4 + x * 3)) };
}

describe('map layout, phase map and figure', () => {
  // An asymmetric 3 × 2 map given in scrambled file order: A at (x 0, y 0) only, B along the bottom row, C top right.
  //   row 0 (y = 10):  A  .  C        ('.' = no-match)
  //   row 1 (y = 20):  B  B  B
  const at: [number, number, PixelResult][] = [
    [5, 20, { substance: 'B', score: 0.9, verdict: 'match' }],
    [0, 10, { substance: 'A', score: 0.95, verdict: 'match' }],
    [10, 20, { substance: 'B', score: 0.8, verdict: 'ambiguous' }],
    [10, 10, { substance: 'C', score: 0.9, verdict: 'match' }],
    [0, 20, { substance: 'B', score: 0.85, verdict: 'match' }],
    [5, 10, { substance: 'A', score: 0.2, verdict: 'no-match' }],
  ];
  const spectra = at.map(([x, y], i) => spec(i, at.length, x, y));
  const layout = layoutMap(spectra);
  const map = buildPhaseMap(layout, at.map((a) => a[2]));

  it('lays out by position: x to the right, y downwards, with the stage step', () => {
    expect([layout.width, layout.height, layout.kind, layout.positions]).toEqual([3, 2, 'grid', true]);
    expect(layout.stepUm).toEqual({ x: 5, y: 10 });
    expect(Array.from(layout.spectrumAt)).toEqual([1, 5, 3, 4, 0, 2]);
  });

  it('counts phases by pixels and leaves no-match grey', () => {
    expect(map.phases.map((p) => [p.substance, p.pixels])).toEqual([['B', 3], ['A', 1], ['C', 1]]);
    expect(map.unidentified).toBe(1);
    expect(buildPhaseMap(layout, at.map((a) => a[2]), { minScore: 0.9 }).phases.map((p) => [p.substance, p.pixels])).toEqual([['A', 1], ['B', 1], ['C', 1]]);
  });

  it('writes a PNG whose pixels put each phase where it was measured', () => {
    const png = encodePng(renderPhaseFigure(map, { title: 'orientation' }));
    const img = decodePng(png);
    const cell = cellSize(3, 2);
    const top = 16 + 20;
    const px = (col: number, row: number): number[] => img.rgb(16 + col * cell + (cell >> 1), top + row * cell + (cell >> 1));
    const colour = (s: string): number[] => [...map.phases.find((p) => p.substance === s)!.colour];
    expect(px(0, 0)).toEqual(colour('A'));
    expect(px(2, 0)).toEqual(colour('C'));
    expect(px(1, 0)).toEqual([...UNIDENTIFIED_COLOUR]);
    for (const c of [0, 1, 2]) expect(px(c, 1)).toEqual(colour('B'));
  });

  it('lays a file without positions out as a line in file order, and rows keep the file positions', () => {
    const line = layoutMap([spec(0, 3), spec(1, 3), spec(2, 3)]);
    expect([line.width, line.height, line.kind, line.positions]).toEqual([3, 1, 'line', false]);
    const rows = mapRows(map, spectra);
    expect(rows[3]).toEqual({ x: 10, y: 10, substance: 'C', score: 0.9, verdict: 'match' });
    expect(mapCsv(rows).split('\n')[0]).toBe('x,y,substance,score,verdict');
    expect(JSON.parse(mapJsonLines(rows).split('\n')[1]!)).toEqual({ x: 0, y: 10, substance: 'A', score: 0.95, verdict: 'match' });
  });

  it('picks round scale bars', () => {
    expect(scaleBar(1, 400)).toMatchObject({ lengthUm: 100, lengthPx: 100, label: '100 µm' });
    expect(scaleBar(0.05, 480)?.label).toBe('5 µm');
    expect(scaleBar(20, 480)?.label).toBe('2 mm');
    expect(scaleBar(0, 480)).toBeUndefined();
  });

  it('draws text with the bundled glyphs', () => {
    const r = new Raster(60, 20);
    expect(r.text(2, 2, 'Quartz µm')).toBeGreaterThan(40);
    expect(r.data.some((v, i) => i % 4 !== 3 && v < 128)).toBe(true);
  });
});
