/**
 * One MatchRequest, three consumers: the app's handler (the Identify view), `specmatch match` and
 * `specmatch report` must rank and describe one query identically, with the analyst's pipeline applied to the
 * query AND to every reference, and say so.
 */
import { mkdtempSync, readFileSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { FIXTURES, pdfToText } from '../../../../test/support.js';
import { SpecmatchError } from '../../../errors.js';
import { readSpectra } from '../../../formats/readSpectra.js';
import { CLASSIC_PIPELINE } from '../../../matching/classicAxis.js';
import { classicMethods } from '../../../matching/similarity.js';
import type { MatchResult } from '../../../matching/types.js';
import { validatePipeline } from '../../../preprocess/pipeline.js';
import { getPreset } from '../../../preprocess/presets.js';
import { makeVectorizer } from '../../../preprocess/vectorizer.js';
import type { ReportInput } from '../../../report/ReportInput.js';
import type { CliIO } from '../../cli/CliCommand.js';
import { command as matchCommand } from '../../cli/commands/match.js';
import { command as reportCommand } from '../../cli/commands/report.js';
import { Library } from '../../library/Library.js';
import type { App } from '../createApp.js';
import { createApp } from '../createApp.js';
import { dispatch } from '../handlers.js';
import { noModels } from '../noModels.js';

const RRUFF = join(FIXTURES, 'rruff');
const QUERY = 'Calcite__R050009__Raman__532__0__unoriented__Raman_Data_RAW__21026.txt';
const dir = mkdtempSync(join(tmpdir(), 'specmatch-one-request-'));
const libPath = join(dir, 'lib.specmatch');
const PRESET = 'rruff-processed';

async function cli(cmd: typeof matchCommand, args: string[]): Promise<{ out: string[]; err: string[] }> {
  const out: string[] = [];
  const err: string[] = [];
  const io: CliIO = { out: (l) => out.push(l), err: (l) => err.push(l), errIsTTY: false, signal: new AbortController().signal };
  const code = await cmd.run(args, io).catch((e: unknown) => {
    throw e instanceof SpecmatchError ? new Error(`${e.code}: ${e.message}\n${err.join('\n')}`) : e;
  });
  expect(code).toBe(0);
  return { out, err };
}

describe('one match request: view, CLI and report agree', () => {
  let app: App;
  beforeAll(async () => {
    process.env['SPECMATCH_NO_MODEL'] = '1';
    const lib = Library.open(libPath, { create: true, user: 'test' });
    await lib.importPaths(readdirSync(RRUFF).filter((f) => f.endsWith('.txt') && f !== QUERY).map((f) => join(RRUFF, f)));
    lib.close();
    app = createApp({ libraryPath: libPath, shell: 'web', models: noModels('none in tests') });
  });
  afterAll(async () => {
    await app.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('ranks and describes the query identically, with the preset on both sides', async () => {
    const bytes = new Uint8Array(readFileSync(join(RRUFF, QUERY)));
    const spectrum = readSpectra(bytes, QUERY).spectra[0]!;
    const pipeline = validatePipeline(getPreset(PRESET).pipeline);
    const exclude: Array<[number, number]> = [[1060, 1110]];

    // the view: the app's match:run handler (what the Identify view sends), with its job for the references
    const viewed = await dispatch(app.table, 'match:run', { spectrum, method: 'hqi-correlation', topK: 5, exclude, pipeline });
    if (!viewed.ok) throw new Error(viewed.error.message);
    const view = viewed.value as MatchResult;
    expect(app.jobs.list().some((j) => j.kind === 'index' && j.state === 'done')).toBe(true);

    const flags = ['--library', libPath, '--method', 'hqi-correlation', '--top', '5', '--exclude', '1060-1110', '--preset', PRESET];
    const matched = await cli(matchCommand, [...flags, '--json', join(RRUFF, QUERY)]);
    const line = JSON.parse(matched.out[0]!) as { verdict: string; calibrated: boolean; pipelines: Array<{ hash: string; steps: unknown[] }>; exclude: unknown; matches: Array<{ substance: string; score: number; spectrumId: number }> };
    expect(matched.err.join('\n')).not.toMatch(/processing \d+ reference/); // the view's job already computed them

    const out = join(dir, 'r.json');
    await cli(reportCommand, [...flags, '--out', out, join(RRUFF, QUERY)]);
    type Row = { verdict: string; calibrated: boolean; pipelines: unknown; exclude: unknown; matches: MatchResult['matches'] };
    const report = JSON.parse(readFileSync(out, 'utf8')) as Pick<ReportInput, 'method'> & { results: Row[] };
    const reported = report.results[0]!;

    const rank = (ms: ReadonlyArray<{ substance: string; score: number; spectrumId: number }>) => ms.map((m) => `${m.substance}#${m.spectrumId}:${m.score.toFixed(6)}`);
    expect(rank(line.matches)).toEqual(rank(view.matches));
    expect(rank(reported.matches)).toEqual(rank(view.matches));
    expect(line.verdict).toBe(view.verdict);
    expect(reported.verdict).toBe(view.verdict);
    // described identically: the same pipeline (preset then the classic steps), hash, excluded range, uncalibrated
    expect(view.analystPipeline).toEqual(pipeline);
    expect(view.vectors[0]!.pipeline.steps).toEqual([...pipeline.steps, ...makeVectorizer(CLASSIC_PIPELINE).pipeline.steps]);
    expect(line.pipelines).toEqual([{ modelId: 'classic', hash: view.vectors[0]!.hash, steps: view.vectors[0]!.pipeline.steps }]);
    expect(reported.pipelines).toEqual(line.pipelines);
    expect(reported.exclude).toEqual(exclude);
    expect([view.calibrated, line.calibrated, reported.calibrated, report.method.calibrated]).toEqual([false, false, false, false]);
    expect(line.exclude).toEqual(exclude);
    expect(report.method.exclude).toEqual(exclude);
    expect(report.method.pipeline.hash).toBe(view.vectors[0]!.hash);
    expect(report.method.analystPipeline).toEqual(pipeline.steps);

    // both sides: the top score is the HQI of the query and the reference each put through the same pipeline
    const v = makeVectorizer(view.vectors[0]!.pipeline);
    const lib = Library.open(libPath, { readonly: true });
    try {
      const top = view.matches[0]!;
      const ref = v.apply(lib.getSpectrum(top.spectrumId));
      const axis = Array.from({ length: v.axis.points }, (_, i) => v.axis.from + (i * (v.axis.to - v.axis.from)) / (v.axis.points - 1));
      const mask = Uint8Array.from(axis, (x) => (x >= 1060 && x <= 1110 ? 0 : 1));
      expect(top.score).toBeCloseTo(classicMethods['hqi-correlation'](v.apply(spectrum), ref, mask), 5);
      expect(Array.from(lib.vectorOf(top.spectrumId, 'classic', v.hash)!)).toEqual(Array.from(ref));
    } finally {
      lib.close();
    }

    // the report's PDF prints that pipeline, the range and the uncalibrated verdict
    const pdf = join(dir, 'r.pdf');
    await cli(reportCommand, [...flags, '--out', pdf, join(RRUFF, QUERY)]);
    const text = pdfToText(pdf);
    expect(text).toContain('baseline.als');
    expect(text).toContain('axis.resample');
    expect(text).toContain('1060–1110 cm⁻¹');
    expect(text).toMatch(/uncalibrated/);
    expect(text).toContain(view.vectors[0]!.hash);
  });
});
