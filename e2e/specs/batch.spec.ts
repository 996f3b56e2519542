import { execFileSync } from 'node:child_process';
import { copyFileSync, mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { basename, join } from 'node:path';
import type { Page } from '@playwright/test';
import { writeMapFile } from '../../test/fixtureMap.js';
import { expect, test } from '../support/fixtures.js';
import { ARTIFACTS, HELD_OUT_QUARTZ, RRUFF_DIR } from '../support/paths.js';

/** The PDF the preview shows, saved (Save PDF), and its text and first pages as PNGs in the artifacts. */
async function savePreview(page: Page, name: string): Promise<string> {
  await expect(page.getByTestId('report-preview')).toBeVisible({ timeout: 90_000 });
  const [download] = await Promise.all([page.waitForEvent('download'), page.getByTestId('report-save').click()]);
  const dir = join(ARTIFACTS, 'reports');
  mkdirSync(dir, { recursive: true });
  const pdf = join(dir, `${name}.pdf`);
  await download.saveAs(pdf);
  const text = execFileSync('pdftotext', ['-layout', pdf, '-'], { encoding: 'utf8' });
  execFileSync('pdftoppm', ['-png', '-r', '70', '-l', '2', pdf, join(dir, name)]);
  return text;
}

test('a folder of spectra is matched in one go: table, filter, sort, unreadable files, one batch report', async ({ app, shot }) => {
  const page = app.page;
  await page.setViewportSize({ width: 1440, height: 1000 });
  // A folder: four RRUFF spectra (one held out of the library), a file that is no spectrum, a hidden file.
  const dir = join(mkdtempSync(join(tmpdir(), 'specmatch-e2e-batch-')), 'sample-changer');
  mkdirSync(join(dir, 'run2'), { recursive: true });
  const names = ['Calcite__R050009__Raman__532__0__unoriented__Raman_Data_RAW__21026.txt', 'Gypsum__R060509__Raman__532__0__unoriented__Raman_Data_RAW__39075.txt', 'Rutile__R050417__Raman__532__0__unoriented__Raman_Data_RAW__30435.txt'];
  for (const n of names) copyFileSync(join(RRUFF_DIR, n), join(dir, n));
  copyFileSync(HELD_OUT_QUARTZ, join(dir, 'run2', basename(HELD_OUT_QUARTZ)));
  writeFileSync(join(dir, 'notes.spc'), 'this is not a spectrum');
  writeFileSync(join(dir, '.DS_Store'), 'finder metadata');
  await page.getByTestId('batch-folder-input').setInputFiles(dir);

  const panel = page.getByTestId('batch-panel');
  await expect(panel).toContainText('Batch: sample-changer');
  const rows = page.getByTestId('batch-table').locator('tbody tr');
  await expect(rows).toHaveCount(4, { timeout: 30_000 });
  await expect(rows.filter({ hasText: 'matching…' })).toHaveCount(0, { timeout: 60_000 });
  await expect(page.getByTestId('batch-progress')).toHaveCount(0);
  // The unreadable file is listed with its reason; the hidden file is not a query at all.
  const unreadable = page.getByTestId('batch-unreadable');
  await expect(unreadable).toContainText('1 file could not be read');
  await expect(unreadable).toContainText('sample-changer/notes.spc');
  await expect(panel).not.toContainText('.DS_Store');
  await expect(page.getByTestId('batch-summary')).toContainText('5 files · 4 spectra');
  // Each file's top substance: as the single query would rank it.
  const topOf = async (file: string): Promise<string> => (await rows.filter({ hasText: file }).locator('td').nth(1).textContent()) ?? '';
  expect(await topOf('Calcite__R050009')).toBe('Calcite');
  expect(await topOf('Gypsum__R060509')).toBe('Gypsum');
  expect(await topOf('Quartz__R060604')).toBe('Quartz');
  await shot('batch-folder');

  // Sorted by score, best first.
  await page.getByTestId('sort-score').click();
  const scores = (await rows.locator('td.num').allTextContents()).map((t) => parseFloat(t));
  expect(scores).toEqual([...scores].sort((a, b) => b - a));
  // Filtered by verdict: only the 'Match' rows.
  const verdicts = await rows.locator('.badge').allTextContents();
  await page.getByTestId('batch-filter').selectOption('match');
  await expect(rows).toHaveCount(verdicts.filter((v) => v === 'Match').length);
  await page.getByTestId('batch-filter').selectOption('all');

  // A row opens its file in the Identify layout; the batch stays.
  await rows.filter({ hasText: 'Quartz__R060604' }).click();
  await expect(page.getByTestId('query-file')).toHaveText(`sample-changer/run2/${basename(HELD_OUT_QUARTZ)}`);
  const matches = await app.identify.matches();
  expect(matches[0]!.substance).toBe('Quartz');
  await expect(rows).toHaveCount(4);
  await shot('batch-row-opened');

  // One batch report of the table: a summary page, then a page per spectrum; the unreadable file listed.
  await page.getByTestId('batch-report').click();
  const text = await savePreview(page, 'batch-report');
  expect(text).toContain('Summary of 5 queries');
  expect(text).toMatch(/notes\.spc\s+1\/1\s+Error\s+E_\w+/);
  expect(text).toMatch(/Gypsum__R060509.*\s1\/1\s+(Match|Ambiguous)\s+Gypsum/);
  expect(text).toMatch(/Page 1 of \d+/);
  await page.getByTestId('report-preview').getByRole('button', { name: 'Close' }).click();
  await expect(page.getByTestId('report-preview')).toHaveCount(0);
});

test('a map exports its report page: phase image, colour key, pixel counts and fractions, method', async ({ app, shot }) => {
  const page = app.page;
  await page.setViewportSize({ width: 1440, height: 1000 });
  await app.identify.open(writeMapFile());
  await expect(page.getByTestId('phase-canvas')).toBeVisible({ timeout: 60_000 });
  await expect(page.getByTestId('map-report')).toBeEnabled();
  await shot('map-report-button');
  await page.getByTestId('map-report').click();
  const text = await savePreview(page, 'map-report');
  expect(text).toContain('Raman map identification report');
  expect(text).toMatch(/160 spectra on a 16 × 10 grid/);
  for (const [substance, pixels, fraction] of [['Baryte', 80, '50.0'], ['Calcite', 40, '25.0'], ['Quartz', 28, '17.5'], ['Rutile', 12, '7.5']] as const) {
    expect(text).toMatch(new RegExp(`${substance}\\s+${pixels}\\s+${fraction.replace('.', '\\.')} %`));
  }
  expect(text).toMatch(/Matching method\s+\S/);
  expect(text).toMatch(/Pipeline hash\s+SHA-256 [0-9a-f]{64}/);
  expect(text).toMatch(/Library\s+\S+ \(schema v\d+\): \d+ substances/);
  expect(text).toMatch(/Page 1 of 1/);
});
