/**
 * Ablation of the Siamese training (docs/notes/engine.md, "What helped"): trains one network under a fixed wall-clock
 * budget on the training classes of one one-shot split and prints validation one-shot top-1 every two minutes, then
 * validation and test (205 classes) one-shot top-1. Not part of the product; run from the repository root:
 *
 *   MODE=sampled ARCH=wide BUDGET=720 npx tsx scripts/ablate-siamese.ts
 *
 * MODE  sampled  BCE on P positives and P negatives per batch, half of them the hardest (the improved recipe)
 *       all      BCE with every in-batch negative, averaged (no mining)
 *       nce      sampled + the in-batch retrieval (N-pair) term of trainStep.retrievalLoss
 * ARCH  paper (six blocks, 256 features) | wide (five blocks, 512 features)
 * V     RAW | Processed (RRUFF excellent_unoriented);  SEED (split and init, default 1);  BUDGET seconds (default 600)
 * Backend: wasm with the training kernels. Batches: planClassEpoch (32 classes × 2 spectra, look-alike classes).
 */
import { resolve } from 'node:path';
import * as tf from '@tensorflow/tfjs';
import { PAPER_ARCHITECTURE, WIDE_ARCHITECTURE } from '../src-core/engine/architecture.js';
import { augmentInput, DEFAULT_AUGMENT } from '../src-core/engine/augment.js';
import { chooseNegatives, planClassEpoch } from '../src-core/engine/pairSampling.js';
import { oneShotTask, splitClasses, type OneShotTask } from '../src-core/engine/protocols.js';
import { makeRng, shuffled } from '../src-core/engine/random.js';
import { DEFAULT_AXIS } from '../src-core/engine/recipes.js';
import { headLogit } from '../src-core/engine/siameseHead.js';
import { chooseBackend } from '../src-core/node/engine/backend.js';
import { loadLabelledSet } from '../src-core/node/engine/dataset.js';
import { buildNetwork, embedInputs, pairLogits } from '../src-core/node/engine/siameseNetwork.js';
import { lookAlikeClasses } from '../src-core/node/engine/trainSiamese.js';
import { retrievalLoss } from '../src-core/node/engine/trainStep.js';

const env = process.env;
const variant = env['V'] ?? 'RAW';
const mode = env['MODE'] ?? 'sampled';
const arch = env['ARCH'] ?? 'wide';
const budget = Number(env['BUDGET'] ?? 600);
const seed = Number(env['SEED'] ?? 1);
const shared = env['SPECMATCH_SHARED_DATA'] ?? resolve('../shared/data');
const archive =
  variant === 'RAW'
    ? `${shared}/rruff/raw/excellent_unoriented__Raman_Data_RAW.tar.xz`
    : `${shared}/rruff/processed/excellent_unoriented__Raman_Data_Processed.tar.xz`;
const log = (l: string): void => console.log(`[${mode} ${arch} ${variant} seed ${seed}] ${l}`);

async function main(): Promise<void> {
  await chooseBackend({ force: 'wasm' });
  const d = await loadLabelledSet([archive], { axis: DEFAULT_AXIS });
  const split = splitClasses([...new Set(d.labels)].sort((a, b) => a - b), makeRng(seed));
  const inTrain = new Set(split.train);
  const trainIdx = d.labels.flatMap((l, i) => (inTrain.has(l) ? [i] : []));
  const train = { inputs: trainIdx.map((i) => d.inputs[i]!), labels: trainIdx.map((i) => d.labels[i]!) };
  const alike = lookAlikeClasses(train, 8);
  const valTask = oneShotTask(split.validation, d.labels, d.samples, makeRng(seed + 11));
  const testTask = oneShotTask(shuffled(split.test, makeRng(seed + 12)).slice(0, 205), d.labels, d.samples, makeRng(seed + 13));
  log(`backend ${tf.getBackend()}; training ${trainIdx.length} spectra of ${split.train.length} classes; validation ${valTask.queries.length} queries, test ${testTask.queries.length}`);

  const spec = { ...(arch === 'paper' ? PAPER_ARCHITECTURE : WIDE_ARCHITECTURE), inputPoints: DEFAULT_AXIS.points };
  const net = buildNetwork(spec, seed);
  const optimizer = tf.train.adam(1e-3);
  const vars = [...net.encoder.trainableWeights.map((w) => w.read() as tf.Variable), net.headW, net.headB];
  const points = spec.inputPoints;
  const rng = makeRng(seed * 7 + 3);

  const oneShot = (task: OneShotTask): number => {
    const all = [...task.references, ...task.queries];
    const emb = new Map(embedInputs(net.encoder, all.map((i) => d.inputs[i]!), points).map((e, k) => [all[k]!, e]));
    const head = { w: net.headW.dataSync() as Float32Array, b: net.headB.dataSync()[0]! };
    let hits = 0;
    for (const q of task.queries) {
      let best = { z: -Infinity, label: -1 };
      for (const r of task.references) {
        const z = headLogit(head, emb.get(q)!, emb.get(r)!);
        if (z > best.z) best = { z, label: d.labels[r]! };
      }
      if (best.label === d.labels[q]) hits++;
    }
    return hits / task.queries.length;
  };

  const t0 = Date.now();
  let spectra = 0;
  let nextReport = 60;
  const scratch = new Float32Array(points);
  while ((Date.now() - t0) / 1000 < budget) {
    const batch = planClassEpoch(train.labels, rng, { classesPerBatch: 32, pairsPerEpoch: 32, lookAlikeClasses: alike, lookAlikeFraction: 0.5 })[0]!;
    const B = batch.items.length;
    const flat = new Float32Array(B * points);
    batch.items.forEach((idx, i) => flat.set(augmentInput(train.inputs[idx]!, rng, DEFAULT_AUGMENT, scratch), i * points));
    const labels = batch.items.map((i) => train.labels[i]!);
    const xs = tf.tensor3d(flat, [B, points, 1]);
    const cost = optimizer.minimize(
      () => {
        const z = pairLogits(net.encoder.apply(xs, { training: true }) as tf.Tensor2D, net.headW, net.headB);
        const wPos = new Float32Array(B * B);
        const wNeg = new Float32Array(B * B);
        for (const [a, b] of batch.positives) wPos[a * B + b] = 1 / batch.positives.length;
        if (mode === 'all') {
          for (let a = 0; a < B; a++) for (let b = a + 1; b < B; b++) if (labels[a] !== labels[b]) wNeg[a * B + b] = 1;
          const n = wNeg.reduce((s, v) => s + v, 0);
          for (let k = 0; k < wNeg.length; k++) wNeg[k] = wNeg[k]! / n;
        } else {
          const negatives = chooseNegatives(labels, z.dataSync(), batch.positives.length, 0.5, rng);
          for (const [a, b] of negatives) wNeg[a * B + b]! += 1 / negatives.length;
        }
        // Half weight each: the mean BCE over the positives and the negatives, as trainSiamese.
        const bce = tf.mul(0.5, tf.add(tf.sum(tf.mul(tf.tensor2d(wPos, [B, B]), tf.softplus(tf.neg(z)))), tf.sum(tf.mul(tf.tensor2d(wNeg, [B, B]), tf.softplus(z)))));
        return (mode === 'nce' ? tf.add(bce, retrievalLoss(z, batch.positives)) : bce) as tf.Scalar;
      },
      true,
      vars,
    );
    xs.dispose();
    const loss = cost!.dataSync()[0]!;
    cost!.dispose();
    spectra += B;
    const elapsed = (Date.now() - t0) / 1000;
    if (elapsed >= nextReport) {
      nextReport += 120;
      log(`${elapsed.toFixed(0)} s: ${(spectra / elapsed).toFixed(0)} spectra/s, loss ${loss.toFixed(3)}, validation one-shot ${oneShot(valTask).toFixed(3)}`);
    }
  }
  log(`final: validation one-shot ${oneShot(valTask).toFixed(3)}, test (205 classes) one-shot ${oneShot(testTask).toFixed(3)}`);
}

main().catch((err: unknown) => {
  console.error(err);
  process.exit(1);
});
