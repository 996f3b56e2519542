import { readFileSync, readdirSync } from 'node:fs';
import { join, relative } from 'node:path';
import { parse as spcParserParse } from 'spc-parser';
import { describe, expect, it } from 'vitest';
import { SpecmatchError } from '../../../errors.js';
import type { Spectrum } from '../../../spectrum/Spectrum.js';
import { readSpectra } from '../../readSpectra.js';
import { galacticSpc } from '../galacticSpc.js';
import { FIXTURES, describeShared, sharedPath, specmatchErrorOf, walkFiles } from '../../../../test/support.js';

const FIX = join(FIXTURES, 'formats-jcamp-spc');

function read(path: string): Spectrum[] {
  return galacticSpc.read(readFileSync(path), path);
}

/** Numeric rows of a tab- or blank-separated text file (label lines skipped); blank lines split blocks. */
function numericBlocks(text: string): number[][][] {
  const blocks: number[][][] = [[]];
  for (const line of text.split(/\r\n|\n|\r/)) {
    if (line.trim() === '') {
      if (blocks[blocks.length - 1]!.length > 0) blocks.push([]);
      continue;
    }
    const cells = line
      .split(/\t|\s+/)
      .filter((c) => c !== '')
      .map(Number);
    if (cells.length > 0 && cells.every(Number.isFinite)) blocks[blocks.length - 1]!.push(cells);
  }
  return blocks.filter((b) => b.length > 0);
}

/** Rows sorted by their first column (the reader returns x ascending; the files are in file order). */
function byX(rows: number[][]): number[][] {
  return [...rows].sort((a, b) => a[0]! - b[0]!);
}

function near(a: number, e: number, rel: number, abs = 0): boolean {
  return Math.abs(a - e) <= abs + rel * Math.abs(e);
}

describe('Galactic SPC reader on in-repo fixtures', () => {
  it('reads the Renishaw SPC export as its ASCII export of the same measurement, linearly resampled', () => {
    const r = readSpectra(
      readFileSync(join(FIX, 'nCal_Qontor785_z005H12_100_1x3s.spc')),
      'nCal_Qontor785_z005H12_100_1x3s.spc',
    );
    expect(r.format).toBe('spc');
    const [s] = r.spectra;
    const ref = byX(numericBlocks(readFileSync(join(FIX, 'nCal_Qontor785_z005H12_100_1x3s.txt'), 'utf8'))[0]!);
    expect(s!.x.length).toBe(1021);
    expect(ref.length).toBe(1021);
    // WiRE's SPC export states only first and last x (no TXVALS), so GRAMS sees an even axis, and WiRE stores y
    // linearly interpolated onto it; the instrument's own axis (the txt) is not even (1.1 to 1.4 cm-1 steps).
    // End points are the instrument's; every interior y is the txt interpolated at our x, within float32 rounding.
    expect(s!.x[0]).toBeCloseTo(ref[0]![0]!, 5);
    expect(s!.x[1020]).toBeCloseTo(ref[1020]![0]!, 5);
    expect(s!.y[0]).toBeCloseTo(ref[0]![1]!, 4);
    expect(s!.y[1020]).toBeCloseTo(ref[1020]![1]!, 4);
    let j = 0;
    const bad: string[] = [];
    for (let i = 1; i < 1020; i++) {
      const x = s!.x[i]!;
      while (ref[j + 1]![0]! < x) j++;
      const [x0, y0] = ref[j]! as [number, number];
      const [x1, y1] = ref[j + 1]! as [number, number];
      const yi = y0 + ((x - x0) / (x1 - x0)) * (y1 - y0);
      if (!near(s!.y[i]!, yi, 1e-4, 1e-3)) bad.push(`y[${i}] = ${s!.y[i]} vs ${yi}`);
    }
    expect(bad).toEqual([]);
    expect(s!.meta.xKind).toBe('raman-shift');
    expect(s!.meta.laserNm).toBe(785); // from the log block
    expect(s!.meta.fields['fexper']).toBe('Raman');
    expect(s!.meta.position).toEqual({ index: 0, count: 1, label: 'z=0' });
  });

  it('reads a new-format file with axis labels and a log block (specio gxy.spc)', () => {
    const [s] = read(join(FIX, 'gxy.spc'));
    expect(s!.x.length).toBe(151); // fnpts
    expect(s!.x[0]).toBeCloseTo(15575, 9); // flast
    expect(s!.x[150]).toBeCloseTo(15590, 9); // ffirst
    expect(s!.meta.xKind).toBe('other');
    expect(s!.meta.substance).toBe('Krypton Lamps');
    expect(s!.meta.date).toBe('2014-05-27T16:00');
    expect(s!.meta.fields['ftflgs']).toBe('0x20');
    expect(s!.meta.fields['fcatxt']).toBeDefined();
  });

  it('reads fxtype 1 (wavenumber) as Raman shift only in a Raman file, as absolute wavenumbers otherwise', () => {
    const renishaw = Uint8Array.from(readFileSync(join(FIX, 'nCal_Qontor785_z005H12_100_1x3s.spc')));
    renishaw[28] = 1; // fxtype: wavenumber; fexper stays 11 (Raman)
    const [a] = galacticSpc.read(renishaw, 'a.spc');
    expect(a!.meta.xKind).toBe('raman-shift');
    expect(a!.meta.warnings.join(' ')).toMatch(/fxtype 1 \(wavenumber\) in a Raman file/);
    renishaw[2] = 0; // fexper: general; the log still states the 785 nm laser
    expect(galacticSpc.read(renishaw, 'b.spc')[0]!.meta.xKind).toBe('raman-shift');
    const gxy = Uint8Array.from(readFileSync(join(FIX, 'gxy.spc')));
    gxy[28] = 1; // a lamp spectrum with no Raman hint: absolute wavenumbers (FT-IR convention)
    const [c] = galacticSpc.read(gxy, 'c.spc');
    expect(c!.meta.xKind).toBe('wavenumber');
    expect(c!.meta.warnings).toEqual([]);
  });

  it('reads a big-endian (0x4C) file with float y', () => {
    const n = 3;
    const buf = new ArrayBuffer(512 + 32 + 4 * n);
    const v = new DataView(buf);
    v.setUint8(1, 0x4c);
    v.setInt8(3, -128);
    v.setInt32(4, n, false);
    v.setFloat64(8, 100, false);
    v.setFloat64(16, 300, false);
    v.setInt32(24, 1, false);
    v.setUint8(28, 13);
    v.setInt8(512 + 1, -128);
    [1.5, -2.25, 3].forEach((y, i) => v.setFloat32(544 + 4 * i, y, false));
    const [s] = galacticSpc.read(new Uint8Array(buf), 'msb.spc');
    expect(Array.from(s!.x)).toEqual([100, 200, 300]);
    expect(Array.from(s!.y)).toEqual([1.5, -2.25, 3]);
    expect(s!.meta.xKind).toBe('raman-shift');
    for (let i = 0; i < n; i++) v.setFloat32(544 + 4 * i, NaN, false);
    expect(specmatchErrorOf(() => galacticSpc.read(new Uint8Array(buf), 'nan.spc')).message).toMatch(/no finite/);
  });

  it('answers truncated, corrupt and hostile files with typed errors and never allocates from a bad count', () => {
    for (const name of ['nCal_Qontor785_z005H12_100_1x3s.spc', 'gxy.spc']) {
      const bytes = readFileSync(join(FIX, name));
      const dataEnd = 512 + 32 + 4 * new DataView(bytes.buffer, bytes.byteOffset).getInt32(4, true);
      for (const cut of [0, 1, 2, 100, 511, 512, 530, 544, 600, 1000, dataEnd - 1]) {
        const err = specmatchErrorOf(() => galacticSpc.read(bytes.subarray(0, cut), name));
        expect(err.code, `${name} cut at ${cut}`).toMatch(/E_CORRUPT|E_EMPTY/);
        if (cut > 0) expect(err.message).toContain(`${name}: cannot read as Galactic SPC`);
      }
      let seed = 11;
      for (let k = 0; k < 300; k++) {
        const b = Uint8Array.from(bytes);
        for (let j = 0; j < 3; j++) {
          seed = (seed * 1103515245 + 12345) % 2147483648;
          b[seed % 600] = seed % 256;
        }
        try {
          galacticSpc.read(b, name);
        } catch (err) {
          expect(err).toBeInstanceOf(SpecmatchError);
        }
      }
      // Cut inside the log block after complete data: the spectrum is read, and the lost log is reported.
      if (name === 'gxy.spc') {
        const [s] = galacticSpc.read(bytes.subarray(0, dataEnd + 100), name);
        expect(s!.x.length).toBe(151);
        expect(s!.meta.warnings.join(' ')).toMatch(/log block/);
      }
    }
    const bytes = Uint8Array.from(readFileSync(join(FIX, 'gxy.spc')));
    const v = new DataView(bytes.buffer);
    v.setInt32(4, 0x3fffffff, true); // fnpts = 1 Gi points in a 2 kB file
    expect(specmatchErrorOf(() => galacticSpc.read(bytes, 'huge.spc')).message).toMatch(/declares 1073741823 points/);
    const multi = Uint8Array.from(readFileSync(join(FIX, 'gxy.spc')));
    multi[0] = multi[0]! | 0x04; // TMULTI
    new DataView(multi.buffer).setInt32(24, 0x7fffffff, true);
    expect(specmatchErrorOf(() => galacticSpc.read(multi, 'subs.spc')).message).toMatch(/declares 2147483647 subfiles/);
    const wrong = Uint8Array.from(readFileSync(join(FIX, 'gxy.spc')));
    wrong[1] = 0x41;
    expect(specmatchErrorOf(() => galacticSpc.read(wrong, 'v.spc')).message).toMatch(/version byte 0x41/);
    expect(galacticSpc.sniff(wrong, 'v.spc')).toBe(0);
  });
});

/** The rohanisaac/spc reference exports: x then one y column per subfile, or (XYXY) one x/y block per subfile. */
describeShared('Galactic SPC reader on ../shared/data/vendor/spc', () => {
  const S = (...p: string[]): string => sharedPath('vendor', 'spc', ...p);

  it('matches every rohanisaac/spc txt2 reference (values within float tolerance)', () => {
    const dir = S('rohanisaac_spc');
    const names = readdirSync(dir).filter((n) => /\.spc$/i.test(n));
    expect(names.length).toBe(27);
    let values = 0;
    const bad: string[] = [];
    for (const name of names) {
      const spectra = read(join(dir, name));
      const blocks = numericBlocks(readFileSync(join(dir, 'txt2', `${name}.txt`), 'utf8'));
      const xyxy = blocks.length > 1 || name === 'ms.spc';
      if (xyxy) expect(blocks.length, name).toBe(spectra.length);
      else expect(blocks[0]![0]!.length, name).toBe(spectra.length + 1);
      for (let k = 0; k < spectra.length; k++) {
        const s = spectra[k]!;
        const rows = byX(xyxy ? blocks[k]! : blocks[0]!.map((r) => [r[0]!, r[k + 1]!]));
        expect(rows.length, name).toBe(s.x.length);
        const exponent = Number(s.meta.fields['subexp']);
        for (let i = 0; i < rows.length; i++) {
          let ex = rows[i]![0]!;
          let ey = rows[i]![1]!;
          if (xyxy) {
            // rohanisaac's data_txt() prints XYXY x as the float32's bit pattern read as an integer and scaled like
            // y (16943.6 for x = 43.9 m/z); the SPC layout stores x as float32. Reproduce its number from ours.
            const f = new DataView(new ArrayBuffer(4));
            f.setFloat32(0, s.x[i]!, true);
            if (!near(f.getInt32(0, true) * 2 ** (exponent - 32), ex, 1e-9, 1e-6)) bad.push(`${name} XYXY x[${i}]`);
            ex = s.x[i]!;
          }
          if (exponent < 0 && exponent !== -128) {
            // rohanisaac scales integer y with 2^(max(exp, 0) - 32): negative subfile exponents are lost. The SPC
            // layout's FloatY = 2^exp · IntY / 2^32 is right: under it every subfile's max |y| lies in
            // (2^(exp-2), 2^(exp-1)], exactly the range a writer picks the exponent for (checked for 4d_map.spc
            // and m_evenz.spc in docs/formats/spc.md).
            ey *= 2 ** exponent;
          }
          if (!near(s.x[i]!, ex, 1e-9, 1e-9)) bad.push(`${name} subfile ${k} x[${i}] = ${s.x[i]} vs ${ex}`);
          if (!near(s.y[i]!, ey, 1e-9, 1e-12)) bad.push(`${name} subfile ${k} y[${i}] = ${s.y[i]} vs ${ey}`);
          values++;
        }
      }
    }
    expect(bad.slice(0, 10)).toEqual([]);
    expect(values).toBeGreaterThan(150_000);
  });

  it('agrees exactly with spc-parser 1.0.0, an independent reader, on every file it can read', () => {
    // Most of spectrochempy_galactic and specio have no reference export: spc-parser (MIT) is a second opinion.
    // It throws a RangeError on three files (we read them; test_input.spc matches its rohanisaac reference), and
    // it substitutes fexp when a multifile subexp is 0, which halves m_evenz subfile 1 (docs/formats/spc.md).
    const files = walkFiles(S()).filter((f) => /\.spc$/i.test(f));
    const refused: string[] = [];
    const differing: string[] = [];
    for (const f of files) {
      const rel = relative(S(), f);
      const ours = read(f);
      let theirs: ReturnType<typeof spcParserParse>['spectra'];
      try {
        theirs = spcParserParse(readFileSync(f)).spectra;
      } catch {
        refused.push(rel);
        continue;
      }
      expect(theirs.length, rel).toBe(ours.length);
      ours.forEach((o, k) => {
        const tx = Array.from(theirs[k]!.variables.x.data);
        const ty = Array.from(theirs[k]!.variables.y.data);
        const order = tx.map((_, i) => i).sort((a, b) => tx[a]! - tx[b]!);
        const same =
          order.length === o.y.length &&
          order.every((i, j) => near(o.x[j]!, tx[i]!, 1e-12, 1e-12) && near(o.y[j]!, ty[i]!, 1e-12, 1e-300));
        if (!same) differing.push(`${rel}#${k}`);
      });
    }
    expect(files.length).toBe(59);
    expect(refused.sort()).toEqual([
      'rohanisaac_spc/test_input.spc',
      'spectrochempy_galactic/DRUG_SAMPLE_PEAKS.SPC',
      'spectrochempy_galactic/IG_BKGND.SPC',
    ]);
    expect(differing).toEqual(['rohanisaac_spc/m_evenz.spc#1']);
  });

  it('reads the B&W Tek SPC export as its BWSpec text export resampled to 1 cm-1', () => {
    const [s] = read(S('ramanchada2', 'BWTEK', 'PST10_iR532_Probe_100_3000msx7.spc'));
    expect(s!.x.length).toBe(3808);
    expect(s!.x[0]).toBe(175);
    expect(s!.x[3807]).toBe(3982);
    expect(s!.meta.xKind).toBe('raman-shift');
    // BWSpec text: `;`-separated, decimal comma; column 4 is Raman shift, column 8 "Dark Subtracted #1".
    const rows: [number, number][] = [];
    for (const line of readFileSync(S('ramanchada2', 'BWTEK', 'PST10_iR532_Probe_100_3000msx7.txt'), 'latin1').split(
      /\r?\n/,
    )) {
      const c = line.split(';');
      if (c.length > 8 && /^\d+$/.test(c[0]!) && c[3]!.trim() !== '')
        rows.push([Number(c[3]!.replace(',', '.')), Number(c[7]!.replace(',', '.'))]);
    }
    rows.sort((a, b) => a[0] - b[0]);
    const errors: number[] = [];
    let j = 0;
    for (let i = 0; i < s!.x.length; i++) {
      const x = s!.x[i]!;
      while (j < rows.length - 2 && rows[j + 1]![0] < x) j++;
      const [x0, y0] = rows[j]!;
      const [x1, y1] = rows[j + 1]!;
      if (x < x0 || x > x1) continue;
      const yi = y0 + ((x - x0) / (x1 - x0)) * (y1 - y0);
      errors.push(Math.abs(yi - s!.y[i]!) / Math.max(1, Math.abs(yi)));
    }
    errors.sort((a, b) => a - b);
    expect(errors.length).toBeGreaterThan(3700);
    // BWSpec resamples with its own interpolation: linear interpolation of the text export agrees to 0.2 % (median).
    expect(errors[Math.floor(errors.length / 2)]!).toBeLessThan(0.005);
    expect(errors[Math.floor(errors.length * 0.95)]!).toBeLessThan(0.02);
  });

  it('reads every .spc under vendor/ with point counts and x ranges that match the header', () => {
    const files = [S(), sharedPath('vendor', 'witec'), sharedPath('vendor', 'bwtek')]
      .flatMap((d) => walkFiles(d))
      .filter((f) => /\.spc$/i.test(f));
    expect(files.length).toBeGreaterThan(55);
    for (const f of files) {
      const rel = relative(sharedPath('vendor'), f);
      const bytes = readFileSync(f);
      const r = readSpectra(bytes, f);
      expect(r.format, rel).toBe('spc');
      const v = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
      const flags = bytes[0]!;
      const old = bytes[1] === 0x4d;
      for (const s of r.spectra) {
        expect(
          s.meta.warnings.filter((w) => /non-finite|not monotonic/.test(w)),
          rel,
        ).toEqual([]);
        expect(
          s.x.every((x, i) => i === 0 || x > s.x[i - 1]!),
          rel,
        ).toBe(true);
      }
      if (flags & 0x40) continue; // XYXY: counts are per subfile (checked against the references above)
      const nPoints = old ? v.getFloat32(4, true) : v.getInt32(4, true);
      const first = old ? v.getFloat32(8, true) : v.getFloat64(8, true);
      const last = old ? v.getFloat32(12, true) : v.getFloat64(16, true);
      if (!old && flags & 0x04) expect(r.spectra.length, rel).toBe(v.getInt32(24, true));
      if (!(flags & 0x04)) expect(r.spectra.length, rel).toBe(1);
      for (const s of r.spectra) {
        expect(s.x.length, rel).toBe(nPoints);
        if (s.meta.fields['fxtype'] === 'micrometers') continue;
        // x spans first..last (TXVALS files store x explicitly; their ends agree with the header too).
        const span = Math.abs(last - first);
        expect(Math.abs(s.x[0]! - Math.min(first, last)), rel).toBeLessThanOrEqual(1e-6 * span + 1e-4);
        expect(Math.abs(s.x[s.x.length - 1]! - Math.max(first, last)), rel).toBeLessThanOrEqual(1e-6 * span + 1e-4);
      }
    }
  });

  it('labels subfiles with their z value and reads old-format (0x4D) multifiles to the end', () => {
    const evenZ = read(S('rohanisaac_spc', 'm_evenz.spc'));
    expect(evenZ.length).toBe(32);
    expect(evenZ.map((s) => s.meta.position.index)).toEqual(Array.from({ length: 32 }, (_, i) => i));
    expect(new Set(evenZ.map((s) => s.meta.position.label)).size).toBe(32);
    const ordZ = read(S('rohanisaac_spc', 'm_ordz.spc'));
    expect(ordZ.length).toBe(10);
    expect(ordZ[0]!.meta.fields['fversn']).toBe('0x4D');
    const lc = read(S('spectrochempy_galactic', 'LC_DIODE_ARRAY.SPC'));
    expect(lc.length).toBe(350);
    for (const s of lc) expect(s.x.length).toBe(181);
  });
});
