import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { unpackArchive, listTxtFiles } from '../../node/data/rruffArchive.js';
import type { Spectrum } from '../../spectrum/Spectrum.js';
import { detectFormat, readSpectra } from '../readSpectra.js';
import { delimitedText } from '../text/delimitedText.js';
import { describeShared, sharedPath, specmatchErrorOf, walkFiles } from '../../../test/support.js';

const enc = new TextEncoder();
const bytesOf = (s: string): Uint8Array => enc.encode(s);
const readText = (s: string, name = 'test.txt'): Spectrum[] => delimitedText.read(bytesOf(s), name);

/** x strictly ascending, x and y finite (counted, then one assertion: per-point expect() is slow). */
function expectAscendingFinite(s: Spectrum): void {
  let bad = 0;
  for (let i = 0; i < s.x.length; i++) {
    if (!Number.isFinite(s.x[i]!) || !Number.isFinite(s.y[i]!) || (i > 0 && !(s.x[i]! > s.x[i - 1]!))) bad++;
  }
  expect(bad, `${s.meta.sourceFile}: points not finite or not ascending`).toBe(0);
}

describe('delimited text reader on constructed inputs', () => {
  it('reads a comma CSV with a header row', () => {
    const [s] = readText('wavenumber,intensity\n100,5\n101.5,6\n103,7\n');
    expect(Array.from(s!.x)).toEqual([100, 101.5, 103]);
    expect(Array.from(s!.y)).toEqual([5, 6, 7]);
    expect(s!.meta.xKind).toBe('raman-shift');
    expect(s!.meta.substance).toBeUndefined();
  });

  it('reads `;` with decimal comma, key;value metadata and blank x cells (BWTek layout)', () => {
    const text = [
      'File Version;BWSpec4.11_1',
      'Date;2021-10-27 15:57:47',
      'model;BTC162E-785S-SYS',
      'laser_wavelength;784,82',
      'laser_powerlevel;75',
      'Pixel;Wavelength;Wavenumber;Raman Shift;Dark;Raw data #1;Dark Subtracted #1;',
      '0;   ;   ;   ;1137,0000;1125,0000;-12,0000;',
      '1;787,10;12705,01;36,50;1000,0000;1100,5000;100,5000;',
      '2;787,20;12703,40;38,12;1000,0000;1200,2500;200,2500;',
      '3;787,30;12701,78;39,74;1000,0000;1300,0000;300,0000;',
    ].join('\r\n');
    const [s] = readText(text);
    expect(Array.from(s!.x)).toEqual([36.5, 38.12, 39.74]);
    expect(Array.from(s!.y)).toEqual([100.5, 200.25, 300]);
    expect(s!.meta.laserNm).toBe(784.82);
    expect(s!.meta.instrument).toBe('BTC162E-785S-SYS');
    expect(s!.meta.date).toBe('2021-10-27T15:57:47');
    expect(s!.meta.fields['laser_powerlevel']).toBe('75');
    expect(s!.meta.warnings.join(' ')).toMatch(/1 row without an x value/);
  });

  it('reads Latin-1 LabSpec text with `#Key=<TAB>value` lines and mixed CRLF/LF', () => {
    const head = '#Acq. time (s)=\t1\r\n#Laser=\t532nm_Edge\n#Instrument=\tLabRAM HR Evol\r\n#X (\xb5m)=\t0\n#Title=\tSi wafer\r\n#Acquired=\t16.12.2019 09:57:07\n';
    const body = '520.1\t100\r\n518.2\t90\n516.3\t80\r\n';
    const bytes = Uint8Array.from([...head, ...body].map((c) => c.charCodeAt(0)));
    const [s] = delimitedText.read(bytes, 'labspec.txt');
    expect(Array.from(s!.x)).toEqual([516.3, 518.2, 520.1]);
    expect(Array.from(s!.y)).toEqual([80, 90, 100]);
    expect(s!.meta.laserNm).toBe(532);
    expect(s!.meta.sampleId).toBe('Si wafer');
    expect(s!.meta.date).toBe('2019-12-16T09:57:07');
    expect(s!.meta.fields['X (µm)']).toBe('0');
  });

  it('reads a multi-spectrum table whose first row holds the x values (LabSpec series)', () => {
    const text = '#AxisUnit[1]=1/cm\n\t100\t101\t102\n1\t5\t6\t7\n2\t8\t9\t10\n';
    const sp = readText(text);
    expect(sp).toHaveLength(2);
    expect(Array.from(sp[1]!.x)).toEqual([100, 101, 102]);
    expect(Array.from(sp[1]!.y)).toEqual([8, 9, 10]);
    expect(sp[1]!.meta.position).toMatchObject({ index: 1, count: 2, label: '2' });
  });

  it('reads a table far wider than tall with an axis in its first row as one spectrum per row', () => {
    const axis = Array.from({ length: 40 }, (_, i) => 100 + i * 10);
    const sp = readText([axis, axis.map((v) => v / 10), axis.map((v) => v / 5)].map((r) => r.join(',')).join('\n'), 'wide.csv');
    expect(sp).toHaveLength(2);
    expect(sp[1]!.x.length).toBe(40);
    expect(sp[1]!.y[39]).toBe(490 / 5);
    expect(sp[0]!.meta.position.label).toBe('row 2');
  });

  it('reads a WiRE long-form map export (#X #Y #Wave #Intensity) as one spectrum per position', () => {
    const text = '#X\t#Y\t#Wave\t#Intensity\n-10\t5\t1200\t7\n-10\t5\t1100\t8\n-10\t5\t1000\t9\n0\t5\t1200\t1\n0\t5\t1100\t2\n0\t5\t1000\t3\n';
    const sp = readText(text, 'map.txt');
    expect(sp).toHaveLength(2);
    expect(sp[0]!.meta.position).toMatchObject({ index: 0, count: 2, xUm: -10, yUm: 5 });
    expect(Array.from(sp[0]!.x)).toEqual([1000, 1100, 1200]);
    expect(Array.from(sp[0]!.y)).toEqual([9, 8, 7]);
    expect(sp[1]!.meta.xKind).toBe('raman-shift');
  });

  it('makes one spectrum per column and names the substance after it (RaMPP layout)', () => {
    const sp = readText('WN;PS;PET\n100;1;2\n200;3;4\n300;5;6\n');
    expect(sp.map((s) => s.meta.substance)).toEqual(['PS', 'PET']);
    expect(Array.from(sp[1]!.y)).toEqual([2, 4, 6]);
  });

  it('reads x/y column pairs labelled by a group row (sif_parser joined CSV layout)', () => {
    const sp = readText('a,a,b,b\nwavelength,counts,wavelength,counts\n500,1,600,4\n501,2,601,5\n502,3,602,6\n', 'pairs.csv');
    expect(sp).toHaveLength(2);
    expect(Array.from(sp[1]!.x)).toEqual([600, 601, 602]);
    expect(sp[1]!.meta.position.label).toBe('b');
    expect(sp[1]!.meta.xKind).toBe('wavelength');
  });

  it('splits blank-line-separated x/y data sets whose x restarts, but not one axis with a blank line in it', () => {
    const sets = readText('300\t1\n200\t2\n\n310\t3\n210\t4\n110\t5\n');
    expect(sets.map((s) => [s.meta.position.label, s.x.length])).toEqual([
      ['data set 1', 2],
      ['data set 2', 3],
    ]);
    expect(Array.from(sets[1]!.x)).toEqual([110, 210, 310]);
    expect(readText('100\t1\n200\t2\n\n300\t3\n')).toHaveLength(1);
  });

  it('takes the unit from a units row (WITec) and converts nm with a known laser', () => {
    const withoutLaser = readText('[Header]\nXAxisUnit = nm\n[Data]\nX-Axis,Spectrum 1\nnm,CCD cts\n540,1\n545,2\n550,3\n')[0]!;
    expect(withoutLaser.meta.xKind).toBe('wavelength');
    expect(withoutLaser.meta.warnings.join(' ')).toMatch(/laser wavelength is unknown/);
    const withLaser = readText('Laser Wavelength = 532\nX-Axis,Spectrum 1\nnm,CCD cts\n540,1\n545,2\n550,3\n')[0]!;
    expect(withLaser.meta.xKind).toBe('raman-shift');
    expect(withLaser.x[0]).toBeCloseTo(1e7 / 532 - 1e7 / 540, 9);
  });

  it('reverses a descending axis, drops non-finite points and skips malformed lines with warnings', () => {
    const [s] = readText('#Wave\t\t#Intensity\n300\t3\n200\tNaN\n150\t2\nbroken line\n100\t1\n');
    expect(Array.from(s!.x)).toEqual([100, 150, 300]);
    expect(Array.from(s!.y)).toEqual([1, 2, 3]);
    const w = s!.meta.warnings.join(' ');
    expect(w).toMatch(/dropped 1 non-finite point/);
    expect(w).toMatch(/skipped 1 malformed line/);
  });

  it('trims zero padding at the ends (Zolix) with a warning', () => {
    const [s] = readText('1\t0.0\n2\t0.0\n3\t5\n4\t0\n5\t6\n6\t0.0\n7\t0.0\n8\t0.0\n');
    expect(Array.from(s!.x)).toEqual([3, 4, 5]);
    expect(s!.meta.warnings.join(' ')).toMatch(/dropped 5 zero-padded points/);
  });

  it('treats a headerless .asc with values 150–1200 as Andor wavelength (nm), other names as Raman shift', () => {
    const text = '405.2\t10\t\r\n405.3\t11\t\r\n405.4\t12\t\r\nDate and Time:   Fri Sep  8 15:03:52 2017\r\nModel:   DU888_BV\r\n';
    const asc = delimitedText.read(bytesOf(text), 'x.asc')[0]!;
    expect(asc.meta.xKind).toBe('wavelength');
    expect(asc.meta.instrument).toBe('DU888_BV');
    expect(asc.meta.date).toBe('2017-09-08T15:03:52');
    expect(delimitedText.read(bytesOf(text), 'x.txt')[0]!.meta.xKind).toBe('raman-shift');
  });

  it('keeps absolute wavenumbers for infrared file names and converts absolute Raman wavenumbers with the laser', () => {
    expect(readText('400,1\n500,2\n', 'ftir_sample.csv')[0]!.meta.xKind).toBe('wavenumber');
    expect(readText('400,1\n500,2\n', 'IR.CSV')[0]!.meta.xKind).toBe('wavenumber');
    expect(readText('400,1\n500,2\n', 'PST10_iR785.csv')[0]!.meta.xKind).toBe('raman-shift');
    const abs = readText('wl,532nm\nPixels,Wavenumbers,Intensity\n0,18000,1\n1,17900,2\n', 'n.txt')[0]!;
    expect(abs.meta.xKind).toBe('raman-shift');
    expect(abs.x[0]).toBeCloseTo(1e7 / 532 - 18000, 6);
  });

  it('answers with typed errors for one column, no numbers, binary and empty input', () => {
    expect(specmatchErrorOf(() => readText('1\n2\n3\n')).code).toBe('E_UNSUPPORTED');
    expect(specmatchErrorOf(() => readText('hello\nworld\n')).code).toBe('E_EMPTY');
    expect(specmatchErrorOf(() => delimitedText.read(Uint8Array.from([0, 1, 2, 3, 0, 0]), 'b.txt')).code).toBe('E_CORRUPT');
    expect(specmatchErrorOf(() => delimitedText.read(new Uint8Array(0), 'e.txt')).code).toBe('E_EMPTY');
  });

  it('sniffs plain numeric text weakly and leaves JCAMP, RRUFF, XML, JSON, CIF and binary alone', () => {
    expect(delimitedText.sniff(bytesOf('1,2\n3,4\n5,6\n'), 'a.csv')).toBe(1);
    expect(delimitedText.sniff(bytesOf('##TITLE=x\n##JCAMP-DX=5.01\n##XYDATA=(X++(Y..Y))\n1 2 3\n4 5 6\n'), 'a.txt')).toBe(0);
    expect(delimitedText.sniff(bytesOf('##NAMES=Quartz\n##RRUFFID=R1\n100, 2\n101, 3\n'), 'a.txt')).toBe(0);
    expect(delimitedText.sniff(bytesOf('<?xml version="1.0"?>\n<a>1 2</a>\n1 2\n3 4\n'), 'a.xml')).toBe(0);
    expect(delimitedText.sniff(bytesOf('{"wavenumber":[1,2]}\n'), 'a.json')).toBe(0);
    expect(delimitedText.sniff(bytesOf('data_1\nloop_\n_raman_spectrum.raman_shift\n_raman_spectrum.intensity\n1 2\n3 4\n'), 'a.rod')).toBe(0);
    const binary = new Uint8Array(512).map((_, i) => (i * 37) % 256);
    expect(delimitedText.sniff(binary, 'a.txt')).toBe(0);
    expect(detectFormat(bytesOf('##NAMES=Quartz\n##RRUFFID=R1\n100, 2\n101, 3\n##END=\n'), 'q.txt')?.id).toBe('rruff-txt');
    expect(detectFormat(bytesOf('100\t2\n101\t3\n'), 'q.txt')?.id).toBe('delimited-text');
  });
});

/** Expected values taken from the files themselves (first and last data row after sorting by x). */
interface Expect {
  file: string;
  n: number;
  first: [number, number];
  last: [number, number];
  xKind: Spectrum['meta']['xKind'];
  laserNm?: number;
  instrument?: string;
  date?: string;
}

const VENDOR_TEXT: Expect[] = [
  { file: 'bwtek/ramanchada2/PST02_iRPlus785_Z050_075_3200ms.txt', n: 1743, first: [-42.14, 12], last: [3000.64, 36], xKind: 'raman-shift', laserNm: 784.82, instrument: 'BTC162E-785S-SYS', date: '2021-10-27T15:57:47' },
  { file: 'bwtek/ramanchada2/PST10_iR532_Probe_100_3000msx7.txt', n: 1801, first: [145.99, 5655.2857], last: [4010.28, 655.4286], xKind: 'raman-shift', laserNm: 532.02 },
  { file: 'bwtek/ramanchada2/lamp Ne 10ms 0%.txt', n: 715, first: [-2.53, 10.6316], last: [1501.39, -5.3302], xKind: 'raman-shift', laserNm: 784.9 },
  { file: 'spc/ramanchada2/BWTEK/PST10_iR532_Probe_100_3000msx7.txt', n: 1801, first: [145.99, 5655.2857], last: [4010.28, 655.4286], xKind: 'raman-shift', laserNm: 532.02 },
  { file: 'horiba/ramanchada2/PST10_iR785_OP01_8000msx8.txt', n: 1024, first: [168.216, 2152.87], last: [3281.89, 1024.38], xKind: 'raman-shift' },
  { file: 'horiba/spectrochempy_labspec_txt/532nm-191216-Si_200mu.txt', n: 1024, first: [46.6417, 37], last: [1754.52, 19], xKind: 'raman-shift', laserNm: 532, instrument: 'LabRAM HR Evol', date: '2019-12-16T09:57:07' },
  { file: 'horiba/spectrochempy_labspec_txt/SMC1-Initial_RT.txt', n: 1024, first: [12.5534, 821], last: [1726.5, 643], xKind: 'raman-shift', laserNm: 532 },
  { file: 'witec/ramanchada2/PST_WiICV532_Z050OP02_075_800msx10.txt', n: 1024, first: [-42.7538623605254, 787.099975585938], last: [3852.19851672792, 792.400024414063], xKind: 'raman-shift' },
  { file: 'witec/pynxtools_raman/Si-wafer-Raman-Spectrum-1.txt', n: 1600, first: [530.7816803, 356.8500061], last: [661.8723782, 274.6499939], xKind: 'wavelength' },
  { file: 'wdf/ramanchada2/nCal_Qontor785_z005H12_100_1x3s.txt', n: 1021, first: [-154.501953, 267.675995], last: [1111.108398, 1729.160645], xKind: 'raman-shift' },
  { file: 'spc/ramanchada2/Renishaw/nCal_Qontor785_z005H12_100_1x3s.txt', n: 1021, first: [-154.501953, 267.675995], last: [1111.108398, 1729.160645], xKind: 'raman-shift' },
  { file: 'wdf/ramanchada2_wxd/PST_Reflex532_Z050_010_10000msx2.txt', n: 2578, first: [100.265, 4307], last: [3501.06, 930.534], xKind: 'raman-shift' },
  { file: 'sif/sif_parser/raman1.asc', n: 1024, first: [405.23318, 280099], last: [454.55334, 2923170], xKind: 'wavelength', instrument: 'DU888_BV', date: '2017-09-08T15:03:52' },
  { file: 'sif/sif_parser/cli/reference/cli-0.csv', n: 1024, first: [586.58948, 20], last: [1008.5771, 160], xKind: 'wavelength' },
  // Zolix pads 4 leading and 43 trailing pixels with 0.0: 2095 rows, 2048 detector pixels.
  { file: 'text/ramanchada2/Zolix/PST02_Zolix785_Probe_070_190ms.txt', n: 2048, first: [-229.70919853038157, 1208], last: [3211.260625059107, 1090], xKind: 'raman-shift' },
  { file: 'text/ramanchada2/LightNovo/polystyrene_aritficially_worsened.tsv', n: 2290, first: [100, 4.53], last: [2389, -0], xKind: 'raman-shift', laserNm: 785 },
  { file: 'text/ramanchada2/Neegala/PST_532_SEX139.txt', n: 2048, first: [-1118.2901370987172, -3210], last: [4751.536933410046, 31], xKind: 'raman-shift', laserNm: 532, instrument: 'EZI860', date: '2022-08-19T12:19:23' },
  { file: 'text/ramanchada2/Neegala/PST_532nm_EZI860.txt', n: 2048, first: [-1108.7552434383913, -5], last: [4744.7110501634315, 18], xKind: 'raman-shift', laserNm: 532 },
  { file: 'text/openspecy/raman_hdpe.csv', n: 964, first: [301.04, 26], last: [3198.12, 67], xKind: 'raman-shift' },
  { file: 'text/openspecy/ftir_pva_without_header.csv', n: 863, first: [674.9918, 0.01356988], last: [3999.809, 0.01105751], xKind: 'wavenumber' },
  { file: 'text/spectrochempy/IR.CSV', n: 3736, first: [399.1926, -0.09079], last: [4000.605, -0.09079], xKind: 'wavenumber' },
];

function readShared(rel: string): ReturnType<typeof readSpectra> {
  const path = sharedPath('vendor', rel);
  return readSpectra(readFileSync(path), path);
}

describeShared('delimited text reader on the vendor exports', () => {
  for (const e of VENDOR_TEXT) {
    it(`${e.file}: ${e.n} points, x ${e.first[0]} … ${e.last[0]}`, () => {
      const r = readShared(e.file);
      expect(r.format).toBe('delimited-text');
      expect(r.spectra).toHaveLength(1);
      const s = r.spectra[0]!;
      expect(s.x.length).toBe(e.n);
      expect(s.x[0]).toBeCloseTo(e.first[0], 9);
      expect(s.y[0]).toBeCloseTo(e.first[1], 9);
      expect(s.x[e.n - 1]).toBeCloseTo(e.last[0], 9);
      expect(s.y[e.n - 1]).toBeCloseTo(e.last[1], 9);
      expect(s.meta.xKind).toBe(e.xKind);
      expectAscendingFinite(s);
      if (e.laserNm !== undefined) expect(s.meta.laserNm).toBe(e.laserNm);
      if (e.instrument !== undefined) expect(s.meta.instrument).toBe(e.instrument);
      if (e.date !== undefined) expect(s.meta.date).toBe(e.date);
    });
  }

  it('BWTek: picks `Raman Shift` and `Dark Subtracted #1`, which is `Raw data #1` minus `Dark`', () => {
    const s = readShared('bwtek/ramanchada2/PST10_iR532_Probe_100_3000msx7.txt').spectra[0]!;
    // Pixel 109: Dark 1060,7143, Raw 6716,0000, Dark Subtracted 5655,2857.
    expect(s.y[0]).toBeCloseTo(6716 - 1060.7143, 4);
    expect(s.meta.position.label).toBe('Dark Subtracted #1');
    expect(s.meta.warnings.join(' ')).toMatch(/skipped 247 rows without an x value/);
  });

  it('Horiba LabSpec lasertest1.txt: 3 spectra of 1024 points sharing the first row as x', () => {
    const r = readShared('horiba/spectrochempy_labspec_txt/lasertest1.txt');
    expect(r.spectra).toHaveLength(3);
    const ends = r.spectra.map((s) => [s.meta.position.label, s.y[0], s.y[1023]]);
    expect(ends).toEqual([
      ['1', -4.05818, 12.3297],
      ['2', 342.509, 64.4006],
      ['3', -12.8195, 42.1691],
    ]);
    for (const s of r.spectra) {
      expect(s.x.length).toBe(1024);
      expect(s.x[0]).toBeCloseTo(83.7234, 9);
      expect(s.x[1023]).toBeCloseTo(1786.15, 9);
      expect(s.meta.laserNm).toBe(532);
    }
  });

  it('LabSpec metadata decoded from Latin-1 (µm, °C)', () => {
    const s = readShared('horiba/spectrochempy_labspec_txt/LiNbWO6-0-H.txt').spectra[0]!;
    expect(s.meta.fields['Z (µm)']).toBe('-1.85');
    expect(s.meta.fields['Detector temperature (°C)']).toBe('-60.1');
    expect(s.meta.sampleId).toBe('LiNbWO6-0-H');
  });

  it('WITec nm axis is physical: saturated Rayleigh line at 532.1 nm, silicon band 520 ± 8 cm-1 from it', () => {
    const s = readShared('witec/pynxtools_raman/Si-wafer-Raman-Spectrum-1.txt').spectra[0]!;
    let laser = 0;
    let best = -Infinity;
    s.y.forEach((v, i) => {
      if (v > best) [best, laser] = [v, s.x[i]!];
    });
    expect(best).toBe(65535);
    expect(laser).toBeCloseTo(532.1156696, 6);
    let si = 0;
    best = -Infinity;
    s.y.forEach((v, i) => {
      if (s.x[i]! > 540 && s.x[i]! < 560 && v > best) [best, si] = [v, s.x[i]!];
    });
    expect(Math.abs(1e7 / laser - 1e7 / si - 520.7)).toBeLessThan(8);
  });

  it('never claims a binary fixture or a JCAMP/RRUFF file (sniff 0)', () => {
    const binaryExt = /\.(spc|wdf|wxd|sif|spe|sp|spa|spg|tvf|l6s|\d+)$/i;
    const textOther = /\.(jdx|dx|jcamp|rod|json|yml|xml)$/i;
    const files = walkFiles(sharedPath('vendor')).filter((f) => binaryExt.test(f) || textOther.test(f));
    expect(files.length).toBeGreaterThan(150);
    const claimed = files.filter((f) => delimitedText.sniff(readFileSync(f), f) > 0);
    expect(claimed).toEqual([]);
    const rruff = sharedPath('vendor/rruff_txt/ramanchada2/Anatase__R060277__Broad_Scan____0__unoriented__Raman_Data_RAW__21346.txt');
    expect(delimitedText.sniff(readFileSync(rruff), rruff)).toBe(0);
  });

  it('WiRE export and the WDF txt are the same measurement; x made ascending from descending', () => {
    const a = readShared('wdf/ramanchada2/nCal_Qontor785_z005H12_100_1x3s.txt').spectra[0]!;
    const raw = readFileSync(sharedPath('vendor', 'wdf/ramanchada2/nCal_Qontor785_z005H12_100_1x3s.txt'), 'latin1').split(/\r?\n/);
    expect(raw[1]).toBe('1111.108398\t1729.160645');
    expect(a.x[a.x.length - 1]).toBe(1111.108398);
  });

  it('sif_parser joined reference CSV: three wavelength/counts pairs labelled cli-0…cli-2', () => {
    const r = readShared('sif/sif_parser/cli/reference/sif_joined_data.csv');
    expect(r.spectra.map((s) => s.meta.position.label)).toEqual(['cli-0', 'cli-1', 'cli-2']);
    const single = readShared('sif/sif_parser/cli/reference/cli-1.csv').spectra[0]!;
    expect(Array.from(r.spectra[1]!.y)).toEqual(Array.from(single.y));
  });

  it('RaMPP References.CSV: one spectrum per polymer column, substance from the column name', () => {
    const path = sharedPath('other/rampp_microplastics/References.CSV');
    const r = readSpectra(readFileSync(path), path);
    expect(r.spectra.map((s) => s.meta.substance)).toEqual(['PS', 'PA', 'PC', 'PU', 'PET', 'PP', 'SAN', 'PVC', 'PE', 'POM', 'ABS']);
    const ps = r.spectra[0]!;
    expect(ps.x.length).toBe(1600);
    expect(ps.x[0]).toBeCloseTo(-26.96249, 9);
    expect(ps.y[0]).toBeCloseTo(0.03159, 9);
    expect(ps.x[1599]).toBeCloseTo(3681.31383, 9);
    expect(r.spectra[10]!.y[1599]).toBeCloseTo(0.01492, 9);
  });

  it('ramanchada2 calibration datasets: all 146 exports read, BWTek ones with their laser', () => {
    const dir = unpackArchive(sharedPath('other/ramanchada2_calibration/datasets2.tar.xz'));
    const files = listTxtFiles(dir);
    expect(files).toHaveLength(146);
    for (const f of files) {
      const r = readSpectra(readFileSync(f), f);
      expect(r.format).toBe('delimited-text');
      const s = r.spectra[0]!;
      expect(s.x.length).toBeGreaterThan(500);
      expectAscendingFinite(s);
      if (/_BW532\//.test(f)) expect(Math.abs((s.meta.laserNm ?? 0) - 532)).toBeLessThan(2);
      if (/_BW785\//.test(f)) expect(Math.abs((s.meta.laserNm ?? 0) - 785)).toBeLessThan(2);
    }
    const nist = readSpectra(readFileSync(join(dir, 'datasets2/ICV_BW532/NISTSRM2242aC_BW532_100x_800msx10.txt')), 'nist.txt').spectra[0]!;
    expect(nist.x[nist.x.length - 1]).toBeCloseTo(4273.88, 9);
    expect(nist.y[nist.y.length - 1]).toBeCloseTo(26.8, 9);
    const ho = readSpectra(readFileSync(join(dir, 'datasets2/TOP_Ho633/Pol_HLR633_Z010_100_15sx5.txt')), 'ho.txt').spectra[0]!;
    expect([ho.x[0], ho.y[0], ho.x[ho.x.length - 1], ho.y[ho.y.length - 1]]).toEqual([101.384, 20261.8, 4499.54, 113.037]);
  });
});
