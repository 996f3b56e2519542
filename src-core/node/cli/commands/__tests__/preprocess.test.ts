/**
 * `specmatch preprocess` end to end: spawns the built CLI (`npm run build:core` first; CI's `npm ci` runs it) and
 * checks its lines against the same pipeline run in-process.
 */
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { REPO_ROOT } from '../../../../../test/support.js';
import { readSpectra } from '../../../../formats/readSpectra.js';
import { runPipeline, validatePipeline } from '../../../../preprocess/pipeline.js';
import { getPreset, PRESETS } from '../../../../preprocess/presets.js';

const BIN = join(REPO_ROOT, 'bin/specmatch.js');

function cli(...args: string[]): { status: number | null; stdout: string; stderr: string } {
  const r = spawnSync(process.execPath, [BIN, ...args], { encoding: 'utf8', maxBuffer: 64 * 1024 * 1024 });
  return { status: r.status, stdout: r.stdout, stderr: r.stderr };
}

const jsonLines = (stdout: string): Array<Record<string, unknown>> =>
  stdout
    .split('\n')
    .filter((l) => l.length > 0)
    .map((l) => JSON.parse(l) as Record<string, unknown>);

// A small two-column text spectrum we own (synthetic), so the test needs no shared data.
const dir = mkdtempSync(join(tmpdir(), 'specmatch-preprocess-'));
const spectrumFile = join(dir, 'synthetic.txt');
const lines: string[] = [];
for (let i = 0; i < 400; i++) {
  const x = 150 + i * 2.5;
  const y =
    500 +
    0.4 * x +
    900 * Math.exp(-0.5 * ((x - 520) / 5) ** 2) +
    400 / (1 + ((x - 1000) / 4) ** 2) +
    8 * Math.sin(i * 2.1);
  lines.push(`${x}, ${y.toFixed(4)}`);
}
writeFileSync(spectrumFile, lines.join('\n') + '\n');
const missing = join(dir, 'does-not-exist.txt');

describe('specmatch preprocess (built CLI)', () => {
  beforeAll(() => {
    if (!existsSync(join(REPO_ROOT, 'dist/src-core/node/cli/commands/preprocess.js'))) {
      throw new Error('dist/ has no preprocess command: run `npm run build:core` before this test');
    }
  });

  it('--list --json prints one {name, steps} line per preset with defaults filled in', () => {
    const r = cli('preprocess', '--list', '--json');
    expect(r.status).toBe(0);
    const rows = jsonLines(r.stdout);
    expect(rows.map((l) => l['name'])).toEqual(PRESETS.map((p) => p.name));
    for (const row of rows) {
      expect(Object.keys(row).sort()).toEqual(['name', 'steps']);
      expect(row['steps']).toEqual(validatePipeline(getPreset(row['name'] as string).pipeline).steps);
    }
    const human = cli('preprocess', '--list');
    expect(human.status).toBe(0);
    for (const p of PRESETS) expect(human.stdout).toContain(p.name);
  });

  it('--preset NAME --json gives exactly what runPipeline gives, one {file,index,x,y} line per spectrum', () => {
    const spectrum = readSpectra(new Uint8Array(readFileSync(spectrumFile)), spectrumFile).spectra[0]!;
    for (const name of ['raw', 'classic-search', 'openspecy-derivative']) {
      const r = cli('preprocess', '--preset', name, '--json', spectrumFile);
      expect(r.status).toBe(0);
      const [row, ...rest] = jsonLines(r.stdout);
      expect(rest).toEqual([]);
      expect(Object.keys(row!).sort()).toEqual(['file', 'index', 'x', 'y']);
      expect(row!['file']).toBe(spectrumFile);
      expect(row!['index']).toBe(0);
      const expected = runPipeline(spectrum, getPreset(name).pipeline).result;
      expect(row!['x']).toEqual(Array.from(expected.x));
      expect(row!['y']).toEqual(Array.from(expected.y));
    }
  });

  it('--pipeline FILE.json runs the file; unreadable inputs give the same error line as inspect', () => {
    const pipelineFile = join(dir, 'pipeline.json');
    const pipeline = {
      schemaVersion: 1,
      steps: [{ kind: 'axis.crop', params: { from: 300, to: 900 } }, { kind: 'normalize.max' }],
    };
    writeFileSync(pipelineFile, JSON.stringify(pipeline));
    const r = cli('preprocess', '--pipeline', pipelineFile, '--json', spectrumFile, missing);
    expect(r.status).toBe(0);
    const rows = jsonLines(r.stdout);
    expect(rows).toHaveLength(2);
    const y = rows[0]!['y'] as number[];
    expect(Math.max(...y.map(Math.abs))).toBe(1);
    expect((rows[0]!['x'] as number[])[0]).toBeGreaterThanOrEqual(300);
    const inspect = cli('inspect', '--json', missing);
    expect(r.stdout.trim().split('\n')[1]).toBe(inspect.stdout.trim());
    expect(rows[1]).toEqual({
      file: missing,
      error: { code: 'E_READ', message: expect.stringContaining('no such file') as unknown },
    });
  });

  it('human output: a header line and tab-separated x, y lines', () => {
    const r = cli('preprocess', '--preset', 'raw', spectrumFile);
    expect(r.status).toBe(0);
    const out = r.stdout.trim().split('\n');
    expect(out[0]).toMatch(/^# .*synthetic\.txt \[0\] .*: 400 points after preset raw \(hash [0-9a-f]{12}\)$/);
    expect(out).toHaveLength(401);
    expect(out[1]).toBe(`150\t${Number(lines[0]!.split(', ')[1])}`);
  });

  it('an invalid pipeline file exits 1 naming the file, the step, the kind and the param', () => {
    const bad = join(dir, 'bad.json');
    writeFileSync(
      bad,
      JSON.stringify({
        schemaVersion: 1,
        steps: [{ kind: 'normalize.max' }, { kind: 'baseline.als', params: { p: 7 } }],
      }),
    );
    const r = cli('preprocess', '--pipeline', bad, spectrumFile);
    expect(r.status).toBe(1);
    expect(r.stderr).toContain(`error [E_PIPELINE]: ${bad}: step 1 (baseline.als): param 'p' must be < 1, got 7`);
    const notJson = join(dir, 'not.json');
    writeFileSync(notJson, '{"schemaVersion": 1, steps');
    expect(cli('preprocess', '--pipeline', notJson, spectrumFile).stderr).toMatch(
      /E_PIPELINE.*not\.json: not valid JSON/,
    );
    expect(cli('preprocess', '--preset', 'nope', spectrumFile).stderr).toContain(
      "unknown preset 'nope'; presets: raw, rruff-processed",
    );
  });

  it.each([
    [['preprocess', spectrumFile]],
    [['preprocess', '--preset', 'raw']],
    [['preprocess', '--preset', 'raw', '--pipeline', 'x.json', spectrumFile]],
    [['preprocess', '--list', spectrumFile]],
  ])('usage error exits 2: %j', (args) => {
    const r = cli(...args);
    expect(r.status).toBe(2);
    expect(r.stderr).toContain('specmatch preprocess (--preset NAME | --pipeline FILE.json)');
  });
});
