import { readFileSync } from 'node:fs';
import { basename, join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { listRruffArchive } from '../../node/data/rruffArchive.js';
import { readSpectra } from '../readSpectra.js';
import { rruffTxt } from '../text/rruffTxt.js';
import { FIXTURES, describeShared, sharedPath, specmatchErrorOf, walkFiles } from '../../../test/support.js';

const bytesOf = (s: string): Uint8Array => new TextEncoder().encode(s);

describe('RRUFF text reader on constructed inputs and in-repo fixtures', () => {
  it('decodes entities, takes the laser from the file name and skips a broken pair with a warning', () => {
    const text = '##NAMES=Gypsum\r\n##RRUFFID=R1\r\n##IDEAL CHEMISTRY=Ca(SO_4_)&#183;2H_2_O\r\n800, -\r\n100, 5\r\n101.5, 6.5E+00\r\n##END=\r\n\r\n';
    const [s] = rruffTxt.read(bytesOf(text), 'Gypsum__R1__Raman__785__0__unoriented__Raman_Data_RAW__1.txt');
    expect(s!.meta.substance).toBe('Gypsum');
    expect(s!.meta.fields['IDEAL CHEMISTRY']).toBe('Ca(SO_4_)·2H_2_O');
    expect(s!.meta.laserNm).toBe(785);
    expect(Array.from(s!.x)).toEqual([100, 101.5]);
    expect(Array.from(s!.y)).toEqual([5, 6.5]);
    expect(s!.meta.warnings.join(' ')).toMatch(/skipped 1 malformed data line/);
  });

  it('keeps infrared files as absolute wavenumbers', () => {
    const [s] = rruffTxt.read(bytesOf('##NAMES=Talc\n400, 1\n500, 2\n##END=\n'), 'Talc__R1-1__Infrared__Infrared_Data_Processed__9.txt');
    expect(s!.meta.xKind).toBe('wavenumber');
  });

  it('answers the .rruf pointer file with E_UNSUPPORTED naming the target', () => {
    const name = 'Anatase__R060277__Broad_Scan____0__unoriented__Raman_Data_RAW__21346.txt';
    const bytes = bytesOf(name);
    expect(rruffTxt.sniff(bytes, 'a.rruf')).toBe(2);
    const err = specmatchErrorOf(() => readSpectra(bytes, 'a.rruf'));
    expect(err.code).toBe('E_UNSUPPORTED');
    expect(err.message).toContain(`a pointer to ${name}, not data`);
  });

  it('answers a header without data with E_EMPTY', () => {
    expect(specmatchErrorOf(() => rruffTxt.read(bytesOf('##NAMES=Quartz\n##END=\n'), 'q.txt')).code).toBe('E_EMPTY');
  });

  it('reads every in-repo RRUFF fixture', () => {
    const files = walkFiles(join(FIXTURES, 'rruff')).filter((f) => f.endsWith('.txt'));
    expect(files.length).toBeGreaterThan(5);
    for (const f of files) {
      const s = readSpectra(readFileSync(f), f).spectra[0]!;
      expect(s.meta.substance).toBe(basename(f).split('__')[0]);
      expect(s.meta.laserNm).toBe(532);
    }
  });
});

/** rruff/index.csv rows by file name: the answer file for points and x range of every RRUFF Raman file. */
function loadIndex(): Map<string, Record<string, string>> {
  const lines = readFileSync(sharedPath('rruff/index.csv'), 'utf8').split(/\r?\n/).filter((l) => l !== '');
  const head = lines[0]!.split(',');
  const out = new Map<string, Record<string, string>>();
  for (const l of lines.slice(1)) {
    // File names contain commas; the columns after the name are fixed, so split from both ends.
    const cells = l.split(',');
    const tail = cells.slice(cells.length - (head.length - 4));
    const name = cells.slice(3, cells.length - tail.length).join(',');
    const row: Record<string, string> = { filename: name };
    head.slice(4).forEach((h, i) => (row[h] = tail[i]!));
    out.set(name, row);
  }
  return out;
}

describeShared('RRUFF text reader on the shared RRUFF data', () => {
  it('reads all of rruff/sample with points, x range and laser matching rruff/index.csv', () => {
    const index = loadIndex();
    const files = walkFiles(sharedPath('rruff/sample')).filter((f) => f.endsWith('.txt'));
    expect(files.length).toBe(264);
    let checked = 0;
    for (const f of files) {
      const r = readSpectra(readFileSync(f), f);
      expect(r.format).toBe('rruff-txt');
      const s = r.spectra[0]!;
      let descending = 0;
      for (let i = 1; i < s.x.length; i++) if (s.x[i]! < s.x[i - 1]!) descending++;
      expect(descending).toBe(0);
      expect(s.meta.substance).toBeTruthy();
      const row = index.get(basename(f));
      if (!row) continue;
      checked++;
      expect(s.x.length, basename(f)).toBe(Number(row['n_points']) - Number(row['bad_data_lines']));
      expect(s.x[0]).toBeCloseTo(Number(row['x_min']), 6);
      expect(s.x[s.x.length - 1]).toBeCloseTo(Number(row['x_max']), 6);
      expect(s.meta.substance).toBe(row['mineral']);
      if (row['laser_nm'] && Number.isFinite(Number(row['laser_nm']))) expect(s.meta.laserNm).toBe(Number(row['laser_nm']));
    }
    // 4 sample files are 2019-only copies that index.csv does not list.
    expect(checked).toBeGreaterThanOrEqual(260);
  });

  it('skips the broken `800, -` line of Hydromagnesite with a warning and sorts x', () => {
    const f = walkFiles(sharedPath('rruff/sample/edge_cases')).find((p) => p.includes('Hydromagnesite__R220007') && p.includes('RAW'))!;
    const s = readSpectra(readFileSync(f), f).spectra[0]!;
    expect(s.meta.warnings.join(' ')).toMatch(/malformed/);
    expect(s.meta.laserNm).toBe(532);
  });

  it('decodes HTML entities in chemistry', () => {
    const files = walkFiles(sharedPath('rruff/sample')).filter((f) => f.endsWith('.txt'));
    const withEntity = files.filter((f) => /&#\d+;/.test(readFileSync(f, 'utf8')));
    expect(withEntity.length).toBeGreaterThan(0);
    for (const f of withEntity) {
      const s = readSpectra(readFileSync(f), f).spectra[0]!;
      for (const v of Object.values(s.meta.fields)) expect(v).not.toMatch(/&#\d+;/);
    }
  });

  it('reads the 2025 hash-suffix scheme (rruff/extra, 384 files) with the laser from RAMAN WAVELENGTH', () => {
    const files = listRruffArchive(sharedPath('rruff/extra/rruff_new_format_oriented_6minerals.tar.xz'));
    expect(files).toHaveLength(384);
    const minerals = new Set(['Actinolite', 'Adamite', 'Aegirine', 'Aenigmatite', 'Akermanite', 'Albite']);
    for (const f of files) {
      const s = readSpectra(readFileSync(f), f).spectra[0]!;
      expect(minerals.has(s.meta.substance ?? '')).toBe(true);
      expect(s.meta.laserNm).toBe(Number(s.meta.fields['RAMAN WAVELENGTH']));
      expect(s.meta.laserNm).toBe(Number(basename(f).split('__')[3]));
      expect(s.x.length).toBeGreaterThan(100);
    }
    const first = readSpectra(readFileSync(files[1]!), files[1]!).spectra[0]!; // …Raman_Data_RAW__4a9aac67….txt
    expect(basename(files[1]!)).toContain('Actinolite__R040063-4__Raman__514__0-000____Raman_Data_RAW');
    expect([first.x[0], first.y[0]]).toEqual([146.865, 4455]);
    expect(first.meta.fields['PIN_ID']).toBe('S00044');
  });

  it('reads the RRUFF infrared set (885 files) as absolute wavenumbers, 50–4002 cm-1', () => {
    const files = listRruffArchive(sharedPath('other/rruff_infrared/rruff_infrared_processed_txt.tar.xz'));
    expect(files).toHaveLength(885);
    for (const f of files) {
      const s = readSpectra(readFileSync(f), f).spectra[0]!;
      expect(s.meta.xKind).toBe('wavenumber');
      expect(s.x[0]!).toBeGreaterThanOrEqual(50);
      expect(s.x[s.x.length - 1]!).toBeLessThanOrEqual(4002);
    }
    const act = files.find((f) => basename(f) === 'Actinolite__R040063-1__Infrared__Infrared_Data_Processed__190.txt')!;
    const s = readSpectra(readFileSync(act), act).spectra[0]!;
    expect(s.x.length).toBe(1869);
    expect([s.x[0], s.y[0], s.x[1868], s.y[1868]]).toEqual([399.1926, 0, 4001.568, 0]);
    expect(s.meta.substance).toBe('Actinolite');
  });

  it('vendor/rruff_txt: the broad-scan RAW file reads (no laser in its name), its .rruf pointer does not', () => {
    const dir = sharedPath('vendor/rruff_txt/ramanchada2');
    const txt = join(dir, 'Anatase__R060277__Broad_Scan____0__unoriented__Raman_Data_RAW__21346.txt');
    const s = readSpectra(readFileSync(txt), txt).spectra[0]!;
    expect(s.x.length).toBe(1753);
    expect([s.x[0], s.y[0], s.x[1752], s.y[1752]]).toEqual([79.84985, 0, 3458.524, 144.247]);
    expect(s.meta.laserNm).toBeUndefined();
    const ptr = txt.replace(/\.txt$/, '.rruf');
    const err = specmatchErrorOf(() => readSpectra(readFileSync(ptr), ptr));
    expect(err.code).toBe('E_UNSUPPORTED');
    expect(err.message).toContain(`${ptr}: cannot read as RRUFF text: a pointer to ${basename(txt)}, not data`);
  });
});
