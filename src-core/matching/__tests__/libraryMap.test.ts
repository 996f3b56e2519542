import { describe, expect, it } from 'vitest';
import { bandEvidence, spectrumBands } from '../bandEvidence.js';
import { isMapCurrent, MAP_PARAMS, mapIdsHash, nearestOf, neighbourGraph, placeQuery, substanceGroup } from '../libraryMap.js';

describe('library map (pure parts)', () => {
  it('keeps each row itself first, then its k − 1 best others, distance 1 − score', () => {
    const m = [
      [1, 0.9, 0.2, 0.5],
      [0.9, 1, 0.3, 0.1],
      [0.2, 0.3, 1, 0.95],
      [0.5, 0.1, 0.95, 1],
    ];
    const g = neighbourGraph(4, 3, (i) => m[i]!);
    expect(g.indices).toEqual([
      [0, 1, 3],
      [1, 0, 2],
      [2, 3, 1],
      [3, 2, 0],
    ]);
    expect(g.distances[0]![0]).toBe(0);
    expect(g.distances[0]![1]).toBeCloseTo(0.1, 12);
    expect(g.distances[2]![1]).toBeCloseTo(0.05, 12);
    // Scores above 1 give distance 0, NaN sorts last at distance 2; k larger than the row is cut.
    const r = nearestOf([1, 1.2, Number.NaN], 0, 10);
    expect(r.indices).toEqual([0, 1, 2]);
    expect(r.distances).toEqual([0, 0, 2]);
  });

  it('a cached map is current only for the same key, ids and settings', () => {
    const ids = Int32Array.from([3, 5, 8]);
    const cache = { idsHash: mapIdsHash('classic:x', ids), params: JSON.stringify(MAP_PARAMS) };
    expect(isMapCurrent(cache, 'classic:x', [3, 5, 8])).toBe(true);
    expect(isMapCurrent(cache, 'classic:x', [3, 5])).toBe(false);
    expect(isMapCurrent(cache, 'classic:x', [3, 5, 9])).toBe(false);
    expect(isMapCurrent(cache, 'model-v3:x', [3, 5, 8])).toBe(false);
    expect(isMapCurrent({ ...cache, params: '{"method":"umap","version":0}' }, 'classic:x', [3, 5, 8])).toBe(false);
    expect(isMapCurrent(undefined, 'classic:x', [3, 5, 8])).toBe(false);
  });

  it('groups substances by the anion their formula names', () => {
    expect(substanceGroup('Ca(CO_3_)')).toBe('carbonate');
    expect(substanceGroup('SiO_2_')).toBe('silicate');
    expect(substanceGroup('(Mg,Fe^2+^)_2_SiO_4_')).toBe('silicate');
    expect(substanceGroup('CaSO_4_·2H_2_O')).toBe('sulfate');
    expect(substanceGroup('Ca_5_(PO_4_)_3_F')).toBe('phosphate, arsenate, vanadate');
    expect(substanceGroup('Fe_2_O_3_')).toBe('oxide, hydroxide');
    expect(substanceGroup('FeS_2_')).toBe('sulfide, arsenide');
    expect(substanceGroup('NaCl')).toBe('halide');
    expect(substanceGroup('C')).toBe('element');
    expect(substanceGroup('Na_2_B_4_O_7_·10H_2_O')).toBe('borate');
    expect(substanceGroup(null)).toBe('other');
    expect(substanceGroup('[box]')).toBe('other');
  });

  it('places a query at the score-weighted mean of its nearest references on the map', () => {
    const pts = [
      { spectrumId: 10, x: 0, y: 0 },
      { spectrumId: 11, x: 10, y: 0 },
      { spectrumId: 12, x: 0, y: 10 },
    ];
    const p = placeQuery(pts, [
      { spectrumId: 11, score: 0.5 },
      { spectrumId: 10, score: 1 },
      { spectrumId: 99, score: 0.99 },
      { spectrumId: 12, score: 0.3 },
    ])!;
    // 12 scores under half the best: not a neighbour.
    expect(p.neighbours).toEqual([0, 1]);
    expect(p.x).toBeCloseTo((0.25 * 10) / 1.25, 12);
    expect(p.y).toBe(0);
    expect(placeQuery(pts, [{ spectrumId: 99, score: 1 }])).toBeUndefined();
    expect(placeQuery(pts, [{ spectrumId: 12, score: 0.7 }, { spectrumId: 10, score: 0.9 }], 1)!.neighbours).toEqual([0]);
  });
});

/** A baseline with Lorentzian bands at the given positions (height h) and a little deterministic noise. */
function spectrum(bands: Array<[number, number]>, from = 100, to = 1500): { x: number[]; y: number[] } {
  const x: number[] = [];
  const y: number[] = [];
  for (let v = from; v <= to; v += 1) {
    let s = 200 + 0.1 * v + 2 * Math.sin(v * 12.9898);
    for (const [c, h] of bands) s += h / (1 + ((v - c) / 4) ** 2);
    x.push(v);
    y.push(s);
  }
  return { x, y };
}

describe('band evidence', () => {
  it('finds the bands of a spectrum with their relative heights', () => {
    const b = spectrumBands(spectrum([[465, 1000], [1086, 500], [300, 20]]));
    expect(b.map((v) => Math.round(v.position))).toEqual([465, 1086]);
    expect(b[1]!.relHeight).toBeCloseTo(0.5, 1);
  });

  it('says which query bands the reference explains, which it does not, and what it lacks', () => {
    const query = spectrum([[465, 1000], [712, 300], [1086, 800]]);
    const ref = spectrum([[467, 900], [1084, 900], [1400, 400]]);
    const e = bandEvidence(query, ref);
    expect(e.explained.map((b) => [Math.round(b.position), Math.round(b.reference)])).toEqual([[465, 467], [1086, 1084]]);
    expect(e.unexplained.map((b) => Math.round(b.position))).toEqual([712]);
    expect(e.absent.map((b) => Math.round(b.position))).toEqual([1400]);
    expect(e.explainedShare).toBeCloseTo(1.8 / 2.1, 1);
    // Beyond the tolerance a band is not explained; a reference band outside the query's range is not absent.
    const far = bandEvidence(query, spectrum([[480, 900]]), { tolerance: 10 });
    expect(far.explained).toHaveLength(0);
    const short = bandEvidence(spectrum([[465, 1000]], 100, 800), ref);
    expect(short.absent.map((b) => Math.round(b.position))).toEqual([]);
    expect(short.explained).toHaveLength(1);
  });
});
