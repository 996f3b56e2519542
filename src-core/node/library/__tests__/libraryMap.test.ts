/**
 * The library's embedding map on a synthetic library: computed once and then read from the library's map cache,
 * the same picture each time (seeded), stale after an edit, and each substance's spectra near each other.
 */
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { readSpectra } from '../../../formats/readSpectra.js';
import type { Spectrum } from '../../../spectrum/Spectrum.js';
import { Library } from '../Library.js';
import { libraryMap } from '../libraryMap.js';
import { mineralName, syntheticRruffText } from './synthetic.js';

const read = (m: number, s: number): Spectrum =>
  readSpectra(new TextEncoder().encode(syntheticRruffText({ mineral: m, sample: s })), `m${m}-s${s}.txt`).spectra[0]!;

describe('library map', () => {
  const path = join(mkdtempSync(join(tmpdir(), 'specmatch-map-')), 'lib.specmatch');
  let lib: Library;

  beforeAll(async () => {
    lib = Library.open(path, { create: true });
    for (let m = 1; m <= 6; m++) for (let s = 0; s < 4; s++) await lib.addSpectrum(read(m, s), { substance: mineralName(m) });
  });

  it('is computed once, cached in the library, and the same picture when recomputed', async () => {
    expect(await libraryMap(lib, { cacheOnly: true })).toBeUndefined();
    const phases = new Set<string>();
    const a = (await libraryMap(lib, { onProgress: (_d, _t, p) => phases.add(p) }))!;
    expect(a.cached).toBe(false);
    expect([...phases]).toEqual(['neighbours', 'layout']);
    expect(a.points).toHaveLength(24);
    expect(a.method).toBe('hqi-derivative');
    expect(a.vectorKey.startsWith('classic:')).toBe(true);
    expect(a.points.every((p) => Number.isFinite(p.x) && Number.isFinite(p.y))).toBe(true);
    expect(new Set(a.points.map((p) => p.group))).toEqual(new Set(['carbonate', 'sulfide, arsenide']));
    const b = (await libraryMap(lib))!;
    expect(b.cached).toBe(true);
    expect(b.points).toEqual(a.points);
    const c = (await libraryMap(lib, { force: true }))!;
    expect(c.cached).toBe(false);
    expect(c.points.map((p) => [p.x, p.y])).toEqual(a.points.map((p) => [p.x, p.y]));
  });

  it('puts each substance’s spectra closer to each other than to other substances', async () => {
    const m = (await libraryMap(lib))!;
    let within = 0;
    let across = 0;
    let nw = 0;
    let na = 0;
    for (const p of m.points)
      for (const q of m.points) {
        if (p === q) continue;
        const d = Math.hypot(p.x - q.x, p.y - q.y);
        if (p.substanceId === q.substanceId) {
          within += d;
          nw++;
        } else {
          across += d;
          na++;
        }
      }
    expect(within / nw).toBeLessThan(0.5 * (across / na));
  });

  it('is stale after an edit and recomputed with the new spectrum', async () => {
    await lib.addSpectrum(read(7, 0), { substance: mineralName(7) });
    expect(await libraryMap(lib, { cacheOnly: true })).toBeUndefined();
    const m = (await libraryMap(lib))!;
    expect(m.cached).toBe(false);
    expect(m.points).toHaveLength(25);
  });

  it('maps a small library (fewer spectra than neighbours), and refuses one of under 3', async () => {
    const small = Library.open(join(mkdtempSync(join(tmpdir(), 'specmatch-map-')), 'small.specmatch'), { create: true });
    await small.addSpectrum(read(1, 0), { substance: mineralName(1) });
    await small.addSpectrum(read(2, 0), { substance: mineralName(2) });
    await expect(libraryMap(small)).rejects.toMatchObject({ code: 'E_LIBRARY' });
    for (let s = 1; s < 4; s++) await small.addSpectrum(read(1, s), { substance: mineralName(1) });
    const m = (await libraryMap(small))!;
    expect(m.points).toHaveLength(5);
    expect(m.points.every((p) => Number.isFinite(p.x) && Number.isFinite(p.y))).toBe(true);
    small.close();
  });

  it('can be cancelled', async () => {
    const ac = new AbortController();
    ac.abort();
    await expect(libraryMap(lib, { force: true, signal: ac.signal })).rejects.toMatchObject({ code: 'E_CANCELLED' });
  });
});
