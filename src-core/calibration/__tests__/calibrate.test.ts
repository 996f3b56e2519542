import { describe, expect, it } from 'vitest';
import { readFileSync } from 'node:fs';
import { readSpectra } from '../../formats/readSpectra.js';
import type { Spectrum } from '../../spectrum/Spectrum.js';
import { calibrateSpectra } from '../calibrate.js';
import { findPeaks } from '../peaks.js';
import { nmToShift, standardById, STANDARDS } from '../standards.js';
import { applyXMap } from '../xMap.js';
import { describeShared } from '../../../test/support.js';
import { calibrationFile } from '../../../test/calibrationData.js';

/** Deterministic noise in [-1, 1). */
function rng(seed: number): () => number {
  let s = seed >>> 0;
  return () => {
    s = (s * 1664525 + 1013904223) >>> 0;
    return s / 2 ** 31 - 1;
  };
}

/**
 * A synthetic standard spectrum: Gaussian lines of FWHM `fwhm` at the reference positions, seen through a distorted
 * axis: a line truly at s appears at instrument shift s − distortion(s).
 */
function synthetic(lines: Array<{ at: number; h: number }>, distortion: (s: number) => number, opts: { laserNm?: number; from?: number; to?: number; step?: number; fwhm?: number; seed?: number } = {}): Spectrum {
  const from = opts.from ?? 100;
  const to = opts.to ?? 3200;
  const step = opts.step ?? 2;
  const sd = (opts.fwhm ?? 6) / 2.3548;
  const noise = rng(opts.seed ?? 7);
  const n = Math.floor((to - from) / step) + 1;
  const x = new Float64Array(n);
  const y = new Float64Array(n);
  for (let i = 0; i < n; i++) {
    const inst = from + i * step;
    // invert the small distortion by fixed point: true s with s − d(s) = inst
    let s = inst;
    for (let k = 0; k < 6; k++) s = inst + distortion(s);
    x[i] = inst;
    let v = 100 + 0.02 * inst + 2 * noise();
    for (const l of lines) v += l.h * Math.exp(-((s - l.at) ** 2) / (2 * sd * sd));
    y[i] = v;
  }
  return {
    x,
    y,
    meta: { sourceFile: 'synthetic.txt', format: 'test', xKind: 'raman-shift', originalXUnit: 'cm-1', position: { index: 0, count: 1 }, fields: {}, warnings: [], ...(opts.laserNm ? { laserNm: opts.laserNm } : {}) },
  };
}

const neon = standardById('neon')!;
const polystyrene = standardById('polystyrene')!;
const neonAt = (laser: number): Array<{ at: number; h: number }> => neon.lines.map((l) => ({ at: nmToShift(l.position, laser), h: 10 * l.intensity }));

describe('findPeaks', () => {
  it('locates Gaussian lines to a small fraction of the sampling step', () => {
    const s = synthetic([{ at: 1000.3, h: 500 }, { at: 1500.77, h: 300 }], () => 0, { step: 3, fwhm: 9 });
    const p = findPeaks(s.x, s.y);
    expect(p).toHaveLength(2);
    expect(Math.abs(p[0]!.position - 1000.3)).toBeLessThan(0.15);
    expect(Math.abs(p[1]!.position - 1500.77)).toBeLessThan(0.15);
    expect(p[0]!.fwhm).toBeGreaterThan(8);
    expect(p[0]!.fwhm).toBeLessThan(10);
  });

  it('finds nothing in noise', () => {
    const s = synthetic([], () => 0);
    expect(findPeaks(s.x, s.y)).toHaveLength(0);
  });
});

describe('calibrateSpectra', () => {
  for (const offset of [-20, -11.3, 0, 7.5, 20]) {
    it(`recovers a neon calibration with a wrong starting offset of ${offset} cm⁻¹ and a smooth distortion`, () => {
      const distortion = (s: number): number => offset + 3 * Math.sin(s / 900);
      const s = synthetic(neonAt(532), distortion, { laserNm: 532, from: 100, to: 3800, seed: 3 });
      const fit = calibrateSpectra([s], neon);
      expect(fit.accepted, fit.reason).toBe(true);
      expect(fit.rms).toBeLessThan(0.3);
      expect(fit.lines.length).toBeGreaterThanOrEqual(15);
      // the map puts instrument positions back on true shift
      const probe = Float64Array.of(600, 1500, 2500);
      const corrected = applyXMap(fit.map, probe);
      for (let i = 0; i < probe.length; i++) {
        const truth = probe[i]! + distortion(corrected[i]!);
        expect(Math.abs(corrected[i]! - truth)).toBeLessThan(0.5);
      }
    });
  }

  it('recovers polystyrene with a wrong offset of +20 cm⁻¹ (not confused by the 1001/1031 pair)', () => {
    const lines = polystyrene.lines.map((l) => ({ at: l.position, h: 20 * l.intensity }));
    const fit = calibrateSpectra([synthetic(lines, () => 20, { fwhm: 8 })], polystyrene);
    expect(fit.accepted, fit.reason).toBe(true);
    expect(Math.abs(fit.search.offset - 20)).toBeLessThan(1);
    expect(fit.lines.map((l) => l.reference)).toContain(1001.4);
    expect(fit.rms).toBeLessThan(0.3);
  });

  it('refuses a spectrum that is not the standard, with a reason', () => {
    // polystyrene bands calibrated as neon: almost nothing lines up
    const lines = polystyrene.lines.map((l) => ({ at: l.position, h: 20 * l.intensity }));
    const fit = calibrateSpectra([synthetic(lines, () => 0, { laserNm: 532 })], neon);
    expect(fit.accepted).toBe(false);
    expect(fit.reason).toMatch(/Neon|RMS|monotonic/);
  });

  it('refuses a poor fit on its RMS', () => {
    // lines placed with ±2 cm⁻¹ random errors cannot fit within 1 cm⁻¹
    const jitter = rng(11);
    const lines = neonAt(532).map((l) => ({ at: l.at + 2.5 * jitter(), h: l.h }));
    const fit = calibrateSpectra([synthetic(lines, () => 0, { laserNm: 532, to: 3800 })], neon, { maxRmsCm: 0.5 });
    expect(fit.accepted).toBe(false);
    expect(fit.reason).toMatch(/RMS .* over the limit/);
  });

  it('needs a laser for a lamp', () => {
    expect(() => calibrateSpectra([synthetic(neonAt(532), () => 0)], neon)).toThrow(/laser wavelength is unknown/);
  });

  it('a silicon measurement on top of a lamp calibration corrects only the laser', () => {
    const lamp = calibrateSpectra([synthetic(neonAt(532), () => 0, { laserNm: 532, to: 3800 })], neon);
    expect(lamp.accepted).toBe(true);
    // the laser really was 532.1 nm: with the lamp's absolute axis every band shows ν(532) − ν(532.1) too high
    const trueLaser = 532.1;
    const shiftError = nmToShift(532.1, 532); // ν(532) − ν(532.1) > 0
    const si = synthetic([{ at: 520.45, h: 1000 }], () => -shiftError, { laserNm: 532 });
    const fit = calibrateSpectra([si], standardById('silicon')!, { base: lamp.map });
    expect(fit.accepted, fit.reason).toBe(true);
    expect(Math.abs(fit.map.offset + shiftError)).toBeLessThan(0.2);
    expect(Math.abs(fit.laser.correctedNm! - trueLaser)).toBeLessThan(0.01);
  });

  it('every standard names its source', () => {
    for (const s of STANDARDS) expect(s.source.length).toBeGreaterThan(20);
  });
});

describeShared('calibration on ramanchada2 standards', () => {
  const read = (rel: string): Spectrum => readSpectra(readFileSync(calibrationFile(rel)), rel).spectra[0]!;

  it('BWTek 532 neon: accepted, RMS ≤ 0.5 cm⁻¹, and the same map from a starting offset of ±20 cm⁻¹', () => {
    const s = read('ICV_BW532/Ne_532nm_x100_110ms.txt');
    const fit = calibrateSpectra([s], neon);
    expect(fit.accepted, fit.reason).toBe(true);
    expect(fit.rms).toBeLessThanOrEqual(0.5);
    for (const off of [-20, 20]) {
      const moved: Spectrum = { ...s, x: s.x.map((v) => v + off) };
      const f2 = calibrateSpectra([moved], neon);
      expect(f2.accepted, f2.reason).toBe(true);
      expect(f2.lines.length).toBe(fit.lines.length);
      const a = applyXMap(fit.map, Float64Array.of(1000))[0]!;
      const b = applyXMap(f2.map, Float64Array.of(1000 + off))[0]!;
      expect(Math.abs(a - b)).toBeLessThan(0.05);
    }
  });

  it('a polystyrene file offered as silicon with the wrong laser is refused with a reason', () => {
    const s = read('ICV_BW532/PST02_iRPlus532_Z050_100_2500msx5.txt');
    const fit = calibrateSpectra([s], neon, { laserNm: 785 });
    expect(fit.accepted).toBe(false);
    expect(fit.reason).toBeTruthy();
  });
});
