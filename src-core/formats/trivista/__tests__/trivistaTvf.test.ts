import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { describeShared, sharedPath } from '../../../../test/support.js';
import { fuzzReader } from '../../opus/__tests__/fuzzReader.js';
import { readSpectra } from '../../readSpectra.js';
import { trivistaTvf } from '../trivistaTvf.js';

const esc = (s: string) => s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;');
const INFO = esc(
  '<?xml version="1.0" encoding="utf-16"?><Info><Groups><Group><Name>Calibration</Name><Items><Item><Name>Laser_Wavelength</Name><Value>532.000</Value></Item></Items><Groups /></Group>' +
    '<Group><Name>Spectrometers</Name><Items /><Groups><Group><Name>Spectrometer</Name><Items><Item><Name>Model</Name><Value>SP-2-750i</Value></Item></Items></Group></Groups></Group></Groups></Info>',
);

/** Two frames in TriVista's layout, written for this test (the rosettasciio samples are GPL and stay out of the repo). */
const SYNTHETIC = `\uFEFF<!--TriVista-File. synthetic test document -->
<XmlMain Version="1.0.1" Filename="C:\\t.tvf" DateTime="06/14/2022 13:35:01">
  <Documents Count="1">
    <Document Version="2" Label="Intensity" DataLabel="Counts" DocType="Spectra" RecordTime="06/14/2022 13:34:27.453" InfoSerialized="${INFO}">
      <xDim Length="3"><Calibration Unit="Nanometer" LaserWave="0.000" ValueArray="3|540|550|560" /></xDim>
      <yDim Length="1"><Calibration Unit="Nanometer" ValueArray="0" /></yDim>
      <zDim Length="2"><Calibration Unit="Nanometer" ValueArray="0" /></zDim>
      <Data DataType="Double">
        <Frame xDim="3" yDim="1" TimeStamp="0" Type="Number">1;2;3</Frame>
        <Frame xDim="3" yDim="1" TimeStamp="0" Type="Number">4;5;6.5</Frame>
      </Data>
    </Document>
  </Documents>
</XmlMain>`;

describe('TriVista reader (synthetic document)', () => {
  const bytes = new TextEncoder().encode(SYNTHETIC);

  it('reads each frame, takes the laser from the calibration info and converts nm to Raman shift', () => {
    const r = readSpectra(bytes, 't.tvf');
    expect(r.format).toBe('trivista');
    expect(r.spectra).toHaveLength(2);
    const s = r.spectra[1]!;
    expect(s.meta).toMatchObject({
      laserNm: 532,
      instrument: 'TriVista SP-2-750i',
      date: '2022-06-14T13:34:27.453',
      yUnit: 'Counts',
      xKind: 'raman-shift',
    });
    expect(s.x[0]).toBeCloseTo(1e7 / 532 - 1e7 / 540, 9);
    expect(Array.from(s.y)).toEqual([4, 5, 6.5]);
    expect(s.meta.position).toMatchObject({ index: 1, count: 2, label: 'frame 2' });
  });

  it('checks the declared calibration length and the frame length', () => {
    const badAxis = new TextEncoder().encode(SYNTHETIC.replace('3|540|550|560', '4|540|550|560'));
    expect(() => trivistaTvf.read(badAxis, 'a.tvf')).toThrow(/declares 4 values and holds 3/);
    const badFrame = new TextEncoder().encode(SYNTHETIC.replace('>4;5;6.5<', '>4;5<'));
    expect(() => trivistaTvf.read(badFrame, 'b.tvf')).toThrow(/frame 1 holds 2 values, the x calibration 3/);
  });

  it('rejects truncated and mutated copies with typed errors only', () => {
    const { cases, rejected } = fuzzReader(trivistaTvf, bytes, 't.tvf', { seed: 11 });
    expect(cases).toBe(500);
    expect(rejected).toBeGreaterThan(150);
  });
});

describeShared('TriVista reader on vendor/trivista/rosettasciio', () => {
  const path = (n: string) => sharedPath('vendor/trivista/rosettasciio', n);
  const firstFrame = (n: string) =>
    /<Frame [^>]*>([^<]*)</
      .exec(readFileSync(path(n), 'utf8'))![1]!
      .split(';')
      .map(Number);

  it('reads the single spectrum: 1024 points as declared, nm kept (no laser in the file) with a warning', () => {
    const s = readSpectra(readFileSync(path('spec_1s_1acc_1frame_average.tvf')), 'spec.tvf').spectra[0]!;
    expect(s.x.length).toBe(1024);
    expect(s.meta.xKind).toBe('wavelength');
    expect(s.x[0]).toBeCloseTo(794.220731002166, 9);
    expect(s.x[1023]).toBeCloseTo(835.667585594099, 9);
    expect(Array.from(s.y)).toEqual(firstFrame('spec_1s_1acc_1frame_average.tvf'));
    expect(s.meta.warnings.join(' ')).toMatch(/laser wavelength is unknown/);
    expect(s.meta.fields['Detector.Exposure_Time_(ms)']).toBe('1000');
  });

  it('converts with the 790 nm laser the 3 s file states', () => {
    const s = readSpectra(readFileSync(path('spec_3s_2acc_1frame_average.tvf')), 'spec3.tvf').spectra[0]!;
    expect(s.meta.laserNm).toBe(790);
    expect(s.meta.xKind).toBe('raman-shift');
    expect(s.meta.fields['Detector.No_of_Accumulations']).toBe('2');
  });

  it('reads the line scan as 21 spectra of 97 points at X = -0.010 … 0.010 (stage units as stated)', () => {
    const r = readSpectra(readFileSync(path('linescan.tvf')), 'linescan.tvf');
    expect(r.spectra).toHaveLength(21);
    expect(r.spectra[0]!.meta.fields['X-Axis.Points']).toBe('21');
    expect(r.spectra.map((s) => s.meta.position.label)).toEqual(
      Array.from({ length: 21 }, (_, i) => `X=${+(-0.01 + i * 0.001).toFixed(6)}`),
    );
    for (const s of r.spectra) expect(s.x.length).toBe(97);
    expect(Array.from(r.spectra[0]!.y)).toEqual(firstFrame('linescan.tvf'));
  });
});
