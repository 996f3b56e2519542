import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it, onTestFinished } from 'vitest';
import { embeddingSizeOf } from '../../../engine/architecture.js';
import type { ModelManifest } from '../../../engine/EmbeddingModel.js';
import { RECIPES } from '../../../engine/recipes.js';
import { FIXTURES } from '../../../../test/support.js';
import { readSpectra } from '../../../formats/readSpectra.js';
import { loadModel } from '../loadModel.js';
import { recalibrateModel, trainModel } from '../trainModel.js';

/**
 * CI's proof that the training loop works end to end: a tiny run on the twelve RRUFF fixture spectra (four minerals
 * with two spectra each are usable), checkpoint, resume, cancel, and the written folder loads as a model.
 */
const DATA = join(FIXTURES, 'rruff');

describe('trainModel (tiny run on fixtures)', () => {
  const out = mkdtempSync(join(tmpdir(), 'specmatch-train-'));
  afterAll(() => rmSync(out, { recursive: true, force: true }));

  it('trains, writes a loadable model with a complete manifest, and resumes from its checkpoint', async () => {
    const progress: number[] = [];
    const r1 = await trainModel({ data: [DATA], outDir: out, recipe: 'improved', epochs: 1, pairsPerEpoch: 8, backend: 'wasm', onProgress: (p) => p.phase === 'epoch' && progress.push(p.epoch) });
    expect(progress).toEqual([1]);
    expect(r1.outcome.history).toHaveLength(1);
    expect(Number.isFinite(r1.outcome.history[0]!.loss)).toBe(true);
    const manifest = JSON.parse(readFileSync(join(out, 'manifest.json'), 'utf8')) as ModelManifest;
    expect(manifest.axis).toEqual({ from: 150, to: 1300, points: 512 });
    expect(manifest.embeddingSize).toBe(embeddingSizeOf(RECIPES.improved.spec));
    expect(manifest.training['recipeSettings']).toMatchObject({ batching: 'classes', selectBy: 'val-one-shot' });
    expect(manifest.pipelineHash).toMatch(/^[0-9a-f]{64}$/);
    expect(manifest.training['classes']).toBe(4);
    expect(manifest.calibration).toBeDefined();
    expect(manifest.fusedCalibration).toMatchObject({ alpha: 0.5 });
    expect(manifest.metrics['validationOneShotTop1Fused']).toBeGreaterThanOrEqual(0);

    const r2 = await trainModel({ data: [DATA], outDir: out, recipe: 'improved', epochs: 2, pairsPerEpoch: 8, resume: true, backend: 'wasm' });
    expect(r2.outcome.history.map((h) => h.epoch)).toEqual([1, 2]);

    const model = await loadModel(out, { force: 'wasm', log: () => undefined });
    const file = join(DATA, 'Quartz__R060604__Raman__532__0__unoriented__Raman_Data_RAW__31948.txt');
    const s = readSpectra(new Uint8Array(readFileSync(file)), file).spectra[0]!;
    const [e] = await model.embed([s]);
    expect(e).toHaveLength(manifest.embeddingSize);
    expect(model.similarity(e!, e!)).toBeGreaterThan(0);
    model.dispose();

    // Recalibration on the same data keeps the split and records a recommendation; other data is refused.
    const re = await recalibrateModel({ dir: out, data: [DATA], alpha: 0.25, recommend: { method: 'fused', because: 'test' } });
    expect(re.fusedCalibration!.alpha).toBe(0.25);
    expect(re.metrics).toMatchObject({ fusionAlpha: 0.25, recommendedMethod: 'fused', recommendation: 'test' });
    expect(JSON.parse(readFileSync(join(out, 'manifest.json'), 'utf8'))).toMatchObject({ metrics: { recommendedMethod: 'fused' } });
    const few = join(DATA, 'Quartz__R060604__Raman__532__0__unoriented__Raman_Data_RAW__31948.txt');
    await expect(recalibrateModel({ dir: out, data: [few] })).rejects.toThrow();
  });

  it('two-channel: learns the fusion α on the held-out classes, a spectrum scores itself highest', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'specmatch-train-2ch-'));
    onTestFinished(() => rmSync(dir, { recursive: true, force: true }));
    const r = await trainModel({ data: [DATA], outDir: dir, recipe: 'two-channel', epochs: 1, pairsPerEpoch: 8, backend: 'wasm', workers: 2 });
    const m = r.manifest;
    expect(m.training['recipe']).toBe('two-channel');
    expect(m.training['architecture']).toMatchObject({ inputChannels: 2, headConstraint: 'non-positive' });
    const search = m.metrics['fusionAlphaSearch'] as Array<{ alpha: number; top1: number }>;
    expect(search.map((x) => x.alpha)).toHaveLength(21);
    const best = Math.max(...search.map((x) => x.top1));
    expect(search.find((x) => x.alpha === m.metrics['fusionAlpha'])!.top1).toBe(best);
    expect(m.fusedCalibration!.alpha).toBe(m.metrics['fusionAlpha']);
    const model = await loadModel(dir, { force: 'wasm', log: () => undefined });
    const files = ['Quartz__R060604__Raman__532__0__unoriented__Raman_Data_RAW__31948.txt'].map((f) => join(DATA, f));
    const spectra = files.flatMap((f) => readSpectra(new Uint8Array(readFileSync(f)), f).spectra);
    const [e] = await model.embed(spectra);
    const other = Float32Array.from(e!, (v, i) => v + (i % 3) * 0.1);
    expect(model.similarity(e!, e!)).toBeGreaterThanOrEqual(model.similarity(e!, other));
    model.dispose();
  });

  it('stops on an aborted signal and keeps the last finished epoch usable', async () => {
    const controller = new AbortController();
    const r = await trainModel({
      data: [DATA],
      outDir: out,
      recipe: 'paper',
      epochs: 50,
      pairsPerEpoch: 8,
      resume: true,
      backend: 'wasm',
      signal: controller.signal,
      onProgress: (p) => p.phase === 'epoch' && p.epoch === 3 && controller.abort(),
    });
    expect(r.outcome.stoppedBy).toBe('cancelled');
    expect(r.outcome.history.map((h) => h.epoch)).toEqual([1, 2, 3]);
    expect(existsSync(join(out, 'checkpoint', 'last', 'state.json'))).toBe(true);
  });
});
