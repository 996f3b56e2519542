/** The text readers on the in-repo fixtures (test/fixtures/formats-text): runs without ../shared/data. */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { readSpectra } from '../readSpectra.js';
import type { ReadResult } from '../FormatReader.js';
import { FIXTURES } from '../../../test/support.js';

function read(name: string): ReadResult {
  const path = join(FIXTURES, 'formats-text', name);
  return readSpectra(readFileSync(path), path);
}

/** [x, y] of the first and last point, and the point count. */
function ends(r: ReadResult, i = 0): [number, [number, number], [number, number]] {
  const s = r.spectra[i]!;
  const n = s.x.length;
  return [n, [s.x[0]!, s.y[0]!], [s.x[n - 1]!, s.y[n - 1]!]];
}

describe('text readers on the in-repo fixtures', () => {
  it('BWTek excerpt: Raman Shift × Dark Subtracted #1 of pixels 109-140, decimal comma, laser 532.02 nm', () => {
    const r = read('bwtek_PST10_iR532_excerpt.txt');
    expect(r.format).toBe('delimited-text');
    expect(ends(r)).toEqual([32, [145.99, 5655.2857], [238.29, 4406.8571]]);
    expect(r.spectra[0]!.meta).toMatchObject({ laserNm: 532.02, instrument: 'BTC162E-532S-SYS', date: '2022-01-21T11:52:01', xKind: 'raman-shift' });
  });

  it('Neegala excerpt: Raman_Shift × Processed_Data, key,value metadata', () => {
    const r = read('neegala_PST_532_SEX139_excerpt.txt');
    expect(ends(r)).toEqual([40, [-1118.2901370987172, -3210], [-866.4461575675202, 85]]);
    expect(r.spectra[0]!.meta).toMatchObject({ laserNm: 532, sampleId: 'PST_532_SEX139', date: '2022-08-19T12:19:23' });
  });

  it('Zolix excerpt: 4 leading and 43 trailing zero-padded points dropped', () => {
    const r = read('zolix_PST02_excerpt.txt');
    expect(ends(r)).toEqual([23, [-229.70919853038157, 1208], [3211.260625059107, 1090]]);
    expect(r.spectra[0]!.meta.warnings.join(' ')).toMatch(/dropped 47 zero-padded points/);
  });

  it('WiRE export: descending x reversed, 1021 points', () => {
    expect(ends(read('wire_nCal_Qontor785.txt'))).toEqual([1021, [-154.501953, 267.675995], [1111.108398, 1729.160645]]);
  });

  it('WITec excerpt: x in nm from the units row, kept as wavelength (no laser in the file)', () => {
    const r = read('witec_Si-wafer_excerpt.txt');
    expect(ends(r)).toEqual([200, [530.7816803, 356.8500061], [547.3472554, 24851.09961]]);
    expect(r.spectra[0]!.meta.xKind).toBe('wavelength');
    expect(r.spectra[0]!.meta.fields['XAxisUnit']).toBe('nm');
  });

  it('Andor .asc: 1024 points in nm with the Solis info block as metadata', () => {
    const r = read('andor_raman1.asc');
    expect(ends(r)).toEqual([1024, [405.23318, 280099], [454.55334, 2923170]]);
    expect(r.spectra[0]!.meta).toMatchObject({ xKind: 'wavelength', instrument: 'DU888_BV' });
    expect(r.spectra[0]!.meta.fields['Exposure Time (secs)']).toBe('0.1');
  });

  it('headerless FTIR CSV: absolute wavenumbers kept', () => {
    const r = read('ftir_pva_without_header.csv');
    expect(ends(r)).toEqual([863, [674.9918, 0.01356988], [3999.809, 0.01105751]]);
    expect(r.spectra[0]!.meta.xKind).toBe('wavenumber');
  });

  it('Agilent ASP: 1798 implied points 650.42 … 3999.43', () => {
    const r = read('ftir_ldpe_soil.asp');
    expect(r.format).toBe('agilent-asp');
    const [n, first, last] = ends(r);
    expect(n).toBe(1798);
    expect(first[0]).toBeCloseTo(650.420452594757, 9);
    expect(last).toEqual([3999.43349933624, 0.00569463047851728]);
  });

  it('ROD: K-cymrite, 1159 points', () => {
    const r = read('rod_file_1000679.rod');
    expect(ends(r)).toEqual([1159, [50, 429], [1400.643, 529]]);
    expect(r.spectra[0]!.meta.substance).toBe('K-cymrite');
  });

  it('RaMPP excerpt: 11 polymer spectra of 60 points named after their columns', () => {
    const r = read('rampp_References_excerpt.CSV');
    expect(r.spectra.map((s) => s.meta.substance)).toEqual(['PS', 'PA', 'PC', 'PU', 'PET', 'PP', 'SAN', 'PVC', 'PE', 'POM', 'ABS']);
    expect(ends(r, 10)).toEqual([60, [-26.96249, 0.16396], [144.66377, 0.20868]]);
  });
});
