/**
 * The rruff-processed preset against RRUFF's own Processed files, on the plain-text sample pairs (no unpacking).
 * The full figure over the excellent set comes from scripts/rruff-processed-compare.ts (docs/results/preprocess.md);
 * this guards it with a bound the sample clears with margin.
 */
import { readdirSync } from 'node:fs';
import { join } from 'node:path';
import { expect, it } from 'vitest';
import { describeShared, sharedPath } from '../../../test/support.js';
import { pairRruffFiles, quantile, scorePair } from '../../../scripts/rruff-processed-compare.js';
import { getPreset } from '../presets.js';

describeShared('rruff-processed preset reproduces RRUFF Processed files from RAW (sample pairs)', () => {
  it('raises the median Pearson r on the Processed axis well above RAW and to at least 0.98', () => {
    const list = (variant: string): string[] => {
      const dir = sharedPath(`rruff/sample/common_minerals/${variant}/excellent_unoriented`);
      return readdirSync(dir).map((f) => join(dir, f));
    };
    const pairs = pairRruffFiles(list('raw'), list('processed'));
    expect(pairs.length).toBeGreaterThan(80);
    const pipeline = getPreset('rruff-processed').pipeline;
    const scores = pairs.map((p) => scorePair(p, pipeline));
    const raw = quantile(
      scores.map((s) => s.raw),
      0.5,
    );
    const processed = quantile(
      scores.map((s) => s.processed),
      0.5,
    );
    expect(scores.filter((s) => !Number.isFinite(s.processed))).toEqual([]);
    expect(processed).toBeGreaterThanOrEqual(0.98);
    expect(processed - raw).toBeGreaterThan(0.02);
  });
});
