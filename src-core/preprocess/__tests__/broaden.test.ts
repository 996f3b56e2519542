import { describe, expect, it } from 'vitest';
import { broadenGaussian } from '../broaden.js';
import { stepRegistry } from '../registry.js';
import { findPeaks } from '../../calibration/peaks.js';

function line(fwhm: number, step: number): { x: Float64Array; y: Float64Array } {
  const x = Float64Array.from({ length: Math.round(400 / step) }, (_, i) => 800 + i * step);
  const sd = fwhm / 2.3548;
  return { x, y: x.map((v) => 1000 * Math.exp(-((v - 1000) ** 2) / (2 * sd * sd))) };
}

describe('resolution.broaden', () => {
  it('a 4 cm⁻¹ line broadened to 10 cm⁻¹ measures 10 cm⁻¹, keeps its position and its area', () => {
    const { x, y } = line(4, 0.5);
    const b = broadenGaussian(x, y, 4, 10);
    const p = findPeaks(x, b)[0]!;
    expect(p.fwhm).toBeGreaterThan(9.5);
    expect(p.fwhm).toBeLessThan(10.5);
    expect(Math.abs(p.position - 1000)).toBeLessThan(0.05);
    const area = (v: Float64Array): number => v.reduce((a, c) => a + c, 0);
    expect(area(b) / area(y)).toBeCloseTo(1, 2);
  });

  it('never sharpens: to ≤ from leaves y unchanged, and the step refuses to < from', () => {
    const { x, y } = line(6, 1);
    expect(Array.from(broadenGaussian(x, y, 6, 6))).toEqual(Array.from(y));
    const step = stepRegistry.get('resolution.broaden')!;
    expect(() => step.validate({ from: 8, to: 4 })).toThrow(/cannot sharpen/);
  });
});
