import { readFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import { describe, expect, it } from 'vitest';
import { SpecmatchError } from '../../../errors.js';
import type { Spectrum } from '../../../spectrum/Spectrum.js';
import { detectFormat, readSpectra } from '../../readSpectra.js';
import { jcampDx } from '../jcampDx.js';
import {
  FIXTURES,
  describeShared,
  expectClose,
  sharedPath,
  specmatchErrorOf,
  walkFiles,
} from '../../../../test/support.js';

const FIX = join(FIXTURES, 'formats-jcamp-spc');

function read(path: string): Spectrum[] {
  return jcampDx.read(readFileSync(path), path);
}

/** y in file order (makeSpectrum makes x ascending; the JCAMP header's FIRSTX may be the high end). */
function yInFileOrder(s: Spectrum, firstX: number): number[] {
  const y = Array.from(s.y);
  return Math.abs(s.x[0]! - firstX) <= Math.abs(s.x[s.x.length - 1]! - firstX) ? y : y.reverse();
}

describe('JCAMP-DX reader on in-repo fixtures', () => {
  const forms = ['fix', 'packed', 'squeezed', 'difdup'];

  it('decodes the four compressions of compression-small to the same values', () => {
    // Each file holds the first two data lines of one spectrum, and the four writers break lines at different
    // lengths (8, 30, 38 and 30 ordinates), so the arrays agree on their common length.
    const spectra = forms.map((f) => read(join(FIX, `jcamp-${f}.dx`))[0]!);
    const n = Math.min(...spectra.map((s) => s.y.length));
    expect(n).toBe(8);
    // FIRSTX is the high end (DELTAX < 0): in file order the first ordinates are -10247, 1201, -5196, 7245.
    const ref = yInFileOrder(spectra[0]!, 5592.84116331095);
    expect(ref.slice(0, 4)).toEqual([-10247, 1201, -5196, 7245]);
    for (const s of spectra) {
      const y = yInFileOrder(s, 5592.84116331095).slice(0, n);
      expect(y).toEqual(ref.slice(0, n));
      // x = FIRSTX + i·DELTAX, the same for all four.
      expect(s.x[s.x.length - 1]).toBeCloseTo(5592.84116331095, 9);
      expect(s.x[s.x.length - 2]).toBeCloseTo(5592.84116331095 - 0.341380770512785, 9);
    }
    // The two lines that are whole in every file continue identically: packed and difdup hold the same 30.
    expectClose(spectra[1]!.y, spectra[3]!.y, 0);
  });

  it('reads a peak table as a stick spectrum and says so', () => {
    const [s] = read(join(FIX, 'pktab1.jdx'));
    expect(s!.x.length).toBe(46);
    expect(s!.meta.warnings.join(' ')).toMatch(/peak table: a stick spectrum of 46 peaks/);
    expect(s!.meta.fields['data table']).toBe('PEAK TABLE');
    expect(s!.meta.fields['DATA CLASS']).toBe('PEAK TABLE');
    expect(s!.x[1]).toBe(41);
    expect(s!.y[1]).toBe(520);
    expect(s!.x[45]).toBe(386);
    expect(s!.meta.substance).toBe('Cholesterol (pktab1.jdx)');
    expect(s!.meta.xKind).toBe('other');
  });

  it('reads a Raman XYDATA=(XY..XY) file as Raman shift with header values', () => {
    const r = readSpectra(readFileSync(join(FIX, 'tannic_acid.jdx')), 'tannic_acid.jdx');
    expect(r.format).toBe('jcamp-dx');
    const s = r.spectra[0]!;
    expect(s.meta.xKind).toBe('raman-shift');
    expect(s.x.length).toBe(1949);
    expect(s.x[0]).toBeCloseTo(100.595, 9);
    expect(s.y[0]).toBeCloseTo(42.644, 9);
    expect(s.x[1948]).toBeCloseTo(2854.713, 9);
    expect(Math.max(...s.y)).toBeCloseTo(300.889, 9); // ##MAXY
    expect(Math.min(...s.y)).toBeCloseTo(4.667, 9); // ##MINY
    expect(s.meta.substance).toBe('tannic acid');
    expect(s.meta.instrument).toBe('Ocean Optics R2000');
    expect(s.meta.date).toBe('2000-10-04T14:47');
    expect(s.meta.fields['OWNER']).toBe('Augustana College (SD), Chemistry Dept');
  });

  it('is picked by content, not by extension', () => {
    const bytes = readFileSync(join(FIX, 'jcamp-fix.dx'));
    expect(readSpectra(bytes, 'renamed.txt').format).toBe('jcamp-dx');
    expect(jcampDx.sniff(new TextEncoder().encode('##NAMES=Quartz\n##RRUFFID=R040031\n100, 2\n'), 'q.txt')).toBe(0);
  });

  it('turns vendor and laser labels into metadata', () => {
    const text = [
      '##TITLE= Quartz 785',
      '##JCAMP-DX= 5.01',
      '##DATA TYPE= RAMAN SPECTRUM',
      '##$LASER WAVELENGTH= 785.0 nm',
      '##XUNITS= 1/CM',
      '##YUNITS= COUNTS',
      '##FIRSTX= 100',
      '##LASTX= 104',
      '##NPOINTS= 5',
      '##XFACTOR= 1',
      '##YFACTOR= 0.5',
      '##XYDATA= (X++(Y..Y))',
      '100 10 20 30 40 50',
      '##END=',
    ].join('\r\n');
    const [s] = jcampDx.read(new TextEncoder().encode(text), 'q.jdx');
    expect(s!.meta.laserNm).toBe(785);
    expect(s!.meta.fields['$LASER WAVELENGTH']).toBe('785.0 nm');
    expect(Array.from(s!.y)).toEqual([5, 10, 15, 20, 25]);
    expect(Array.from(s!.x)).toEqual([100, 101, 102, 103, 104]);
    expect(s!.meta.position).toEqual({ index: 0, count: 1, label: 'Quartz 785' });
  });

  it('converts micrometres to wavenumbers', () => {
    const text = [
      '##TITLE= um',
      '##DATA TYPE= INFRARED SPECTRUM',
      '##XUNITS= MICROMETERS',
      '##XYPOINTS= (XY..XY)',
      '2.5, 1; 5, 2; 10, 3',
      '##END=',
    ].join('\n');
    const [s] = jcampDx.read(new TextEncoder().encode(text), 'um.jdx');
    expect(Array.from(s!.x)).toEqual([1000, 2000, 4000]);
    expect(Array.from(s!.y)).toEqual([3, 2, 1]);
    expect(s!.meta.xKind).toBe('wavenumber');
  });

  it('answers corrupt, truncated and hostile input with typed errors', () => {
    const enc = (s: string): Uint8Array => new TextEncoder().encode(s);
    const head = '##TITLE= t\n##XUNITS= 1/CM\n##FIRSTX= 0\n##LASTX= 9\n##NPOINTS= 10\n##XYDATA= (X++(Y..Y))\n';
    expect(specmatchErrorOf(() => jcampDx.read(enc(`${head}0 1 2 3 x 5\n##END=\n`), 'bad.jdx')).code).toBe('E_CORRUPT');
    expect(specmatchErrorOf(() => jcampDx.read(enc(`${head}0 1 2 3 4 5\n`), 'cut.jdx')).message).toMatch(
      /truncated: ##NPOINTS=10 but only 5/,
    );
    expect(
      specmatchErrorOf(() => jcampDx.read(enc(`${head}0 A%s99999999s99999999\n##END=\n`), 'dup.jdx')).message,
    ).toMatch(/expand beyond the limit/);
    expect(specmatchErrorOf(() => jcampDx.read(enc('##TITLE= empty\n##END=\n'), 'e.jdx')).code).toBe('E_EMPTY');
    expect(
      specmatchErrorOf(() => jcampDx.read(enc('##TITLE= q\n##XYPOINTS= (XY..XY)\n1,?; 2,?\n##END=\n'), 'q.jdx'))
        .message,
    ).toMatch(/no finite/);
    expect(specmatchErrorOf(() => jcampDx.read(enc('no labels at all'), 'n.jdx')).code).toBe('E_CORRUPT');
    expect(specmatchErrorOf(() => jcampDx.read(new Uint8Array([0, 1, 2, 0, 5]), 'b.jdx')).code).toBe('E_CORRUPT');
    const ntup =
      '##TITLE= n\n##NTUPLES= X\n##SYMBOL= X, Y\n##PAGE= 1\n##DATA TABLE= (XYZ), RARE\n1 2 3\n##END NTUPLES= X\n##END=\n';
    const err = specmatchErrorOf(() => jcampDx.read(enc(ntup), 'nt.jdx'));
    expect(err.code).toBe('E_UNSUPPORTED');
    expect(err.message).toMatch(/block 'n'/);
  });

  it('never throws an untyped exception on truncations and byte flips of the fixtures', () => {
    for (const name of ['jcamp-difdup.dx', 'jcamp-squeezed.dx', 'pktab1.jdx', 'tannic_acid.jdx']) {
      const bytes = readFileSync(join(FIX, name));
      const cuts = [1, 10, 50, 100, 200, 280, Math.floor(bytes.length / 2), bytes.length - 8];
      for (const cut of cuts) {
        try {
          jcampDx.read(bytes.subarray(0, Math.min(cut, bytes.length)), name);
        } catch (err) {
          expect(err).toBeInstanceOf(SpecmatchError);
        }
      }
      let seed = 7;
      for (let k = 0; k < 200; k++) {
        const b = Uint8Array.from(bytes);
        seed = (seed * 1103515245 + 12345) % 2147483648;
        b[seed % b.length] = seed % 256;
        try {
          jcampDx.read(b, name);
        } catch (err) {
          expect(err).toBeInstanceOf(SpecmatchError);
        }
      }
    }
  });

  it('reports a file truncated inside the data of a spectrum that declares NPOINTS as corrupt', () => {
    const bytes = readFileSync(join(FIX, 'tannic_acid.jdx'));
    const err = specmatchErrorOf(() =>
      jcampDx.read(bytes.subarray(0, Math.floor(bytes.length / 2)), 'tannic_acid.jdx'),
    );
    expect(err.code).toBe('E_CORRUPT');
    expect(err.message).toMatch(/tannic_acid\.jdx: cannot read as JCAMP-DX: block 'tannic acid': truncated/);
  });
});

describeShared('JCAMP-DX reader on ../shared/data/vendor/jcamp', () => {
  const J = (...p: string[]): string => sharedPath('vendor', 'jcamp', ...p);

  it('decodes the four compressions of the large compression/ set to identical arrays', () => {
    const spectra = ['fix', 'packed', 'squeezed', 'difdup'].map(
      (f) => read(J('jcampconverter', 'compression', `jcamp-${f}.dx`))[0]!,
    );
    for (const s of spectra) {
      expect(s.x.length).toBe(16384); // ##NPOINTS
      expectClose(s.x, spectra[0]!.x, 0);
      expectClose(s.y, spectra[0]!.y, 0);
      expect(yInFileOrder(s, 5592.84116331095)[0]).toBe(-10247); // ##FIRSTY
      expect(s.meta.originalXUnit).toBe('HZ');
    }
    expect(spectra[0]!.x[0]).toBeCloseTo(0, 6); // ##LASTX= 0
    expect(spectra[0]!.x[16383]).toBeCloseTo(5592.84116331095, 9);
  });

  it('reads methane.jdx with the header values nzhagen/jcamp asserts', () => {
    const [s] = read(J('nzhagen_jcamp', 'infrared_spectra', 'methane.jdx'));
    const f = s!.meta.fields;
    expect(f['TITLE']).toBe('METHANE');
    expect(f['ORIGIN']).toBe('DOW CHEMICAL COMPANY');
    expect(f['OWNER']).toBe('COBLENTZ SOCIETY');
    expect(f['DATA TYPE']).toBe('INFRARED SPECTRUM');
    expect(f['JCAMP-DX']).toBe('4.24');
    expect(f['XUNITS']).toBe('1/CM');
    expect(f['YUNITS']).toBe('TRANSMITTANCE');
    expect(Number(f['FIRSTX'])).toBe(449.47);
    expect(Number(f['LASTX'])).toBe(3801.32);
    expect(Number(f['DELTAX'])).toBe(0.935748);
    expect(Number(f['FIRSTY'])).toBe(0.953);
    expect(Number(f['MINX'])).toBe(449.47);
    expect(Number(f['MAXX'])).toBe(3801.32);
    expect(Number(f['MINY'])).toBe(0.028);
    expect(Number(f['MAXY'])).toBe(1.03697);
    expect(Number(f['XFACTOR'])).toBe(1);
    expect(Number(f['YFACTOR'])).toBe(1);
    expect(f['RESOLUTION']).toBe('4');
    expect(f['XYDATA']).toBe('(X++(Y..Y))');
    expect(f['CAS REGISTRY NO']).toBe('74-82-8');
    expect(f['MOLFORM']).toBe('C H4');
    expect(f['DATE']).toBe('1964');
    // And the data agree with the header.
    expect(s!.x.length).toBe(3583);
    expect(s!.x[0]).toBeCloseTo(449.47, 9);
    expect(s!.x[3582]).toBeCloseTo(3801.32, 9);
    expect(s!.y[0]).toBeCloseTo(0.953, 9);
    expect(Math.min(...s!.y)).toBeCloseTo(0.028, 9);
    expect(Math.max(...s!.y)).toBeCloseTo(1.03697, 4); // the ordinates are written with 3 decimals
    expect(s!.meta.xKind).toBe('wavenumber');
    expect(s!.meta.substance).toBe('METHANE');
    expect(s!.meta.date).toBe('1964');
  });

  it('decodes the Lancashire fix/pac/sqz/dif/dup and inc/dec variants consistently with their headers', () => {
    const dir = J('nzhagen_jcamp', 'Robert_J_Lancashire_test_data');
    for (const name of [
      'fixinc1',
      'fixinc2',
      'fixdec1',
      'fixdec2',
      'pacdec1',
      'sqzdec1',
      'sqzdupd1',
      'dupinc1',
      'dupinc2',
      'dupdec1',
      'dupdec2',
      'xyinc1',
      'jtpolys',
      'jtpolysd',
    ]) {
      const bytes = readFileSync(join(dir, `${name}.jdx`));
      const text = new TextDecoder('latin1').decode(bytes);
      const header = (k: string): number => Number(new RegExp(`^##${k}=\\s*([-+0-9.eE]+)`, 'm').exec(text)![1]);
      const [s] = jcampDx.read(bytes, name);
      expect(s!.x.length, name).toBe(header('NPOINTS'));
      const firstX = header('FIRSTX');
      const lastX = header('LASTX');
      expect(s!.x[0]!, name).toBeCloseTo(Math.min(firstX, lastX), 6);
      expect(s!.x[s!.x.length - 1]!, name).toBeCloseTo(Math.max(firstX, lastX), 6);
      // FIRSTY is written rounded; jtpolysd's YFACTOR has a typo (checked below), so its FIRSTY cannot match.
      const y0 = yInFileOrder(s!, firstX)[0]!;
      // Tolerance: one YFACTOR step (the ordinates are integers times YFACTOR) plus rounding of the written FIRSTY.
      const tol = Math.abs(header('YFACTOR')) + 1e-4 * Math.abs(header('FIRSTY'));
      if (name !== 'jtpolysd') expect(Math.abs(y0 - header('FIRSTY')), name).toBeLessThanOrEqual(tol);
      expect(
        s!.meta.warnings.filter((w) => /Y-check|NPOINTS|abscissa/.test(w)),
        name,
      ).toEqual([]);
    }
    // One spectrum written as plain X Y pairs and as FIX columns.
    const a = read(join(dir, 'fixinc2.jdx'))[0]!;
    const b = read(join(dir, 'xyinc1.jdx'))[0]!;
    expectClose(a.x, b.x, 1e-9);
    // jtpolys (FIX) and jtpolysd (DIFDUP) hold the same integers; jtpolysd states YFACTOR 2.3884185791e-09 where
    // jtpolys (and jtpolysd's own FIRSTY) imply 2.384185791e-09 = 2^-32 · 10.24: the ratio is that typo, exactly.
    const fix = read(join(dir, 'jtpolys.jdx'))[0]!;
    const difdup = read(join(dir, 'jtpolysd.jdx'))[0]!;
    for (let k = 0; k < fix.y.length; k += 97)
      expect(difdup.y[k]! / fix.y[k]!).toBeCloseTo(2.3884185791 / 2.384185791, 12);
    // Spectra that pass through DIF/DUP with a Y check repeated by DUP (dupinc2: `A666T` at x = 2887.02).
    const d = read(join(dir, 'dupinc2.jdx'))[0]!;
    const i = d.x.findIndex((x) => x > 2887);
    expect(d.y[i]).toBeCloseTo(16.66, 9);
    expect(d.y[i + 1]).toBeCloseTo(16.66, 9);
    expect(d.y[i + 2]).toBeCloseTo(16.97, 9);
  });

  it('reads the Lancashire peak tables and compound (LINK) files block by block', () => {
    const dir = J('nzhagen_jcamp', 'Robert_J_Lancashire_test_data');
    for (const [name, peaks] of [
      ['pktab1', 46],
      ['pktab2', 23],
      ['mactab1', 23],
      ['mactab2', 46],
    ] as const) {
      const [s] = read(join(dir, `${name}.jdx`));
      expect(s!.x.length, name).toBe(peaks);
      expect(s!.meta.warnings.join(' '), name).toMatch(/stick spectrum/);
    }
    const compound = read(join(dir, 'compound.jdx'));
    expect(compound.length).toBe(5);
    expect(compound.map((s) => s.meta.position.label)).toEqual([
      'block 1',
      'block 2',
      'block 3',
      'trans-[Rh(py)4Cl2]Cl.5H2O',
      'block 5',
    ]);
    expect(compound.map((s) => s.meta.position.index)).toEqual([0, 1, 2, 3, 4]);
    expect(compound[0]!.x.length).toBe(1976); // ##NPOINTS of block 1
    expect(compound[0]!.meta.fields['BLOCK_ID']).toBe('1');
    const blocks = read(join(dir, 'blckpac1.jdx'));
    expect(blocks.length).toBe(5);
    for (const s of blocks) expect(s.meta.position.count).toBe(5);
    const pk = read(join(dir, 'blckpkt1.jdx'));
    expect(pk.length).toBe(6);
  });

  it('reads the JCAMP-DX committee test files: AFFN, PAC and SQZ of one FID decode identically; NTUPLES pages', () => {
    const dir = J('nzhagen_jcamp', 'jcamp-dx.org_official_test_data');
    const affn = read(join(dir, 'BRUKAFFN.DX'))[0]!;
    for (const n of ['BRUKPAC.DX', 'BRUKSQZ.DX']) {
      const s = read(join(dir, n))[0]!;
      expectClose(s.x, affn.x, 0);
      expectClose(s.y, affn.y, 0);
    }
    // BRUKDIF is titled 'testspec', a separate processing of the same acquisition: same axis, close values.
    const dif = read(join(dir, 'BRUKDIF.DX'))[0]!;
    expectClose(dif.x, affn.x, 0);
    const max = Math.max(...affn.y.map(Math.abs));
    for (let i = 0; i < dif.y.length; i++) expect(Math.abs(dif.y[i]! - affn.y[i]!)).toBeLessThan(0.01 * max);
    // NTUPLES: real and imaginary pages, 16384 points each.
    for (const n of ['TESTNTUP.DX', 'BRUKNTUP.DX', 'TESTFID.DX']) {
      const pages = read(join(dir, n));
      expect(pages.length, n).toBe(2);
      for (const p of pages) expect(p.x.length, n).toBe(16384);
      expect(pages[0]!.meta.position.label).toMatch(/REAL/);
      expect(pages[1]!.meta.position.label).toMatch(/IMAG/);
    }
    const ms = read(join(dir, 'ISAS_MS3.DX'));
    expect(ms.length).toBe(3);
    // A compound file that holds only a chemical structure and NMR peak assignments has no spectrum.
    const err = specmatchErrorOf(() => read(join(dir, 'ISAS_CDX.DX')));
    expect(err.code).toBe('E_EMPTY');
    expect(err.message).toMatch(/STRUCTURE, NMR PEAK ASSIGNMENTS/);
  });

  it('reads OpenSpecy throws_error_raman_1000002.jdx as a sensible Raman spectrum', () => {
    // OpenSpecy keeps this file as one its reader throws on (XYPOINTS with uneven x); it is valid JCAMP-DX.
    const [s] = read(J('openspecy', 'throws_error_raman_1000002.jdx'));
    expect(s!.meta.xKind).toBe('raman-shift');
    expect(s!.x.length).toBe(512); // ##NPOINTS
    expect(s!.x[0]).toBeCloseTo(10.3909, 9); // ##FIRSTX
    expect(s!.x[511]).toBeCloseTo(668.802, 9); // ##LASTX
    expect(s!.y[0]).toBe(67); // ##FIRSTY
    expect(s!.y[511]).toBe(46); // ##LASTY
    expect(s!.meta.warnings).toEqual([]);
  });

  it('gives spectra or a typed error for every file under vendor/jcamp, and FIRSTY matches where stated', () => {
    const files = walkFiles(J()).filter((p) => /\.(jdx|dx|jcm)$/i.test(p) || p.endsWith('jcamp2001_example.txt'));
    expect(files.length).toBeGreaterThan(100);
    const failed: string[] = [];
    let checked = 0;
    for (const f of files) {
      const rel = relative(J(), f);
      let spectra: Spectrum[];
      const bytes = readFileSync(f);
      // Content detection picks this reader for every .jdx/.dx/.jcm file. (jcamp2001_example.txt is left out: the
      // RRUFF reader also claims `##NAMES=` text with a .txt extension; see docs/notes/formats-jcamp-spc.md.)
      if (!f.endsWith('.txt')) expect(detectFormat(bytes, f)?.id, rel).toBe('jcamp-dx');
      try {
        spectra = jcampDx.read(bytes, f);
      } catch (err) {
        expect(err, rel).toBeInstanceOf(SpecmatchError);
        failed.push(`${rel}: ${(err as SpecmatchError).code}`);
        continue;
      }
      for (const s of spectra) {
        expect(s.meta.format, rel).toBe('jcamp-dx');
        expect(s.x.length, rel).toBeGreaterThan(0);
        expect(
          s.x.every((x, i) => i === 0 || x >= s.x[i - 1]!),
          rel,
        ).toBe(true);
      }
      // ##FIRSTY is the first ordinate in file order (scaled): a check of YFACTOR and of the decoding of line 1.
      const text = new TextDecoder('latin1').decode(readFileSync(f));
      // (IMS_TEST1.DX writes `##FIRSTY=0. 4491087E+01`: blanks inside the number are dropped.)
      const fy = /^##FIRSTY=\s*([-+0-9.eE ]+)/m.exec(text.replace(/^(##FIRSTY=\s*[-+0-9.]+) +(?=\d)/m, '$1'));
      const fx = /^##FIRSTX=\s*([-+0-9.eE]+)/m.exec(text);
      // Two files state a FIRSTY their data contradict: jtpolysd (YFACTOR typo, see above) and isopropanol_ASDF
      // (FIRSTY=0, while its first ordinate is A058 = 1058 × YFACTOR 2.84e-5 = 0.030).
      const wrongFirstY = rel.endsWith('jtpolysd.jdx') || rel.endsWith('isopropanol_ASDF.jdx');
      if (spectra.length === 1 && fy && fx && /##XYDATA|##XYPOINTS/.test(text) && !wrongFirstY) {
        const y0 = yInFileOrder(spectra[0]!, Number(fx[1]))[0]!;
        const yFactor = Math.abs(Number(/^##YFACTOR=\s*([-+0-9.eE]+)/m.exec(text)?.[1] ?? '0'));
        expect(Math.abs(y0 - Number(fy[1])), rel).toBeLessThanOrEqual(
          yFactor + 1e-3 * Math.max(1, Math.abs(Number(fy[1]))),
        );
        checked++;
      }
    }
    expect(checked).toBeGreaterThan(40);
    // Only the structure-and-assignments compound file has no spectrum in it.
    expect(failed).toEqual([`nzhagen_jcamp/jcamp-dx.org_official_test_data/ISAS_CDX.DX: E_EMPTY`]);
  });
});
