import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { readSpectra } from '../../readSpectra.js';
import { perkinElmerSp } from '../perkinElmerSp.js';
import { FIXTURES, expectClose, expectSpecmatchError } from '../../../../test/support.js';

// The same bytes as ../shared/data/vendor/sp_perkinelmer/specio/spectra.sp (BSD-3, see the fixture CREDITS.md).
const p = join(FIXTURES, 'formats-wdf-sif', 'spectra.sp');

describe('PerkinElmer SP reader on specio spectra.sp', () => {
  it('x range, point count, interval and ordinate range agree with what the header states', () => {
    const bytes = readFileSync(p);
    const r = readSpectra(bytes, p);
    expect(r.format).toBe('perkinelmer-sp');
    const s = r.spectra[0]!;
    // Header: abscissa range 4000 → 700, interval −1, 3301 points; ordinate range −0.04419… … 0.35907….
    expect(s.x.length).toBe(3301);
    expect(s.x[0]).toBe(700);
    expect(s.x[3300]).toBe(4000);
    expectClose(s.x.subarray(0, 3), [700, 701, 702]);
    expect(s.meta.fields['interval']).toBe('-1');
    expect(Math.min(...s.y)).toBe(-0.04419460626717189);
    expect(Math.max(...s.y)).toBe(0.3590741897475417);
    expect(s.meta.warnings).toEqual([]);
    // Stored in file order from 4000 cm⁻¹ down: the first stored value is now the last.
    expect(s.y[3300]).toBe(0.03723936007346753);
    expect(s.y[0]).toBe(0.004175562077308466);
  });

  it('an FTIR file (IR instrument header) keeps absolute wavenumbers; metadata from the header blocks', () => {
    const s = perkinElmerSp.read(readFileSync(p), p)[0]!;
    expect(s.meta.xKind).toBe('wavenumber');
    expect(s.meta.yUnit).toBe('A');
    expect(s.meta.instrument).toBe('PerkinElmer Spectrum One');
    expect(s.meta.date).toBe('2006-03-09T09:19:21');
    expect(s.meta.sampleId).toBe('strip01');
  });

  it('every truncation answers E_CORRUPT (checked at 200 cut points), a foreign PEPE block E_UNSUPPORTED', () => {
    const bytes = readFileSync(p);
    for (let cut = 0; cut < bytes.length; cut += Math.ceil(bytes.length / 200)) {
      expectSpecmatchError(() => perkinElmerSp.read(bytes.subarray(0, cut), p), 'E_CORRUPT', p);
    }
    // A well-formed file whose only block is a history record (121) holding one 4-byte member.
    const other = new Uint8Array(44 + 6 + 10);
    other.set([0x50, 0x45, 0x50, 0x45], 0);
    const ov = new DataView(other.buffer);
    ov.setInt16(44, 121, true);
    ov.setInt32(46, 10, true);
    ov.setInt16(50, -29839, true);
    ov.setInt32(52, 4, true);
    expectSpecmatchError(() => perkinElmerSp.read(other, 'f.sp'), 'E_UNSUPPORTED', 'f.sp');
  });

  it('refuses a point count the data member does not hold', () => {
    const bytes = new Uint8Array(readFileSync(p));
    const view = new DataView(bytes.buffer);
    // Find the data set's NumPoints member (-29835 holding type 29995, int32) and double its value.
    let found = false;
    for (let i = 44; i < bytes.length - 10 && !found; i++) {
      if (
        view.getInt16(i, true) === -29835 &&
        view.getInt32(i + 2, true) === 6 &&
        view.getUint16(i + 6, true) === 29995
      ) {
        view.setInt32(i + 8, 6602, true);
        found = true;
      }
    }
    expect(found).toBe(true);
    expectSpecmatchError(() => perkinElmerSp.read(bytes, 'g.sp'), 'E_CORRUPT', 'g.sp');
  });
});
