import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as tf from '@tensorflow/tfjs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ArchitectureSpec } from '../../../engine/architecture.js';
import { inputPipeline } from '../../../engine/inputVector.js';
import type { Spectrum } from '../../../spectrum/Spectrum.js';
import { chooseBackend } from '../backend.js';
import { loadModel } from '../loadModel.js';
import { saveNetwork, writeManifest } from '../modelStore.js';
import { buildNetwork, disposeNetwork } from '../siameseNetwork.js';
import { pipelineHash } from '../../../preprocess/pipeline.js';

/** A small six-block network on a 64-point axis: same code paths as the shipped one, fast enough for CI. */
const SPEC: ArchitectureSpec = {
  inputPoints: 64,
  blocks: [
    { filters: 4, kernelSize: 5 },
    { filters: 4, kernelSize: 3 },
    { filters: 8, kernelSize: 3 },
    { filters: 8, kernelSize: 3 },
    { filters: 8, kernelSize: 3 },
    { filters: 8, kernelSize: 3 },
  ],
  poolSize: 2,
  leakyAlpha: 0.2,
};
const AXIS = { from: 200, to: 1200, points: 64 };

function spectrum(peaks: number[], name: string): Spectrum {
  const x = Float64Array.from({ length: 500 }, (_, i) => 150 + i * 2.2);
  const y = x.map((v) => 100 + peaks.reduce((s, p) => s + 1000 * Math.exp(-(((v - p) / 6) ** 2)), 0));
  return { x, y, meta: { sourceFile: name, format: 'test', xKind: 'raman-shift', originalXUnit: 'cm-1', position: { index: 0, count: 1 }, fields: {}, warnings: [] } };
}

describe('Siamese model folder', () => {
  let dir: string;
  beforeAll(async () => {
    await chooseBackend({ force: 'wasm', log: () => undefined });
    dir = mkdtempSync(join(tmpdir(), 'specmatch-model-'));
    const net = buildNetwork(SPEC, 42);
    await saveNetwork(net, dir);
    disposeNetwork(net);
    const pipeline = inputPipeline(AXIS);
    writeManifest(dir, {
      id: 'test-model',
      version: 'test',
      axis: AXIS,
      pipeline,
      pipelineHash: pipelineHash(pipeline),
      embeddingSize: 8,
      training: {},
      metrics: {},
      tfjsVersion: tf.version.tfjs,
    });
  });
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('saves and loads to the same embeddings and similarities (round trip)', async () => {
    const net = buildNetwork(SPEC, 42);
    const model = await loadModel(dir, { force: 'wasm', log: () => undefined });
    expect(model.backend).toBe('wasm');
    expect(model.key).toBe(`test-model:${pipelineHash(inputPipeline(AXIS))}`);
    const spectra = [spectrum([400, 800], 'a'), spectrum([410, 805], 'b'), spectrum([600, 1000], 'c')];
    const inputs = spectra.map((s) => model.inputOf(s));
    const direct = tf.tidy(() => {
      const flat = new Float32Array(inputs.length * 64);
      inputs.forEach((v, i) => flat.set(v, i * 64));
      return (net.encoder.predict(tf.tensor3d(flat, [inputs.length, 64, 1])) as tf.Tensor).arraySync() as number[][];
    });
    const emb = await model.embed(spectra);
    emb.forEach((e, i) => e.forEach((v, k) => expect(v).toBeCloseTo(direct[i]![k]!, 5)));
    const w = net.headW.dataSync();
    const b0 = net.headB.dataSync()[0]!;
    let z = b0;
    for (let k = 0; k < 8; k++) z += w[k]! * Math.abs(emb[0]![k]! - emb[2]![k]!);
    expect(model.similarity(emb[0]!, emb[2]!)).toBeCloseTo(1 / (1 + Math.exp(-z)), 6);
    const many = model.similarityMany(emb[0]!, emb);
    emb.forEach((e, i) => expect(many[i]).toBeCloseTo(model.similarity(emb[0]!, e), 6));
    disposeNetwork(net);
    model.dispose();
  });

  it('leaves no tensor behind after embed()', async () => {
    const model = await loadModel(dir, { force: 'wasm', log: () => undefined });
    await model.embed([spectrum([500], 'warm-up')]);
    const before = tf.memory().numTensors;
    await model.embed([spectrum([500], 'x'), spectrum([700], 'y')]);
    expect(tf.memory().numTensors).toBe(before);
    model.dispose();
  });

  it('gives the same embedding on the cpu backend as on wasm (golden agreement)', async () => {
    const s = spectrum([450, 900, 1100], 'g');
    const wasm = await loadModel(dir, { force: 'wasm', log: () => undefined });
    const [ew] = await wasm.embed([s]);
    wasm.dispose();
    const cpu = await loadModel(dir, { force: 'cpu', log: () => undefined });
    const [ec] = await cpu.embed([s]);
    cpu.dispose();
    ew!.forEach((v, k) => expect(v).toBeCloseTo(ec![k]!, 4));
    await chooseBackend({ force: 'wasm', log: () => undefined });
  });

  it('refuses folders that are not models, and embeddings of another model', async () => {
    await expect(loadModel(join(dir, 'nope'), { force: 'wasm', log: () => undefined })).rejects.toMatchObject({ code: 'E_MODEL' });
    const broken = mkdtempSync(join(tmpdir(), 'specmatch-broken-'));
    writeFileSync(join(broken, 'manifest.json'), '{not json');
    await expect(loadModel(broken, { force: 'wasm', log: () => undefined })).rejects.toThrow(/not valid JSON/);
    rmSync(broken, { recursive: true, force: true });
    const model = await loadModel(dir, { force: 'wasm', log: () => undefined });
    expect(() => model.similarity(new Float32Array(8), new Float32Array(16))).toThrow(/re-embed/);
    await expect(model.embed([spectrum([5000], 'far')].map((s) => ({ ...s, x: s.x.map((v) => v + 5000) })))).rejects.toMatchObject({ code: 'E_PARAM' });
    model.dispose();
  });
});
