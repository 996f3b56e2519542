import { describe, expect, it } from 'vitest';
import { isLaserKey, nameSaysInfrared, normaliseDate, parseLaserNm, parseNumber } from '../text/textCommon.js';

describe('text helpers', () => {
  it('parses numbers strictly, with decimal point or decimal comma', () => {
    expect(['1', '-2.5', '+.5', '3.', '1e5', '6.749918e+002', ' 7 ', '"8.25"', '\t9\r'].map((c) => parseNumber(c))).toEqual([1, -2.5, 0.5, 3, 1e5, 674.9918, 7, 8.25, 9]);
    for (const bad of ['', ' ', '0x1F', '1e', '1.2.3', '1,5', 'abc', '--1', '.', 'e5', '1 2']) expect(parseNumber(bad), bad).toBeUndefined();
    expect(parseNumber('1038,2857', true)).toBe(1038.2857);
    expect(parseNumber('-4,21236584275246E-06', true)).toBeCloseTo(-4.21236584275246e-6, 20);
    expect(parseNumber('1.5', true)).toBeUndefined();
    expect(parseNumber('NaN')).toBeNaN();
    expect(parseNumber('-inf')).toBe(-Infinity);
  });

  it('recognises laser keys but not power, current or polarisation', () => {
    for (const k of ['laser_wavelength', 'LaserWavelength_nm', 'Laser', 'Laser (nm)', 'wl', 'Excitation Wavelength']) expect(isLaserKey(k), k).toBe(true);
    for (const k of ['laser_powerlevel', 'LaserPower_mW', 'LaserCurrent_mA', 'Laser Pol.', 'Wavelength (nm)']) expect(isLaserKey(k), k).toBe(false);
    expect([parseLaserNm('532nm_Edge'), parseLaserNm('784,82'), parseLaserNm('532 '), parseLaserNm('100'), parseLaserNm('none')]).toEqual([532, 784.82, 532, undefined, undefined]);
  });

  it('normalises unambiguous dates to ISO 8601 and keeps the rest verbatim', () => {
    expect(normaliseDate('2021-10-27 15:57:47')).toBe('2021-10-27T15:57:47');
    expect(normaliseDate('16.12.2019 09:57')).toBe('2019-12-16T09:57');
    expect(normaliseDate('Fri Sep  8 15:03:52 2017')).toBe('2017-09-08T15:03:52');
    expect(normaliseDate('2011-09-07')).toBe('2011-09-07');
    expect(normaliseDate('12/01/2020')).toBe('12/01/2020');
  });

  it('takes infrared from name tokens, not from substrings', () => {
    for (const n of ['IR.CSV', 'ftir_pva.csv', 'fitr_ps.1', 'sample-ATR.txt', 'Talc__R1__Infrared__x.txt']) expect(nameSaysInfrared(n), n).toBe(true);
    for (const n of ['PST10_iR785_OP01.txt', 'iRaman785.txt', 'NIR_785nm.txt', 'stir.csv', 'dir/IR/spectrum.csv']) expect(nameSaysInfrared(n), n).toBe(false);
  });
});
