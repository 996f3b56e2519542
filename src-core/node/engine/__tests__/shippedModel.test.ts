import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import * as tf from '@tensorflow/tfjs';
import { describe, expect, it } from 'vitest';
import { FIXTURES } from '../../../../test/support.js';
import { readSpectra } from '../../../formats/readSpectra.js';
import { DEFAULT_MODEL_ID, defaultModelDir, loadDefaultModel } from '../loadModel.js';

/**
 * The model shipped in resources/models: loads on the wasm backend from the source tree, stays under 20 MB, and
 * embeds a fixture spectrum to the recorded golden values (guards weights, loading and the input stage together).
 * When the shipped model is replaced, GOLDEN is re-recorded from the new model (and the id changes with it): the first
 * 8 values of each tower's part of the embedding (an ensemble's towers sit side by side, engine/ensemble.ts).
 */
const GOLDEN: Record<string, number[]> = {
  'siamese-rruff-v3': [0.67624, 0.92978, -0.13535, -0.10176, 0.86712, -0.14326, 1.09065, 1.98815],
  'siamese-rruff-v4': [0.0043, -0.04296, -0.06393, -0.06198, 2.20036, -0.01361, -0.02103, 0.36785],
  'siamese-rruff-v5': [0.03662, -0.04768, -0.05344, -0.05772, 2.56147, -0.02356, -0.02756, 0.37561],
  // Tower 1 is v5 (the same values), tower 2 is v6.
  'siamese-rruff-ens-v5v6': [
    0.03662, -0.04768, -0.05344, -0.05772, 2.56147, -0.02356, -0.02756, 0.37561,
    0.34458, -0.04875, -0.10607, -0.05146, -0.05011, -0.07089, 0.66776, -0.04295,
  ],
};

const read = (name: string) => {
  const file = join(FIXTURES, 'rruff', name);
  return readSpectra(new Uint8Array(readFileSync(file)), file).spectra[0]!;
};

describe('shipped model', () => {
  it('is under 20 MB and has a complete manifest', () => {
    const dir = defaultModelDir();
    const bytes = readdirSync(dir).reduce((s, f) => s + statSync(join(dir, f)).size, 0);
    expect(bytes).toBeLessThan(20 * 1024 * 1024);
  });

  it('loads on wasm, embeds to the golden values, and leaks no tensor', async () => {
    const model = await loadDefaultModel({ force: 'wasm', log: () => undefined });
    expect(model).not.toBeNull();
    const m = model!;
    expect(m.manifest.id).toBe(DEFAULT_MODEL_ID);
    expect(m.backend).toBe('wasm');
    expect(m.manifest.tfjsVersion).toBe(tf.version.tfjs);
    expect(m.manifest.calibration).toBeDefined();
    const quartz = read('Quartz__R060604__Raman__532__0__unoriented__Raman_Data_RAW__31948.txt');
    await m.embed([quartz]);
    const before = tf.memory().numTensors;
    const [e] = await m.embed([quartz]);
    expect(tf.memory().numTensors).toBe(before);
    expect(e).toHaveLength(m.manifest.embeddingSize);
    const golden = GOLDEN[m.manifest.id];
    expect(golden, `no golden values recorded for ${m.manifest.id}`).toBeDefined();
    const towers = golden!.length / 8;
    const towerSize = m.manifest.embeddingSize / towers;
    golden!.forEach((v, k) => expect(e![Math.floor(k / 8) * towerSize + (k % 8)]).toBeCloseTo(v, 4));
    m.dispose();
  });
});
