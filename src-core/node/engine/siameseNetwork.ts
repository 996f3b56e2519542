import * as tf from '@tensorflow/tfjs';
import { embeddingSizeOf, inputChannelsOf, networkInput, towersOf, type ArchitectureSpec } from '../../engine/architecture.js';
import type { SiameseHead } from '../../engine/siameseHead.js';

/**
 * The twin network in tfjs: one shared encoder f (six Conv1D → BatchNorm → LeakyReLU → MaxPool blocks, flatten;
 * Liu et al. 2017) and the Siamese head s(a, b) = sigmoid(wᵀ|f(a) − f(b)| + b₀). Weights start Glorot-uniform
 * (Glorot & Bengio 2010), the head included.
 */
export interface SiameseNetwork {
  spec: ArchitectureSpec;
  encoder: tf.LayersModel;
  /**
   * Head parameters (length = embedding size) and bias b₀. With `spec.headConstraint` 'non-positive' the variable
   * holds v and the head's weights are w = −softplus(v) (`headWeights`); otherwise it holds w itself.
   */
  headW: tf.Variable;
  headB: tf.Variable;
}

/**
 * One encoder's layers in order (Conv1D → BatchNorm → LeakyReLU → MaxPool per block, then flatten), named with
 * `prefix` (empty for a single encoder; `t2_` for the second tower of an ensemble).
 */
function encoderLayers(spec: ArchitectureSpec, seed: number, prefix: string, inputShape?: number[]): tf.layers.Layer[] {
  const layers: tf.layers.Layer[] = [];
  spec.blocks.forEach((block, i) => {
    layers.push(
      tf.layers.conv1d({
        ...(i === 0 && inputShape ? { inputShape } : {}),
        filters: block.filters,
        kernelSize: block.kernelSize,
        padding: 'same',
        // BatchNorm right after makes a convolution bias redundant (its shift is absorbed by β).
        useBias: false,
        kernelInitializer: tf.initializers.glorotUniform({ seed: seed + i }),
        name: `${prefix}conv${i + 1}`,
      }),
    );
    // Momentum 0.9 rather than Keras' 0.99: with a few hundred steps per run the moving statistics used at inference
    // would otherwise still be half their initial (0, 1) values, and validation would score an untrained-looking net.
    layers.push(tf.layers.batchNormalization({ name: `${prefix}bn${i + 1}`, momentum: 0.9 }));
    layers.push(tf.layers.leakyReLU({ alpha: spec.leakyAlpha, name: `${prefix}lrelu${i + 1}` }));
    layers.push(tf.layers.maxPooling1d({ poolSize: spec.poolSize, name: `${prefix}pool${i + 1}` }));
  });
  layers.push(tf.layers.flatten({ name: `${prefix}features` }));
  return layers;
}

/** Prefix of tower t's layer names (1-based) in an encoder of `towers` towers: none for a single encoder. */
export function towerPrefix(towers: number, t: number): string {
  return towers === 1 ? '' : `t${t}_`;
}

/**
 * The encoder f: one sequential stack, or for `spec.towers` > 1 that many stacks on the same input with their
 * features concatenated (tower t initialised from seed + 1000·(t − 1)).
 */
export function buildEncoder(spec: ArchitectureSpec, seed: number): tf.LayersModel {
  const inputShape = [spec.inputPoints, inputChannelsOf(spec)];
  const towers = towersOf(spec);
  if (towers === 1) {
    const model = tf.sequential({ name: 'siamese_encoder' });
    for (const layer of encoderLayers(spec, seed, '', inputShape)) model.add(layer);
    return model;
  }
  const input = tf.input({ shape: inputShape, name: 'spectrum' });
  const features: tf.SymbolicTensor[] = [];
  for (let t = 1; t <= towers; t++) {
    let x: tf.SymbolicTensor = input;
    for (const layer of encoderLayers(spec, seed + 1000 * (t - 1), towerPrefix(towers, t))) x = layer.apply(x) as tf.SymbolicTensor;
    features.push(x);
  }
  const out = tf.layers.concatenate({ name: 'features', axis: -1 }).apply(features) as tf.SymbolicTensor;
  return tf.model({ inputs: input, outputs: out, name: 'siamese_encoder' });
}

let variableCounter = 0;

export function buildNetwork(spec: ArchitectureSpec, seed = 1): SiameseNetwork {
  const size = embeddingSizeOf(spec);
  const encoder = buildEncoder(spec, seed);
  const glorot = tf.tidy(() => tf.initializers.glorotUniform({ seed: seed + 100 }).apply([size, 1]).reshape([size]));
  // Constrained: v ≈ softplus⁻¹(0.05) ± Glorot noise, so every weight starts small and negative.
  const init = spec.headConstraint === 'non-positive' ? tf.tidy(() => tf.add(glorot, Math.log(Math.expm1(0.05)))) : glorot;
  if (init !== glorot) glorot.dispose();
  const headW = tf.variable(init, true, `siamese_head_w_${++variableCounter}`);
  init.dispose();
  const headB = tf.variable(tf.zeros([]), true, `siamese_head_b_${variableCounter}`);
  return { spec, encoder, headW, headB };
}

/** The head's weights w as a tensor (−softplus(v) for a constrained head); inside a tape, differentiable in v. */
export function headWeights(net: SiameseNetwork): tf.Tensor1D {
  return net.spec.headConstraint === 'non-positive' ? tf.neg<tf.Tensor1D>(tf.softplus(net.headW as tf.Tensor1D)) : (net.headW as tf.Tensor1D);
}

/** The head as plain numbers (what head.json stores and inference uses). */
export function headOf(net: SiameseNetwork): SiameseHead {
  const w = net.spec.headConstraint === 'non-positive' ? tf.tidy(() => headWeights(net).dataSync() as Float32Array) : Float32Array.from(net.headW.dataSync());
  return { w: Float32Array.from(w), b: net.headB.dataSync()[0]! };
}

/** The head variable's value for stored weights w (inverse of `headWeights`): v = log(expm1(−w)) when constrained. */
export function headParameterFor(spec: ArchitectureSpec, w: readonly number[]): Float32Array {
  if (spec.headConstraint !== 'non-positive') return Float32Array.from(w);
  // −w ≥ tiny: a stored weight of exactly 0 maps to a very negative v (softplus(v) ≈ 1e-30).
  return Float32Array.from(w, (x) => Math.log(Math.expm1(Math.max(-x, 1e-30))));
}

/**
 * Logits z = wᵀ|e_a − e_b| + b₀ of the listed pairs of rows of `emb` [B, E] → [pairs]. The rows are picked by
 * one-hot matrix products rather than `gather`, whose gradient (a segment sum) the wasm backend lacks; for 64
 * pairs of a 64-spectrum batch that is a few million multiply-adds, far less than scoring all B² pairs.
 */
export function selectedPairLogits(emb: tf.Tensor2D, w: tf.Tensor1D, b: tf.Scalar | tf.Variable, pairs: ReadonlyArray<readonly [number, number]>): tf.Tensor1D {
  return tf.tidy(() => {
    const B = emb.shape[0];
    const n = pairs.length;
    const sel = new Float32Array(n * B);
    pairs.forEach(([a, c], i) => {
      sel[i * B + a] = 1;
      sel[i * B + c] = sel[i * B + c]! - 1;
    });
    // (onehot(a) − onehot(b)) · emb = e_a − e_b in one product (a pair of a spectrum with itself gives 0).
    const diff = tf.abs(tf.matMul(tf.tensor2d(sel, [n, B]), emb));
    return tf.add<tf.Tensor1D>(tf.reshape(tf.matMul(diff, tf.reshape(w, [-1, 1])), [n]), b);
  });
}

/** All-pair logits z[i·B + j] of embeddings `emb` (row-major [B, E]) in plain maths, for choosing negatives. */
export function allPairLogits(emb: Float32Array, B: number, head: SiameseHead): Float32Array {
  const E = head.w.length;
  const z = new Float32Array(B * B);
  for (let i = 0; i < B; i++) {
    z[i * B + i] = head.b;
    for (let j = i + 1; j < B; j++) {
      let s = head.b;
      const oi = i * E;
      const oj = j * E;
      for (let k = 0; k < E; k++) s += head.w[k]! * Math.abs(emb[oi + k]! - emb[oj + k]!);
      z[i * B + j] = s;
      z[j * B + i] = s;
    }
  }
  return z;
}

export function disposeNetwork(net: SiameseNetwork): void {
  net.encoder.dispose();
  net.headW.dispose();
  net.headB.dispose();
}

/** Logits z[i, j] = wᵀ|e_i − e_j| + b₀ of every pair of rows of `emb` [B, E] → [B, B]. */
export function pairLogits(emb: tf.Tensor2D, w: tf.Tensor1D | tf.Variable, b: tf.Scalar | tf.Variable): tf.Tensor2D {
  return tf.tidy(() => {
    const diff = tf.abs(tf.sub(tf.expandDims(emb, 1), tf.expandDims(emb, 0)));
    return tf.add<tf.Tensor2D>(tf.sum(tf.mul(diff, w), 2), b);
  });
}

/** Input channels of a built encoder (its input layer's last dimension). */
export function encoderChannels(encoder: tf.LayersModel): 1 | 2 {
  return encoder.inputs[0]?.shape[2] === 2 ? 2 : 1;
}

/**
 * Embeds inputs [n][points] in inference mode, in chunks, returning plain arrays (no tensors left behind). The
 * derivative channel of a two-channel encoder is made here (`networkInput`), so callers always pass the vector.
 */
export function embedInputs(encoder: tf.LayersModel, inputs: readonly Float32Array[], points: number, chunk = 64): Float32Array[] {
  const out: Float32Array[] = [];
  const channels = encoderChannels(encoder);
  const row = new Float32Array(points * channels);
  for (let start = 0; start < inputs.length; start += chunk) {
    const part = inputs.slice(start, start + chunk);
    const flat = new Float32Array(part.length * points * channels);
    part.forEach((v, i) => flat.set(networkInput(v, channels, row), i * points * channels));
    const emb = tf.tidy(() => encoder.predict(tf.tensor3d(flat, [part.length, points, channels])) as tf.Tensor2D);
    const data = emb.dataSync() as Float32Array;
    const size = emb.shape[1];
    emb.dispose();
    for (let i = 0; i < part.length; i++) out.push(data.slice(i * size, (i + 1) * size));
  }
  return out;
}
