import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { describeShared, sharedPath } from '../../../../test/support.js';
import { wavelengthToShift } from '../../../spectrum/makeSpectrum.js';
import { fuzzReader } from '../../opus/__tests__/fuzzReader.js';
import { readSpectra } from '../../readSpectra.js';
import { jobinYvonXml } from '../jobinYvonXml.js';
import { XmlSyntaxError, parseXml } from '../parseXml.js';

const item = (id: string, name: string, value: string, number?: string) =>
  `<LSX Format="9" ID="${id}" Size="3"><LSX Format="7" ID="0x6D6D616E">${name}</LSX><LSX Format="7" ID="0x7D6C61DB">${value}</LSX>${number === undefined ? '' : `<LSX Format="5" ID="0x8736F70">${number}</LSX>`}</LSX>`;

/** A 2×2 map in LabSpec's layout, written for this test (the rosettasciio samples are GPL and stay out of the repo). */
const SYNTHETIC_MAP = `<?xml version="1.0" encoding="UTF-8"?>
<LSX_Data>
 <LSX_Tree Format="9" ID="0x69746164" Size="4">
  <LSX Format="8" ID="0x6C7469D9">synthetic &amp; map</LSX>
  <LSX Format="9" ID="0x7A74D9D6" Size="1"><LSX Format="9" ID="0x7B697861" Size="4">
   <LSX Format="9" ID="0x0" Size="2"><LSX Format="7" ID="0x6D707974">Intens</LSX><LSX Format="7" ID="0x7C696E75">Cnt</LSX></LSX>
   <LSX Format="9" ID="0x1" Size="3"><LSX Format="6" ID="0x7D6CD4DB" Size="3"> 300 200 100 </LSX><LSX Format="7" ID="0x6D707974">Spectr</LSX><LSX Format="7" ID="0x7C696E75">1/cm</LSX></LSX>
   <LSX Format="9" ID="0x2" Size="3"><LSX Format="6" ID="0x7D6CD4DB" Size="2">0 5</LSX><LSX Format="7" ID="0x6D707974">X</LSX><LSX Format="7" ID="0x7C696E75">µm</LSX></LSX>
   <LSX Format="9" ID="0x3" Size="3"><LSX Format="6" ID="0x7D6CD4DB" Size="2">10 20</LSX><LSX Format="7" ID="0x6D707974">Y</LSX><LSX Format="7" ID="0x7C696E75">µm</LSX></LSX>
  </LSX></LSX>
  <LSX Format="9" ID="0x6C62D4D9" Size="2">
   <LSX Format="9" ID="0x8716361" Size="2">${item('0x6D7361DE', 'Laser (nm)', '532 ', '532.1')}${item('0xDBD3D737', 'Objective', 'x50', '50')}${item('0xD9E15849', 'Instrument', 'LabRAM')}</LSX>
   <LSX Format="9" ID="0x7C73E2D2" Size="1">${item('0x786DC6DF', 'Sample', 'quartz')}</LSX>
   <LSX Format="9" ID="0x7CECDBD7" Size="1">${item('0x0', 'Acquired', '01.02.2023 04:05:06')}</LSX>
  </LSX>
 </LSX_Tree>
 <LSX_Matrix Format="6" ID="0x7D6CD4DB" Size="12">
  <LSX_Row Format="6" Index="0" Size="3">1 2 3</LSX_Row>
  <LSX_Row Format="6" Index="1" Size="3">4 5 6</LSX_Row>
  <LSX_Row Format="6" Index="2" Size="3">7 8 9</LSX_Row>
  <LSX_Row Format="6" Index="3" Size="3">10 11 12</LSX_Row>
 </LSX_Matrix>
</LSX_Data>`;

describe('JobinYvon XML reader (synthetic map)', () => {
  const bytes = new TextEncoder().encode(SYNTHETIC_MAP);

  it('reads every row with its grid position, the first navigation axis varying fastest', () => {
    const r = readSpectra(bytes, 'map.xml');
    expect(r.format).toBe('jobinyvon-xml');
    expect(
      r.spectra.map((s) => [s.meta.position.xUm, s.meta.position.yUm, s.meta.position.column, s.meta.position.row]),
    ).toEqual([
      [0, 10, 0, 0],
      [5, 10, 1, 0],
      [0, 20, 0, 1],
      [5, 20, 1, 1],
    ]);
    const s = r.spectra[3]!;
    expect(Array.from(s.x)).toEqual([100, 200, 300]);
    expect(Array.from(s.y)).toEqual([12, 11, 10]);
    expect(s.meta).toMatchObject({
      laserNm: 532.1,
      sampleId: 'quartz',
      instrument: 'LabRAM',
      date: '2023-02-01T04:05:06',
      yUnit: 'Cnt',
      xKind: 'raman-shift',
    });
    expect(s.meta.fields['Title']).toBe('synthetic & map');
    expect(s.meta.fields['Objective']).toBe('x50');
  });

  it('reports truncated XML and short rows as E_CORRUPT', () => {
    expect(() => jobinYvonXml.read(bytes.subarray(0, bytes.length - 40), 'cut.xml')).toThrow(
      /cut\.xml: cannot read as Horiba JobinYvon XML: XML is malformed/,
    );
    const short = new TextEncoder().encode(SYNTHETIC_MAP.replace('>10 11 12<', '>10 11<'));
    expect(() => jobinYvonXml.read(short, 'short.xml')).toThrow(/row 3 has 2 values, the spectral axis 3/);
  });

  it('rejects truncated and mutated copies with typed errors only', () => {
    const { cases, rejected } = fuzzReader(jobinYvonXml, bytes, 'map.xml', { seed: 3 });
    expect(cases).toBe(500);
    expect(rejected).toBeGreaterThan(150);
  });

  it('parses XML strictly and without recursion limits being hit by deep nesting', () => {
    expect(() => parseXml('<a><b></a>')).toThrow(XmlSyntaxError);
    expect(() => parseXml('<a/><b/>')).toThrow(/second root/);
    expect(() => parseXml('<a>'.repeat(10000))).toThrow(/deeper than/);
    expect(parseXml('<!DOCTYPE a [<!ENTITY x "boom">]><a t=\'&#65;\'>&x;&lt;<![CDATA[<raw>]]></a>')).toMatchObject({
      name: 'a',
      attrs: { t: 'A' },
      text: '&x;<<raw>',
    });
  });
});

describeShared('JobinYvon XML reader on vendor/horiba/rosettasciio_jobinyvon_xml', () => {
  const path = (n: string) => sharedPath('vendor/horiba/rosettasciio_jobinyvon_xml', `jobinyvon_test_${n}.xml`);
  const read = (n: string) => readSpectra(readFileSync(path(n)), n);
  /** The axis and first row exactly as the file writes them. */
  const raw = (n: string) => {
    const t = readFileSync(path(n), 'utf8');
    const axis = /ID="0x1" Size="\d+">\s*<LSX Format="6" ID="0x7D6CD4DB" Size="\d+">([^<]*)</
      .exec(t)![1]!
      .trim()
      .split(/\s+/)
      .map(Number);
    const row = /<LSX_Row[^>]*>([^<]*)</.exec(t)![1]!.trim().split(/\s+/).map(Number);
    return { axis, row };
  };

  it('converts the nm axis to Raman shift with the laser the file states (632.817 nm)', () => {
    const s = read('spec').spectra[0]!;
    const { axis, row } = raw('spec');
    expect(s.x.length).toBe(34);
    expect(s.meta.laserNm).toBe(632.817);
    expect(s.meta.originalXUnit).toBe('nm');
    // The file's axis is descending in nm, so the shift is descending too and the reader reverses both arrays.
    axis.forEach((nm, i) => expect(s.x[axis.length - 1 - i]).toBeCloseTo(wavelengthToShift(nm, 632.817), 9));
    expect(Array.from(s.y).reverse()).toEqual(row);
    expect(s.meta).toMatchObject({
      instrument: 'LabRAM HR Evol',
      date: '2022-06-27T16:26:24',
      sampleId: 'test',
      yUnit: 'Cnt/sec',
    });
    expect(s.meta.fields).toMatchObject({
      Objective: 'x100',
      'Acq. time (s)': '1',
      Accumulations: '2',
      Grating: '1800 gr/mm',
    });
  });

  it('gives one Raman axis for the cm-1, absolute cm-1, eV and nm exports of one acquisition', () => {
    const cm = read('spec_3s_cm-1').spectra[0]!;
    for (const n of ['spec_3s_abs-cm-1', 'spec_3s_eV', 'spec_3s_counts']) {
      const s = read(n).spectra[0]!;
      expect(s.meta.xKind).toBe('raman-shift');
      expect(s.x.length).toBe(cm.x.length);
      // Exports round x to 6 significant digits (1.60672 eV: ±3e-6 relative, ≈0.05 cm-1 of absolute wavenumber).
      for (let i = 0; i < cm.x.length; i++) expect(Math.abs(s.x[i]! - cm.x[i]!)).toBeLessThan(0.1);
    }
    const counts = read('spec_3s_counts').spectra[0]!;
    // 3 s acquisition: counts = 3 × counts per second (the latter rounded to 6 digits).
    for (let i = 0; i < cm.y.length; i++) expect(counts.y[i]!).toBeCloseTo(3 * cm.y[i]!, 2);
    expect(counts.meta.yUnit).toBe('Cnt');
  });

  it('reads the range-limited spectrum with its 105 points', () => {
    expect(read('spec_range').spectra[0]!.x.length).toBe(105);
  });

  it('reads the line scan as 3 spectra at Y = 0, 0.5, 1 µm', () => {
    const r = read('linescan');
    expect(r.spectra.map((s) => s.meta.position.yUm)).toEqual([0, 0.5, 1]);
    expect(r.spectra[0]!.y[r.spectra[0]!.y.length - 1]).toBe(1614);
  });

  it('reads both maps as 3×2 grids, the rotated one with its angle', () => {
    for (const n of ['map_x3-y2', 'map_x2-y2_rotated']) {
      const r = read(n);
      expect(r.spectra.length).toBe(6);
      expect(r.spectra.map((s) => `${s.meta.position.xUm},${s.meta.position.yUm}`)).toEqual([
        '-2,-1',
        '0,-1',
        '2,-1',
        '-2,1',
        '0,1',
        '2,1',
      ]);
    }
    expect(read('map_x2-y2_rotated').spectra[0]!.meta.fields['rotation angle (rad)']).toBe('-0.532322511232846');
  });
});
