import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { wavelengthToShift } from '../../../spectrum/makeSpectrum.js';
import { readSpectra } from '../../readSpectra.js';
import { princetonSpe } from '../princetonSpe.js';
import { parseSpeFile } from '../speFile.js';
import { describeShared, expectClose, expectSpecmatchError, sharedPath } from '../../../../test/support.js';

describeShared('Princeton SPE reader on ramanchada2 S0N_50x.spe (SPE 3.0)', () => {
  const p = sharedPath('vendor/spe/ramanchada2/S0N_50x.spe');

  it('point count and x range agree with the header, the XML footer and the data block size', () => {
    const bytes = readFileSync(p);
    const xml = bytes.subarray(Number(bytes.readBigUInt64LE(678))).toString('utf8');
    // What the file itself states: header xdim 1340, data type 8 (uint32), region width 1340, stride 5360 bytes.
    expect(bytes.readUInt16LE(42)).toBe(1340);
    expect(bytes.readInt16LE(108)).toBe(8);
    expect(xml).toContain('width="1340" height="1" size="5360"');
    const wl = /<Wavelength\b[^>]*>([^<]*)</.exec(xml)![1]!.split(',').map(Number);
    expect(wl.length).toBe(1340);
    expect(Number(bytes.readBigUInt64LE(678))).toBe(4100 + 1340 * 4);

    const raw = parseSpeFile(bytes, p);
    expect(raw.headerVersion).toBe(3);
    expect(raw.laserNm).toBe(531.988);
    expect(raw.data.length).toBe(1340);
    expect(raw.data[0]).toBe(bytes.readUInt32LE(4100));
    expect(raw.data[1339]).toBe(bytes.readUInt32LE(4100 + 1339 * 4));

    const r = readSpectra(bytes, p);
    expect(r.format).toBe('princeton-spe');
    const s = r.spectra[0]!;
    expect(r.spectra.length).toBe(1);
    expect(s.meta.xKind).toBe('raman-shift');
    expect(s.meta.laserNm).toBe(531.988);
    expect(s.x[0]).toBeCloseTo(wavelengthToShift(534.00047611653622, 531.988), 9);
    expect(s.x[1339]).toBeCloseTo(wavelengthToShift(557.35494205905434, 531.988), 9);
    expectClose(
      s.x,
      wl.map((v) => wavelengthToShift(v, 531.988)),
      1e-9,
    );
    expect(s.meta.instrument).toBe('SP-2-500i / PyLoN: 400BR eXcelon');
    expect(s.meta.fields['exposureS']).toBe(String(29999.999999999996 / 1000));
  });

  it('truncated copies answer E_CORRUPT', () => {
    const bytes = readFileSync(p);
    for (const cut of [100, 4099, 4200, 9000, 9460, 12000, bytes.length - 20]) {
      expectSpecmatchError(() => princetonSpe.read(bytes.subarray(0, cut), p), 'E_CORRUPT', p);
    }
  });
});

/** A WinSpec 2.x file built from the published header layout: uint16 data, polynomial calibration in nm. */
function synthSpe2(opts: {
  xdim: number;
  ydim: number;
  frames: number;
  coeffs: number[];
  unit: string;
  laser?: number;
}): Uint8Array {
  const n = opts.xdim * opts.ydim * opts.frames;
  const buf = new Uint8Array(4100 + 2 * n);
  const v = new DataView(buf.buffer);
  v.setFloat32(10, 2.5, true);
  buf.set(new TextEncoder().encode('08Mar2004'), 20);
  v.setUint16(42, opts.xdim, true);
  v.setInt16(108, 3, true);
  buf.set(new TextEncoder().encode('142301'), 172);
  v.setUint16(656, opts.ydim, true);
  v.setInt32(1446, opts.frames, true);
  v.setFloat32(1992, 2.5, true);
  buf.set(new TextEncoder().encode(opts.unit), 3018);
  buf[3098] = 1;
  buf[3101] = opts.coeffs.length - 1;
  opts.coeffs.forEach((c, i) => v.setFloat64(3263 + 8 * i, c, true));
  if (opts.laser) v.setFloat64(3311, opts.laser, true);
  v.setUint16(4098, 0x5555, true);
  for (let i = 0; i < n; i++) v.setUint16(4100 + 2 * i, i, true);
  return buf;
}

describe('Princeton SPE reader on synthetic WinSpec 2.x files', () => {
  it('applies the polynomial to 1-based pixels and splits frames × rows into spectra', () => {
    const bytes = synthSpe2({ xdim: 4, ydim: 2, frames: 2, coeffs: [500, 0.5], unit: 'nm' });
    expect(princetonSpe.sniff(bytes, 'a.bin')).toBe(3);
    const s = princetonSpe.read(bytes, 'a.spe');
    expect(s.length).toBe(4);
    expect(s[0]!.meta.xKind).toBe('wavelength');
    expectClose(s[0]!.x, [500.5, 501, 501.5, 502]);
    expectClose(s[3]!.y, [12, 13, 14, 15]);
    expect(s[3]!.meta.position.label).toBe('frame 2, row 2');
    expect(s[0]!.meta.date).toBe('2004-03-08T14:23:01');
  });

  it('converts nm with the header laser and keeps a relative-wavenumber calibration as Raman shift', () => {
    const nm = princetonSpe.read(
      synthSpe2({ xdim: 3, ydim: 1, frames: 1, coeffs: [540, 1], unit: 'nm', laser: 532 }),
      'b.spe',
    )[0]!;
    expect(nm.meta.xKind).toBe('raman-shift');
    expect(nm.x[0]).toBeCloseTo(wavelengthToShift(541, 532), 9);
    const rel = princetonSpe.read(
      synthSpe2({ xdim: 3, ydim: 1, frames: 1, coeffs: [100, 10], unit: 'rel. cm-1' }),
      'c.spe',
    )[0]!;
    expectClose(rel.x, [110, 120, 130]);
  });

  it('refuses declared sizes the bytes cannot hold, and unknown data types', () => {
    const big = synthSpe2({ xdim: 4, ydim: 1, frames: 1, coeffs: [500, 1], unit: 'nm' });
    new DataView(big.buffer).setInt32(1446, 1_000_000, true);
    expectSpecmatchError(() => princetonSpe.read(big, 'd.spe'), 'E_CORRUPT', 'd.spe');
    const badType = synthSpe2({ xdim: 4, ydim: 1, frames: 1, coeffs: [500, 1], unit: 'nm' });
    new DataView(badType.buffer).setInt16(108, 42, true);
    expectSpecmatchError(() => princetonSpe.read(badType, 'e.spe'), 'E_CORRUPT', 'e.spe');
    expect(princetonSpe.sniff(badType, 'e.spe')).toBe(0);
  });
});
