import { mkdirSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { FIXTURES } from '../../../../test/support.js';
import { DEFAULT_AXIS } from '../../../engine/recipes.js';
import { labelledSetOf, loadLabelledSet, type LabelledSet } from '../../engine/dataset.js';
import { Library } from '../../library/Library.js';
import { librarySpectra } from '../trainOnLibrary.js';

const RRUFF = join(FIXTURES, 'rruff');

/** Per sample: class name, network input and classic vector. */
function bySample(set: LabelledSet): Map<string, { cls: string; input: number[]; classic: number[] }> {
  return new Map(set.samples.map((s, i) => [s, { cls: set.classNames[set.labels[i]!]!, input: Array.from(set.inputs[i]!), classic: Array.from(set.classic![i]!) }]));
}

describe('training on a library reads its spectra directly', () => {
  const dir = mkdtempSync(join(tmpdir(), 'specmatch-trainlib-'));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('gives the training set the RRUFF text export gave, without writing files, and leaves removed substances out', async () => {
    const lib = Library.open(join(dir, 'lib.specmatch'), { create: true });
    try {
      await lib.importPaths(readdirSync(RRUFF).filter((f) => f.endsWith('.txt')).map((f) => join(RRUFF, f)));
      const [baryte] = lib.findSubstancesByName('Baryte');
      expect(baryte).toBeDefined();
      lib.removeSubstance(baryte!);

      const read = librarySpectra(lib);
      expect(read.spectra).toHaveLength(11);
      expect(read.minerals).not.toContain('Baryte');
      expect(new Set(read.samples).size).toBe(11);
      for (const [i, s] of read.spectra.entries()) {
        const id = Number(read.samples[i]!.slice(1));
        expect(s).toEqual(lib.getSpectrum(id));
        expect(read.minerals[i]).toBe(lib.getSubstance(lib.getSpectrumInfo(id).substanceId).name);
      }

      // What the Model view did before: each reference written as RRUFF text, read back by the file loader.
      const text = join(dir, 'text');
      rmSync(text, { recursive: true, force: true });
      mkdirSync(text);
      read.spectra.forEach((s, i) => {
        const lines = [`##NAMES=${read.minerals[i]}`, `##RRUFFID=${read.samples[i]}`, ...Array.from(s.x, (x, k) => `${x}, ${s.y[k]}`), '##END='];
        writeFileSync(join(text, `${read.samples[i]}.txt`), lines.join('\n') + '\n');
      });
      const opts = { axis: DEFAULT_AXIS, classic: true };
      const direct = labelledSetOf(read, opts);
      const viaText = await loadLabelledSet([text], opts);
      expect(direct.classNames).toEqual(viaText.classNames);
      expect(direct.classNames).toEqual(['Anatase', 'Aragonite', 'Calcite', 'Quartz']);
      expect(bySample(direct)).toEqual(bySample(viaText));
      expect(direct.sources).toEqual([lib.path]);

      const aborted = new AbortController();
      aborted.abort();
      expect(() => librarySpectra(lib, aborted.signal)).toThrow(/cancelled/);
    } finally {
      lib.close();
    }
  });
});
