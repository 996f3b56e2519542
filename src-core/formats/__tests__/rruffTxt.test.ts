import { readFileSync, readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { expect, it } from 'vitest';
import { readSpectra } from '../readSpectra.js';
import { describeShared, sharedPath } from '../../../test/support.js';

function walk(d: string): string[] {
  return readdirSync(d).flatMap((n) => {
    const p = join(d, n);
    return statSync(p).isDirectory() ? walk(p) : [p];
  });
}

describeShared('RRUFF text reader on rruff/sample', () => {
  it('reads every sample file with ascending x and a substance name', () => {
    const files = walk(sharedPath('rruff/sample')).filter((f) => f.endsWith('.txt'));
    expect(files.length).toBeGreaterThan(250);
    for (const f of files) {
      const r = readSpectra(readFileSync(f), f);
      expect(r.format).toBe('rruff-txt');
      const s = r.spectra[0]!;
      expect(s.x.length).toBeGreaterThan(10);
      for (let i = 1; i < s.x.length; i++) expect(s.x[i]!).toBeGreaterThanOrEqual(s.x[i - 1]!);
      expect(s.meta.substance).toBeTruthy();
    }
  });

  it('skips the broken `800, -` line of Hydromagnesite with a warning and sorts x', () => {
    const f = walk(sharedPath('rruff/sample/edge_cases')).find((p) => p.includes('Hydromagnesite__R220007') && p.includes('RAW'))!;
    const s = readSpectra(readFileSync(f), f).spectra[0]!;
    expect(s.meta.warnings.join(' ')).toMatch(/malformed/);
    expect(s.meta.laserNm).toBe(532);
  });

  it('decodes HTML entities in chemistry', () => {
    const files = walk(sharedPath('rruff/sample')).filter((f) => f.endsWith('.txt'));
    const withEntity = files.find((f) => /&#\d+;/.test(readFileSync(f, 'utf8')))!;
    const s = readSpectra(readFileSync(withEntity), withEntity).spectra[0]!;
    for (const v of Object.values(s.meta.fields)) expect(v).not.toMatch(/&#\d+;/);
  });
});
