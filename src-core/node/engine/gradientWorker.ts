/**
 * Training worker: one replica of the Siamese network that computes the gradients of the groups gradientPool.ts
 * sends it (trainStep.groupGradients, the same function the main thread runs). Messages in: `init` (architecture,
 * backend, the training inputs in one SharedArrayBuffer, the recipe's per-batch choices), then `step` (the current
 * weights and one group with its random seed); out: `ready`, then `{ grads, loss }` per step (buffers transferred)
 * or `{ error }`.
 */
import { parentPort } from 'node:worker_threads';
import * as tf from '@tensorflow/tfjs';
import type { ArchitectureSpec } from '../../engine/architecture.js';
import type { AugmentOptions } from '../../engine/augment.js';
import { indicesByClass } from '../../engine/protocols.js';
import { makeRng } from '../../engine/random.js';
import { chooseBackend, type BackendName } from './backend.js';
import { buildNetwork, type SiameseNetwork } from './siameseNetwork.js';
import { groupGradients, trainableVariables, type StepContext, type StepGroup } from './trainStep.js';

export interface WorkerInit {
  type: 'init';
  spec: ArchitectureSpec;
  backend: BackendName;
  inputs: SharedArrayBuffer;
  count: number;
  labels: number[];
  points: number;
  augment: AugmentOptions | null;
  classMix: number;
  hardNegativeFraction: number;
  withRetrieval: boolean;
}

export interface WorkerStep {
  type: 'step';
  weights: Float32Array[];
  group: StepGroup;
  seed: number;
}

let net: SiameseNetwork | undefined;
let ctx: StepContext | undefined;

async function init(m: WorkerInit): Promise<void> {
  await chooseBackend({ force: m.backend, log: () => {} });
  net = buildNetwork(m.spec, 1);
  const all = new Float32Array(m.inputs);
  const inputs = Array.from({ length: m.count }, (_, i) => all.subarray(i * m.points, (i + 1) * m.points));
  ctx = {
    inputs,
    labels: m.labels,
    byClass: indicesByClass(m.labels),
    points: m.points,
    channels: m.spec.inputChannels ?? 1,
    augment: m.augment,
    classMix: m.classMix,
    hardNegativeFraction: m.hardNegativeFraction,
    withRetrieval: m.withRetrieval,
  };
}

function step(m: WorkerStep): { grads: Float32Array[]; loss: number } {
  if (!net || !ctx) throw new Error('gradient worker: step before init');
  trainableVariables(net).forEach((v, i) => {
    const t = tf.tensor(m.weights[i]!, v.shape);
    v.assign(t);
    t.dispose();
  });
  return groupGradients(net, ctx, m.group, makeRng(m.seed));
}

parentPort?.on('message', (m: WorkerInit | WorkerStep) => {
  void (async () => {
    try {
      if (m.type === 'init') {
        await init(m);
        parentPort!.postMessage({ type: 'ready' });
      } else {
        const r = step(m);
        parentPort!.postMessage(
          { type: 'grads', ...r },
          r.grads.map((g) => g.buffer as ArrayBuffer),
        );
      }
    } catch (err) {
      parentPort!.postMessage({ type: 'error', message: err instanceof Error ? err.message : String(err) });
    }
  })();
});
