import { execFileSync } from 'node:child_process';
import { chmodSync, existsSync, mkdtempSync, readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { SpecmatchError } from '../../../errors.js';
import { FIXTURES, pdfToText } from '../../../../test/support.js';
import { Library } from '../../library/Library.js';
import type { CliIO } from '../CliCommand.js';
import { command } from '../commands/report.js';

/** `specmatch report` end to end on a library built from the RRUFF fixtures (classic method: no model needed). */
const dir = mkdtempSync(join(tmpdir(), 'specmatch-report-cli-'));
const libPath = join(dir, 'fixtures.specmatch');
const fixtureDir = join(FIXTURES, 'rruff');
const query = join(fixtureDir, readdirSync(fixtureDir).find((f) => f.startsWith('Calcite__R050009'))!);

async function run(args: string[]): Promise<{ code: number; out: string[]; err: string[] }> {
  const out: string[] = [];
  const err: string[] = [];
  const io: CliIO = { out: (l) => out.push(l), err: (l) => err.push(l), errIsTTY: false, signal: new AbortController().signal };
  try {
    return { code: await command.run(args, io), out, err };
  } catch (e) {
    if (e instanceof SpecmatchError && e.code === 'E_USAGE') return { code: 2, out, err: [...err, e.message] };
    if (e instanceof SpecmatchError) return { code: 1, out, err: [...err, e.message] };
    throw e;
  }
}


describe('specmatch report', () => {
  beforeAll(async () => {
    process.env['SPECMATCH_NO_MODEL'] = '1';
    const lib = Library.open(libPath, { create: true, user: 'test' });
    const refs = readdirSync(fixtureDir).filter((f) => f.endsWith('.txt') && !f.startsWith('Calcite__R050009')).map((f) => join(fixtureDir, f));
    const report = await lib.importPaths(refs);
    expect(report.errors ?? []).toHaveLength(0);
    lib.close();
  });

  it('writes a PDF whose text names the query, the top substance, its score and the pipeline', async () => {
    const out = join(dir, 'one.pdf');
    const r = await run(['--library', libPath, '--method', 'hqi-derivative', '--lab', 'Minéral Lab', '--analyst', 'J. Øberg', '--out', out, query]);
    expect(r.code).toBe(0);
    const text = pdfToText(out);
    expect(text).toContain('Calcite__R050009');
    expect(text).toMatch(/Match|Ambiguous|No match/);
    const top = /\n\s*1\s+(\S+)\s+([\d.]+ %)/.exec(text);
    expect(top?.[1]).toBe('Calcite');
    expect(text).toContain('axis.resample');
    expect(text).toContain('First-derivative correlation HQI');
    expect(text).toContain('Minéral Lab');
    execFileSync('pdftoppm', ['-r', '50', '-png', out, join(dir, 'one-page')]);
    expect(readdirSync(dir).some((f) => f.startsWith('one-page'))).toBe(true);
  });

  it('with the shipped model, embeds the library before its first query (a fresh library has no embeddings)', async () => {
    delete process.env['SPECMATCH_NO_MODEL'];
    try {
      const out = join(dir, 'with-model.json');
      const r = await run(['--library', libPath, '--out', out, query]);
      expect(r.code, r.err.join('\n')).toBe(0);
      expect(r.err.join('\n')).toMatch(/embedding \d+ reference spectra/);
      const j = JSON.parse(readFileSync(out, 'utf8')) as { method: { method: string }; results: Array<{ matches: Array<{ substance: string }> }> };
      expect(j.method.method).toBe('fused');
      expect(j.results[0]!.matches[0]!.substance).toBe('Calcite');
    } finally {
      process.env['SPECMATCH_NO_MODEL'] = '1';
    }
  }, 120_000);

  it('writes CSV and JSON with the same ranking', async () => {
    const csv = join(dir, 'r.csv');
    const json = join(dir, 'r.json');
    expect((await run(['--library', libPath, '--method', 'hqi-correlation', '--top', '3', '--out', csv, query])).code).toBe(0);
    expect((await run(['--library', libPath, '--method', 'hqi-correlation', '--top', '3', '--out', json, query])).code).toBe(0);
    const rows = readFileSync(csv, 'utf8').trim().split('\r\n');
    expect(rows).toHaveLength(4);
    const j = JSON.parse(readFileSync(json, 'utf8')) as { results: Array<{ matches: Array<{ substance: string }> }> };
    expect(rows[1]).toContain(j.results[0]!.matches[0]!.substance);
  });

  it('refuses bad output paths and unreadable queries without leaving a file', async () => {
    const missingDir = join(dir, 'no-such-folder', 'x.pdf');
    const r1 = await run(['--library', libPath, '--out', missingDir, query]);
    expect(r1.code).toBe(1);
    expect(r1.err.join('\n')).toMatch(/does not exist/);
    expect(existsSync(missingDir)).toBe(false);

    const bad = join(dir, 'corrupt.spc');
    writeFileSync(bad, Buffer.from([0x00, 0x4b, 1, 2, 3]));
    const out = join(dir, 'bad.pdf');
    const r2 = await run(['--library', libPath, '--out', out, bad]);
    expect(r2.code).toBe(1);
    expect(r2.err.join('\n')).toContain('corrupt.spc');
    expect(existsSync(out)).toBe(false);
    expect(readdirSync(dir).filter((f) => f.endsWith('.tmp'))).toHaveLength(0);

    expect((await run(['--library', libPath, '--out', join(dir, 'x.docx'), query])).code).toBe(2);
  });

  it('makes a batch report with a summary page when given several queries', async () => {
    const out = join(dir, 'batch.pdf');
    const other = join(fixtureDir, readdirSync(fixtureDir).find((f) => f.startsWith('Quartz'))!);
    const r = await run(['--library', libPath, '--method', 'hqi-derivative', '--out', out, query, other, join(dir, 'missing.txt')]);
    expect(r.code).toBe(0);
    expect(r.err.join('\n')).toContain('missing.txt');
    const text = pdfToText(out);
    expect(text).toContain('Summary of 3 queries');
    expect(text).toContain('E_READ');
  });

  it('never replaces its own query; replaces an existing file only with --force, keeping its mode', async () => {
    const q = join(dir, 'measured.csv');
    writeFileSync(q, readFileSync(query));
    const before = readFileSync(q);
    const self = await run(['--library', libPath, '--method', 'hqi-derivative', '--force', '--out', q, q]);
    expect(self.code).toBe(1);
    expect(self.err.join('\n')).toMatch(/is one of the input files/);
    expect(readFileSync(q).equals(before)).toBe(true);

    const out = join(dir, 'private.csv');
    writeFileSync(out, 'older report', { mode: 0o600 });
    chmodSync(out, 0o600);
    const refused = await run(['--library', libPath, '--method', 'hqi-derivative', '--out', out, query]);
    expect(refused.code).toBe(1);
    expect(refused.err.join('\n')).toMatch(/already exists.*--force/);
    expect(readFileSync(out, 'utf8')).toBe('older report');
    expect((await run(['--library', libPath, '--method', 'hqi-derivative', '--force', '--out', out, query])).code).toBe(0);
    expect(readFileSync(out, 'utf8')).toContain('Calcite');
    expect(statSync(out).mode & 0o777).toBe(0o600);
  });
});
