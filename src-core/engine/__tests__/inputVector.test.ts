import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { FIXTURES, specmatchErrorOf } from '../../../test/support.js';
import { readSpectra } from '../../formats/readSpectra.js';
import { pipelineHash } from '../../preprocess/pipeline.js';
import { bareSpectrum, makeVectorizer } from '../../preprocess/vectorizer.js';
import { axisGrid, inputPipeline, spectrumToInput } from '../inputVector.js';
import { migrateManifest } from '../manifest.js';

const AXIS = { from: 150, to: 1300, points: 512 };
const rruff = readdirSync(join(FIXTURES, 'rruff'))
  .filter((f) => f.endsWith('.txt'))
  .map((f) => readSpectra(new Uint8Array(readFileSync(join(FIXTURES, 'rruff', f))), f).spectra[0]!);

describe('model input stage', () => {
  it('the training fast path spectrumToInput is exactly the registry pipeline the manifest names', () => {
    const v = makeVectorizer(inputPipeline(AXIS));
    const grid = axisGrid(AXIS);
    const cut = (s: (typeof rruff)[number], from: number, to: number) => {
      const keep = Array.from(s.x.keys()).filter((i) => s.x[i]! >= from && s.x[i]! <= to);
      return bareSpectrum(keep.map((i) => s.x[i]!), keep.map((i) => s.y[i]!));
    };
    // whole fixtures, and pieces that leave the axis on the left, the right, or both (hold-edge at work)
    const cases = rruff.flatMap((s) => [s, cut(s, 400, 5000), cut(s, 0, 900), cut(s, 500, 700)]);
    for (const s of cases) {
      const out = new Float32Array(AXIS.points);
      expect(spectrumToInput(s.x, s.y, grid, out)).toBe(true);
      expect(Array.from(v.apply(s))).toEqual(Array.from(out));
    }
    // where the pipeline fails, the fast path says so
    const outside = bareSpectrum([2000, 2001, 2002], [1, 2, 3]);
    expect(spectrumToInput(outside.x, outside.y, grid, new Float32Array(AXIS.points))).toBe(false);
    expect(specmatchErrorOf(() => v.apply(outside)).code).toBe('E_PIPELINE');
    const flat = bareSpectrum([100, 800, 1400], [5, 5, 5]);
    expect(spectrumToInput(flat.x, flat.y, grid, new Float32Array(AXIS.points))).toBe(false);
    expect(specmatchErrorOf(() => v.apply(flat)).code).toBe('E_PIPELINE');
  });

  it('migrates the v3 manifest as shipped before the single hash (frozen fixture) to its registry pipeline', () => {
    const file = join(FIXTURES, 'models', 'siamese-rruff-v3.r1-manifest.json');
    const old = JSON.parse(readFileSync(file, 'utf8')) as { pipelineHash: string; pipeline: { steps: Array<{ kind: string }> } };
    expect(old.pipeline.steps[0]!.kind).toBe('resample.linear');
    const m = migrateManifest(old, file);
    expect(m.pipeline).toEqual(inputPipeline(AXIS));
    expect(m.pipelineHash).toBe(pipelineHash(inputPipeline(AXIS)));
    expect(m.legacyPipelineHashes).toEqual([old.pipelineHash]);
    // the shipped manifest holds that migration's input stage, written out (its metrics and fused calibration were
    // re-measured since); reading it again changes nothing
    const shipped = JSON.parse(readFileSync(join(FIXTURES, '..', '..', 'resources', 'models', 'siamese-rruff-v3', 'manifest.json'), 'utf8')) as Record<string, unknown>;
    for (const k of ['pipeline', 'pipelineHash', 'legacyPipelineHashes', 'axis', 'id', 'embeddingSize'] as const) expect(shipped[k]).toEqual(JSON.parse(JSON.stringify(m[k])));
    expect(JSON.parse(JSON.stringify(migrateManifest(shipped, 'shipped')))).toEqual(shipped);
  });

  it('refuses a manifest whose hash or axis does not match its pipeline', () => {
    const base = { id: 'x', version: '1', axis: AXIS, pipeline: inputPipeline(AXIS), pipelineHash: pipelineHash(inputPipeline(AXIS)), embeddingSize: 8, training: {}, metrics: {}, tfjsVersion: '4' };
    expect(migrateManifest(base, 'm.json').pipelineHash).toBe(base.pipelineHash);
    expect(specmatchErrorOf(() => migrateManifest({ ...base, pipelineHash: 'abc' }, 'm.json')).message).toMatch(/m\.json: pipelineHash abc is not the hash/);
    expect(specmatchErrorOf(() => migrateManifest({ ...base, axis: { ...AXIS, points: 256 } }, 'm.json')).code).toBe('E_MODEL');
    expect(specmatchErrorOf(() => migrateManifest({ ...base, pipeline: { schemaVersion: 1, steps: [{ kind: 'nope' }] } }, 'm.json')).message).toMatch(/not valid.*unknown kind 'nope'/);
    expect(specmatchErrorOf(() => migrateManifest([], 'm.json')).code).toBe('E_MODEL');
  });
});
