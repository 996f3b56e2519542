import { describe, expect, it } from 'vitest';
import { calibrateThresholds, fitPlatt } from '../calibration.js';
import { embeddingSizeOf, PAPER_ARCHITECTURE } from '../architecture.js';
import { axisGrid, spectrumToInput } from '../inputVector.js';
import { makeRng, randomNormal } from '../random.js';
import { headSimilarity, headSimilarityMany, sigmoid } from '../siameseHead.js';

describe('Siamese head', () => {
  const head = { w: Float32Array.from([-1, -2, 0.5]), b: 1 };
  it('is sigmoid(wᵀ|a − b| + b₀)', () => {
    const a = Float32Array.from([1, 2, 3]);
    const b = Float32Array.from([2, 0, 3]);
    expect(headSimilarity(head, a, b)).toBeCloseTo(sigmoid(-1 * 1 + -2 * 2 + 0.5 * 0 + 1), 12);
    expect(headSimilarity(head, a, a)).toBeCloseTo(sigmoid(1), 12);
  });
  it('scores many references like one at a time', () => {
    const rng = makeRng(4);
    const refs = Array.from({ length: 20 }, () => Float32Array.from({ length: 3 }, () => randomNormal(rng)));
    const q = refs[3]!;
    const many = headSimilarityMany(head, q, refs);
    refs.forEach((r, i) => expect(many[i]).toBeCloseTo(headSimilarity(head, q, r), 6));
  });
  it('has a stable sigmoid for large logits', () => {
    expect(sigmoid(-800)).toBe(0);
    expect(sigmoid(800)).toBe(1);
  });
});

describe('architecture', () => {
  it('flattens six pooled blocks of the 512-point axis to 256 numbers', () => {
    expect(PAPER_ARCHITECTURE.blocks).toHaveLength(6);
    expect(embeddingSizeOf(PAPER_ARCHITECTURE)).toBe(256);
    expect(() => embeddingSizeOf({ ...PAPER_ARCHITECTURE, inputPoints: 32 })).toThrow(/pools/);
  });
});

describe('input vector', () => {
  it('holds the ends outside the measured range and scales to [0, 1]', () => {
    const grid = axisGrid({ from: 0, to: 10, points: 11 });
    const out = new Float32Array(11);
    expect(spectrumToInput(Float64Array.from([2, 4, 6]), Float64Array.from([10, 30, 20]), grid, out)).toBe(true);
    expect(Array.from(out)).toEqual([0, 0, 0, 0.5, 1, 0.75, 0.5, 0.5, 0.5, 0.5, 0.5]);
    expect(spectrumToInput(Float64Array.from([20, 30]), Float64Array.from([1, 2]), grid, out)).toBe(false);
  });
});

describe('calibration', () => {
  it('fits Platt scaling that recovers a known logistic relation', () => {
    const rng = makeRng(11);
    const z: number[] = [];
    const y: number[] = [];
    for (let i = 0; i < 4000; i++) {
      const zi = randomNormal(rng) * 3;
      z.push(zi);
      y.push(rng() < sigmoid(2 * zi - 1) ? 1 : 0);
    }
    const { a, b } = fitPlatt(z, y);
    expect(a).toBeCloseTo(2, 0);
    expect(b).toBeCloseTo(-1, 0);
  });
  it('puts noMatch above most open-set scores and match where top-1 answers are right', () => {
    const outcomes = Array.from({ length: 200 }, (_, i) => ({
      top1: i < 100 ? 0.9 + i / 2000 : 0.3 + i / 2000,
      top2: 0.2,
      correct: i < 100,
      openSetTop: 0.2 + (i % 100) / 1000,
    }));
    const c = calibrateThresholds(outcomes);
    expect(c.noMatch).toBeGreaterThan(0.28);
    expect(c.noMatch).toBeLessThan(0.3);
    // match: the lowest threshold whose accepted answers are still ≥ 95 % right (all 100 right ones + 5 wrong).
    const accepted = outcomes.filter((o) => o.top1 >= c.match);
    expect(accepted.filter((o) => o.correct).length / accepted.length).toBeGreaterThanOrEqual(0.95);
    expect(accepted).toHaveLength(105);
  });
});
