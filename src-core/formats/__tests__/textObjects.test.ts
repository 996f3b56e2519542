import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { readSpectra } from '../readSpectra.js';
import { agilentAsp } from '../text/agilentAsp.js';
import { openSpecy } from '../text/openSpecy.js';
import { ramanOpenDatabase } from '../text/ramanOpenDatabase.js';
import { describeShared, sharedPath, specmatchErrorOf } from '../../../test/support.js';

const bytesOf = (s: string): Uint8Array => new TextEncoder().encode(s);

describe('OpenSpecy objects on constructed inputs', () => {
  it('reads a column-wise JSON object with two spectra and per-spectrum metadata', () => {
    const doc = {
      wavenumber: [400, 401, 402],
      spectra: { a: [1, 2, 3], b: [4, 5, 6] },
      metadata: { spectrum_identity: ['PE', 'PP'], spectrum_type: ['Raman', 'Raman'], laser_light_used: ['785 nm', '532'] },
    };
    const sp = openSpecy.read(bytesOf(JSON.stringify(doc)), 'o.json');
    expect(sp.map((s) => s.meta.substance)).toEqual(['PE', 'PP']);
    expect(sp.map((s) => s.meta.laserNm)).toEqual([785, 532]);
    expect(Array.from(sp[1]!.y)).toEqual([4, 5, 6]);
    expect(sp[1]!.meta.position).toMatchObject({ index: 1, count: 2, label: 'b' });
  });

  it('reads row-wise spectra and keeps FTIR x as absolute wavenumber', () => {
    const doc = { wavenumber: [3000, 2000, 1000], spectra: [{ i: 1 }, { i: 2 }, { i: 3 }], metadata: [{ spectrum_type: 'FTIR' }] };
    const [s] = openSpecy.read(bytesOf(JSON.stringify(doc)), 'o.json');
    expect(s!.meta.xKind).toBe('wavenumber');
    expect(Array.from(s!.x)).toEqual([1000, 2000, 3000]);
    expect(Array.from(s!.y)).toEqual([3, 2, 1]);
  });

  it('reads the YAML subset (sequences at the key indentation, quoted keys)', () => {
    const yml = "wavenumber:\n- 100\n- 200\nspectra:\n  intensity:\n  - 5\n  - 6\nmetadata:\n  'y': 1\n  spectrum_identity: Calcite\n";
    const [s] = openSpecy.read(bytesOf(yml), 'o.yml');
    expect(Array.from(s!.x)).toEqual([100, 200]);
    expect(Array.from(s!.y)).toEqual([5, 6]);
    expect(s!.meta.substance).toBe('Calcite');
    expect(s!.meta.fields['y']).toBe('1');
  });

  it('reads the wide CSV (rounded wavenumbers, then metadata columns)', () => {
    const csv = '100,200,300,x,y,spectrum_identity,license\n1,2,3,1,1,"PS, white",CC BY\n';
    const [s] = openSpecy.read(bytesOf(csv), 'w.csv');
    expect(Array.from(s!.y)).toEqual([1, 2, 3]);
    expect(s!.meta.substance).toBe('PS, white');
    expect(s!.meta.warnings.join(' ')).toMatch(/rounded/);
  });

  it('answers broken documents with typed errors', () => {
    expect(specmatchErrorOf(() => openSpecy.read(bytesOf('{"wavenumber":[1,2],"spectra":'), 'b.json')).code).toBe('E_CORRUPT');
    expect(specmatchErrorOf(() => openSpecy.read(bytesOf('{"wavenumber":[1,2]}'), 'b.json')).code).toBe('E_CORRUPT');
    expect(specmatchErrorOf(() => openSpecy.read(bytesOf('wavenumber:\n- 1\n  bad: [\nspectra: &a\n'), 'b.yml')).code).toBe('E_CORRUPT');
    expect(specmatchErrorOf(() => openSpecy.read(bytesOf('100,200,x,y\n'), 'b.csv')).code).toBe('E_EMPTY');
  });
});

describe('Agilent ASP on constructed inputs', () => {
  it('builds the implied, evenly spaced descending x axis and reverses it', () => {
    const [s] = agilentAsp.read(bytesOf('3\r\n3000\r\n1000\r\n1\r\n2\r\n4\r\n0.1\r\n0.2\r\n0.3\r\n'), 'a.asp');
    expect(Array.from(s!.x)).toEqual([1000, 2000, 3000]);
    expect(Array.from(s!.y)).toEqual([0.3, 0.2, 0.1]);
    expect(s!.meta.xKind).toBe('wavenumber');
  });

  it('refuses a declared count larger than the file before allocating', () => {
    expect(specmatchErrorOf(() => agilentAsp.read(bytesOf('999999999\n3000\n1000\n1\n2\n4\n0.1\n'), 'a.asp')).code).toBe('E_CORRUPT');
    expect(specmatchErrorOf(() => agilentAsp.read(bytesOf('3\n3000\n'), 'a.asp')).code).toBe('E_CORRUPT');
    expect(specmatchErrorOf(() => agilentAsp.read(bytesOf('x\n3000\n1000\n1\n2\n4\n0.1\n'), 'a.asp')).code).toBe('E_CORRUPT');
  });
});

describe('Raman Open Database on constructed inputs', () => {
  it('reads the spectrum loop, quoted values and text fields', () => {
    const rod = [
      '# comment',
      'data_42',
      "_chemical_name_mineral 'Calcite'",
      '_raman_measurement_device.excitation_laser_wavelength 532',
      '_raman_measurement.environment_details',
      ';',
      ' text with _underscore and loop_ words',
      ';',
      'loop_',
      '_raman_spectrum.raman_shift',
      '_raman_spectrum.intensity',
      '100.5 10',
      '101.5 11',
      '102.5',
    ].join('\n');
    const [s] = ramanOpenDatabase.read(bytesOf(rod), 'c.rod');
    expect(s!.meta.substance).toBe('Calcite');
    expect(s!.meta.laserNm).toBe(532);
    expect(Array.from(s!.x)).toEqual([100.5, 101.5]);
    expect(s!.meta.warnings.join(' ')).toMatch(/incomplete row/);
    expect(s!.meta.fields['_raman_measurement.environment_details']).toBe('text with _underscore and loop_ words');
  });

  it('answers a CIF without a Raman spectrum with E_EMPTY', () => {
    expect(specmatchErrorOf(() => ramanOpenDatabase.read(bytesOf('data_1\n_cell_length_a 5\n'), 'x.cif')).code).toBe('E_EMPTY');
  });
});

function readShared(rel: string): ReturnType<typeof readSpectra> {
  const path = sharedPath('vendor', rel);
  return readSpectra(readFileSync(path), path);
}

describeShared('OpenSpecy, ASP and ROD files', () => {
  it('raman_hdpe.json, .yml and .csv hold the same 964-point HDPE spectrum', () => {
    const json = readShared('text/openspecy/raman_hdpe.json');
    const yml = readShared('text/openspecy/raman_hdpe.yml');
    const csv = readShared('text/openspecy/raman_hdpe.csv');
    expect([json.format, yml.format, csv.format]).toEqual(['openspecy', 'openspecy', 'delimited-text']);
    for (const r of [json, yml, csv]) {
      const s = r.spectra[0]!;
      expect(s.x.length).toBe(964);
      expect([s.x[0], s.y[0], s.x[963], s.y[963]]).toEqual([301.04, 26, 3198.12, 67]);
    }
    expect(Array.from(yml.spectra[0]!.y)).toEqual(Array.from(json.spectra[0]!.y));
    expect(json.spectra[0]!.meta.substance).toBe('HDPE');
    expect(yml.spectra[0]!.meta.fields['license']).toBe('CC BY-NC');
  });

  it('raman_hdpe_os.csv (wide): 964 rounded wavenumbers 301 … 3198, same intensities as the JSON', () => {
    const wide = readShared('text/openspecy/raman_hdpe_os.csv');
    expect(wide.format).toBe('openspecy');
    const s = wide.spectra[0]!;
    expect(s.x.length).toBe(964);
    expect([s.x[0], s.x[963]]).toEqual([301, 3198]);
    expect(Array.from(s.y)).toEqual(Array.from(readShared('text/openspecy/raman_hdpe.json').spectra[0]!.y));
    expect(s.meta.substance).toBe('HDPE');
  });

  it('ftir_ldpe_soil.asp: 1798 points from 650.420 to 3999.433 cm-1 (header), y from the file', () => {
    const r = readShared('asp/openspecy/ftir_ldpe_soil.asp');
    expect(r.format).toBe('agilent-asp');
    const s = r.spectra[0]!;
    expect(s.x.length).toBe(1798);
    expect(s.x[0]).toBeCloseTo(650.420452594757, 9);
    expect(s.x[1797]).toBeCloseTo(3999.43349933624, 9);
    // Line 7 (first intensity, at 3999.43) ends the ascending array after reversal.
    expect(s.y[1797]).toBe(0.00569463047851728);
    expect(s.meta.xKind).toBe('wavenumber');
    const step = (s.x[1797]! - s.x[0]!) / 1797;
    for (let i = 1; i < s.x.length; i++) expect(s.x[i]! - s.x[i - 1]!).toBeCloseTo(step, 9);
  });

  it('rod_file_1000679.rod: K-cymrite, 488 nm, 1159 points 50.000 … 1400.643', () => {
    const r = readShared('rod/pynxtools_raman/rod_file_1000679.rod');
    expect(r.format).toBe('rod');
    const s = r.spectra[0]!;
    expect(s.x.length).toBe(1159);
    expect([s.x[0], s.y[0], s.x[1158], s.y[1158]]).toEqual([50, 429, 1400.643, 529]);
    expect(s.meta).toMatchObject({ substance: 'K-cymrite', laserNm: 488, sampleId: '1000679', date: '2011-09-07', xKind: 'raman-shift' });
    // The header's own range agrees with the data.
    expect(Number(s.meta.fields['_raman_measurement.range_min'])).toBe(s.x[0]);
    expect(Number(s.meta.fields['_raman_measurement.range_max'])).toBe(s.x[1158]);
  });
});
