import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { describeShared, sharedPath } from '../../../test/support.js';
import { makeRng } from '../../engine/random.js';
import { readSpectra } from '../../formats/readSpectra.js';
import { despikeShoulder } from '../despikeShoulder.js';
import { despikeWhitakerHayes } from '../despikeWhitakerHayes.js';
import { noiseSigma } from '../robust.js';

function percentile(y: ArrayLike<number>, q: number): number {
  const a = Float64Array.from(y).sort();
  return a[Math.floor(q * (a.length - 1))]!;
}

/**
 * Real bands: local maxima whose prominence is at least `minFraction` of the spectrum's dynamic range, at least 3
 * points wide at half their prominence (so a natural cosmic spike in the RAW file is not taken for a band).
 */
function sharpBands(y: Float64Array, minFraction = 0.1): number[] {
  const top = Math.max(...y) - percentile(y, 0.05);
  const out: number[] = [];
  for (let i = 3; i < y.length - 3; i++) {
    if (!(y[i]! > y[i - 1]! && y[i]! >= y[i + 1]!)) continue;
    // Prominence over the lowest point within 20 points on each side (the higher of the two).
    let leftMin = Infinity;
    let rightMin = Infinity;
    for (let k = Math.max(0, i - 20); k < i; k++) leftMin = Math.min(leftMin, y[k]!);
    for (let k = i + 1; k <= Math.min(y.length - 1, i + 20); k++) rightMin = Math.min(rightMin, y[k]!);
    const prominence = y[i]! - Math.max(leftMin, rightMin);
    if (prominence < minFraction * top) continue;
    let l = i;
    while (l > 0 && y[l - 1]! > y[i]! - prominence / 2) l--;
    let r = i;
    while (r < y.length - 1 && y[r + 1]! > y[i]! - prominence / 2) r++;
    if (r - l + 1 >= 3) out.push(i);
  }
  return out;
}

describe('despikeShoulder on synthetic data', () => {
  it('removes 1–3 pixel spikes on a flat noisy background and leaves bands of FWHM ≥ 2 px untouched', () => {
    const r = makeRng(7);
    const n = 600;
    const clean = Float64Array.from(
      { length: n },
      (_, i) =>
        100 + 1000 / (1 + ((i - 200) / 1) ** 2) + 700 * Math.exp(-0.5 * ((i - 400) / 1.5) ** 2) + (r() - 0.5) * 6,
    );
    const spiked = Float64Array.from(clean);
    const spikes = [
      [50, 1],
      [120, 2],
      [300, 3],
      [210, 1],
      [392, 1],
    ] as const;
    for (const [at, width] of spikes) for (let k = 0; k < width; k++) spiked[at + k] = spiked[at + k]! + 800;
    const out = despikeShoulder(spiked);
    for (const [at, width] of spikes)
      for (let k = 0; k < width; k++) expect(Math.abs(out[at + k]! - clean[at + k]!)).toBeLessThan(80);
    expect(out[200]).toBe(clean[200]);
    expect(out[400]).toBe(clean[400]);
  });

  it('leaves a spectrum without spikes exactly as it was, where Whitaker–Hayes clips the band', () => {
    const y = Float64Array.from(
      { length: 300 },
      (_, i) => 50 + 20 * Math.sin(i / 9) + 400 * Math.exp(-0.5 * ((i - 150) / 3) ** 2),
    );
    expect(despikeShoulder(y)).toEqual(y);
    // Noiseless: the band's differences are extreme next to the sine's, so the z-score method flags it.
    expect(despikeWhitakerHayes(y)).not.toEqual(y);
  });
});

describeShared('despiking RRUFF spectra with spikes planted next to sharp mineral bands', () => {
  const dir = sharedPath('rruff/sample/common_minerals/raw/excellent_unoriented');
  const files = readdirSync(dir)
    .filter((f) => f.endsWith('.txt'))
    .sort();

  it('removes every planted spike and keeps every real band height within 2 % (shoulder test)', () => {
    const r = makeRng(2024);
    let planted = 0;
    let bandsChecked = 0;
    for (const f of files) {
      const s = readSpectra(new Uint8Array(readFileSync(join(dir, f))), f).spectra[0]!;
      const clean = s.y;
      const bands = sharpBands(clean);
      if (bands.length === 0) continue;
      const floor = percentile(clean, 0.05);
      const spiked = Float64Array.from(clean);
      const spikeAt: Array<{ i: number; height: number }> = [];
      for (const b of bands.slice(0, 4)) {
        const h = clean[b]! - floor;
        // 5–12 points to either side of the band top: on its flank or just beyond, where a spike is easily mistaken.
        const side = r() < 0.5 ? -1 : 1;
        const at = b + side * (5 + Math.floor(r() * 8));
        const width = 1 + Math.floor(r() * 2);
        if (at < 3 || at + width > clean.length - 3) continue;
        if (bands.some((o) => o !== b && Math.abs(o - at) < 4)) continue;
        const height = h * (0.5 + r());
        for (let k = 0; k < width; k++) {
          spiked[at + k] = spiked[at + k]! + height;
          spikeAt.push({ i: at + k, height });
        }
      }
      const out = despikeShoulder(spiked);
      // Removed: what is left differs from the clean spectrum by no more than noise plus 10 % of the spike.
      const sigma = noiseSigma(clean);
      for (const { i, height } of spikeAt) {
        const residual = Math.abs(out[i]! - clean[i]!);
        expect(
          residual,
          `${f}: spike at point ${i} (height ${height.toFixed(0)}) left ${residual.toFixed(1)}`,
        ).toBeLessThan(0.1 * height + 3 * sigma);
        planted++;
      }
      for (const b of bands) {
        const h = clean[b]! - floor;
        const change = Math.abs(out[b]! - clean[b]!) / h;
        expect(
          change,
          `${f}: band at ${s.x[b]!.toFixed(1)} cm⁻¹ changed by ${(100 * change).toFixed(2)} %`,
        ).toBeLessThanOrEqual(0.02);
        bandsChecked++;
      }
    }
    expect(planted).toBeGreaterThan(250);
    expect(bandsChecked).toBeGreaterThan(150);
  });
});
