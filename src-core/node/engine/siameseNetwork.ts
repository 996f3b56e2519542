import * as tf from '@tensorflow/tfjs';
import { embeddingSizeOf, type ArchitectureSpec } from '../../engine/architecture.js';

/**
 * The twin network in tfjs: one shared encoder f (six Conv1D → BatchNorm → LeakyReLU → MaxPool blocks, flatten;
 * Liu et al. 2017) and the Siamese head s(a, b) = sigmoid(wᵀ|f(a) − f(b)| + b₀). Weights start Glorot-uniform
 * (Glorot & Bengio 2010), the head included.
 */
export interface SiameseNetwork {
  spec: ArchitectureSpec;
  encoder: tf.LayersModel;
  /** Head weights w (length = embedding size) and bias b₀. */
  headW: tf.Variable;
  headB: tf.Variable;
}

export function buildEncoder(spec: ArchitectureSpec, seed: number): tf.LayersModel {
  const model = tf.sequential({ name: 'siamese_encoder' });
  spec.blocks.forEach((block, i) => {
    model.add(
      tf.layers.conv1d({
        ...(i === 0 ? { inputShape: [spec.inputPoints, 1] } : {}),
        filters: block.filters,
        kernelSize: block.kernelSize,
        padding: 'same',
        // BatchNorm right after makes a convolution bias redundant (its shift is absorbed by β).
        useBias: false,
        kernelInitializer: tf.initializers.glorotUniform({ seed: seed + i }),
        name: `conv${i + 1}`,
      }),
    );
    // Momentum 0.9 rather than Keras' 0.99: with a few hundred steps per run the moving statistics used at inference
    // would otherwise still be half their initial (0, 1) values, and validation would score an untrained-looking net.
    model.add(tf.layers.batchNormalization({ name: `bn${i + 1}`, momentum: 0.9 }));
    model.add(tf.layers.leakyReLU({ alpha: spec.leakyAlpha, name: `lrelu${i + 1}` }));
    model.add(tf.layers.maxPooling1d({ poolSize: spec.poolSize, name: `pool${i + 1}` }));
  });
  model.add(tf.layers.flatten({ name: 'features' }));
  return model;
}

let variableCounter = 0;

export function buildNetwork(spec: ArchitectureSpec, seed = 1): SiameseNetwork {
  const size = embeddingSizeOf(spec);
  const encoder = buildEncoder(spec, seed);
  const headW = tf.variable(tf.initializers.glorotUniform({ seed: seed + 100 }).apply([size, 1]).reshape([size]), true, `siamese_head_w_${++variableCounter}`);
  const headB = tf.variable(tf.zeros([]), true, `siamese_head_b_${variableCounter}`);
  return { spec, encoder, headW, headB };
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

/** Embeds inputs [n][points] in inference mode, in chunks, returning plain arrays (no tensors left behind). */
export function embedInputs(encoder: tf.LayersModel, inputs: readonly Float32Array[], points: number, chunk = 64): Float32Array[] {
  const out: Float32Array[] = [];
  for (let start = 0; start < inputs.length; start += chunk) {
    const part = inputs.slice(start, start + chunk);
    const flat = new Float32Array(part.length * points);
    part.forEach((v, i) => flat.set(v, i * points));
    const emb = tf.tidy(() => encoder.predict(tf.tensor3d(flat, [part.length, points, 1])) as tf.Tensor2D);
    const data = emb.dataSync() as Float32Array;
    const size = emb.shape[1];
    emb.dispose();
    for (let i = 0; i < part.length; i++) out.push(data.slice(i * size, (i + 1) * size));
  }
  return out;
}
