import { describe, expect, it } from 'vitest';
import { chooseNegatives, planClassEpoch, planEpoch, positivePairs } from '../pairSampling.js';
import { makeRng } from '../random.js';

const labels = [0, 0, 0, 1, 1, 2, 3, 3, 3, 3];

describe('positivePairs', () => {
  it('lists every same-class pair once (S_m = Σ n(n−1)/2)', () => {
    const pairs = positivePairs(labels);
    expect(pairs).toHaveLength(3 + 1 + 0 + 6);
    for (const [a, b] of pairs) {
      expect(a).toBeLessThan(b);
      expect(labels[a]).toBe(labels[b]);
    }
  });
});

describe('planEpoch', () => {
  it('draws S_m positives with replacement, P per batch, each spectrum embedded once per batch', () => {
    const pos = positivePairs(labels);
    const batches = planEpoch(labels, pos, makeRng(3), { pairsPerBatch: 4 });
    expect(batches.reduce((s, b) => s + b.positives.length, 0)).toBe(pos.length);
    expect(batches).toHaveLength(Math.ceil(pos.length / 4));
    for (const b of batches) {
      expect(new Set(b.items).size).toBe(b.items.length);
      for (const [i, j] of b.positives) expect(labels[b.items[i]!]).toBe(labels[b.items[j]!]);
    }
  });

  it('adds look-alike partners of other classes when asked', () => {
    const pos = positivePairs(labels);
    const partners = labels.map((c) => labels.map((d, i) => (d !== c ? i : -1)).filter((i) => i >= 0));
    const plain = planEpoch(labels, pos, makeRng(5), { pairsPerBatch: 2, pairsPerEpoch: 40 });
    const hard = planEpoch(labels, pos, makeRng(5), { pairsPerBatch: 2, pairsPerEpoch: 40, hardPartners: partners, hardPartnerFraction: 1 });
    const classesPerBatch = (bs: typeof plain): number => bs.reduce((s, b) => s + new Set(b.items.map((i) => labels[i])).size, 0);
    expect(classesPerBatch(hard)).toBeGreaterThan(classesPerBatch(plain));
  });

  it('refuses data without any positive pair', () => {
    expect(() => planEpoch([0, 1, 2], [], makeRng(1), { pairsPerBatch: 2 })).toThrow(/two spectra/);
  });
});

describe('planClassEpoch', () => {
  it('draws distinct classes per batch, two different spectra of each, until S_m positives', () => {
    const batches = planClassEpoch(labels, makeRng(4), { classesPerBatch: 2 });
    expect(batches.reduce((s, b) => s + b.positives.length, 0)).toBeGreaterThanOrEqual(positivePairs(labels).length);
    for (const b of batches) {
      expect(new Set(b.items).size).toBe(b.items.length);
      const classes = b.items.map((i) => labels[i]);
      for (const [i, j] of b.positives) {
        expect(labels[b.items[i]!]).toBe(labels[b.items[j]!]);
        expect(b.items[i]).not.toBe(b.items[j]);
      }
      // One positive per class: no class twice in a batch beyond its pair.
      expect(new Set(classes).size).toBe(b.positives.length + b.items.length - 2 * b.positives.length);
      // Class 2 has one spectrum: never an anchor.
      expect(b.positives.every(([i]) => labels[b.items[i]!] !== 2)).toBe(true);
    }
  });

  it('is class-balanced: a class with many spectra does not fill the batches', () => {
    // Class 0 has 20 spectra (190 pairs), classes 1–9 two each (1 pair each): pair bootstrap gives class 0 ~95 % of positives.
    const skewed = [...Array<number>(20).fill(0), ...Array.from({ length: 18 }, (_, i) => 1 + Math.floor(i / 2))];
    const byPairs = planEpoch(skewed, positivePairs(skewed), makeRng(2), { pairsPerBatch: 4, pairsPerEpoch: 400 });
    const byClasses = planClassEpoch(skewed, makeRng(2), { classesPerBatch: 4, pairsPerEpoch: 400 });
    const share = (bs: typeof byPairs): number => {
      let zero = 0;
      let all = 0;
      for (const b of bs)
        for (const [i] of b.positives) {
          all++;
          if (skewed[b.items[i]!] === 0) zero++;
        }
      return zero / all;
    };
    expect(share(byPairs)).toBeGreaterThan(0.85);
    expect(share(byClasses)).toBeLessThan(0.4);
  });

  it('brings look-alike classes into the batch when asked, single-spectrum ones as negatives only', () => {
    const alike = new Map([
      [0, [2]],
      [1, [2]],
      [3, [2]],
    ]);
    const batches = planClassEpoch(labels, makeRng(9), { classesPerBatch: 1, pairsPerEpoch: 30, lookAlikeClasses: alike, lookAlikeFraction: 1 });
    for (const b of batches) {
      expect(b.items.some((i) => labels[i] === 2)).toBe(true);
      expect(b.positives).toHaveLength(1);
    }
  });

  it('refuses data without any positive pair', () => {
    expect(() => planClassEpoch([0, 1, 2], makeRng(1), { classesPerBatch: 2 })).toThrow(/two spectra/);
  });
});

describe('chooseNegatives', () => {
  const batch = [0, 0, 1, 2];
  const n = batch.length;
  const scores = new Float32Array(n * n);
  scores[0 * n + 2] = 0.9; // the hardest different-class pair
  scores[1 * n + 3] = 0.5;
  scores[0 * n + 1] = 5; // same class: never a negative

  it('picks only different-class pairs', () => {
    const neg = chooseNegatives(batch, scores, 50, 0, makeRng(1));
    expect(neg).toHaveLength(50);
    for (const [a, b] of neg) expect(batch[a]).not.toBe(batch[b]);
  });

  it('takes the highest-scoring pairs first when hard', () => {
    const neg = chooseNegatives(batch, scores, 2, 1, makeRng(1));
    expect(neg).toEqual([
      [0, 2],
      [1, 3],
    ]);
  });

  it('returns nothing for a single-class batch', () => {
    expect(chooseNegatives([4, 4], new Float32Array(4), 3, 0.5, makeRng(1))).toEqual([]);
  });
});
