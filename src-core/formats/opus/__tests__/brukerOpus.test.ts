import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { SpecmatchError } from '../../../errors.js';
import { FIXTURES, describeShared, sharedPath } from '../../../../test/support.js';
import { readSpectra } from '../../readSpectra.js';
import { brukerOpus, opusDate } from '../brukerOpus.js';
import { fuzzReader } from './fuzzReader.js';

const fixture = (name: string): Uint8Array => readFileSync(join(FIXTURES, 'formats-opus-spa', name));

function minMax(a: ArrayLike<number>): [number, number] {
  let lo = Infinity;
  let hi = -Infinity;
  for (let i = 0; i < a.length; i++) {
    lo = Math.min(lo, a[i]!);
    hi = Math.max(hi, a[i]!);
  }
  return [lo, hi];
}

/** The file's own data status block (NPT, FXV, LXV, MNY, MXY) must describe what we return. */
function expectMatchesStatus(s: ReturnType<typeof readSpectra>['spectra'][number]): void {
  const f = s.meta.fields;
  expect(s.x.length).toBe(Number(f['NPT']));
  const [fxv, lxv] = [Number(f['FXV']), Number(f['LXV'])];
  expect(s.x[0]).toBeCloseTo(Math.min(fxv, lxv), 6);
  expect(s.x[s.x.length - 1]).toBeCloseTo(Math.max(fxv, lxv), 6);
  const [lo, hi] = minMax(s.y);
  expect(lo).toBeCloseTo(Number(f['MNY']), 9);
  expect(hi).toBeCloseTo(Number(f['MXY']), 9);
}

describe('Bruker OPUS reader (fixture test_opus.0, ramanchada2)', () => {
  const bytes = fixture('test_opus.0');

  it('recognises the file by its magic bytes, not by its name', () => {
    expect(brukerOpus.sniff(bytes, 'x.bin')).toBe(3);
    expect(readSpectra(bytes, 'renamed.dat').format).toBe('bruker-opus');
  });

  it('reads the FT-Raman spectrum: 4096 points, Raman shift, laser from RLW, 94 parameters', () => {
    const [s] = brukerOpus.read(bytes, 'test_opus.0');
    expect(s).toBeDefined();
    expect(s!.x.length).toBe(4096);
    expect(s!.y.length).toBe(4096);
    expect(s!.meta.xKind).toBe('raman-shift');
    expect(s!.meta.position.label).toBe('Raman');
    // ramanchada2's test (via opusFC) asserts 94 parameters and NPT == 4096; EXPECTED.md quotes an older 96.
    expect(Object.keys(s!.meta.fields)).toHaveLength(94);
    expect(s!.meta.fields['NPT']).toBe('4096');
    expect(s!.meta.laserNm).toBeCloseTo(1e7 / 9394.900390625, 6);
    expect(s!.meta.instrument).toBe('VERTEX 70');
    expect(s!.meta.date).toBe('2023-07-04T16:59:10.608+01:00');
    expect(s!.meta.sampleId).toMatch(/^0_5J_RamII_FT-Raman1064nm/);
    expectMatchesStatus(s!);
    // x is evenly spaced: (FXV - LXV) / (NPT - 1).
    expect(s!.x[1]! - s!.x[0]!).toBeCloseTo((4000.6609666878658 - 51.892564645935636) / 4095, 9);
  });

  it('rejects truncated and mutated copies with typed errors only', () => {
    const { cases, rejected } = fuzzReader(brukerOpus, bytes, 'test_opus.0');
    expect(cases).toBe(500);
    expect(rejected).toBeGreaterThan(150);
  });

  it('names the file and the reason for a truncated directory', () => {
    const cut = bytes.subarray(0, 1000);
    expect(() => brukerOpus.read(cut, 'cut.0')).toThrow(SpecmatchError);
    try {
      brukerOpus.read(cut, 'cut.0');
    } catch (err) {
      expect((err as SpecmatchError).code).toBe('E_CORRUPT');
      expect((err as SpecmatchError).message).toMatch(/^cut\.0: cannot read as Bruker OPUS: block \d+/);
    }
  });

  it('turns DAT/TIM into ISO 8601', () => {
    expect(opusDate('13/12/2020', '15:06:49.417 (GMT-5)')).toBe('2020-12-13T15:06:49.417-05:00');
    expect(opusDate('03/05/2019', undefined)).toBe('2019-05-03');
    expect(opusDate('2019-05-03', '10:00')).toBe('2019-05-03 10:00');
  });
});

describeShared('Bruker OPUS reader on vendor/opus', () => {
  const read = (rel: string) => readSpectra(readFileSync(sharedPath('vendor/opus', rel)), rel);

  it('reads the OpenSpecy polystyrene ATR files as absorbance (AB) in absolute wavenumbers', () => {
    for (const name of ['openspecy/ftir_ps.0', 'openspecy/fitr_ps.1']) {
      const r = read(name);
      expect(r.format).toBe('bruker-opus');
      const s = r.spectra[0]!;
      expect(s.meta.position.label).toBe('AB');
      expect(s.meta.xKind).toBe('wavenumber');
      expect(s.x.length).toBe(2126);
      expect(s.meta.laserNm).toBeUndefined();
      expectMatchesStatus(s);
    }
    expect(read('openspecy/ftir_ps.0').spectra[0]!.meta.sampleId).toBe('sample1_PSnew');
  });

  it('falls back to the reference single channel (ScRf) when the file holds only a background', () => {
    for (const [name, npt] of [
      ['openspecy/ftir_ps.2', 8192],
      ['spectrochempy/background.0', 4096],
    ] as const) {
      const s = read(name).spectra[0]!;
      expect(s.meta.position.label).toBe('ScRf');
      expect(s.x.length).toBe(npt);
      expectMatchesStatus(s);
    }
  });

  it('reads spectrochempy test.0001 and brukeropus file.0 (AB, several other blocks present)', () => {
    const a = read('spectrochempy/test.0001').spectra[0]!;
    expect(a.meta.position.label).toBe('AB');
    expect(a.x.length).toBe(2567);
    expectMatchesStatus(a);
    const b = read('brukeropus/file.0').spectra[0]!;
    expect(b.meta.position.label).toBe('AB');
    expect(b.x.length).toBe(4927);
    expect(b.meta.instrument).toBe('VERTEX 80V');
    expect(b.meta.sampleId).toBe('File Test');
    expectMatchesStatus(b);
  });

  it('rejects spectrochempy not_opus.spa (an OMNIC file), which the OMNIC reader then reads', () => {
    const bytes = readFileSync(sharedPath('vendor/opus/spectrochempy/not_opus.spa'));
    expect(brukerOpus.sniff(bytes, 'not_opus.spa')).toBe(0);
    expect(() => brukerOpus.read(bytes, 'not_opus.spa')).toThrow(/OPUS magic/);
    expect(readSpectra(bytes, 'not_opus.spa').format).toBe('omnic-spa');
  });
});
