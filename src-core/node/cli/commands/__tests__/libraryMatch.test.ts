/**
 * `specmatch library …` and `specmatch match` end to end: spawns the built CLI (`npm run build:core` first; CI's
 * `npm ci` runs it) on synthetic RRUFF-format files and checks the JSON line contract of the library issue.
 */
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { defaultModelDir } from '../../../engine/loadModel.js';
import { REPO_ROOT } from '../../../../../test/support.js';
import { readSpectra } from '../../../../formats/readSpectra.js';
import { encodePack } from '../../../library/pack.js';
import { SCHEMA_VERSION } from '../../../library/schema.js';
import { mineralName, syntheticRruffText, writeSyntheticSet } from '../../../library/__tests__/synthetic.js';

const BIN = join(REPO_ROOT, 'bin/specmatch.js');
const root = mkdtempSync(join(tmpdir(), 'specmatch-cli-library-'));
const home = join(root, 'home');

function cli(...args: string[]): { status: number | null; stdout: string; stderr: string } {
  return cliEnv({ SPECMATCH_NO_MODEL: '1' }, ...args);
}

/** The CLI with extra environment (cli() hides the installed model so classic results are deterministic). */
function cliEnv(env: Record<string, string>, ...args: string[]): { status: number | null; stdout: string; stderr: string } {
  const r = spawnSync(process.execPath, [BIN, ...args], {
    encoding: 'utf8',
    maxBuffer: 64 * 1024 * 1024,
    env: { ...process.env, SPECMATCH_HOME: home, SPECMATCH_PACK: join(root, 'mini.pack.gz'), ...env },
  });
  return { status: r.status, stdout: r.stdout, stderr: r.stderr };
}
const HAS_MODEL = existsSync(join(defaultModelDir(), 'manifest.json'));
const lines = (stdout: string): Array<Record<string, unknown>> =>
  stdout
    .split('\n')
    .filter((l) => l.length > 0)
    .map((l) => JSON.parse(l) as Record<string, unknown>);

const set = join(root, 'set');
writeSyntheticSet(set, 5, 2);
const bad = join(root, 'broken.txt');
writeFileSync(bad, '##NAMES=Broken\r\n##END=\r\n');
const query = join(root, 'query.txt');
writeFileSync(query, syntheticRruffText({ mineral: 3, sample: 9 }));
const lib = join(root, 'cli.specmatch');

describe('specmatch library / match (built CLI)', () => {
  it('import: one JSON line per file, errors listed, then a summary; a re-run finds duplicates', () => {
    const r = cli('library', 'import', '--library', lib, '--json', set, bad);
    expect(r.status).toBe(0);
    const out = lines(r.stdout);
    expect(out).toHaveLength(12);
    expect(out.find((l) => l['file'] === bad)).toEqual({ file: bad, error: { code: 'E_EMPTY', message: expect.stringContaining('broken.txt') as string } });
    expect(out.filter((l) => l['added'] === 1)).toHaveLength(10);
    expect(out.at(-1)!['summary']).toMatchObject({ library: lib, files: 11, added: 10, duplicates: 0, substancesCreated: 5, errors: 1 });
    const again = cli('library', 'import', '--library', lib, '--json', set);
    expect(lines(again.stdout).at(-1)!['summary']).toMatchObject({ added: 0, duplicates: 10 });
    const human = cli('library', 'import', '--library', lib, query);
    expect(human.stdout).toMatch(/1 spectra added \(0 new substances\)/);
  });

  it('match --json follows the contract; unreadable queries get an error line and the others still run', () => {
    const missing = join(root, 'nope.txt');
    const r = cli('match', '--library', lib, '--method', 'hqi-correlation', '--top', '3', '--json', query, missing, '--exclude', '1300-1400');
    expect(r.status).toBe(0);
    const [hit, err] = lines(r.stdout);
    expect(Object.keys(hit!)).toEqual(['query', 'index', 'method', 'verdict', 'calibrated', 'pipelines', 'exclude', 'matches']);
    expect(hit).toMatchObject({ query, index: 0 });
    expect(['match', 'ambiguous', 'no-match']).toContain(hit!['verdict']);
    const matches = hit!['matches'] as Array<Record<string, unknown>>;
    expect(matches).toHaveLength(3);
    expect(Object.keys(matches[0]!)).toEqual(['rank', 'substance', 'score', 'gap', 'spectrumId', 'sampleId', 'hqi']);
    expect(Object.keys(matches[0]!['hqi'] as object)).toEqual(['correlation', 'derivative', 'cosine', 'euclidean']);
    expect(matches[0]).toMatchObject({ rank: 1, substance: mineralName(3) });
    expect(err).toEqual({ query: missing, error: { code: 'E_READ', message: expect.stringContaining('nope.txt') as string } });
    const all = lines(cli('match', '--library', lib, '--top', '999', '--json', query).stdout);
    expect((all[0]!['matches'] as unknown[]).length).toBe(5);
  });

  it("the default method is the installed model's recommendation (fused for the shipped one), hqi-derivative without a model; embeddings are computed once", () => {
    const copy = join(root, 'model-run.specmatch');
    cli('library', 'export', '--library', lib, copy);
    // Without a model (cli() sets SPECMATCH_NO_MODEL): derivative HQI, nothing embedded.
    const r = cli('match', '--library', copy, '--top', '2', query);
    expect(r.status).toBe(0);
    expect(r.stdout).toContain('(hqi-derivative, 11 references)');
    expect(r.stderr).not.toContain('embedding');
    if (HAS_MODEL) {
      // The shipped manifest recommends 'fused' (metrics.recommendedMethod, docs/RESULTS.md) with its own calibration.
      const d = cliEnv({}, 'match', '--library', copy, '--top', '2', query);
      expect(d.stdout).toContain('(fused, 11 references)');
      expect(d.stderr).toContain('embedding 11 reference spectra');
      const s = cliEnv({}, 'match', '--library', copy, '--method', 'siamese', '--top', '2', query);
      expect(s.stdout).toContain('(siamese, 11 references)');
      expect(s.stderr).not.toContain('embedding');
      const again = cliEnv({}, 'match', '--library', copy, '--method', 'siamese', '--json', query);
      expect(again.stderr).not.toContain('embedding');
      expect(Object.keys(lines(again.stdout)[0]!)).toEqual(['query', 'index', 'method', 'verdict', 'calibrated', 'pipelines', 'exclude', 'matches']);
    }
  });

  it('usage errors exit 2; an unusable library exits 1', () => {
    expect(cli('match', '--library', lib, '--top', 'x', query).status).toBe(2);
    expect(cli('match', '--library', lib, '--method', 'magic', query).status).toBe(2);
    expect(cli('match', '--library', lib, '--exclude', '12', query).status).toBe(2);
    expect(cli('match', '--library', lib).status).toBe(2);
    expect(cli('library', 'frobnicate').status).toBe(2);
    const r = cli('match', '--library', join(root, 'no-such.specmatch'), query);
    expect(r.status).toBe(1);
    expect(r.stderr).toContain('no such library');
    expect(cli('match', '--library', lib, '--method', 'siamese', query).status).toBe(1);
  });

  it('list, search, show, rename, edit, merge, remove, export, merge-from, info', () => {
    const list = lines(cli('library', 'list', '--library', lib, '--json').stdout);
    expect(list.map((s) => s['name'])).toEqual([0, 1, 2, 3, 4].map(mineralName));
    expect(lines(cli('library', 'search', '--library', lib, '--json', '--element', 'Cu').stdout)).toHaveLength(2);
    expect(lines(cli('library', 'search', '--library', lib, '--json', 'synthetica-4').stdout).map((s) => s['name'])).toEqual([mineralName(4)]);
    const show = lines(cli('library', 'show', '--library', lib, '--json', mineralName(0)).stdout)[0]!;
    expect((show['spectraList'] as unknown[]).length).toBe(2);
    expect(lines(cli('library', 'rename', '--library', lib, '--json', mineralName(0), 'Renamed zero').stdout)[0]).toMatchObject({ name: 'Renamed zero' });
    const edited = lines(cli('library', 'edit', '--library', lib, '--json', 'Renamed zero', '--tag', 'carbonate', '--alias', 'Zero', '--cas', '471-34-1').stdout)[0]!;
    expect(edited).toMatchObject({ tags: ['carbonate'], aliases: ['Zero'], cas: '471-34-1' });
    const merged = lines(cli('library', 'merge', '--library', lib, '--json', 'Renamed zero', mineralName(1)).stdout)[0]!;
    expect(merged['spectra']).toBe(4);
    expect(merged['undoToken']).toMatch(/^merge:\d+$/);
    const removed = lines(cli('library', 'remove', '--library', lib, '--json', mineralName(2)).stdout)[0]!;
    expect(removed).toMatchObject({ name: mineralName(2), undoToken: expect.any(String) as unknown });
    expect(cli('library', 'show', '--library', lib, mineralName(2)).status).toBe(1);
    expect(cli('library', 'undo', '--library', lib, String(removed['undoToken'])).status).toBe(0);
    expect(cli('library', 'show', '--library', lib, mineralName(2)).status).toBe(0);
    expect(cli('library', 'verify', '--library', lib).stdout).toMatch(/: ok/);
    cli('library', 'remove', '--library', lib, mineralName(2));
    const copy = join(root, 'copy.specmatch');
    expect(lines(cli('library', 'export', '--library', lib, '--json', copy).stdout)[0]).toMatchObject({ format: 'specmatch-library' });
    const zip = join(root, 'spectra.zip');
    expect(lines(cli('library', 'export', '--library', lib, '--json', zip).stdout)[0]).toMatchObject({ format: 'jcamp-dx-zip', spectra: 9 });
    const other = join(root, 'other.specmatch');
    cli('library', 'import', '--library', other, join(set, readdirFirst()));
    expect(lines(cli('library', 'merge-from', '--library', other, '--json', copy).stdout)[0]).toMatchObject({ duplicates: 1, spectraAdded: 8 });
    expect(lines(cli('library', 'info', '--library', other, '--json').stdout)[0]).toMatchObject({ substances: 4, spectra: 9, schemaVersion: SCHEMA_VERSION }) // Synthetica-0 kept, Renamed zero (its spectra but one) added;
  });

  it('library check --json: one line per finding with exactly kind, spectrumIds, substances, evidence, score', () => {
    const checked = join(root, 'checked.specmatch');
    // a copy of one reference under another name is a duplicate finding
    const copy = join(root, 'copy.txt');
    writeFileSync(copy, syntheticRruffText({ mineral: 2, sample: 0, name: 'Copy of two' }).replace('##RRUFFID=', '##RRUFFID=X'));
    expect(cli('library', 'import', '--library', checked, set, copy).status).toBe(0);
    const r = cli('library', 'check', '--library', checked, '--json');
    expect(r.status).toBe(0);
    const out = lines(r.stdout);
    expect(out.length).toBeGreaterThanOrEqual(1);
    for (const l of out) {
      expect(Object.keys(l)).toEqual(['kind', 'spectrumIds', 'substances', 'evidence', 'score']);
      expect(['mislabelled', 'duplicate', 'quality', 'spread']).toContain(l['kind']);
    }
    const dup = out.find((l) => l['kind'] === 'duplicate')!;
    expect(dup['substances']).toEqual([mineralName(2), 'Copy of two']);
    expect(dup['evidence']).toMatch(/identical x\/y data|near-identical/);
    expect(r.stderr).toMatch(/spectra checked by hqi-derivative/);
    const human = cli('library', 'check', '--library', checked, '--kind', 'duplicate');
    expect(human.stdout).toMatch(/^duplicate /m);
    expect(cli('library', 'check', '--library', checked, '--kind', 'nonsense').status).toBe(2);
  }, 180_000);

  it('library map --json: one line per reference with its group and position; cached the second time', () => {
    const mapped = join(root, 'mapped.specmatch');
    expect(cli('library', 'import', '--library', mapped, set).status).toBe(0);
    const r = cli('library', 'map', '--library', mapped, '--json');
    expect(r.status).toBe(0);
    const out = lines(r.stdout);
    expect(out.length).toBeGreaterThanOrEqual(3);
    for (const l of out) {
      expect(Object.keys(l)).toEqual(['spectrumId', 'substanceId', 'substance', 'sampleId', 'group', 'x', 'y']);
      expect(Number.isFinite(l['x'])).toBe(true);
    }
    expect(r.stderr).toMatch(/map of \d+ references from classic:.* computed in/);
    const again = cli('library', 'map', '--library', mapped, '--json');
    expect(again.stderr).toMatch(/read from the cache/);
    expect(lines(again.stdout)).toEqual(out);
    expect(cli('library', 'map', '--library', mapped, 'extra').status).toBe(2);
  }, 180_000);

  it('a large import parses in worker threads with the same result as on the main thread', () => {
    const many = join(root, 'many');
    writeSyntheticSet(many, 40, 2, 100); // 80 files: above the 64-file threshold for workers
    writeFileSync(join(many, 'zz-broken.txt'), '##NAMES=Broken\r\n##END=\r\n');
    const results = ['0', '2'].map((workers) => {
      const target = join(root, `workers-${workers}.specmatch`);
      const r = cliEnv({ SPECMATCH_NO_MODEL: '1', SPECMATCH_IMPORT_WORKERS: workers }, 'library', 'import', '--library', target, '--json', many);
      expect(r.status).toBe(0);
      const out = lines(r.stdout);
      const m = lines(cliEnv({ SPECMATCH_NO_MODEL: '1' }, 'match', '--library', target, '--json', '--top', '3', query).stdout)[0]!;
      return { perFile: out.slice(0, -1), summary: out.at(-1)!['summary'] as Record<string, unknown>, matches: m['matches'] };
    });
    expect(results[0]!.summary).toMatchObject({ files: 81, added: 80, errors: 1 });
    expect(results[1]!.perFile).toEqual(results[0]!.perFile);
    expect(results[1]!.matches).toEqual(results[0]!.matches);
  });

  it('without --library the default library is created from the pack on first use', () => {
    const spectra = [0, 1, 2].map((m) => readSpectra(new TextEncoder().encode(syntheticRruffText({ mineral: m, sample: 0 })), `p${m}.txt`).spectra[0]!);
    writeFileSync(
      join(root, 'mini.pack.gz'),
      encodePack({ name: 'mini', source: 'SYNTHETIC' }, spectra.map((s, i) => ({ substance: { name: mineralName(i), formula: null }, sha: String(i).repeat(64), index: 0, x: s.x, y: s.y, meta: s.meta }))),
    );
    const r = cli('match', '--json', '--top', '1', query);
    expect(r.status).toBe(0);
    expect(existsSync(join(home, 'default.specmatch'))).toBe(true);
    const m = (lines(r.stdout)[0]!['matches'] as Array<Record<string, unknown>>)[0]!;
    expect(typeof m['substance']).toBe('string');
    expect(lines(cli('library', 'info', '--json').stdout)[0]).toMatchObject({ substances: 3, spectra: 3 });
  });
});

function readdirFirst(): string {
  return `${mineralName(0)}__S0-0__Raman__532__0__unoriented__Raman_Data_RAW__0.txt`;
}
