/**
 * `specmatch map` end to end: the built CLI (`npm run build:core` first; CI's `npm ci` runs it) on a map made from
 * the in-repo RRUFF fixtures against a library imported from the same fixtures; usage errors; and an interrupted run
 * (the command module with an aborted signal) that must leave no output file behind.
 */
import { execFileSync, spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, readdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { SpecmatchError } from '../../../../errors.js';
import { writeMapFile } from '../../../../../test/fixtureMap.js';
import { FIXTURES, HAS_PDFTOTEXT, pdfToText, REPO_ROOT } from '../../../../../test/support.js';
import type { CliIO } from '../../CliCommand.js';
import { command } from '../map.js';

const BIN = join(REPO_ROOT, 'bin/specmatch.js');
const root = mkdtempSync(join(tmpdir(), 'specmatch-cli-map-'));
const env = { ...process.env, SPECMATCH_HOME: join(root, 'home'), SPECMATCH_NO_MODEL: '1' };
const cli = (...args: string[]): { status: number | null; stdout: string; stderr: string } => {
  const r = spawnSync(process.execPath, [BIN, ...args], { encoding: 'utf8', env, maxBuffer: 64 * 1024 * 1024 });
  return { status: r.status, stdout: r.stdout, stderr: r.stderr };
};
const lib = join(root, 'fixtures.specmatch');
const rruff = readdirSync(join(FIXTURES, 'rruff'))
  .filter((f) => f.endsWith('.txt') && !f.includes('R060604'))
  .map((f) => join(FIXTURES, 'rruff', f));
const mapFile = writeMapFile();
describe('specmatch map (built CLI)', () => {
  it('writes the phase image, CSV and JSON lines and prints the summary', () => {
    expect(cli('library', 'import', '--library', lib, ...rruff).status).toBe(0);
    const out = join(root, 'out');
    const png = `${out}.png`;
    const csv = `${out}.csv`;
    const json = `${out}.json`;
    const r = cli('map', '--library', lib, '--method', 'hqi-derivative', '--out', png, '--out', csv, '--out', json, '--json', mapFile);
    expect(r.status, r.stderr).toBe(0);
    expect(r.stderr).toMatch(/matched 160\/160 spectra/);
    const summary = JSON.parse(r.stdout.trim()) as { spectra: number; width: number; height: number; substances: { substance: string; pixels: number }[] };
    expect([summary.spectra, summary.width, summary.height]).toEqual([160, 16, 10]);
    expect(Object.fromEntries(summary.substances.map((s) => [s.substance, s.pixels]))).toEqual({ Baryte: 80, Calcite: 40, Quartz: 28, Rutile: 12 });
    const rows = readFileSync(csv, 'utf8').trim().split('\n');
    expect(rows[0]).toBe('x,y,substance,score,verdict');
    expect(rows).toHaveLength(161);
    expect(rows[1]).toMatch(/^0,0,Quartz,0\.\d{4},(match|ambiguous)$/);
    const last = JSON.parse(readFileSync(json, 'utf8').trim().split('\n')[159]!) as Record<string, unknown>;
    expect(last).toMatchObject({ x: 30, y: 18, substance: 'Calcite' });
    expect(Array.from(readFileSync(png).subarray(0, 4))).toEqual([0x89, 0x50, 0x4e, 0x47]);
    // An existing output is replaced only with --force.
    const again = cli('map', '--library', lib, '--method', 'hqi-derivative', '--out', csv, mapFile);
    expect(again.status).toBe(1);
    expect(again.stderr).toMatch(/already exists.*--force/);
    // Human summary.
    const h = cli('map', '--library', lib, '--method', 'hqi-derivative', '--force', '--out', csv, mapFile);
    expect(h.stdout).toMatch(/Baryte\s+80 px\s+50\.0 %/);
  }, 120_000);

  it.skipIf(!HAS_PDFTOTEXT)('writes the map report page (--out OUT.pdf): phase image, key, counts and fractions, method', () => {
    if (!existsSync(lib)) expect(cli('library', 'import', '--library', lib, ...rruff).status).toBe(0);
    const pdf = join(root, 'map-report.pdf');
    const r = cli('map', '--library', lib, '--method', 'hqi-derivative', '--lab', 'Mineral lab', '--out', pdf, mapFile);
    expect(r.status, r.stderr).toBe(0);
    expect(r.stderr).toContain(`wrote ${pdf}`);
    const text = pdfToText(pdf);
    expect(text).toContain('Raman map identification report');
    expect(text).toContain('Lab: Mineral lab');
    expect(text).toMatch(/160 spectra on a 16 × 10 grid/);
    // The phases table: pixel count and fraction per substance, most pixels first, then the unidentified.
    expect(text).toMatch(/Baryte\s+80\s+50\.0 %\s+\d+\.\d %/);
    expect(text).toMatch(/Calcite\s+40\s+25\.0 %/);
    expect(text).toMatch(/Quartz\s+28\s+17\.5 %/);
    expect(text).toMatch(/Rutile\s+12\s+7\.5 %/);
    expect(text).toMatch(/unidentified\s+0\s+0\.0 %/);
    expect(text.indexOf('Baryte')).toBeLessThan(text.indexOf('Calcite'));
    // The method: pipeline, library.
    expect(text).toMatch(/Matching method\s+.*derivative/i);
    expect(text).toMatch(/Pipeline hash\s+SHA-256 [0-9a-f]{64}/);
    expect(text).toMatch(/Library\s+fixtures .*8 substances, 11 spectra/);
    expect(text).toContain('Page 1 of 1');
    // The image is in the PDF (one raster image on the page).
    const images = execFileSync('pdfimages', ['-list', pdf], { encoding: 'utf8' }).trim().split('\n').slice(2);
    expect(images.length).toBeGreaterThanOrEqual(1);
  }, 120_000);

  it('refuses usage errors and unwritable outputs before any work', () => {
    expect(cli('map', mapFile).status).toBe(2);
    expect(cli('map', '--out', 'x.svg', mapFile).stderr).toMatch(/\.png, \.csv, \.json or \.pdf/);
    expect(cli('map', '--out', 'x.png', '--min-score', '2', mapFile).status).toBe(2);
    const r = cli('map', '--library', lib, '--out', join(root, 'no-such-dir', 'x.png'), mapFile);
    expect(r.status).toBe(1);
    expect(r.stderr).toMatch(/does not exist/);
  });

  it('stops on Ctrl-C (an aborted signal) and writes nothing', async () => {
    const controller = new AbortController();
    controller.abort();
    const io: CliIO = { out: () => undefined, err: () => undefined, errIsTTY: false, signal: controller.signal };
    const out = join(root, 'cancelled.csv');
    process.env['SPECMATCH_NO_MODEL'] = '1';
    try {
      await expect(command.run(['--library', lib, '--method', 'hqi-derivative', '--out', out, mapFile], io)).rejects.toSatisfy((e: unknown) => e instanceof SpecmatchError && e.code === 'E_CANCELLED');
    } finally {
      delete process.env['SPECMATCH_NO_MODEL'];
    }
    expect(existsSync(out)).toBe(false);
    expect(readdirSync(root).filter((f) => f.includes('cancelled'))).toEqual([]);
  });
});
