/**
 * `specmatch calibrate` and the `--instrument` option of import, match and inspect, end to end on the built CLI
 * (`npm run build:core` first) with two measured standards of one BWTek instrument (test/fixtures/calibration).
 */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { FIXTURES, REPO_ROOT } from '../../../../../test/support.js';
import { readSpectra } from '../../../../formats/readSpectra.js';
import { Library } from '../../../library/Library.js';

const BIN = join(REPO_ROOT, 'bin/specmatch.js');
const NEON = join(FIXTURES, 'calibration/Ne_532nm_x100_110ms.txt');
const PST = join(FIXTURES, 'calibration/PST02_iRPlus532_Z050_100_2500msx5.txt');
const root = mkdtempSync(join(tmpdir(), 'specmatch-cli-calibrate-'));

function cli(...args: string[]): { status: number | null; stdout: string; stderr: string } {
  const r = spawnSync(process.execPath, [BIN, ...args], {
    encoding: 'utf8',
    maxBuffer: 64 * 1024 * 1024,
    env: { ...process.env, SPECMATCH_HOME: join(root, 'home'), SPECMATCH_NO_MODEL: '1' },
  });
  return { status: r.status, stdout: r.stdout, stderr: r.stderr };
}
const json = (stdout: string): Array<Record<string, unknown>> =>
  stdout
    .split('\n')
    .filter((l) => l.length > 0)
    .map((l) => JSON.parse(l) as Record<string, unknown>);

// Each test spawns several CLI processes (about 1 s each idle, far more on a loaded machine).
describe('specmatch calibrate (built CLI)', { timeout: 300_000 }, () => {
  it('--json prints one line {instrument, standard, lines:[{reference, found, residual}], rms, accepted}', () => {
    const r = cli('calibrate', '--json', '--standard', 'neon', NEON);
    expect(r.status, r.stderr).toBe(0);
    const [line, ...rest] = json(r.stdout);
    expect(rest).toHaveLength(0);
    expect(Object.keys(line!)).toEqual(['instrument', 'standard', 'lines', 'rms', 'accepted']);
    expect(line).toMatchObject({ instrument: null, standard: 'neon', accepted: true });
    expect(line!['rms'] as number).toBeLessThanOrEqual(0.5);
    const lines = line!['lines'] as Array<Record<string, number>>;
    expect(lines.length).toBeGreaterThanOrEqual(15);
    for (const l of lines) expect(Object.keys(l)).toEqual(['reference', 'found', 'residual']);
    // 640.2248 nm at 532.14 nm is 3172.5 cm⁻¹ shift
    expect(lines.some((l) => Math.abs(l.reference! - 3172.53) < 0.05)).toBe(true);
  });

  it('a wrong standard is refused: exit 1, accepted false, the reason on stderr', () => {
    const r = cli('calibrate', '--json', '--standard', 'polystyrene', NEON);
    expect(r.status).toBe(1);
    expect(json(r.stdout)[0]).toMatchObject({ standard: 'polystyrene', accepted: false });
    expect(r.stderr).toContain('E_CALIBRATION');
    expect(r.stderr).toMatch(/only \d Polystyrene lines? matched/);
  });

  it('usage errors: unknown standard, no FILE', () => {
    expect(cli('calibrate', '--standard', 'argon', NEON).status).toBe(2);
    expect(cli('calibrate', '--standard', 'neon').status).toBe(2);
  });

  it('stores the calibration; import keeps raw data and derives calibrated x; match, inspect and --instrument none', () => {
    const lib = join(root, 'cal.specmatch');
    const stored = cli('calibrate', '--library', lib, '--instrument', 'BW532', '--standard', 'neon', NEON);
    expect(stored.status, stored.stderr).toBe(0);
    expect(stored.stdout).toContain('accepted');
    expect(stored.stderr).toMatch(/stored as calibration #1 of BW532 .* instrument∋'BTC162E-532S-SYS'/);

    const imp = cli('library', 'import', '--library', lib, '--name', 'Polystyrene', '--json', PST);
    expect(imp.status, imp.stderr).toBe(0);
    const raw = readSpectra(readFileSync(PST), 'pst.txt').spectra[0]!;
    const l = Library.open(lib);
    try {
      const row = l.database.prepare('SELECT id, calibration_id FROM spectra').get() as { id: number; calibration_id: number | null };
      expect(row.calibration_id).toBe(1);
      const derived = l.getSpectrum(row.id);
      expect(derived.meta.calibration).toMatchObject({ instrument: 'BW532', calibrationId: 1, standard: 'neon' });
      // raw x kept in the file (float32), calibrated x derived from it
      const stored = l.database.prepare('SELECT x FROM spectra WHERE id = ?').get(row.id) as { x: Buffer };
      const x32 = new Float32Array(stored.x.buffer.slice(stored.x.byteOffset, stored.x.byteOffset + stored.x.byteLength));
      expect(x32[100]).toBeCloseTo(raw.x[100]!, 2);
      expect(Math.abs(derived.x[100]! - raw.x[100]!)).toBeGreaterThan(0.05);
    } finally {
      l.close();
    }

    const m = cli('match', '--library', lib, '--json', '--method', 'hqi-derivative', PST);
    expect(m.status, m.stderr).toBe(0);
    expect(json(m.stdout)[0]).toMatchObject({ calibration: { instrument: 'BW532', calibrationId: 1 } });
    const none = cli('match', '--library', lib, '--json', '--method', 'hqi-derivative', '--instrument', 'none', PST);
    expect(json(none.stdout)[0]!['calibration']).toBeUndefined();

    const ins = cli('inspect', '--library', lib, PST);
    expect(ins.stdout).toContain("x axis calibrated with BW532's neon calibration #1");
    expect(cli('inspect', '--library', lib, '--instrument', 'none', PST).stdout).not.toContain('calibrated');

    const unknown = cli('library', 'import', '--library', lib, '--instrument', 'Nope', PST);
    expect(unknown.status).toBe(1);
    expect(unknown.stderr).toContain("no instrument named 'Nope'");
  });

  it('a shift standard after a neon calibration corrects the laser on top of it', () => {
    const lib = join(root, 'laser.specmatch');
    expect(cli('calibrate', '--library', lib, '--instrument', 'BW532', '--standard', 'neon', NEON).status).toBe(0);
    const r = cli('calibrate', '--library', lib, '--instrument', 'BW532', '--standard', 'polystyrene', PST);
    expect(r.status, r.stderr).toBe(0);
    expect(r.stderr).toContain('corrects the laser wavelength');
    expect(r.stdout).toMatch(/laser 532\.14 nm corrected to 532\.1\d+ nm/);
  });
});
