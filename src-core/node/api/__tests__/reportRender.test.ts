/**
 * The app's report:render channel beyond one spectrum: a batch of files (the Identify view's batch table: a summary
 * page, then a page per query, unreadable files listed with their reason) and a finished map job's map page. The
 * PDFs are read back with pdftotext.
 */
import { mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { writeMapFile } from '../../../../test/fixtureMap.js';
import { FIXTURES, HAS_PDFTOTEXT, pdfToText } from '../../../../test/support.js';
import type { JobInfo } from '../../../ipc/contract.js';
import { Library } from '../../library/Library.js';
import type { App } from '../createApp.js';
import { createApp } from '../createApp.js';
import { dispatch } from '../handlers.js';
import { noModels } from '../noModels.js';

const RRUFF = join(FIXTURES, 'rruff');
const dir = mkdtempSync(join(tmpdir(), 'specmatch-report-render-'));
const libPath = join(dir, 'lib.specmatch');
const rruff = readdirSync(RRUFF).filter((f) => f.endsWith('.txt'));
const calcite = rruff.find((f) => f.startsWith('Calcite'))!;
const quartz = rruff.find((f) => f.startsWith('Quartz'))!;

function pdfText(bytes: Uint8Array, name: string): string {
  const path = join(dir, name);
  writeFileSync(path, bytes);
  return pdfToText(path);
}

async function call<T>(app: App, channel: string, req: unknown): Promise<T> {
  const r = await dispatch(app.table, channel, req);
  if (!r.ok) throw new Error(`${r.error.code}: ${r.error.message}`);
  return r.value as T;
}

describe.skipIf(!HAS_PDFTOTEXT)('report:render: batch and map reports', () => {
  let app: App;
  beforeAll(async () => {
    const lib = Library.open(libPath, { create: true, user: 'test' });
    await lib.importPaths(rruff.filter((f) => !f.includes('R060604')).map((f) => join(RRUFF, f)));
    lib.close();
    app = createApp({ libraryPath: libPath, shell: 'web', models: noModels('none in tests') });
  });
  afterAll(async () => {
    await app.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('a batch: one summary page, a page per query, the unreadable file listed with its reason', async () => {
    const file = (name: string): { name: string; bytes: Uint8Array } => ({ name: `batch/${name}`, bytes: new Uint8Array(readFileSync(join(RRUFF, name))) });
    const out = await call<{ fileName: string; bytes: Uint8Array }>(app, 'report:render', {
      files: [file(calcite), file(quartz), { name: 'batch/broken.spc', bytes: new TextEncoder().encode('not a spectrum at all') }],
      method: 'hqi-derivative',
      lab: 'Batch lab',
    });
    expect(out.fileName).toBe('batch-3-files-report.pdf');
    const text = pdfText(out.bytes, 'batch.pdf');
    expect(text).toContain('Summary of 3 queries');
    expect(text).toContain('Lab: Batch lab');
    // Summary rows: file, spectrum, verdict, top substance, score; the broken file as an error with its code.
    expect(text).toMatch(new RegExp(`${calcite.slice(0, 20)}.*\\s1/1\\s+(Match|Ambiguous)\\s+Calcite\\s+\\d+\\.\\d %`));
    expect(text).toMatch(new RegExp(`${quartz.slice(0, 20)}.*\\s1/1\\s+(Match|Ambiguous)\\s+Quartz\\s+\\d+\\.\\d %`));
    expect(text).toMatch(/broken\.spc\s+1\/1\s+Error\s+E_\w+/);
    expect(text).toMatch(/Matching method\s+First-derivative correlation HQI/);
    // Summary, then one page per query (the error page says why).
    expect(text).toMatch(/Page 1 of [4-9]/);
    expect(text).toContain('Not matched');
    expect(text).toMatch(/batch\/broken\.spc: /);
  }, 120_000);

  it('a batch row set: only the listed spectra of a file', async () => {
    const bytes = new Uint8Array(readFileSync(join(RRUFF, calcite)));
    const out = await call<{ bytes: Uint8Array }>(app, 'report:render', { files: [{ name: calcite, bytes, spectra: [0] }, { name: quartz, bytes: new Uint8Array(readFileSync(join(RRUFF, quartz))), spectra: [] }], method: 'hqi-derivative' });
    const text = pdfText(out.bytes, 'rows.pdf');
    // One query only: no summary page.
    expect(text).not.toContain('Summary of');
    expect(text).toContain(calcite);
    expect(text).not.toContain(quartz);
  }, 60_000);

  it('a finished map job: its map page without matching again; unknown jobs and mixed requests are refused', async () => {
    const mapFile = writeMapFile();
    const job = await call<JobInfo>(app, 'map:run', { file: { name: 'synthetic_map_16x10.txt', bytes: new Uint8Array(readFileSync(mapFile)) }, method: 'hqi-derivative' });
    const deadline = Date.now() + 90_000;
    let state = job.state;
    while (state === 'running' && Date.now() < deadline) {
      await new Promise((r) => setTimeout(r, 100));
      state = (await call<JobInfo>(app, 'job:get', { jobId: job.id })).state;
    }
    expect(state).toBe('done');
    const out = await call<{ fileName: string; bytes: Uint8Array }>(app, 'report:render', { mapJobId: job.id, analyst: 'A. Nalyst' });
    expect(out.fileName).toBe('synthetic_map_16x10-map-report.pdf');
    const text = pdfText(out.bytes, 'map.pdf');
    expect(text).toContain('Raman map identification report');
    expect(text).toContain('Analyst: A. Nalyst');
    expect(text).toMatch(/160 spectra on a 16 × 10 grid/);
    expect(text).toMatch(/Baryte\s+80\s+50\.0 %/);
    expect(text).toMatch(/Rutile\s+12\s+7\.5 %/);
    expect(text).toMatch(/Matching method\s+First-derivative correlation HQI/);
    expect(text).toMatch(/Library\s+lib \(schema v\d+\)/);
    const missing = await dispatch(app.table, 'report:render', { mapJobId: 'no-such-job' });
    expect(missing).toMatchObject({ ok: false, error: { code: 'E_NOT_FOUND' } });
    const both = await dispatch(app.table, 'report:render', { mapJobId: job.id, files: [] });
    expect(both).toMatchObject({ ok: false, error: { code: 'E_PARAM', message: expect.stringMatching(/exactly one of file, files and mapJobId/) as unknown } });
  }, 120_000);
});
