import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as tf from '@tensorflow/tfjs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { networkInput, WIDE_ARCHITECTURE, type ArchitectureSpec } from '../../../engine/architecture.js';
import { mixWithinClass } from '../../../engine/augment.js';
import { makeRng } from '../../../engine/random.js';
import { RECIPES } from '../../../engine/recipes.js';
import { headLogit } from '../../../engine/siameseHead.js';
import { loadNetwork, saveNetwork } from '../modelStore.js';
import { allPairLogits, buildNetwork, disposeNetwork, embedInputs, headOf, headWeights, pairLogits, selectedPairLogits } from '../siameseNetwork.js';
import { pairBce } from '../trainStep.js';

const SMALL: ArchitectureSpec = { inputPoints: 64, blocks: [{ filters: 4, kernelSize: 5 }, { filters: 4, kernelSize: 3 }], poolSize: 2, leakyAlpha: 0.2, inputChannels: 2, headConstraint: 'non-positive' };

function randomInputs(n: number, points: number, seed: number): Float32Array[] {
  const rng = makeRng(seed);
  return Array.from({ length: n }, () => Float32Array.from({ length: points }, () => rng()));
}

describe('two-channel input and constrained head (recipe two-channel)', () => {
  let dir: string;
  beforeAll(async () => {
    await tf.setBackend('cpu');
    dir = mkdtempSync(join(tmpdir(), 'specmatch-2ch-'));
  });
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('networkInput interleaves the vector and its scaled Savitzky–Golay derivative', () => {
    const ramp = Float32Array.from({ length: 10 }, (_, i) => i / 9);
    const two = networkInput(ramp, 2);
    expect(two.length).toBe(20);
    for (let i = 0; i < 10; i++) {
      expect(two[2 * i]).toBeCloseTo(ramp[i]!, 6);
      // A straight line has one slope everywhere, the ends included; scaled so the largest magnitude is 1.
      expect(two[2 * i + 1]).toBeCloseTo(1, 5);
    }
    const peak = Float32Array.from({ length: 21 }, (_, i) => Math.exp(-(((i - 10) / 3) ** 2)));
    const d = networkInput(peak, 2);
    expect(d[2 * 10 + 1]).toBeCloseTo(0, 6);
    expect(d[2 * 7 + 1]!).toBeGreaterThan(0);
    expect(d[2 * 13 + 1]!).toBeLessThan(0);
    expect(networkInput(peak, 1)).toEqual(peak);
  });

  it('a spectrum scores itself at least as high as any other spectrum, whatever the weights', () => {
    for (const seed of [1, 2, 3]) {
      const net = buildNetwork(SMALL, seed);
      // Push the head parameters far from their start, both ways: the constraint must hold for any v.
      net.headW.assign(tf.randomNormal([net.headW.shape[0]], 0, 5, 'float32', seed));
      const head = headOf(net);
      expect(Math.max(...head.w)).toBeLessThanOrEqual(0);
      const emb = embedInputs(net.encoder, randomInputs(12, SMALL.inputPoints, seed), SMALL.inputPoints);
      for (const a of emb) {
        const self = headLogit(head, a, a);
        for (const b of emb) expect(headLogit(head, a, b)).toBeLessThanOrEqual(self + 1e-6);
      }
      disposeNetwork(net);
    }
  });

  it('the unconstrained L1 head of the older recipes can score another spectrum above itself', () => {
    const net = buildNetwork({ ...SMALL, headConstraint: 'none' }, 1);
    net.headW.assign(tf.fill([net.headW.shape[0]], 1));
    const head = headOf(net);
    const emb = embedInputs(net.encoder, randomInputs(4, SMALL.inputPoints, 9), SMALL.inputPoints);
    expect(headLogit(head, emb[0]!, emb[1]!)).toBeGreaterThan(headLogit(head, emb[0]!, emb[0]!));
    disposeNetwork(net);
  });

  it('saves effective weights and loads back the same network (two channels, constrained head)', async () => {
    const net = buildNetwork(SMALL, 4);
    const inputs = randomInputs(5, SMALL.inputPoints, 4);
    const before = embedInputs(net.encoder, inputs, SMALL.inputPoints);
    const head = headOf(net);
    await saveNetwork(net, join(dir, 'm'));
    const back = await loadNetwork(join(dir, 'm'));
    const after = embedInputs(back.encoder, inputs, SMALL.inputPoints);
    before.forEach((e, i) => e.forEach((v, k) => expect(after[i]![k]).toBeCloseTo(v, 5)));
    headOf(back).w.forEach((w, k) => expect(w).toBeCloseTo(head.w[k]!, 5));
    expect(back.encoder.inputs[0]!.shape).toEqual([null, SMALL.inputPoints, 2]);
    disposeNetwork(net);
    disposeNetwork(back);
  });

  it('selected-pair logits and their gradients equal the dense all-pairs path', () => {
    const net = buildNetwork(SMALL, 5);
    const x = tf.tensor3d(
      randomInputs(6, SMALL.inputPoints, 5).flatMap((v) => Array.from(networkInput(v, 2))),
      [6, SMALL.inputPoints, 2],
    );
    const pairs: Array<[number, number]> = [[0, 1], [2, 3], [4, 5], [0, 3], [1, 4], [5, 2]];
    const vars = [...net.encoder.trainableWeights.map((w) => w.read() as tf.Variable), net.headW, net.headB];
    const sparse = tf.variableGrads(() => {
      const emb = net.encoder.apply(x, { training: true }) as tf.Tensor2D;
      return pairBce(selectedPairLogits(emb, headWeights(net), net.headB, pairs), 3);
    }, vars);
    const dense = tf.variableGrads(() => {
      const emb = net.encoder.apply(x, { training: true }) as tf.Tensor2D;
      const z = pairLogits(emb, headWeights(net), net.headB);
      const picked = tf.stack(pairs.map(([a, b]) => tf.slice(tf.reshape(z, [-1]), [a * 6 + b], [1]).reshape([]))) as tf.Tensor1D;
      return pairBce(picked, 3);
    }, vars);
    expect(sparse.value.dataSync()[0]).toBeCloseTo(dense.value.dataSync()[0]!, 5);
    for (const name of Object.keys(dense.grads)) {
      const a = sparse.grads[name]!.dataSync();
      const b = dense.grads[name]!.dataSync();
      const scale = Math.max(1e-6, ...Array.from(b, Math.abs));
      a.forEach((v, i) => expect(Math.abs(v - b[i]!) / scale).toBeLessThan(1e-4));
    }
    // The plain-maths all-pairs logits used to choose negatives agree with the tensor ones.
    const emb = net.encoder.predict(x) as tf.Tensor2D;
    const z = pairLogits(emb, headWeights(net), net.headB).dataSync();
    allPairLogits(emb.dataSync() as Float32Array, 6, headOf(net)).forEach((v, i) => expect(v).toBeCloseTo(z[i]!, 4));
    disposeNetwork(net);
  });

  it('mixWithinClass stays a [0, 1] input between its two parents', () => {
    const rng = makeRng(3);
    const a = Float32Array.from([0, 0.5, 1, 0.2]);
    const b = Float32Array.from([0, 1, 0.5, 0.2]);
    const m = mixWithinClass(a, b, rng, 0.5);
    expect(Math.min(...m)).toBe(0);
    expect(Math.max(...m)).toBeCloseTo(1, 6);
    // λ ≥ 0.5: the mix keeps a's strongest band the strongest.
    expect(m.indexOf(Math.max(...m))).toBe(2);
  });

  it('the two-channel recipe uses both and is what `specmatch train --recipe two-channel` builds', () => {
    const r = RECIPES['two-channel'];
    expect(r.spec.inputChannels).toBe(2);
    expect(r.spec.headConstraint).toBe('non-positive');
    expect(r.spec.blocks).toEqual(WIDE_ARCHITECTURE.blocks);
  });
});
