import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import * as tf from '@tensorflow/tfjs';
import { beforeAll, describe, expect, it } from 'vitest';
import type { ArchitectureSpec } from '../../../engine/architecture.js';
import { DEFAULT_AUGMENT } from '../../../engine/augment.js';
import { makeRng } from '../../../engine/random.js';
import { disposeNetwork, headOf } from '../siameseNetwork.js';
import { trainSiamese, type LabelledInputs } from '../trainSiamese.js';
import { trainableVariables } from '../trainStep.js';

/** Worker threads run the compiled gradientWorker.js of dist/ (made by `npm ci` / `npm run build:core`). */
const built = existsSync(fileURLToPath(new URL('../../../../dist/src-core/node/engine/gradientWorker.js', import.meta.url)));
if (!built) console.warn('SKIP data-parallel training test: dist/ has no compiled gradientWorker.js (run `npm run build:core`)');

const SPEC: ArchitectureSpec = { inputPoints: 64, blocks: [{ filters: 4, kernelSize: 5 }, { filters: 4, kernelSize: 3 }], poolSize: 2, leakyAlpha: 0.2, inputChannels: 2, headConstraint: 'non-positive' };

/** Classes of one or two Gaussian bands at class-specific positions, a few noisy spectra each. */
function synthetic(classes: number, perClass: number, seed: number): LabelledInputs {
  const rng = makeRng(seed);
  const inputs: Float32Array[] = [];
  const labels: number[] = [];
  for (let c = 0; c < classes; c++) {
    const centre = 6 + ((c * 53) % 52);
    for (let k = 0; k < perClass; k++) {
      inputs.push(Float32Array.from({ length: 64 }, (_, i) => Math.exp(-(((i - centre) / 3) ** 2)) + 0.05 * rng()));
      labels.push(c);
    }
  }
  return { inputs, labels };
}

async function weightsAfter(workers: number): Promise<{ weights: Float32Array[]; head: Float32Array; loss: number }> {
  const out = await trainSiamese(synthetic(10, 3, 1), synthetic(3, 2, 2), {
    spec: SPEC,
    seed: 3,
    maxEpochs: 2,
    pairsPerBatch: 4,
    pairsPerEpoch: 24,
    batching: 'classes',
    hardNegativeFraction: 0.5,
    augment: DEFAULT_AUGMENT,
    classMix: 0.3,
    groupsPerStep: 3,
    workers,
  });
  const weights = trainableVariables(out.net).map((v) => Float32Array.from(v.dataSync()));
  const head = headOf(out.net).w;
  disposeNetwork(out.net);
  return { weights, head, loss: out.history.at(-1)!.loss };
}

describe.skipIf(!built)('data-parallel training (groups of a step on worker threads)', () => {
  beforeAll(async () => {
    await tf.setBackend('cpu');
  });

  it('gives the same network with 1, 2 or 3 threads, up to float rounding', async () => {
    const one = await weightsAfter(1);
    for (const workers of [2, 3]) {
      const many = await weightsAfter(workers);
      expect(many.loss).toBeCloseTo(one.loss, 5);
      one.weights.forEach((w, i) => {
        const scale = Math.max(1e-6, ...Array.from(w, Math.abs));
        w.forEach((v, k) => expect(Math.abs(many.weights[i]![k]! - v) / scale).toBeLessThan(1e-5));
      });
    }
    // The run changed the weights at all (a pool that returned zero gradients would also "agree").
    const untouched = await trainSiamese(synthetic(10, 3, 1), synthetic(3, 2, 2), { spec: SPEC, seed: 3, maxEpochs: 0 });
    const start = trainableVariables(untouched.net).map((v) => Float32Array.from(v.dataSync()));
    disposeNetwork(untouched.net);
    const moved = start.some((w, i) => w.some((v, k) => Math.abs(v - one.weights[i]![k]!) > 1e-4));
    expect(moved).toBe(true);
  }, 120_000);
});
