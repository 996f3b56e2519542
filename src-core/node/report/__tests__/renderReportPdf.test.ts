import { execFileSync } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { readSpectra } from '../../../formats/readSpectra.js';
import { classicMethods } from '../../../matching/similarity.js';
import type { MatchRow } from '../../../matching/types.js';
import { linearAxis, resampleLinear } from '../../../preprocess/resampleLinear.js';
import type { ReportEntry, ReportInput } from '../../../report/ReportInput.js';
import { reportToCsv, reportToJson } from '../../../report/reportTables.js';
import type { Spectrum } from '../../../spectrum/Spectrum.js';
import { FIXTURES, HAS_PDFTOTEXT, pdfToText } from '../../../../test/support.js';
import { renderReportPdf } from '../renderReportPdf.js';

/**
 * Renderer tests on real RRUFF fixtures: each query is ranked against the other fixtures with the classic
 * correlation HQI (a real, if small, search), so the PDF shows genuine scores. The end-to-end path through the
 * library and `specmatch report` is tested in ../../cli/__tests__.
 */
const files = readdirSync(join(FIXTURES, 'rruff')).filter((f) => f.endsWith('.txt')).sort();
const spectra = files.map((f) => readSpectra(readFileSync(join(FIXTURES, 'rruff', f)), f).spectra[0]!);
const axis = linearAxis(150, 1300, 1151);
const vec = (s: Spectrum): Float64Array => resampleLinear(s.x, s.y, axis);

function entryFor(qi: number): ReportEntry {
  const q = spectra[qi]!;
  const qv = vec(q);
  const rows = spectra
    .map((s, i) => ({ s, i }))
    .filter(({ i }) => i !== qi)
    .map(({ s, i }) => {
      const rv = vec(s);
      return { s, i, hqi: { correlation: classicMethods['hqi-correlation'](qv, rv), derivative: classicMethods['hqi-derivative'](qv, rv), cosine: classicMethods.cosine(qv, rv), euclidean: classicMethods.euclidean(qv, rv) } };
    })
    .sort((a, b) => b.hqi.correlation - a.hqi.correlation);
  const matches: MatchRow[] = rows.map((r, k) => ({
    rank: k + 1,
    substance: r.s.meta.substance ?? '?',
    substanceId: r.i,
    score: r.hqi.correlation,
    gap: r.hqi.correlation - (rows[k + 1]?.hqi.correlation ?? r.hqi.correlation),
    spectrumId: r.i,
    sampleId: r.s.meta.sampleId ?? null,
    hqi: r.hqi,
  }));
  return {
    query: { fileName: `/data/lab runs/2026-11/${files[qi]!}`, sha256: 'ab'.repeat(32), format: 'rruff-txt', index: 0, count: 1, spectrum: q },
    result: {
      method: 'hqi-correlation',
      verdict: matches[0]!.score > 0.9 ? 'match' : 'no-match',
      matches,
      vectors: [{ modelId: 'classic', pipeline: { schemaVersion: 1, steps: [] }, hash: 'f'.repeat(64) }],
      analystPipeline: null,
      exclude: [],
      calibrated: true,
    },
    overlays: rows.slice(0, 3).map((r, k) => ({ rank: k + 1, substance: r.s.meta.substance ?? '?', spectrum: r.s })),
  };
}

function input(entries: ReportEntry[]): ReportInput {
  return {
    title: 'Raman identification report',
    lab: 'Laboratoire de Minéralogie — Zürich',
    analyst: 'Ana Ñúñez',
    notes: 'Sample ground in agate mortar; measured through glass slide (ignore 1300+ cm⁻¹).',
    generatedAt: new Date('2026-11-28T13:05:09Z'),
    timeZone: 'Europe/Zurich',
    appVersion: '0.1.0',
    topN: 5,
    method: {
      method: 'hqi-correlation',
      methodLabel: 'Correlation HQI',
      pipeline: { name: 'classic-search', hash: 'f'.repeat(64), steps: [{ kind: 'baseline.als', params: { lambda: 1e6, p: 0.01 } }, { kind: 'normalize.vector', params: {} }] },
      analystPipeline: [{ kind: 'baseline.als', params: { lambda: 1e6, p: 0.01 } }],
      exclude: [[1300, 1400]],
      calibrated: false,
      library: { name: 'Test fixtures', substances: 8, spectra: 12 },
    },
    entries,
  };
}

describe('renderReportPdf', () => {
  const calciteIdx = files.findIndex((f) => f.startsWith('Calcite'));
  const hornesiteIdx = files.findIndex((f) => f.startsWith('Hornesite'));

  it.skipIf(!HAS_PDFTOTEXT)('writes a one-query report whose text names the query, the top substance, its score and the pipeline', async () => {
    const entry = entryFor(calciteIdx);
    const bytes = await renderReportPdf(input([entry]));
    expect(Buffer.from(bytes.subarray(0, 5)).toString()).toBe('%PDF-');
    const dir = mkdtempSync(join(tmpdir(), 'specmatch-report-'));
    const pdf = join(dir, 'single.pdf');
    writeFileSync(pdf, bytes);
    const text = pdfToText(pdf);
    expect(text).toContain(files[calciteIdx]!);
    expect(text).toContain('Calcite');
    expect(text).toContain(`${(entry.result!.matches[0]!.score * 100).toFixed(1)} %`);
    expect(text).toContain('baseline.als');
    expect(text).toContain('Laboratoire de Minéralogie — Zürich');
    expect(text).toContain('Ana Ñúñez');
    expect(text).toMatch(/2026-11-28 14:05:09 UTC\+01:00/);
    expect(text).toMatch(/Page 1 of \d/);
    // every page renders
    execFileSync('pdftoppm', ['-r', '60', '-png', pdf, join(dir, 'page')]);
    expect(readdirSync(dir).filter((f) => f.startsWith('page')).length).toBeGreaterThanOrEqual(1);
    // fonts are embedded
    const fonts = execFileSync('pdffonts', [pdf], { encoding: 'utf8' });
    expect(fonts).toMatch(/DejaVuSans/);
    expect(fonts.split('\n').slice(2).filter((l) => l.trim()).every((l) => /\byes\b/.test(l))).toBe(true);
  });

  it.skipIf(!HAS_PDFTOTEXT)('prints Unicode chemistry and a batch summary', async () => {
    const bytes = await renderReportPdf(input([entryFor(hornesiteIdx), entryFor(calciteIdx), { query: { ...entryFor(0).query, fileName: 'broken.spc' }, error: { code: 'E_CORRUPT', message: 'broken.spc: cannot read as Galactic SPC: truncated' }, overlays: [] }]));
    const dir = mkdtempSync(join(tmpdir(), 'specmatch-report-'));
    const pdf = join(dir, 'batch.pdf');
    writeFileSync(pdf, bytes);
    const text = pdfToText(pdf);
    expect(text).toContain('Summary of 3 queries');
    expect(text).toContain('E_CORRUPT');
    expect(text).toContain('Hornesite');
  });

  it('CSV and JSON carry every match row and error', () => {
    const e = entryFor(calciteIdx);
    const csv = reportToCsv(input([e, { query: { ...e.query, fileName: 'bad, "quoted".txt' }, error: { code: 'E_READ', message: 'no such file' }, overlays: [] }]));
    const lines = csv.trim().split('\r\n');
    expect(lines[0]).toMatch(/^query,index,sha256/);
    expect(lines.length).toBe(1 + e.result!.matches.length + 1);
    expect(lines[lines.length - 1]).toContain('"bad, ""quoted"".txt"');
    const json = JSON.parse(reportToJson(input([e]))) as { results: Array<{ matches: MatchRow[] }> };
    expect(json.results[0]!.matches[0]!.substance).toBe(e.result!.matches[0]!.substance);
  });
});
