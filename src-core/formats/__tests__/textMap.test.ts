import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { layoutMap } from '../../map/mapLayout.js';
import { readSpectra } from '../readSpectra.js';
import { textMap } from '../text/textMap.js';
import { FIXTURES, describeShared, sharedPath, specmatchErrorOf } from '../../../test/support.js';

const enc = new TextEncoder();
const read = (s: string, name = 'map.txt'): ReturnType<typeof readSpectra> => readSpectra(enc.encode(s), name);

describe('text map exports (LabSpec, WITec)', () => {
  it('reads a LabSpec map export: two leading empty cells, then stage X and Y on every row', () => {
    const r = read('\t\t100\t101\t102\n-5\t10\t1\t2\t3\n0\t10\t4\t5\t6\n');
    expect(r.format).toBe('text-map');
    expect(r.spectra).toHaveLength(2);
    expect(r.spectra[1]!.meta.position).toMatchObject({ index: 1, count: 2, xUm: 0, yUm: 10 });
    expect(Array.from(r.spectra[1]!.x)).toEqual([100, 101, 102]);
    expect(Array.from(r.spectra[1]!.y)).toEqual([4, 5, 6]);
    expect(r.spectra[0]!.meta.xKind).toBe('raman-shift');
  });

  it('reads comma tables without leading cells, semicolon tables with decimal commas, a Z column and a descending axis', () => {
    const comma = read('400,300,200,100\n1,2,6,7,8,9\n2,2,3,4,5,6\n', 'map.csv');
    expect(comma.format).toBe('text-map');
    expect(Array.from(comma.spectra[0]!.x)).toEqual([100, 200, 300, 400]);
    expect(Array.from(comma.spectra[0]!.y)).toEqual([9, 8, 7, 6]);
    const semi = read('X;Y;100,5;101,5;102,5;103,5\n0,5;1;1,25;2;3;4\n1,5;1;5;6;7;8\n', 'map.csv');
    expect(semi.format).toBe('text-map');
    expect(semi.spectra[0]!.x[0]).toBeCloseTo(100.5);
    expect(semi.spectra[0]!.y[0]).toBeCloseTo(1.25);
    expect(semi.spectra[1]!.meta.position).toMatchObject({ xUm: 1.5, yUm: 1 });
    const z = read('\t\t\t100\t101\t102\n0\t0\t7\t1\t2\t3\n1\t0\t7\t4\t5\t6\n');
    expect(z.spectra[0]!.meta.position).toMatchObject({ xUm: 0, yUm: 0, zUm: 7 });
  });

  it('keeps #key=value metadata and warns about malformed rows', () => {
    const r = read('#Title=\tmy map\n#Laser (nm)=\t532\n\t\t100\t101\t102\n0\t0\t1\t2\t3\n1\t0\t1\t2\n1\t0\t4\t5\t6\n');
    expect(r.spectra).toHaveLength(2);
    expect(r.spectra[0]!.meta.fields['Title']).toBe('my map');
    expect(r.spectra[0]!.meta.warnings.join(' ')).toMatch(/skipped 1 line/);
  });

  it('leaves ordinary tables to the other readers', () => {
    expect(read('100\t1\n101\t2\n102\t3\n').format).toBe('delimited-text');
    expect(read('x,a,b\n100,1,2\n101,2,3\n102,3,4\n', 't.csv').format).toBe('delimited-text');
    // LabSpec multi-spectrum table: one leading index cell, not X and Y.
    expect(read('\t100\t101\t102\t103\n1\t1\t2\t3\t4\n2\t5\t6\t7\t8\n').format).toBe('delimited-text');
  });

  it('refuses bad input with a typed error naming the file', () => {
    const e = specmatchErrorOf(() => textMap.read(enc.encode('\t\t100\t101\t102\nfoo\n'), 'bad.txt'));
    expect(e.message).toContain('bad.txt');
    expect(specmatchErrorOf(() => textMap.read(new Uint8Array([0, 1, 2, 3, 0, 0]), 'bin.txt')).code).toBe('E_CORRUPT');
    expect(specmatchErrorOf(() => textMap.read(enc.encode(''), 'e.txt')).code).toBe('E_EMPTY');
  });

  it('reads the constructed fixtures as grids the right way round', () => {
    const r = readSpectra(new Uint8Array(readFileSync(join(FIXTURES, 'maps/labspec_map_3x2.txt'))), 'labspec_map_3x2.txt');
    expect(r.format).toBe('text-map');
    expect(r.spectra).toHaveLength(6);
    const layout = layoutMap(r.spectra);
    expect([layout.width, layout.height, layout.kind]).toEqual([3, 2, 'grid']);
    // File row 4 (x = 0, y = 5): column 1, row 1.
    expect(layout.pixelOf[4]).toBe(1 * 3 + 1);
    expect(layout.stepUm).toEqual({ x: 10, y: 5 });
    const w = readSpectra(new Uint8Array(readFileSync(join(FIXTURES, 'maps/witec_map_2x2_semicolon.csv'))), 'witec_map_2x2_semicolon.csv');
    expect(w.format).toBe('text-map');
    expect(w.spectra).toHaveLength(4);
    expect(w.spectra[3]!.meta.position).toMatchObject({ xUm: 1.5, yUm: 2.5 });
  });
});

describeShared('text map reader beside the shared text fixtures', () => {
  it('does not claim the LabSpec multi-spectrum table lasertest1.txt', () => {
    const f = sharedPath('vendor/horiba/spectrochempy_labspec_txt/lasertest1.txt');
    expect(readSpectra(new Uint8Array(readFileSync(f)), f).format).toBe('delimited-text');
  });
});
