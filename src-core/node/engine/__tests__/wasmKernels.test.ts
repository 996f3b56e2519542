import * as tf from '@tensorflow/tfjs';
import { describe, expect, it } from 'vitest';
import { chooseBackend } from '../backend.js';

/**
 * The registered wasm training kernels must give the same gradients as the reference `cpu` backend (which has a
 * native JavaScript Conv2DBackpropFilter). Checked on Conv1D (tfjs runs it as a 2-D convolution) with 'same' and
 * 'valid' padding and strides 1 and 2, on batch normalisation (whose gradient uses Tile) and on a 1 × 2 max pool.
 */
function lossGrads(seed: number, stride: number, pad: 'same' | 'valid'): { values: Float32Array[]; shapes: number[][] } {
  return tf.tidy(() => {
    // A flat stretch (as edge-held inputs have) makes max-pool ties, whose gradient must go to the left element.
    const x = tf.concat([tf.fill([3, 10, 4], 0.5), tf.randomNormal([3, 30, 4], 0, 1, 'float32', seed)], 1);
    const w = tf.randomNormal([5, 4, 6], 0, 1, 'float32', seed + 1);
    const gamma = tf.randomNormal([6], 1, 0.1, 'float32', seed + 2);
    const beta = tf.randomNormal([6], 0, 0.1, 'float32', seed + 3);
    const f = (xi: tf.Tensor, wi: tf.Tensor, g: tf.Tensor, bt: tf.Tensor): tf.Scalar => {
      const y = tf.conv1d(xi as tf.Tensor3D, wi as tf.Tensor3D, stride, pad);
      const { mean, variance } = tf.moments(y, [0, 1]);
      const n = tf.batchNorm(y, mean, variance, bt, g, 1e-3);
      const a = tf.leakyRelu(n, 0.2);
      const p = tf.maxPool(a.reshape<tf.Tensor4D>([a.shape[0], 1, a.shape[1]!, a.shape[2]!]), [1, 2], [1, 2], 'valid');
      return tf.sum(tf.mul(p, tf.sin(tf.range(0, p.size).reshape(p.shape))));
    };
    const grads = tf.grads(f)([x, w, gamma, beta]);
    return { values: grads.map((g) => g.dataSync() as Float32Array), shapes: grads.map((g) => g.shape) };
  });
}

describe('wasm training kernels', () => {
  it.each([
    [1, 'same'],
    [1, 'valid'],
    [2, 'same'],
    [2, 'valid'],
  ] as const)('match the cpu backend gradients (stride %i, %s)', async (stride, pad) => {
    await chooseBackend({ force: 'cpu', log: () => undefined });
    const ref = lossGrads(7, stride, pad);
    await chooseBackend({ force: 'wasm', log: () => undefined });
    const before = tf.memory().numTensors;
    expect(tf.getBackend()).toBe('wasm');
    const got = lossGrads(7, stride, pad);
    expect(tf.memory().numTensors).toBe(before);
    expect(got.shapes).toEqual(ref.shapes);
    for (let k = 0; k < ref.values.length; k++) {
      const r = ref.values[k]!;
      const g = got.values[k]!;
      let maxAbs = 0;
      let maxDiff = 0;
      for (let i = 0; i < r.length; i++) {
        maxAbs = Math.max(maxAbs, Math.abs(r[i]!));
        maxDiff = Math.max(maxDiff, Math.abs(r[i]! - g[i]!));
      }
      expect(maxAbs).toBeGreaterThan(0.1);
      expect(maxDiff / maxAbs).toBeLessThan(1e-4);
    }
  });
});
