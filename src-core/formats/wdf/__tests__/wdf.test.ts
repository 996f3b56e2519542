import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { readSpectra } from '../../readSpectra.js';
import { wdf } from '../wdf.js';
import { parseWdfFile } from '../wdfFile.js';
import { readPset } from '../wdfPset.js';
import { describeShared, expectClose, expectSpecmatchError, sharedPath } from '../../../../test/support.js';

const rsc = (name: string): string => sharedPath('vendor/wdf/rosettasciio', name);
const load = (p: string) => readSpectra(readFileSync(p), p);

describeShared('Renishaw WDF reader: values from vendor/EXPECTED.md', () => {
  it('single spectrum: 36 points, nm axis offset 326.01 / scale 0.0847, values, date, laser', () => {
    const p = rsc('renishaw_test_spectrum.wdf');
    const raw = parseWdfFile(readFileSync(p), p);
    expect(raw.xList.units).toBe(3); // nm
    const nm = Array.from(raw.xList.values).sort((a, b) => a - b);
    expect(nm.length).toBe(36);
    expect(Math.abs(nm[0]! - 326.01)).toBeLessThanOrEqual(0.01);
    const scale = (nm[35]! - nm[0]!) / 35;
    expect(Math.abs(scale - 0.0847) / 0.0847).toBeLessThanOrEqual(3e-4);

    const r = load(p);
    expect(r.format).toBe('wdf');
    expect(r.spectra.length).toBe(1);
    const s = r.spectra[0]!;
    expect(s.meta.xKind).toBe('raman-shift');
    expect(s.meta.originalXUnit).toBe('nm');
    expect(s.meta.laserNm).toBeCloseTo(325.0, 1);
    // Ascending Raman shift is ascending wavelength: the order hyperspy reports.
    expectClose(s.y.subarray(0, 6), [65.36617, 67.51018, 60.00703, 62.75381, 64.59786, 61.309525], 1e-5);
    expectClose(s.y.subarray(30), [63.337173, 64.90067, 61.871353, 59.75822, 67.45442, 68.10285], 1e-5);
    expect(s.meta.date).toBe('2022-02-16T13:01:31Z');
    expect(s.meta.fields['title']).toBe('Single scan measurement 7');
    // Model from the instrument-state property set (WXIS 'Instrument type'), software from the header.
    expect(s.meta.instrument).toMatch(/^Renishaw InVia \(WiRE \d+\.\d+/);
    expect(s.meta.fields['instrument.Instrument type']).toBe('InVia');
    // x converted with the header's laser: shift = 1e7/λ0 − 1e7/λ.
    expect(s.x[0]).toBeCloseTo(1e7 / s.meta.laserNm! - 1e7 / nm[0]!, 6);
  });

  it('line scan: 5 spectra × 40 points, column 0 and 4 values, positions along the line', () => {
    const r = load(rsc('renishaw_test_linescan.wdf'));
    expect(r.spectra.length).toBe(5);
    for (const s of r.spectra) expect(s.y.length).toBe(40);
    const c0 = r.spectra[0]!.y;
    const c4 = r.spectra[4]!.y;
    expectClose(c0.subarray(0, 4), [0.0, 1.1029433, 1.1034185, 0.0], 1e-6);
    expectClose(c0.subarray(34), [1.4914633, 1.8651184, 0.74636304, 1.120018, -0.7469943, 0.0], 1e-6);
    expectClose(c4.subarray(0, 4), [0.7349788, 1.4705911, 0.36780614, -0.73592895], 1e-6);
    expectClose(c4.subarray(34), [0.74573165, 1.4920948, 0.37318152, 1.4933574, 0.7469943, 1.1209648], 1e-6);
    expect(r.spectra.map((s) => s.meta.position.column)).toEqual([0, 1, 2, 3, 4]);
    // Navigation step 30 µm along the diagonal line (21.21 µm in x and y).
    const a = r.spectra[0]!.meta.position;
    const b = r.spectra[1]!.meta.position;
    expect(Math.hypot(b.xUm! - a.xUm!, b.yUm! - a.yUm!)).toBeCloseTo(30, 4);
    expect(a.xUm).toBe(-50);
  });

  it('map: 3 × 3 × 47, positions from ORGN offset -100 step 100, column/row from WMAP', () => {
    const r = load(rsc('renishaw_test_map.wdf'));
    expect(r.spectra.length).toBe(9);
    const cells = new Set<string>();
    for (const s of r.spectra) {
      const pos = s.meta.position;
      expect(s.y.length).toBe(47);
      expect(pos.count).toBe(9);
      expect(pos.xUm).toBe(-100 + 100 * pos.column!);
      expect(pos.yUm).toBe(-100 + 100 * pos.row!);
      cells.add(`${pos.column},${pos.row}`);
    }
    expect(cells.size).toBe(9);
  });

  it('focus track: 10 × 1010 invariant file; first/last values of the 3-spectrum track', () => {
    const inv = load(rsc('renishaw_test_focustrack_invariant.wdf'));
    expect(inv.spectra.length).toBe(10);
    for (const s of inv.spectra) expect(s.y.length).toBe(1010);
    const ft = load(rsc('renishaw_test_focustrack.wdf')).spectra;
    expect(ft.length).toBe(3);
    expectClose(ft[0]!.y.subarray(0, 3), [1.4015186, 1.402039, -0.7012797], 1e-6);
    const last = ft[2]!.y;
    expectClose(last.subarray(last.length - 3), [4.8724666, 5.8486896, 3.8991265], 1e-6);
    expect(ft[0]!.meta.position.zUm).toBeCloseTo(31.6, 4);
  });

  it('interrupted map: 12 of 16 planned spectra, 3 rows × 4 columns × 1010, warns "unfinished measurement"', () => {
    const r = load(rsc('interrupted_acquisition.wdf'));
    expect(r.spectra.length).toBe(12);
    for (const s of r.spectra) {
      expect(s.y.length).toBe(1010);
      expect(s.meta.warnings.join(' ')).toMatch(/unfinished measurement/);
    }
    expect(Math.max(...r.spectra.map((s) => s.meta.position.row!))).toBe(2);
    expect(Math.max(...r.spectra.map((s) => s.meta.position.column!))).toBe(3);
  });

  it('z-scan and time series: 40 depths from -10 µm by 0.5, 3 timed spectra', () => {
    const z = load(rsc('renishaw_test_zscan.wdf')).spectra;
    expect(z.length).toBe(40);
    expect(z[0]!.meta.position.zUm).toBe(-10);
    expect(z[39]!.meta.position.zUm).toBe(9.5);
    const t = load(rsc('renishaw_test_timeseries.wdf')).spectra;
    expect(t.length).toBe(3);
    const times = t.map((s) => Date.parse(s.meta.fields['acquiredAt']!));
    expect(times[1]! > times[0]! && times[2]! > times[1]!).toBe(true);
  });

  it('ramanchada2 spectrum equals its WiRE txt export (descending there)', () => {
    const base = sharedPath('vendor/wdf/ramanchada2/nCal_Qontor785_z005H12_100_1x3s');
    const s = load(`${base}.wdf`).spectra[0]!;
    const rows = readFileSync(`${base}.txt`, 'latin1')
      .split(/\r?\n/)
      .slice(1)
      .filter((l) => l.trim() !== '')
      .map((l) => l.split('\t').map(Number));
    expect(rows[0]![0]!).toBeGreaterThan(rows[1]![0]!);
    rows.reverse();
    expect(s.x.length).toBe(rows.length);
    expectClose(
      s.x,
      rows.map((r) => r[0]!),
      1e-5,
    );
    expectClose(
      s.y,
      rows.map((r) => r[1]!),
      1e-5,
    );
    expect(s.meta.laserNm).toBeCloseTo(785, 0);
  });

  it('every spectrochempy WiRE file reads with ascending x', () => {
    for (const name of ['sp', 'depth', 'line', 'undefined']) {
      const p = sharedPath('vendor/wdf/spectrochempy_wire', `${name}.wdf`);
      const r = load(p);
      expect(r.spectra.length).toBe({ sp: 1, depth: 40, line: 235, undefined: 2 }[name]);
      for (let i = 1; i < r.spectra[0]!.x.length; i++)
        expect(r.spectra[0]!.x[i]!).toBeGreaterThan(r.spectra[0]!.x[i - 1]!);
    }
  });

  it('truncated copies of a real map answer E_CORRUPT, never an untyped exception', () => {
    const p = rsc('renishaw_test_map.wdf');
    const bytes = readFileSync(p);
    for (const cut of [600, 700, 1000, 2300, 3000, 100000, bytes.length - 1]) {
      expectSpecmatchError(() => wdf.read(bytes.subarray(0, cut), p), 'E_CORRUPT', p);
    }
  });
});

/** A minimal valid WDF1 file built from the published layout: header, DATA, XLST (Raman shift), nothing else. */
function synthWdf(opts: { points: number; planned: number; collected: number; dataSpectra?: number }): Uint8Array {
  const dataSpectra = opts.dataSpectra ?? opts.planned;
  const dataSize = 16 + 4 * opts.points * dataSpectra;
  const xSize = 16 + 8 + 4 * opts.points;
  const buf = new Uint8Array(512 + dataSize + xSize);
  const v = new DataView(buf.buffer);
  buf.set([0x57, 0x44, 0x46, 0x31], 0);
  v.setUint32(4, 1, true);
  v.setBigUint64(8, 512n, true);
  v.setUint32(60, opts.points, true);
  v.setBigUint64(64, BigInt(opts.planned), true);
  v.setBigUint64(72, BigInt(opts.collected), true);
  v.setUint32(88, opts.points, true);
  v.setFloat32(156, 1e7 / 532, true);
  let o = 512;
  buf.set([0x44, 0x41, 0x54, 0x41], o);
  v.setBigUint64(o + 8, BigInt(dataSize), true);
  for (let i = 0; i < opts.points * dataSpectra; i++) v.setFloat32(o + 16 + 4 * i, i, true);
  o += dataSize;
  buf.set([0x58, 0x4c, 0x53, 0x54], o);
  v.setBigUint64(o + 8, BigInt(xSize), true);
  v.setUint32(o + 16, 1, true);
  v.setUint32(o + 20, 1, true);
  for (let i = 0; i < opts.points; i++) v.setFloat32(o + 24 + 4 * i, 100 + i, true);
  return buf;
}

describe('Renishaw WDF reader on synthetic files', () => {
  it('reads a minimal file built from the published layout', () => {
    const spectra = wdf.read(synthWdf({ points: 4, planned: 2, collected: 2 }), 'synth.wdf');
    expect(spectra.length).toBe(2);
    expectClose(spectra[1]!.x, [100, 101, 102, 103]);
    expectClose(spectra[1]!.y, [4, 5, 6, 7]);
    expect(spectra[0]!.meta.laserNm).toBeCloseTo(532, 3);
  });

  it('refuses counts the bytes cannot hold before allocating', () => {
    expectSpecmatchError(
      () => wdf.read(synthWdf({ points: 4, planned: 2, collected: 3 }), 'a.wdf'),
      'E_CORRUPT',
      'a.wdf',
    );
    const huge = synthWdf({ points: 4, planned: 2, collected: 2 });
    new DataView(huge.buffer).setUint32(60, 0x7fffffff, true);
    new DataView(huge.buffer).setUint32(88, 0x7fffffff, true);
    expectSpecmatchError(() => wdf.read(huge, 'b.wdf'), 'E_CORRUPT', 'b.wdf');
    const noneAcquired = synthWdf({ points: 4, planned: 2, collected: 0 });
    expectSpecmatchError(() => wdf.read(noneAcquired, 'c.wdf'), 'E_EMPTY', 'c.wdf');
    expectSpecmatchError(() => wdf.read(new Uint8Array(100), 'd.wdf'), 'E_CORRUPT', 'd.wdf');
  });

  it('leaves out a spectrum with no finite point (with a warning) and answers E_EMPTY when none is left', () => {
    const bytes = synthWdf({ points: 4, planned: 2, collected: 2 });
    const v = new DataView(bytes.buffer);
    for (let i = 0; i < 4; i++) v.setFloat32(512 + 16 + 4 * i, Number.NaN, true);
    const spectra = wdf.read(bytes, 'nan.wdf');
    expect(spectra.length).toBe(1);
    expect(spectra[0]!.meta.position.index).toBe(1);
    expect(spectra[0]!.meta.warnings.join(' ')).toMatch(/1 of 2 spectra held no finite data point/);
    for (let i = 4; i < 8; i++) v.setFloat32(512 + 16 + 4 * i, Number.NaN, true);
    expectSpecmatchError(() => wdf.read(bytes, 'nan.wdf'), 'E_EMPTY', 'nan.wdf');
  });

  it('sniffs the WDF1 magic only', () => {
    expect(wdf.sniff(synthWdf({ points: 1, planned: 1, collected: 1 }), 'x.bin')).toBe(3);
    expect(wdf.sniff(new TextEncoder().encode('WDF2'), 'x.wdf')).toBe(0);
  });
});

describe('WiRE property sets', () => {
  /** A PSET from items [type, key, payload]; key names as 'k' items placed after the values, as WiRE writes them. */
  function pset(items: [string, number, Uint8Array][]): Uint8Array {
    const parts = items.map(([t, key, payload]) => {
      const head = new Uint8Array(4);
      head[0] = t.charCodeAt(0);
      new DataView(head.buffer).setUint16(2, key, true);
      return [head, payload];
    });
    const body = parts.flat();
    const size = body.reduce((n, b) => n + b.length, 0);
    const out = new Uint8Array(8 + size);
    out.set(new TextEncoder().encode('PSET'), 0);
    new DataView(out.buffer).setUint32(4, size, true);
    let o = 8;
    for (const b of body) {
      out.set(b, o);
      o += b.length;
    }
    return out;
  }
  const text = (s: string): Uint8Array => {
    const t = new TextEncoder().encode(s);
    const out = new Uint8Array(4 + t.length);
    new DataView(out.buffer).setUint32(0, t.length, true);
    out.set(t, 4);
    return out;
  };
  const i32 = (v: number): Uint8Array => {
    const out = new Uint8Array(4);
    new DataView(out.buffer).setInt32(0, v, true);
    return out;
  };

  it('names values by the key items that follow them and skips nested sets', () => {
    const bytes = pset([
      ['u', 0x8001, text('InVia')],
      ['p', 0x8002, text('nested set, skipped')],
      ['i', 0x8003, i32(44001)],
      ['k', 0x8001, text('Instrument type')],
      ['k', 0x8003, text('ScanDuration(ms)')],
    ]);
    const props = readPset(bytes, 0, bytes.length);
    expect(props.get('Instrument type')).toBe('InVia');
    expect(props.get('ScanDuration(ms)')).toBe(44001);
    expect(props.size).toBe(2);
  });

  it('returns what it read when the set is cut or holds an unknown item type, never throws', () => {
    const bytes = pset([
      ['u', 1, text('InVia')],
      ['k', 1, text('Instrument type')],
      ['Z', 2, i32(0)],
    ]);
    expect(readPset(bytes, 0, bytes.length).get('Instrument type')).toBe('InVia');
    for (let cut = 0; cut < bytes.length; cut++) expect(() => readPset(bytes.subarray(0, cut), 0, cut)).not.toThrow();
    expect(readPset(bytes, 0, 12).size).toBe(0);
  });
});
