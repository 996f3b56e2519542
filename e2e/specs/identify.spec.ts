import { execFileSync } from 'node:child_process';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { basename, dirname, join } from 'node:path';
import { expect, test } from '../support/fixtures.js';

const testInfo = () => test.info();
import { HELD_OUT_QUARTZ, MULTI_SPECTRUM_CSV, VENDOR_SPC } from '../support/paths.js';

test.describe('Identify', () => {
  test('opening a vendor file shows ranked matches at once', async ({ app, shot }) => {
    await app.identify.open(VENDOR_SPC);
    await expect(app.page.getByTestId('query-file')).toHaveText(basename(VENDOR_SPC));
    const rows = await app.identify.matches();
    expect(rows.length).toBeGreaterThan(0);
    // Rank order: scores never increase down the list.
    for (let i = 1; i < rows.length; i++) expect(rows[i]!.scorePct).toBeLessThanOrEqual(rows[i - 1]!.scorePct);
    await expect(app.identify.verdict).toBeVisible();
    await shot('identify-vendor');
  });

  test('a held-out Quartz spectrum ranks Quartz first, and its report can be previewed and saved', async ({
    app,
    shot,
  }) => {
    await app.identify.open(HELD_OUT_QUARTZ);
    const rows = await app.identify.matches();
    expect(rows[0]!.substance).toBe('Quartz');
    const pdf = await app.identify.exportReport();
    expect(pdf.subarray(0, 5).toString('latin1')).toBe('%PDF-');
    expect(pdf.length).toBeGreaterThan(10_000);
    await shot('identify-report-preview');
  });

  test('selecting matches overlays scaled references with residuals, three at most', async ({ app, shot }) => {
    await app.identify.open(HELD_OUT_QUARTZ);
    await app.identify.waitForMatches();
    await app.identify.selectMatch(1);
    await expect
      .poll(() => app.identify.chartSeries())
      .toEqual(expect.arrayContaining([expect.stringMatching(/^Quartz \(×/), 'Residual Quartz']));
    await expect(app.identify.rows.first()).toHaveAttribute('aria-selected', 'true');
    for (const rank of [2, 3, 4]) await app.identify.selectMatch(rank);
    // Query + 3 overlays × (reference, residual).
    await expect.poll(async () => (await app.identify.chartSeries()).length).toBe(7);
    await expect(app.identify.rows.first()).toHaveAttribute('aria-selected', 'false');
    const readout = await app.identify.hoverChart(0.5);
    expect(readout).toMatch(/^\d+(\.\d)? cm⁻¹ · -?[\d.e+-]+$/);
    await shot('identify-overlays');
  });

  test('a corrupt file shows an error naming it, and nothing breaks', async ({ app, shot }) => {
    await app.identify.open(HELD_OUT_QUARTZ);
    const before = await app.identify.matches();
    const truncated = readFileSync(VENDOR_SPC).subarray(0, 300);
    await app.identify.fileInput.setInputFiles({
      name: 'broken.spc',
      mimeType: 'application/octet-stream',
      buffer: truncated,
    });
    await expect(app.identify.fileError).toBeVisible();
    await expect(app.identify.fileError).toContainText('broken.spc');
    // The previous spectrum and its matches are still there.
    expect(await app.identify.matches()).toEqual(before);
    await shot('identify-corrupt-file');
    // And the app still opens files, by drop as well.
    await app.identify.drop(basename(VENDOR_SPC), readFileSync(VENDOR_SPC));
    await expect(app.page.getByTestId('query-file')).toHaveText(basename(VENDOR_SPC));
    await app.identify.waitForMatches();
  });

  test('changing preprocessing parameters updates the preview and the matches', async ({ app, shot }) => {
    await app.identify.open(HELD_OUT_QUARTZ);
    const raw = await app.identify.matches();
    await app.identify.choosePreset('liu2017-als');
    await expect.poll(() => app.identify.chartSeries()).toContain('Query');
    await expect.poll(() => app.chartSeries('preview-chart')).toEqual(['Before', 'After']);
    await expect
      .poll(async () => (await app.identify.matches()).map((r) => r.scorePct))
      .not.toEqual(raw.map((r) => r.scorePct));
    const als = await app.identify.matches();
    const checksum = await app.identify.previewChecksum();
    // A far more flexible baseline (λ = 10) follows the peaks: preview and scores change again.
    await app.identify.setParam('baseline.als', 'lambda', '10');
    await expect.poll(() => app.identify.previewChecksum()).not.toBe(checksum);
    await expect
      .poll(async () => (await app.identify.matches()).map((r) => r.scorePct))
      .not.toEqual(als.map((r) => r.scorePct));
    await shot('identify-preprocessing');
    // An invalid value is refused with the step and parameter named, matching keeps the last valid pipeline.
    await app.identify.setParam('baseline.als', 'p', '2');
    await expect(app.page.getByTestId('pipeline-error')).toContainText('baseline.als');
  });

  test("the panel's pipeline goes to the query and the references, and the report says so", async ({ app, shot }) => {
    await app.identify.open(HELD_OUT_QUARTZ);
    await app.identify.waitForMatches();
    await expect(app.page.getByTestId('uncalibrated')).toHaveCount(0);
    await app.identify.choosePreset('rruff-processed');
    await expect(app.page.getByTestId('match-pipeline')).toContainText('axis.crop → baseline.als', { timeout: 60_000 });
    await expect(app.page.getByTestId('uncalibrated')).toBeVisible();
    const rows = await app.identify.matches();
    expect(rows[0]!.substance).toBe('Quartz');
    await app.identify.selectMatch(1);
    await shot('identify-pipeline-both-sides');
    const pdf = await app.identify.exportReport();
    const file = join(testInfo().outputDir, 'report.pdf');
    mkdirSync(dirname(file), { recursive: true });
    writeFileSync(file, pdf);
    const text = execFileSync('pdftotext', ['-layout', file, '-'], { encoding: 'utf8' });
    expect(text).toContain('baseline.als');
    expect(text).toContain('axis.resample');
    expect(text).toMatch(/uncalibrated/);
    expect(text).toContain("the analyst's 2 steps");
  });

  test('a file with several spectra offers a picker and Match all', async ({ app, shot }) => {
    await app.identify.open(MULTI_SPECTRUM_CSV);
    const picker = app.page.getByTestId('spectrum-picker');
    await expect(picker.locator('option')).toHaveCount(11);
    await app.identify.waitForMatches();
    await picker.selectOption('2');
    await expect(app.identify.view.locator('.chart-panel h2')).toHaveText('PC');
    await app.page.getByTestId('match-all').click();
    const batch = app.page.getByTestId('batch-table').locator('tbody tr');
    await expect(batch).toHaveCount(11);
    await expect(batch.filter({ hasText: 'matching…' })).toHaveCount(0, { timeout: 30_000 });
    await shot('identify-match-all');
    // Sorted by score (best first), then filtered by verdict.
    await app.page.getByTestId('sort-score').click();
    const scores = (await batch.locator('td.num').allTextContents()).map((t) => (t.includes('%') ? parseFloat(t) : -1));
    expect(scores).toEqual([...scores].sort((a, b) => b - a));
    const verdicts = await batch.locator('.badge').allTextContents();
    await app.page.getByTestId('batch-filter').selectOption('no-match');
    await expect(batch).toHaveCount(verdicts.filter((v) => v === 'No match').length);
  });
});
