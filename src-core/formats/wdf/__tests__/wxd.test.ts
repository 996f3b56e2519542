import { readFileSync } from 'node:fs';
import { zlibSync } from 'fflate';
import { describe, expect, it } from 'vitest';
import { readSpectra } from '../../readSpectra.js';
import { renishawWxd } from '../wxd.js';
import { describeShared, expectSpecmatchError, sharedPath } from '../../../../test/support.js';

const base = sharedPath('vendor/wdf/ramanchada2_wxd/PST_Reflex532_Z050_010_10000msx2');

describeShared('Renishaw WXD reader on the ramanchada2 export', () => {
  it('equals its WiRE txt export (no header, descending x, 6 significant digits)', () => {
    const p = `${base}.wxd`;
    const r = readSpectra(readFileSync(p), p);
    expect(r.format).toBe('renishaw-wxd');
    expect(r.spectra.length).toBe(1);
    const s = r.spectra[0]!;
    const rows = readFileSync(`${base}.txt`, 'latin1')
      .split(/\r?\n/)
      .filter((l) => l.trim() !== '')
      .map((l) => l.split('\t').map(Number));
    expect(rows[0]![0]).toBe(3501.06);
    rows.reverse();
    expect(s.x.length).toBe(rows.length);
    expect(s.x.length).toBe(2578);
    // WiRE prints 6 significant digits: round ours the same way and require equality.
    const six = (v: number): number => Number(v.toPrecision(6));
    for (let i = 0; i < rows.length; i++) {
      expect(six(s.x[i]!)).toBe(rows[i]![0]);
      expect(six(s.y[i]!)).toBe(rows[i]![1]);
    }
    expect(s.meta.xKind).toBe('raman-shift');
    expect(s.meta.yUnit).toBe('counts');
    expect(s.meta.instrument).toMatch(/^Renishaw WiRE 3\.4/);
    expect(s.meta.date).toBe('2021-11-18T11:28:36');
    // The instrument state's laser: 18793 cm⁻¹ (the "532 nm edge" configuration the file name says).
    expect(s.meta.laserNm).toBeCloseTo(1e7 / 18793, 9);
  });

  it('a truncated copy answers E_CORRUPT (the Metakit end marker is gone)', () => {
    const p = `${base}.wxd`;
    const bytes = readFileSync(p);
    for (const cut of [10, 60, 5000, 60000, bytes.length - 1]) {
      expectSpecmatchError(() => renishawWxd.read(bytes.subarray(0, cut), p), 'E_CORRUPT', p);
    }
  });
});

/** A '#WXD' file whose Metakit store holds the given zlib streams (only the parts the reader relies on). */
function synthWxd(streams: Uint8Array[]): Uint8Array {
  const head = new TextEncoder().encode(`#WXD${'0'.repeat(40)}.\n#\u001aJL\u001a\u0000`);
  const jl = head.length - 4;
  const body = streams.flatMap((s) => [new Uint8Array([0, 0, 0, 0]), zlibSync(s)]);
  const size = head.length + body.reduce((n, b) => n + b.length, 0);
  const out = new Uint8Array(size + 16);
  let o = 0;
  for (const part of [head, ...body]) {
    out.set(part, o);
    o += part.length;
  }
  const v = new DataView(out.buffer);
  v.setUint32(size, 0x80000000, false);
  v.setUint32(size + 4, size - jl, false);
  return out;
}

describe('Renishaw WXD reader on synthetic containers', () => {
  it('refuses a store without an intensity list as E_UNSUPPORTED, saying what it found', () => {
    const list = new Uint8Array(8 + 10 + 4);
    const v = new DataView(list.buffer);
    v.setBigUint64(0, 1n, true);
    v.setUint16(8, 5, true);
    v.setFloat64(10, 212, true);
    list.set([0xc0, 0xff, 0xee, 0x01], 18);
    expectSpecmatchError(() => renishawWxd.read(synthWxd([list]), 'a.wxd'), 'E_UNSUPPORTED', 'a.wxd');
    try {
      renishawWxd.read(synthWxd([list]), 'a.wxd');
    } catch (err) {
      expect((err as Error).message).toMatch(/1 unnamed data lists/);
    }
  });

  it('sniffs #WXD and refuses a #WXD file that is not a Metakit store', () => {
    const bytes = new TextEncoder().encode(`#WXD${'0'.repeat(40)}.\nnothing here`);
    expect(renishawWxd.sniff(bytes, 'x.bin')).toBe(3);
    expectSpecmatchError(() => renishawWxd.read(bytes, 'b.wxd'), 'E_UNSUPPORTED', 'b.wxd');
  });
});
