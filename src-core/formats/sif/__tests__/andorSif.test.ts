import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { readSpectra } from '../../readSpectra.js';
import { andorSif } from '../andorSif.js';
import { parseSifFile } from '../sifFile.js';
import { FIXTURES, describeShared, expectClose, expectSpecmatchError, sharedPath } from '../../../../test/support.js';

const dir = (...p: string[]): string => sharedPath('vendor/sif/sif_parser', ...p);

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
      expectSpecmatchError(() => andorSif.read(bytes.subarray(0, cut), p), 'E_CORRUPT', p);
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
    expectSpecmatchError(
      () => andorSif.read(new TextEncoder().encode('not a sif file at all\n'), 'y.sif'),
      'E_CORRUPT',
      'y.sif',
    );
    expectSpecmatchError(() => andorSif.read(bytes.subarray(0, 5000), 'z.sif'), 'E_CORRUPT', 'z.sif');
  });
});

/**
 * A SIF built from the documented layout: `frames` frames of one track of `width` binned columns (x0 = 1), the
 * calibration 500 + 0.1·p nm, the given frame axis and excitation wavelength, pixel values 0, 1, 2, ….
 */
function synthSif(opts: {
  frames: number;
  width: number;
  xbin: number;
  frameAxis: string;
  excitation: number;
}): Uint8Array {
  const x1 = opts.width * opts.xbin;
  const n = opts.frames * opts.width;
  const text =
    'Andor Technology Multi-Channel File\n65538 1\n' +
    '65567 0 0 1 1500000000 -60 \u0000 \u0000 \u0000 \u0002 \u0000 0 0.5 0.6 0.6 2 \u0000 1 1e-06 0 1 0\n' +
    'DU401_BV \n 1024 128 8\ntest.sif \n65538 0\n\n' +
    '65538 \u0001 \u0002 \u0003 \u0000 0 0\n0 SR303i\n65540 \u0002 \u0000 \u0001 \u0000 \u0001 \u0000\n' +
    `500 0.1 0 0\n0 1 0 0\n0 1 0 0\n${opts.excitation}\n13\n13\n1\n` +
    `${opts.frameAxis.length}\n${opts.frameAxis}6\nCounts12\nPixel number` +
    `65541 1 1 ${x1} 1 ${opts.frames} 1 ${n} ${opts.width}\n65538 1 1 ${x1} 1 1 ${opts.xbin} 0\n` +
    '0\n'.repeat(opts.frames) +
    '0\n';
  const head = new Uint8Array([...text].map((c) => c.charCodeAt(0)));
  const out = new Uint8Array(head.length + 4 * n + 6);
  out.set(head, 0);
  const v = new DataView(out.buffer);
  for (let i = 0; i < n; i++) v.setFloat32(head.length + 4 * i, i, true);
  out.set([0x30, 0x0a, 0x30, 0x0a, 0x30, 0x0a], head.length + 4 * n); // the absent reference/background flags
  return out;
}

describe('Andor SIF reader on files built from the layout', () => {
  it('reads every frame as a spectrum with its calibrated axis', () => {
    const s = andorSif.read(
      synthSif({ frames: 2, width: 3, xbin: 1, frameAxis: 'Wavelength', excitation: 0 }),
      'a.sif',
    );
    expect(s.length).toBe(2);
    expectClose(s[0]!.x, [500.1, 500.2, 500.3], 1e-9);
    expectClose(s[1]!.y, [3, 4, 5]);
    expect(s[1]!.meta.position).toEqual({ index: 1, count: 2, label: 'frame 2' });
    expect(s[0]!.meta.instrument).toBe('Andor SR303i / DU401_BV');
    expect(s[0]!.meta.date).toBe('2017-07-14T02:40:00Z');
  });

  it('centres binned columns on the pixels they sum and converts in Raman mode', () => {
    const s = andorSif.read(
      synthSif({ frames: 1, width: 3, xbin: 2, frameAxis: 'Raman shift', excitation: 500 }),
      'b.sif',
    );
    expect(s[0]!.meta.laserNm).toBe(500);
    // Pixels 1–2, 3–4, 5–6: centres 1.5, 3.5, 5.5 → 500.15, 500.35, 500.55 nm.
    expectClose(
      s[0]!.x,
      [500.15, 500.35, 500.55].map((nm) => 1e7 / 500 - 1e7 / nm),
      1e-6,
    );
  });

  it('refuses a declared image larger than the data that follows', () => {
    const bytes = synthSif({ frames: 2, width: 3, xbin: 1, frameAxis: 'Wavelength', excitation: 0 });
    expectSpecmatchError(() => andorSif.read(bytes.subarray(0, bytes.length - 16), 'c.sif'), 'E_CORRUPT', 'c.sif');
  });
});
