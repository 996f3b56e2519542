import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { SpecmatchError } from '../../../errors.js';
import { readSpectra } from '../../readSpectra.js';
import { andorSif } from '../andorSif.js';
import { parseSifFile } from '../sifFile.js';
import { FIXTURES, describeShared, expectClose, sharedPath } from '../../../../test/support.js';

const dir = (...p: string[]): string => sharedPath('vendor/sif/sif_parser', ...p);

function expectCode(fn: () => unknown, code: string, file: string): void {
  try {
    fn();
  } catch (err) {
    expect(err).toBeInstanceOf(SpecmatchError);
    expect((err as SpecmatchError).code).toBe(code);
    expect((err as SpecmatchError).message).toContain(file);
    return;
  }
  throw new Error(`expected ${code}, nothing was thrown`);
}

/** Two numeric columns of an Andor .asc / sif_parser CSV (header and trailing metadata lines skipped). */
function columns(text: string, sep: RegExp): { x: number[]; y: number[] } {
  const x: number[] = [];
  const y: number[] = [];
  for (const line of text.split(/\r?\n/)) {
    const parts = line.split(sep);
    const a = Number(parts[0]);
    const b = Number(parts[1]);
    if (parts.length >= 2 && parts[0]!.trim() !== '' && Number.isFinite(a) && Number.isFinite(b)) {
      x.push(a);
      y.push(b);
    }
  }
  return { x, y };
}

describeShared('Andor SIF reader on sif_parser files', () => {
  it('raman1.sif: the calibration polynomial reproduces the x column of raman1.asc, values equal', () => {
    const p = dir('raman1.sif');
    const ref = columns(readFileSync(dir('raman1.asc'), 'latin1'), /\t/);
    expect(ref.x.length).toBe(1024);
    const r = readSpectra(readFileSync(p), p);
    expect(r.format).toBe('andor-sif');
    expect(r.spectra.length).toBe(1);
    const s = r.spectra[0]!;
    // Wavelength mode: kept in nm (the stored 422 nm excitation is a leftover default, not used).
    expect(s.meta.xKind).toBe('wavelength');
    expect(s.meta.warnings.join(' ')).toMatch(/laser wavelength is unknown/);
    // Solis writes the axis as float32 printed to 8 significant digits: round ours the same way, then compare.
    expectClose(Array.from(s.x, Math.fround), ref.x, 0, 1e-7);
    expectClose(s.y, ref.y, 0.5, 1e-5); // the .asc prints 6 significant digits (3.06856e+06)
    expect(s.meta.date).toBe('2017-09-08T13:03:52Z');
    expect(s.meta.instrument).toBe('Andor SR193i / DU888_BV');
    expect(s.meta.fields['exposureTimeS']).toBe('0.1');
    expect(s.meta.fields['accumulations']).toBe('500');
  });

  it('cli-{0,1,2}.sif equal the reference CSVs of sif_parser', () => {
    // sif_joined_data.csv holds the full-precision axis and the three count columns.
    const joined = readFileSync(dir('cli', 'reference', 'sif_joined_data.csv'), 'utf8')
      .split(/\r?\n/)
      .slice(2)
      .filter((l) => l.trim() !== '')
      .map((l) => l.split(',').map(Number));
    expect(joined.length).toBe(1024);
    for (const i of [0, 1, 2]) {
      const p = dir('cli', `cli-${i}.sif`);
      const ref = columns(readFileSync(dir('cli', 'reference', `cli-${i}.csv`), 'utf8'), /,/);
      const s = readSpectra(readFileSync(p), p).spectra[0]!;
      expect(s.meta.yUnit).toBe('Counts (Bg corrected per second)');
      expectClose(Array.from(s.x, Math.fround), ref.x, 0, 1e-7); // cli-N.csv: float32 axis, 8 significant digits
      expectClose(s.y, ref.y, 1e-9);
      expectClose(
        s.x,
        joined.map((r) => r[2 * i]!),
        1e-9,
      );
      expectClose(
        s.y,
        joined.map((r) => r[2 * i + 1]!),
        1e-9,
      );
    }
  });

  it('Raman-mode files convert with the stored excitation wavelength', () => {
    const p = dir('DD58_785_1_Fe2O3_5x10s.sif');
    const raw = parseSifFile(readFileSync(p), p);
    expect(raw.frameAxis).toBe('Raman shift');
    expect(raw.ramanExcitationNm).toBe(785);
    const s = readSpectra(readFileSync(p), p).spectra[0]!;
    expect(s.meta.xKind).toBe('raman-shift');
    expect(s.meta.laserNm).toBe(785);
    // x[0] = shift of pixel 1: 1e7/785 − 1e7/(c0 + c1 + c2 + c3).
    const nm1 = raw.calibration!.reduce((a, c) => a + c, 0);
    expect(s.x[0]).toBeCloseTo(1e7 / 785 - 1e7 / nm1, 9);
    expect(s.x.length).toBe(1024);
  });

  it('the echelle file reads as one 23430-point wavelength spectrum (kept in nm, no laser)', () => {
    const p = dir('echelle', 'boron_0.05_1us_750ns_5.sif');
    const s = readSpectra(readFileSync(p), p).spectra;
    expect(s.length).toBe(1);
    expect(s[0]!.x.length).toBe(23430);
    expect(s[0]!.meta.xKind).toBe('wavelength');
    expect(s[0]!.x[0]).toBeCloseTo(199.501 + 0.0134532 + 2.35601e-7 + 1.65175e-11, 6);
    expect(s[0]!.meta.instrument).toBe('Andor DH734_18mm');
  });

  it('truncated copies answer E_CORRUPT with the file name', () => {
    const p = dir('cli', 'cli-0.sif');
    const bytes = readFileSync(p);
    for (const cut of [10, 40, 200, 400, 2000, 3800, 4500, 6000]) {
      expectCode(() => andorSif.read(bytes.subarray(0, cut), p), 'E_CORRUPT', p);
    }
  });
});

describe('Andor SIF reader on the repository fixture', () => {
  const p = join(FIXTURES, 'formats-wdf-sif', 'raman1.sif');
  it('reads raman1.sif: first/last calibrated x and counts as in raman1.asc', () => {
    const s = andorSif.read(readFileSync(p), p)[0]!;
    expect(s.x.length).toBe(1024);
    expect(s.x[0]).toBeCloseTo(405.23318, 4);
    expect(s.x[1023]).toBeCloseTo(454.55334, 4);
    expect(s.y[0]).toBe(280099);
  });

  it('rejects a file without the magic line and a header cut in the middle', () => {
    expect(andorSif.sniff(new TextEncoder().encode('Andor Technology'), 'x.sif')).toBe(0);
    const bytes = readFileSync(p);
    expect(andorSif.sniff(bytes, 'x.bin')).toBe(3);
    expectCode(() => andorSif.read(new TextEncoder().encode('not a sif file at all\n'), 'y.sif'), 'E_CORRUPT', 'y.sif');
    expectCode(() => andorSif.read(bytes.subarray(0, 5000), 'z.sif'), 'E_CORRUPT', 'z.sif');
  });
});
