import * as tf from '@tensorflow/tfjs';
import { networkInput } from '../../engine/architecture.js';
import { augmentInput, mixWithinClass, type AugmentOptions } from '../../engine/augment.js';
import { chooseNegatives, type Pair } from '../../engine/pairSampling.js';
import { randomInt, type Rng } from '../../engine/random.js';
import { allPairLogits, headWeights, pairLogits, selectedPairLogits, type SiameseNetwork } from './siameseNetwork.js';

/**
 * One group of a training step: a batch of spectra (P classes × 2, or P bootstrap pairs) whose loss is computed on
 * its own (its BatchNorm statistics, its negatives mined among its own spectra). A step averages the gradients of
 * `groupsPerStep` groups; worker threads (gradientPool.ts) compute groups in parallel with exactly this function,
 * so a step gives the same gradients whichever thread computed which group (up to float summation order).
 */
export interface StepGroup {
  items: readonly number[];
  positives: readonly Pair[];
}

/** What a group needs beyond the network: the training inputs and the recipe's per-batch choices. */
export interface StepContext {
  inputs: readonly Float32Array[];
  labels: readonly number[];
  /** Training indices of each class (for within-class mixes). */
  byClass: ReadonlyMap<number, readonly number[]>;
  points: number;
  channels: 1 | 2;
  augment: AugmentOptions | null;
  classMix: number;
  hardNegativeFraction: number;
  withRetrieval: boolean;
}

export interface GroupResult {
  /** Gradients in the order of the network's trainable variables (`trainableVariables`). */
  grads: Float32Array[];
  loss: number;
}

/** The trainable variables of a network in a fixed order: the encoder's, then the head's w and b. */
export function trainableVariables(net: SiameseNetwork): tf.Variable[] {
  return [...net.encoder.trainableWeights.map((w) => w.read() as tf.Variable), net.headW, net.headB];
}

/** The network input of a group ([items, points, channels] row-major), augmented and mixed with `rng`. */
export function groupInput(ctx: StepContext, items: readonly number[], rng: Rng): Float32Array {
  const { points, channels } = ctx;
  const flat = new Float32Array(items.length * points * channels);
  const scratch = new Float32Array(points);
  const mixed = new Float32Array(points);
  const row = new Float32Array(points * channels);
  items.forEach((idx, i) => {
    let v = ctx.inputs[idx]!;
    if (ctx.classMix > 0 && rng() < ctx.classMix) {
      const members = ctx.byClass.get(ctx.labels[idx]!)!;
      const other = members[randomInt(rng, members.length)]!;
      if (other !== idx) v = mixWithinClass(v, ctx.inputs[other]!, rng, 0.5, mixed);
    }
    flat.set(
      networkInput(ctx.augment ? augmentInput(v, rng, ctx.augment, scratch) : v, channels, row),
      i * points * channels,
    );
  });
  return flat;
}

/** Mean binary cross-entropy of pair logits whose first `positives` entries are positive pairs, the rest negative. */
export function pairBce(z: tf.Tensor1D, positives: number): tf.Scalar {
  return tf.tidy(() => {
    const n = z.shape[0];
    const sign = new Float32Array(n).fill(1);
    sign.fill(-1, 0, positives);
    // softplus(−z) for a positive pair, softplus(z) for a negative one: BCE with logits, computed stably.
    return tf.div<tf.Scalar>(tf.sum(tf.softplus(tf.mul(z, tf.tensor1d(sign)))), Math.max(1, n));
  });
}

function selectedFromDense(logits: tf.Tensor2D, pairs: readonly Pair[]): tf.Tensor1D {
  const B = logits.shape[0];
  return tf.tidy(() => {
    const pick = new Float32Array(pairs.length * B * B);
    pairs.forEach(([a, b], i) => (pick[i * B * B + a * B + b] = 1));
    return tf.reshape(tf.matMul(tf.tensor2d(pick, [pairs.length, B * B]), tf.reshape(logits, [B * B, 1])), [
      pairs.length,
    ]);
  });
}

/**
 * The retrieval term of the improved loss (an N-pair / InfoNCE loss: Sohn 2016, van den Oord et al. 2018): every
 * spectrum of a positive pair must score its partner above every other spectrum of the batch, i.e. the mean over
 * those rows of logsumexp_{j ≠ i} z[i, j] − z[i, partner(i)]. It trains what one-shot identification asks (the
 * right reference ranked first among all) with all B − 2 in-batch negatives at once, while the BCE term keeps
 * sigmoid(z) a probability of "same substance". `logits` is the batch's [B, B] pair-logit matrix.
 */
export function retrievalLoss(logits: tf.Tensor2D, positives: readonly Pair[]): tf.Scalar {
  return tf.tidy(() => {
    const B = logits.shape[0];
    // Each positive pair (a, b) contributes the rows a → b and b → a; a spectrum in several pairs, several rows.
    const partner = new Float32Array(B * B);
    const rowCount = new Float32Array(B);
    const rows = Math.max(1, 2 * positives.length);
    for (const [a, b] of positives) {
      partner[a * B + b]! += 1 / rows;
      partner[b * B + a]! += 1 / rows;
      rowCount[a]! += 1 / rows;
      rowCount[b]! += 1 / rows;
    }
    const self = tf.mul(tf.eye(B), -1e4);
    const lse = tf.logSumExp(tf.add(logits, self), 1);
    return tf.sub<tf.Scalar>(
      tf.sum(tf.mul(lse, tf.tensor1d(rowCount))),
      tf.sum(tf.mul(logits, tf.tensor2d(partner, [B, B]))),
    );
  });
}

/**
 * Loss and gradients of one group on `net` (training mode: BatchNorm uses the group's statistics and updates the
 * network's moving averages). Negatives are chosen on all B² logits computed outside the tape (plain maths); only
 * the chosen pairs are scored on it, unless the retrieval term needs the dense B × B matrix.
 */
export function groupGradients(net: SiameseNetwork, ctx: StepContext, group: StepGroup, rng: Rng): GroupResult {
  const B = group.items.length;
  const flat = groupInput(ctx, group.items, rng);
  const labels = group.items.map((i) => ctx.labels[i]!);
  const vars = trainableVariables(net);
  const xs = tf.tensor3d(flat, [B, ctx.points, ctx.channels]);
  try {
    const { value, grads } = tf.variableGrads(() => {
      const emb = net.encoder.apply(xs, { training: true }) as tf.Tensor2D;
      const w = headWeights(net);
      if (ctx.withRetrieval) {
        const logits = pairLogits(emb, w, net.headB);
        const negatives = chooseNegatives(
          labels,
          logits.dataSync(),
          group.positives.length,
          ctx.hardNegativeFraction,
          rng,
        );
        return tf.add<tf.Scalar>(
          pairBce(selectedFromDense(logits, [...group.positives, ...negatives]), group.positives.length),
          retrievalLoss(logits, group.positives),
        );
      }
      const z = allPairLogits(emb.dataSync() as Float32Array, B, {
        w: w.dataSync() as Float32Array,
        b: net.headB.dataSync()[0]!,
      });
      const negatives = chooseNegatives(labels, z, group.positives.length, ctx.hardNegativeFraction, rng);
      return pairBce(selectedPairLogits(emb, w, net.headB, [...group.positives, ...negatives]), group.positives.length);
    }, vars);
    const out = vars.map((v) => {
      const g = grads[v.name];
      return g ? (g.dataSync() as Float32Array).slice() : new Float32Array(v.size);
    });
    const loss = value.dataSync()[0]!;
    value.dispose();
    for (const g of Object.values(grads)) g.dispose();
    return { grads: out, loss };
  } finally {
    xs.dispose();
  }
}

/** The network's BatchNorm moving statistics (non-trainable weights), copied out / written back. */
export function readMovingStats(net: SiameseNetwork): Float32Array[] {
  return net.encoder.nonTrainableWeights.map((w) => (w.read().dataSync() as Float32Array).slice());
}

export function writeMovingStats(net: SiameseNetwork, stats: readonly Float32Array[]): void {
  net.encoder.nonTrainableWeights.forEach((w, i) => {
    const t = tf.tensor(stats[i]!, w.shape as number[]);
    w.write(t);
    t.dispose();
  });
}
