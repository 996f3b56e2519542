import * as tf from '@tensorflow/tfjs';
import { beforeAll, describe, expect, it } from 'vitest';
import { retrievalLoss } from '../trainStep.js';

/** The N-pair term written out with plain loops: mean over rows a → b of log Σ_{j≠a} e^{z[a,j]} − z[a,b]. */
function reference(z: number[][], positives: Array<[number, number]>): number {
  let sum = 0;
  let rows = 0;
  for (const [a, b] of positives) {
    for (const [i, p] of [
      [a, b],
      [b, a],
    ] as const) {
      let s = 0;
      z[i]!.forEach((v, j) => {
        if (j !== i) s += Math.exp(v);
      });
      sum += Math.log(s) - z[i]![p]!;
      rows++;
    }
  }
  return sum / rows;
}

describe('retrievalLoss (N-pair term of the improved recipe)', () => {
  beforeAll(async () => {
    await tf.setBackend('cpu');
  });

  it('equals the loop definition, also when a spectrum is in two pairs', () => {
    const z = [
      [0.5, 2, -1, 0.3],
      [2, 0.1, 0.4, -2],
      [-1, 0.4, 3, 1.5],
      [0.3, -2, 1.5, 0],
    ];
    for (const positives of [[[0, 1]], [[0, 1], [2, 3]], [[0, 1], [0, 2]]] as Array<Array<[number, number]>>) {
      const got = tf.tidy(() => retrievalLoss(tf.tensor2d(z), positives).dataSync()[0]!);
      expect(got).toBeCloseTo(reference(z, positives), 5);
    }
  });

  it('is small when partners outscore everyone and large when a negative wins', () => {
    const good = tf.tidy(() => retrievalLoss(tf.tensor2d([[0, 9, -9], [9, 0, -9], [-9, -9, 0]]), [[0, 1]]).dataSync()[0]!);
    const bad = tf.tidy(() => retrievalLoss(tf.tensor2d([[0, -9, 9], [-9, 0, 9], [9, 9, 0]]), [[0, 1]]).dataSync()[0]!);
    expect(good).toBeLessThan(1e-3);
    expect(bad).toBeGreaterThan(17);
  });
});
