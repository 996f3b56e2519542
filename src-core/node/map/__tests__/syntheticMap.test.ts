import { afterAll, beforeAll, expect, it } from 'vitest';
import type { EmbeddingModel } from '../../../engine/EmbeddingModel.js';
import { renderPhaseFigure, cellSize } from '../../../map/phaseFigure.js';
import { loadDefaultModel } from '../../engine/loadModel.js';
import { Library } from '../../library/Library.js';
import { defaultMethodFor } from '../../library/matchLibrary.js';
import { identifyMap } from '../identifyMap.js';
import { bundledLibraryPath } from '../../../../test/bundledLibrary.js';
import { describeShared } from '../../../../test/support.js';
import { buildSyntheticMap, regionOf } from '../../../../test/syntheticMap.js';

describeShared('synthetic map from RRUFF spectra against the bundled library', () => {
  let lib: Library;
  let model: EmbeddingModel | null;
  beforeAll(async () => {
    lib = Library.open(bundledLibraryPath());
    model = await loadDefaultModel();
    if (model && lib.embeddingStatus(model.key).missing > 0) await lib.recomputeEmbeddings(model, {});
  }, 600_000);
  afterAll(() => {
    lib?.close();
    model?.dispose();
  });

  it('assigns ≥ 95 % of each region to its mineral with the default method, and the image is the right way round', async () => {
    const width = 30;
    const height = 20;
    const synth = buildSyntheticMap({ width, height, points: 1000 });
    const run = await identifyMap(lib, synth.spectra, { model });
    expect(run.method).toBe(defaultMethodFor(model?.manifest));
    const { map } = run;
    // Layout from positions only (file order shuffled): the grid and its orientation are recovered.
    expect([map.layout.width, map.layout.height, map.layout.kind]).toEqual([width, height, 'grid']);
    const perRegion = new Map<string, { right: number; total: number }>();
    for (let p = 0; p < width * height; p++) {
      const s = map.layout.spectrumAt[p]!;
      const pos = synth.spectra[s]!.meta.position;
      // Pixel p (row-major) holds the spectrum measured at column p % width, row ⌊p / width⌋.
      expect([(pos.xUm! - 100) / 2, (pos.yUm! + 50) / 2]).toEqual([p % width, Math.floor(p / width)]);
      const truth = synth.truth[p]!;
      const ph = map.phaseOf[s]!;
      const got = ph >= 0 ? map.phases[ph]!.substance : null;
      const c = perRegion.get(truth) ?? { right: 0, total: 0 };
      c.total++;
      if (got === truth) c.right++;
      perRegion.set(truth, c);
    }
    const figures = [...perRegion.entries()].map(([m, c]) => `${m} ${c.right}/${c.total} = ${((100 * c.right) / c.total).toFixed(1)} %`);
    console.log(`synthetic map ${width} × ${height}, method ${run.method}: ${figures.join(', ')}`);
    for (const [m, c] of perRegion) expect(c.right / c.total, `${m}: ${figures.join(', ')}`).toBeGreaterThanOrEqual(0.95);

    // The rendered figure: sample the middle of each region's known place in the image (x right, y down).
    const raster = renderPhaseFigure(map, { title: 'synthetic' });
    const cell = cellSize(width, height);
    const top = 16 + 20; // margin + one title line (TEXT_HEIGHT + 5)
    const colourAt = (col: number, row: number): number[] => {
      const o = ((top + row * cell + (cell >> 1)) * raster.width + 16 + col * cell + (cell >> 1)) * 4;
      return [raster.data[o]!, raster.data[o + 1]!, raster.data[o + 2]!];
    };
    const colourOf = (m: string): number[] => [...map.phases.find((p) => p.substance === m)!.colour];
    for (const [col, row] of [[2, 2], [27, 3], [27, 17], [5, 15], [15, 10]] as const) {
      const m = regionOf(col, row, width, height);
      const s = map.layout.spectrumAt[row * width + col]!;
      if (map.phaseOf[s]! >= 0 && map.phases[map.phaseOf[s]!]!.substance === m) expect(colourAt(col, row), `${m} at ${col}, ${row}`).toEqual(colourOf(m));
    }
  }, 600_000);
});
