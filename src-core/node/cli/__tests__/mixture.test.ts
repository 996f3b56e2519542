import { mkdtempSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { SpecmatchError } from '../../../errors.js';
import { FIXTURES, pdfToText } from '../../../../test/support.js';
import { writeMixture } from '../../../../test/mixtureFixture.js';
import { Library } from '../../library/Library.js';
import type { CliIO } from '../CliCommand.js';
import { command } from '../commands/mixture.js';
import { command as report } from '../commands/report.js';

/**
 * `specmatch mixture` end to end on a library of the RRUFF fixtures. The queries are spectra of samples that are
 * not in the library: a pure one, and a 60:40 mixture (by peak height) of two (test/mixtureFixture.ts).
 */
const dir = mkdtempSync(join(tmpdir(), 'specmatch-mixture-cli-'));
const libPath = join(dir, 'fixtures.specmatch');
const fixtureDir = join(FIXTURES, 'rruff');
const held = ['Calcite__R050009', 'Quartz__R060604'];
const file = (prefix: string): string => join(fixtureDir, readdirSync(fixtureDir).find((f) => f.startsWith(prefix))!);

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

describe('specmatch mixture', () => {
  const mixturePath = join(dir, 'calcite-quartz.txt');
  beforeAll(async () => {
    const lib = Library.open(libPath, { create: true, user: 'test' });
    const refs = readdirSync(fixtureDir).filter((f) => f.endsWith('.txt') && !held.some((h) => f.startsWith(h)));
    expect((await lib.importPaths(refs.map((f) => join(fixtureDir, f)))).errors).toHaveLength(0);
    lib.close();
    writeMixture([file('Calcite__R050009'), file('Quartz__R060604')], [0.6, 0.4], mixturePath);
  });

  it('--preset puts the query and every reference through the pipeline (the references once per library), as the app does', async () => {
    const r = await run(['--library', libPath, '--preset', 'liu2017-als', mixturePath]);
    expect(r.code).toBe(0);
    expect(r.err.some((l) => /processing \d+ reference spectra with the query's pipeline/.test(l))).toBe(true);
    expect(r.out.some((l) => /pipeline \(query and references\): .*baseline\.als/.test(l))).toBe(true);
    expect(r.out[0]).toMatch(/mixture/);
    // the same request through the app's handler gives the same answer
    const { matchMixture } = await import('../../library/mixtureLibrary.js');
    const { getPreset } = await import('../../../preprocess/presets.js');
    const { readSpectra } = await import('../../../formats/readSpectra.js');
    const lib = Library.open(libPath, { user: 'test' });
    try {
      const q = readSpectra(new Uint8Array(readFileSync(mixturePath)), mixturePath).spectra[0]!;
      const viaApp = await matchMixture(lib, q, { pipeline: getPreset('liu2017-als').pipeline });
      const plain = await matchMixture(lib, q, {});
      expect(viaApp.analystPipeline?.steps.map((st) => st.kind)).toEqual(getPreset('liu2017-als').pipeline.steps.map((st) => st.kind));
      expect(viaApp.pipelineHash).not.toBe(plain.pipelineHash);
      expect(plain.analystPipeline).toBeNull();
      for (const c of viaApp.components) expect(r.out.join('\n')).toContain(c.substance);
      // a second run finds the pipeline's reference vectors stored: no notice
      const again = await run(['--library', libPath, '--preset', 'liu2017-als', mixturePath]);
      expect(again.err.some((l) => /processing \d+ reference spectra/.test(l))).toBe(false);
    } finally {
      lib.close();
    }
  });

  it('names both components of a two-mineral mixture, one JSON line in the contract shape', async () => {
    const r = await run(['--library', libPath, '--json', mixturePath]);
    expect(r.code).toBe(0);
    expect(r.out).toHaveLength(1);
    const line = JSON.parse(r.out[0]!) as Record<string, unknown>;
    expect(Object.keys(line)).toEqual(['query', 'index', 'verdict', 'components', 'fit', 'alternatives']);
    expect(line['verdict']).toBe('mixture');
    const comps = line['components'] as Array<{ substance: string; spectrumId: number; fraction: number; score: number }>;
    expect(comps.map((c) => c.substance).sort()).toEqual(['Calcite', 'Quartz']);
    for (const c of comps) expect(Object.keys(c)).toEqual(['substance', 'spectrumId', 'fraction', 'score']);
    const calcite = comps.find((c) => c.substance === 'Calcite')!;
    expect(calcite.fraction).toBeGreaterThan(0.45);
    expect(calcite.fraction).toBeLessThan(0.75);
    expect(comps.reduce((s, c) => s + c.fraction, 0)).toBeCloseTo(1, 6);
    const fit = line['fit'] as { r2: number; hqi: number };
    expect(Object.keys(fit)).toEqual(['r2', 'hqi']);
    expect(fit.r2).toBeGreaterThan(0.8);
    const alts = line['alternatives'] as Array<{ components: unknown[]; fit: { r2: number } }>;
    expect(alts.length).toBeGreaterThan(0);
    for (const a of alts) expect(a.components.length).toBeGreaterThan(0);
    // The first alternative of a mixture is the best single substance, which explains less.
    expect(alts[0]!.components).toHaveLength(1);
    expect(alts[0]!.fit.r2).toBeLessThan(fit.r2);
  });

  it('keeps a pure spectrum of another sample as one substance, and prints a readable table', async () => {
    const r = await run(['--library', libPath, file('Calcite__R050009')]);
    expect(r.code).toBe(0);
    expect(r.out[0]).toMatch(/: single \(R² 0\.\d{3}, HQI 0\.\d{3}, 10 references\)$/);
    expect(r.out[1]).toMatch(/substance\s+fraction\s+score\s+shift/);
    expect(r.out[2]).toMatch(/^\s+Calcite\s+100 %/);
  });

  it('answers an unreadable query with its error line and refuses bad options', async () => {
    const bad = join(dir, 'bad.txt');
    writeFileSync(bad, 'not a spectrum\n');
    const r = await run(['--library', libPath, '--json', bad]);
    expect(r.code).toBe(0);
    expect(JSON.parse(r.out[0]!)).toMatchObject({ query: bad, error: { code: expect.stringMatching(/^E_/) as unknown } });
    expect((await run(['--library', libPath, '--max-components', '6', mixturePath])).code).toBe(2);
    expect((await run(['--library', libPath, '--max-components', 'two', mixturePath])).code).toBe(2);
    expect((await run(['--library', libPath])).code).toBe(2);
  });

  it('--max-components 1 gives one component', async () => {
    const r = await run(['--library', libPath, '--json', '--max-components', '1', mixturePath]);
    const line = JSON.parse(r.out[0]!) as { verdict: string; components: unknown[] };
    expect(line.components).toHaveLength(1);
    expect(line.verdict).toBe('single');
  });

  it('report --mixture adds the mixture section to the PDF and the JSON', async () => {
    const io: CliIO = { out: () => undefined, err: () => undefined, errIsTTY: false, signal: new AbortController().signal };
    const pdf = join(dir, 'mixture.pdf');
    expect(await report.run(['--library', libPath, '--method', 'hqi-derivative', '--mixture', '--out', pdf, mixturePath], io)).toBe(0);
    const text = pdfToText(pdf);
    expect(text).toContain('Mixture analysis');
    expect(text).toMatch(/Mixture: (Calcite|Quartz) [\d.]+ % \+ (Calcite|Quartz) [\d.]+ %/);
    expect(text).toContain('Fitted sum');
    const json = join(dir, 'mixture.json');
    expect(await report.run(['--library', libPath, '--method', 'hqi-derivative', '--mixture', '--out', json, mixturePath], io)).toBe(0);
    const parsed = JSON.parse(readFileSync(json, 'utf8')) as { results: Array<{ mixture?: { verdict: string; components: Array<{ substance: string }> } }> };
    expect(parsed.results[0]!.mixture?.verdict).toBe('mixture');
    const plain = join(dir, 'plain.pdf');
    expect(await report.run(['--library', libPath, '--method', 'hqi-derivative', '--out', plain, mixturePath], io)).toBe(0);
    expect(pdfToText(plain)).not.toContain('Mixture analysis');
  });
});
