/**
 * `specmatch train --init-seed` and `specmatch ensemble` end to end on the built CLI (`npm run build:core` first): two
 * tiny members on the RRUFF fixtures, their ensemble, then the ensemble as the model of a library import and a match.
 */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { FIXTURES, REPO_ROOT } from '../../../../../test/support.js';

const BIN = join(REPO_ROOT, 'bin/specmatch.js');
const DATA = join(FIXTURES, 'rruff');
const root = mkdtempSync(join(tmpdir(), 'specmatch-cli-ensemble-'));

function cli(env: Record<string, string>, ...args: string[]): { status: number | null; stdout: string; stderr: string } {
  const r = spawnSync(process.execPath, [BIN, ...args], {
    encoding: 'utf8',
    maxBuffer: 64 * 1024 * 1024,
    env: { ...process.env, SPECMATCH_HOME: join(root, 'home'), SPECMATCH_BACKEND: 'wasm', ...env },
  });
  return { status: r.status, stdout: r.stdout, stderr: r.stderr };
}

describe('specmatch ensemble (built CLI)', { timeout: 300_000 }, () => {
  it('combines two members trained with one --seed into a model that imports and matches', () => {
    const train = (out: string, initSeed: string) =>
      cli({}, 'train', '--data', DATA, '--out', out, '--recipe', 'two-channel', '--epochs', '1', '--pairs-per-epoch', '8', '--seed', '1', '--init-seed', initSeed, '--workers', '1');
    for (const [dir, s] of [['a', '1'], ['b', '2']] as const) {
      const r = train(join(root, dir), s);
      expect(r.status, r.stderr).toBe(0);
    }
    const ens = join(root, 'ab');
    const r = cli({}, 'ensemble', join(root, 'a'), join(root, 'b'), '--data', DATA, '--out', ens, '--json');
    expect(r.status, r.stderr).toBe(0);
    const done = JSON.parse(r.stdout.trim()) as { event: string; manifest: { id: string; training: Record<string, unknown> } };
    expect(done).toMatchObject({ event: 'done', manifest: { id: 'ab', training: { recipe: 'ensemble', seed: 1 } } });

    // The ensemble is a model like any: a library embeds under it, and a reference's own file finds itself first.
    const lib = join(root, 'lib.specmatch');
    const env = { SPECMATCH_MODEL: ens };
    const imp = cli(env, 'library', 'import', '--library', lib, DATA);
    expect(imp.status, imp.stderr).toBe(0);
    const file = join(DATA, readdirSync(DATA).find((f) => f.startsWith('Quartz__R060604') && f.endsWith('.txt'))!);
    const m = cli(env, 'match', '--library', lib, '--method', 'siamese', '--json', file);
    expect(m.status, m.stderr).toBe(0);
    const hit = JSON.parse(m.stdout.split('\n')[0]!) as { method: string; matches: Array<{ substance: string }> };
    expect(hit.method).toBe('siamese');
    expect(hit.matches[0]!.substance).toBe('Quartz');
  });

  it('refuses a single member, and members of another split, with the reason', () => {
    const one = cli({}, 'ensemble', join(root, 'a'), '--data', DATA, '--out', join(root, 'x'));
    expect(one.status).toBe(2);
    expect(one.stderr).toMatch(/at least two MODEL_DIR/);
    const other = cli({}, 'train', '--data', DATA, '--out', join(root, 'c'), '--recipe', 'two-channel', '--epochs', '1', '--pairs-per-epoch', '8', '--seed', '3', '--workers', '1');
    expect(other.status, other.stderr).toBe(0);
    const mixed = cli({}, 'ensemble', join(root, 'a'), join(root, 'c'), '--data', DATA, '--out', join(root, 'y'));
    expect(mixed.status).toBe(1);
    expect(mixed.stderr).toMatch(/E_PARAM.*training\.seed differs/);
  });
});
