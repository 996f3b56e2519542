import { describe, expect, it } from 'vitest';
import { classicAxisValues, classicVector, CLASSIC_AXIS } from '../classicAxis.js';
import { excludeMask, parseExcludeRange } from '../excludeMask.js';
import { parseElements } from '../elements.js';
import { rankSubstances } from '../rankSubstances.js';
import { prepareVector, preparedLength, scoreAll } from '../search.js';
import { classicMethods } from '../similarity.js';
import type { ClassicMethod } from '../similarity.js';
import { DEFAULT_CALIBRATION, verdictFor } from '../verdict.js';

const METHODS: ClassicMethod[] = ['hqi-correlation', 'hqi-derivative', 'cosine', 'euclidean'];

function randomSpectrum(seed: number, n: number): Float32Array {
  let s = seed;
  const r = (): number => ((s = (s * 1103515245 + 12345) % 2 ** 31) / 2 ** 31);
  const v = new Float32Array(n);
  const c = 50 + r() * (n - 100);
  for (let i = 0; i < n; i++) v[i] = 100 + 0.05 * i + 800 / (1 + ((i - c) / 4) ** 2) + 30 * r();
  return v;
}

describe('scoreAll (fast search) equals similarity.ts', () => {
  const n = 120;
  const refs = Array.from({ length: 25 }, (_, i) => randomSpectrum(i + 1, n));
  const query = randomSpectrum(99, n);
  const mask = new Uint8Array(n).fill(1);
  for (let i = 30; i < 50; i++) mask[i] = 0;

  for (const method of METHODS) {
    it(`${method}: unmasked and masked scores match the reference implementation`, () => {
      const dim = preparedLength(method, n);
      const data = new Float32Array(refs.length * dim);
      refs.forEach((r, i) => data.set(prepareVector(method, r), i * dim));
      const matrix = { dim, count: refs.length, data };
      const q = prepareVector(method, query);
      const plain = scoreAll(method, matrix, q);
      const masked = scoreAll(method, matrix, q, mask);
      refs.forEach((r, i) => {
        expect(plain[i]).toBeCloseTo(classicMethods[method](query, r), 4);
        expect(masked[i]).toBeCloseTo(classicMethods[method](query, r, mask), 4);
      });
      // the mask must change something, or the masked path is not being tested
      expect(Array.from(masked).some((v, i) => Math.abs(v - plain[i]!) > 1e-3)).toBe(true);
    });
  }

  it('a constant reference has no correlation: score 0, not NaN', () => {
    const flat = new Float32Array(n).fill(5);
    for (const method of ['hqi-correlation', 'hqi-derivative'] as ClassicMethod[]) {
      const dim = preparedLength(method, n);
      const s = scoreAll(method, { dim, count: 1, data: prepareVector(method, flat) }, prepareVector(method, query));
      expect(s[0]).toBe(0);
    }
  });

  it('rejects a query of the wrong length', () => {
    expect(() => scoreAll('cosine', { dim: 4, count: 1, data: new Float32Array(4) }, new Float32Array(3))).toThrow(RangeError);
  });
});

describe('rankSubstances', () => {
  const scores = [0.2, 0.9, 0.5, 0.85, 0.1, 0.9];
  const substance = [0, 0, 1, 2, 3, 4];
  it('keeps one row per substance (its best reference), ranked, with the gap to the next', () => {
    const rows = rankSubstances(scores, substance, 5, 10);
    expect(rows.map((r) => r.substance)).toEqual([0, 4, 2, 1, 3]);
    expect(rows[0]).toMatchObject({ substance: 0, ref: 1, score: 0.9, gap: 0 });
    expect(rows[1]!.gap).toBeCloseTo(0.05, 12);
    expect(rows[4]!.gap).toBe(0);
  });
  it('topK cuts the list but the last gap still looks at the next substance', () => {
    const rows = rankSubstances(scores, substance, 5, 2);
    expect(rows).toHaveLength(2);
    expect(rows[1]!.gap).toBeCloseTo(0.9 - 0.85, 12);
  });
  it('the bounded selection for small K agrees with a full sort (ties by lower index)', () => {
    let seed = 3;
    const r = (): number => ((seed = (seed * 1103515245 + 12345) % 2 ** 31) / 2 ** 31);
    const n = 5000;
    const sc = Array.from({ length: n }, () => Math.round(r() * 200) / 200); // many ties
    const sub = Array.from({ length: n }, (_, i) => i % 1700);
    const all = rankSubstances(sc, sub, 1700, 1700);
    const top = rankSubstances(sc, sub, 1700, 7);
    expect(top).toEqual(all.slice(0, 7));
    for (let i = 1; i < all.length; i++) expect(all[i - 1]!.score > all[i]!.score || (all[i - 1]!.score === all[i]!.score && all[i - 1]!.substance < all[i]!.substance)).toBe(true);
  });
  it('K larger than the library returns all; substances without references are left out', () => {
    expect(rankSubstances(scores, substance, 7, 1000)).toHaveLength(5);
    expect(rankSubstances([], [], 0, 10)).toEqual([]);
  });
});

describe('exclude masks', () => {
  it('masks inclusive ranges on the classic axis and refuses masking everything', () => {
    const axis = classicAxisValues();
    expect(axis.length).toBe(CLASSIC_AXIS.points);
    const m = excludeMask(axis, [[1300, 1400]])!;
    expect(m[axis.indexOf(1300)]).toBe(0);
    expect(m[axis.indexOf(1400)]).toBe(0);
    expect(m[axis.indexOf(1298)]).toBe(1);
    expect(excludeMask(axis, [])).toBeUndefined();
    expect(() => excludeMask(axis, [[0, 5000]])).toThrow(/nothing left/);
    expect(() => excludeMask(axis, [[Number.NaN, 5]])).toThrow(/not a pair/);
  });
  it('parses FROM-TO, negative starts and reversed ranges', () => {
    expect(parseExcludeRange('1300-1400')).toEqual([1300, 1400]);
    expect(parseExcludeRange('-20-50')).toEqual([-20, 50]);
    expect(parseExcludeRange('2400–2300')).toEqual([2300, 2400]);
    expect(() => parseExcludeRange('abc')).toThrow(/FROM-TO/);
  });
});

describe('classicVector', () => {
  it('removes a background: a spectrum that is only a sloped background becomes nearly flat zero, bands stay', () => {
    const x = Array.from({ length: 1401 }, (_, i) => 100 + i);
    const background = x.map((v) => 1000 + 2 * v + 400 * Math.exp(-(((v - 900) / 400) ** 2)));
    const v = classicVector(x, background);
    expect(Math.max(...v.map(Math.abs))).toBeLessThan(0.02 * (Math.max(...background) - Math.min(...background)));
    const band = x.map((w, i) => background[i]! + 300 * Math.exp(-(((w - 700) / 5) ** 2)));
    const withBand = classicVector(x, band);
    const at700 = classicAxisValues().indexOf(700);
    expect(withBand[at700]).toBeGreaterThan(200); // the band keeps most of its height above the removed background
  });
});

describe('parseElements (RRUFF IDEAL CHEMISTRY)', () => {
  it.each([
    ['Ca(CO_3_)', ['C', 'Ca', 'O']],
    ['(Mg,Fe^2+^)_2_SiO_4_', ['Fe', 'Mg', 'O', 'Si']],
    ['Cu^2+^_3_(S^6+^O_4_)(OH)_4_', ['Cu', 'H', 'O', 'S']],
    ['[box]Na_2_Co(SO_4_)_2_', ['Co', 'Na', 'O', 'S']],
    ['REE(PO_4_)', ['O', 'P']],
    ['', []],
  ])('%s', (formula, expected) => {
    expect(parseElements(formula)).toEqual(expected);
  });
});

describe('verdicts', () => {
  const cal = { match: 0.8, gap: 0.05, noMatch: 0.4, source: 'test' };
  it('match needs score and gap, no-match below the floor, ambiguous between', () => {
    expect(verdictFor(0.9, 0.1, cal)).toBe('match');
    expect(verdictFor(0.9, 0.01, cal)).toBe('ambiguous');
    expect(verdictFor(0.6, 0.3, cal)).toBe('ambiguous');
    expect(verdictFor(0.3, 0.3, cal)).toBe('no-match');
    expect(verdictFor(undefined, 0, cal)).toBe('no-match');
  });
  it('every classic method has a calibration with noMatch ≤ match', () => {
    for (const c of Object.values(DEFAULT_CALIBRATION)) expect(c.noMatch).toBeLessThanOrEqual(c.match);
  });
});
