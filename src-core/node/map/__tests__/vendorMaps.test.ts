import { readFileSync } from 'node:fs';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { readSpectra } from '../../../formats/readSpectra.js';
import { phaseFigurePng } from '../../../map/phaseFigure.js';
import { Library } from '../../library/Library.js';
import { identifyMap } from '../identifyMap.js';
import { bundledLibraryPath } from '../../../../test/bundledLibrary.js';
import { describeShared, sharedPath } from '../../../../test/support.js';

describeShared('the real maps of ../shared/data open, render and match', () => {
  let lib: Library;
  beforeAll(() => {
    lib = Library.open(bundledLibraryPath());
  }, 600_000);
  afterAll(() => lib?.close());

  const cases: [string, number, number, 'grid' | 'line', number | null][] = [
    ['vendor/wdf/rosettasciio/renishaw_test_map.wdf', 3, 3, 'grid', 100],
    ['vendor/wdf/rosettasciio/interrupted_acquisition.wdf', 4, 3, 'grid', 10],
    ['vendor/wdf/rosettasciio/renishaw_test_linescan.wdf', 5, 1, 'line', 30],
    ['vendor/horiba/rosettasciio_jobinyvon_xml/jobinyvon_test_map_x3-y2.xml', 3, 2, 'grid', 2],
    ['vendor/horiba/rosettasciio_jobinyvon_xml/jobinyvon_test_map_x2-y2_rotated.xml', 3, 2, 'grid', 2],
    ['vendor/horiba/rosettasciio_jobinyvon_xml/jobinyvon_test_linescan.xml', 3, 1, 'line', 0.5],
  ];
  for (const [rel, width, height, kind, step] of cases) {
    it(`${rel.split('/').pop()}: ${width} × ${height} ${kind}`, async () => {
      const path = sharedPath(rel);
      const read = readSpectra(new Uint8Array(readFileSync(path)), path);
      const run = await identifyMap(lib, read.spectra, { method: 'hqi-derivative' });
      const { layout } = run.map;
      expect([layout.width, layout.height, layout.kind]).toEqual([width, height, kind]);
      if (step !== null) expect(layout.stepUm?.x).toBeCloseTo(step, 6);
      // Every spectrum was matched (these test files cover narrow ranges: the verdicts are honest no-matches).
      expect(run.map.results.every((r) => r.verdict !== 'error')).toBe(true);
      expect(run.map.results).toHaveLength(read.spectra.length);
      const png = phaseFigurePng(run.map, { title: rel });
      expect(png.length).toBeGreaterThan(500);
    }, 120_000);
  }
});
