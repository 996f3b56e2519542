import { readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { SpecmatchError } from '../../../errors.js';
import { FIXTURES, describeShared, sharedPath } from '../../../../test/support.js';
import { fuzzReader } from '../../opus/__tests__/fuzzReader.js';
import { readSpectra } from '../../readSpectra.js';
import { omnicSpa } from '../omnicSpa.js';
import { omnicSpg } from '../omnicSpg.js';

/** OMNIC's history text states the x range it wrote: `Resolution: 4.000 from 649.9207 to 3999.8086`. */
function historyRange(history: string | undefined): [number, number] | undefined {
  const m = /(\d+[.,]\d+)\s+(?:from|de)\s+(\d+[.,]\d+)\s+(?:to|à)\s+(\d+[.,]\d+)/.exec(history ?? '');
  return m ? [Number(m[2]!.replace(',', '.')), Number(m[3]!.replace(',', '.'))] : undefined;
}

describe('OMNIC SPA reader (fixture: OpenSpecy Parafilm %R spectrum)', () => {
  const bytes = readFileSync(join(FIXTURES, 'formats-opus-spa', 'openspecy_parafilm.spa'));

  it('reads points, x range and values the header and history state', () => {
    const r = readSpectra(bytes, 'parafilm.spa');
    expect(r.format).toBe('omnic-spa');
    const s = r.spectra[0]!;
    expect(s.x.length).toBe(1738);
    expect(s.meta.fields['points']).toBe('1738');
    expect(s.meta.xKind).toBe('wavenumber');
    expect(s.meta.yUnit).toBe('%reflectance');
    expect(s.meta.sampleId).toBe('Parafilm Test');
    expect(s.meta.date).toBe('2018-06-02T19:42:58Z');
    const range = historyRange(s.meta.fields['history']);
    expect(range).toBeDefined();
    expect(s.x[0]).toBeCloseTo(range![0], 3);
    expect(s.x[s.x.length - 1]).toBeCloseTo(range![1], 3);
    // The first stored float (at the high-wavenumber end) ends up last after the axis is made ascending.
    expect(s.y[s.y.length - 1]).toBeCloseTo(100.49649810791016, 10);
  });

  it('is recognised by content whatever the extension', () => {
    expect(omnicSpa.sniff(bytes, 'a.txt')).toBe(3);
    expect(omnicSpg.sniff(bytes, 'a.spg')).toBe(2);
    expect(readSpectra(bytes, 'renamed.0').format).toBe('omnic-spa');
  });

  it('rejects truncated and mutated copies with typed errors only', () => {
    const { cases, rejected } = fuzzReader(omnicSpa, bytes, 'parafilm.spa', { seed: 7 });
    expect(cases).toBe(500);
    expect(rejected).toBeGreaterThan(150);
  });

  it('refuses an OMNIC series (.srs) with E_UNSUPPORTED', () => {
    const srs = Uint8Array.from(bytes);
    srs.set(new TextEncoder().encode('Spectral Exte File'));
    expect(() => readSpectra(srs, 'series.srs')).toThrow(/OMNIC series \(\.srs\)/);
  });

  it('reports a point count that disagrees with the intensity block', () => {
    const copy = Uint8Array.from(bytes);
    const dv = new DataView(copy.buffer);
    // The key-2 header offset is at directory entry 0 (byte 304 + 2); npts sits 4 bytes into the header.
    const header = dv.getUint32(306, true);
    dv.setUint32(header + 4, 999999, true);
    expect(() => omnicSpa.read(copy, 'bad.spa')).toThrow(
      /header says 999999 points but the intensity block holds 1738/,
    );
  });
});

describeShared('OMNIC SPA/SPG readers on vendor/spa', () => {
  const dir = sharedPath('vendor/spa/spectrochempy');

  it('reads every spectrochempy SPA except the interferogram, x range as the history states', () => {
    const files = readdirSync(dir).filter((f) => f !== 'interfero.SPA');
    expect(files.length).toBe(5);
    for (const f of files) {
      const s = readSpectra(readFileSync(join(dir, f)), f).spectra[0]!;
      expect(s.meta.format).toBe('omnic-spa');
      expect(s.x.length).toBe(Number(s.meta.fields['points']));
      expect([5549, 11098]).toContain(s.x.length);
      const range = historyRange(s.meta.fields['history']);
      expect(s.x[0]).toBeCloseTo(range![0], 3);
      expect(s.x[s.x.length - 1]).toBeCloseTo(range![1], 3);
      for (const v of s.y) expect(Number.isFinite(v)).toBe(true);
    }
  });

  it('refuses the interferogram with E_UNSUPPORTED and says why', () => {
    try {
      readSpectra(readFileSync(join(dir, 'interfero.SPA')), 'interfero.SPA');
      expect.unreachable();
    } catch (err) {
      expect(err).toBeInstanceOf(SpecmatchError);
      expect((err as SpecmatchError).code).toBe('E_UNSUPPORTED');
      expect((err as SpecmatchError).message).toMatch(/interferogram/);
    }
  });

  it('yields every spectrum of the SPG group with its own title and time', () => {
    const f = sharedPath('vendor/spa/spectrochempy_spg/CO@Mo_Al2O3.SPG');
    const bytes = readFileSync(f);
    // The directory declares one key-2 header per spectrum: count them independently of the reader.
    const dv = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
    let headers = 0;
    for (let i = 0; i < dv.getUint16(294, true); i++) if (bytes[304 + 16 * i] === 2) headers++;
    const r = readSpectra(bytes, f);
    expect(r.format).toBe('omnic-spg');
    expect(r.spectra.length).toBe(headers);
    expect(headers).toBe(19);
    const titles = new Set(r.spectra.map((s) => s.meta.position.label));
    expect(titles.size).toBe(19);
    r.spectra.forEach((s, i) => {
      expect(s.meta.position).toMatchObject({ index: i, count: 19 });
      expect(s.x.length).toBe(3112);
      expect(s.x[0]).toBeCloseTo(999.9264526367188, 6);
      expect(s.meta.date).toMatch(/^2016-10-18T/);
    });
    expect(r.spectra[0]!.meta.position.label).toMatch(/1\.004torr/);
  });

  it('reads spectrochempy not_opus.spa (kept in its OPUS folder as a negative case) as OMNIC', () => {
    const s = readSpectra(readFileSync(sharedPath('vendor/opus/spectrochempy/not_opus.spa')), 'not_opus.spa')
      .spectra[0]!;
    expect(s.x.length).toBe(5549);
    expect(s.meta.sampleId).toBe('7_CZ0-100 Pd_101');
  });
});
