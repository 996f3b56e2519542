/**
 * Every step against outputs computed independently with numpy/scipy (scripts/reference/generate.py →
 * test/fixtures/preprocess/reference.json). Tolerances are relative to the signal's scale: the banded LDLᵀ and
 * scipy's sparse LU differ only by rounding, so 1e-6 of the range is generous.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { expectClose, FIXTURES } from '../../../test/support.js';
import { baselineAirpls } from '../baselineAirpls.js';
import { baselineAls } from '../baselineAls.js';
import { baselineArpls } from '../baselineArpls.js';
import { baselineImodpoly } from '../baselineImodpoly.js';
import { baselineRubberband } from '../baselineRubberband.js';
import { despikeWhitakerHayes } from '../despikeWhitakerHayes.js';
import { normalize } from '../normalize.js';
import { resampleCubic } from '../resampleCubic.js';
import { resampleLinear } from '../resampleLinear.js';
import { smoothSavitzkyGolay } from '../smoothSavitzkyGolay.js';
import { smoothWhittaker } from '../smoothWhittaker.js';

interface ReferenceCase {
  name: string;
  x: number[];
  y: number[];
  grid: number[];
  outputs: Record<string, number[]>;
}
const doc = JSON.parse(readFileSync(join(FIXTURES, 'preprocess/reference.json'), 'utf8')) as { cases: ReferenceCase[] };

const range = (a: ArrayLike<number>): number => {
  let lo = Infinity;
  let hi = -Infinity;
  for (let i = 0; i < a.length; i++) {
    lo = Math.min(lo, a[i]!);
    hi = Math.max(hi, a[i]!);
  }
  return hi - lo;
};

type Compute = (c: ReferenceCase) => Float64Array;
const dx = (c: ReferenceCase): number => (c.x[c.x.length - 1]! - c.x[0]!) / (c.x.length - 1);

const COMPUTE: Record<string, Compute> = {
  'savitzkyGolay w11 p3': (c) => smoothSavitzkyGolay(c.y, { window: 11, polyorder: 3 }),
  'savitzkyGolay w7 p2': (c) => smoothSavitzkyGolay(c.y, { window: 7, polyorder: 2 }),
  'savitzkyGolay w15 p4 d1': (c) => smoothSavitzkyGolay(c.y, { window: 15, polyorder: 4, derivative: 1, delta: dx(c) }),
  'savitzkyGolay w9 p3 d2': (c) => smoothSavitzkyGolay(c.y, { window: 9, polyorder: 3, derivative: 2, delta: dx(c) }),
  'whittaker l10 d2': (c) => smoothWhittaker(c.y, { lambda: 10, differenceOrder: 2 }),
  'whittaker l1000 d1': (c) => smoothWhittaker(c.y, { lambda: 1000, differenceOrder: 1 }),
  'whittaker l100 d3': (c) => smoothWhittaker(c.y, { lambda: 100, differenceOrder: 3 }),
  'als l1e5 p0.01': (c) => baselineAls(c.y, { lambda: 1e5, p: 0.01 }),
  'als l1e3 p0.05 d1': (c) => baselineAls(c.y, { lambda: 1e3, p: 0.05, differenceOrder: 1 }),
  'arpls l1e5': (c) => baselineArpls(c.y, { lambda: 1e5 }),
  'airpls l1e4': (c) => baselineAirpls(c.y, { lambda: 1e4 }),
  'imodpoly p3': (c) => baselineImodpoly(c.x, c.y, { polyorder: 3 }),
  'imodpoly p5': (c) => baselineImodpoly(c.x, c.y, { polyorder: 5 }),
  rubberband: (c) => baselineRubberband(c.x, c.y),
  'whitakerHayes t6 m3': (c) => despikeWhitakerHayes(c.y, { threshold: 6, window: 3 }),
  'resample linear': (c) => resampleLinear(c.x, c.y, c.grid),
  'resample cubic': (c) => resampleCubic(c.x, c.y, c.grid),
  'normalize max': (c) => normalize(c.x, c.y, 'max'),
  'normalize minmax': (c) => normalize(c.x, c.y, 'minmax'),
  'normalize vector': (c) => normalize(c.x, c.y, 'vector'),
  'normalize area': (c) => normalize(c.x, c.y, 'area'),
  'normalize snv': (c) => normalize(c.x, c.y, 'snv'),
};

describe('preprocessing steps match the numpy/scipy references', () => {
  it('the fixture covers every computed output and nothing else', () => {
    for (const c of doc.cases) expect(Object.keys(c.outputs).sort()).toEqual(Object.keys(COMPUTE).sort());
  });
  for (const c of doc.cases) {
    for (const [name, compute] of Object.entries(COMPUTE)) {
      it(`${c.name}: ${name}`, () => {
        const expected = c.outputs[name]!;
        const scale = range(expected) || 1;
        expectClose(compute(c), expected, 1e-6 * scale);
      });
    }
  }
});
