import { describe, expect, it } from 'vitest';
import { holdOnePerClass, meanStd, oneShotTask, scoreClassification, splitClasses } from '../protocols.js';
import { makeRng } from '../random.js';

describe('splitClasses', () => {
  it('splits classes 50 / 10 / 40 without overlap, reproducibly', () => {
    const classes = Array.from({ length: 100 }, (_, i) => i);
    const s = splitClasses(classes, makeRng(9));
    expect([s.train.length, s.validation.length, s.test.length]).toEqual([50, 10, 40]);
    expect(new Set([...s.train, ...s.validation, ...s.test]).size).toBe(100);
    expect(splitClasses(classes, makeRng(9))).toEqual(s);
    expect(splitClasses(classes, makeRng(10))).not.toEqual(s);
  });
});

describe('oneShotTask', () => {
  const labels = [0, 0, 0, 1, 1, 2, 3, 3];
  const samples = ['a', 'a', 'b', 'c', 'c', 'd', 'e', 'f'];
  it('takes one reference per class (classes with ≥ 2 spectra) and the rest as queries', () => {
    const t = oneShotTask([0, 1, 2, 3], labels, samples, makeRng(1));
    expect(t.references.map((i) => labels[i]).sort()).toEqual([0, 1, 3]);
    expect(t.queries).toHaveLength(8 - 1 - 3);
    for (const q of t.queries) expect(t.references).not.toContain(q);
  });
  it('keeps only queries from another sample than the reference in the distinct-sample variant', () => {
    for (let seed = 1; seed < 20; seed++) {
      const t = oneShotTask([0, 1, 2, 3], labels, samples, makeRng(seed), true);
      expect(t.references.map((i) => labels[i]).sort()).toEqual([0, 3]); // class 1 has one sample only
      for (const q of t.queries) {
        const ref = t.references.find((r) => labels[r] === labels[q])!;
        expect(samples[q]).not.toBe(samples[ref]);
      }
    }
  });
});

describe('holdOnePerClass', () => {
  it('holds out exactly one spectrum of every class with ≥ 2', () => {
    const labels = [0, 0, 0, 1, 1, 2];
    const { train, test } = holdOnePerClass(labels, makeRng(2));
    expect(test.map((i) => labels[i]).sort()).toEqual([0, 1]);
    expect([...train, ...test].sort()).toEqual([0, 1, 2, 3, 4, 5]);
  });
});

describe('scoreClassification', () => {
  it('computes top-1 and macro F1 (sklearn average="macro" over the labels present)', () => {
    // truth 0 0 1 1, predicted 0 1 1 1: class 0 F1 = 2/3, class 1 F1 = 0.8
    const s = scoreClassification([0, 0, 1, 1], [0, 1, 1, 1]);
    expect(s.top1).toBe(0.75);
    expect(s.macroF1).toBeCloseTo((2 / 3 + 0.8) / 2, 12);
  });
  it('gives mean and sample std', () => {
    expect(meanStd([1, 2, 3])).toEqual({ mean: 2, std: 1 });
  });
});
