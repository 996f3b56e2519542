import { execFileSync } from 'node:child_process';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { expect, test } from '../support/fixtures.js';
import { ARTIFACTS, HELD_OUT_QUARTZ, RRUFF_DIR } from '../support/paths.js';
import { writeMixture } from '../../test/mixtureFixture.js';

/** A 60:40 (by peak height) mixture of the held-out Quartz sample and a Calcite sample, on a new sloped background. */
function mixtureFile(): string {
  const dir = join(ARTIFACTS, 'inputs');
  mkdirSync(dir, { recursive: true });
  const calcite = join(RRUFF_DIR, 'Calcite__R050009__Raman__532__0__unoriented__Raman_Data_RAW__21026.txt');
  return writeMixture([calcite, HELD_OUT_QUARTZ], [0.6, 0.4], join(dir, 'calcite-quartz-mixture.txt'));
}

test.describe('Mixtures', () => {
  test('a two-mineral mixture shows its components beside the ranked list, and a reference can be subtracted', async ({
    app,
    shot,
  }) => {
    const page = app.page;
    // Wide enough for the mixture panel to sit beside the ranked list (it stacks below at 1280 px and less).
    await page.setViewportSize({ width: 1680, height: 1050 });
    await app.identify.open(mixtureFile());
    await app.identify.waitForMatches();
    const panel = page.getByTestId('mixture-panel');
    await expect(panel).toBeVisible({ timeout: 60_000 });
    await expect(page.getByTestId('mixture-verdict')).toHaveText('Mixture');
    const names = await page.getByTestId('mixture-components').locator('tbody td.name').allTextContents();
    expect(names.map((n) => n.replace(/R\d+$/, '').trim()).sort()).toEqual(['Calcite', 'Quartz']);
    // The fit's chart: query, fitted sum, both scaled components and the residual.
    await expect(panel.getByTestId('mixture-chart')).toBeVisible();
    const box = await panel.boundingBox();
    const ranked = await page.getByTestId('match-row').first().boundingBox();
    expect(box!.x).toBeGreaterThan(ranked!.x + ranked!.width - 1); // beside, not below
    await panel.scrollIntoViewIfNeeded();
    await shot('mixture-answer');

    // Subtract Calcite by hand: the scale starts at the best fit; the residual searched alone is Quartz.
    const calciteRow = page.getByTestId('mixture-components').locator('tbody tr', { hasText: 'Calcite' });
    await calciteRow.getByRole('button', { name: 'Subtract…' }).click();
    const slider = page.getByTestId('subtract-scale');
    await expect(slider).toBeVisible({ timeout: 30_000 });
    expect(Number(await slider.inputValue())).toBeGreaterThan(0.2);
    await slider.fill('0.3');
    await expect(page.getByTestId('subtract-scale-value')).toHaveText('0.30');
    await page.getByRole('button', { name: 'Best fit' }).click();
    await page.getByTestId('search-residual').click();
    const residualRows = page.getByTestId('residual-matches').locator('tbody tr');
    await expect(residualRows.first()).toContainText('Quartz', { timeout: 30_000 });
    await page.getByTestId('subtract-panel').scrollIntoViewIfNeeded();
    await shot('mixture-subtraction');
  });

  test('the report carries the mixture section when asked; a pure spectrum stays one substance', async ({ app }) => {
    const page = app.page;
    await app.identify.open(mixtureFile());
    await expect(page.getByTestId('mixture-panel')).toBeVisible({ timeout: 60_000 });
    await page.getByTestId('report-mixture').check();
    const pdf = await app.identify.exportReport();
    expect(pdf.subarray(0, 5).toString('latin1')).toBe('%PDF-');
    const out = join(ARTIFACTS, 'inputs', 'mixture-report.pdf');
    writeFileSync(out, pdf);
    const text = execFileSync('pdftotext', ['-layout', out, '-'], { encoding: 'utf8' });
    expect(text).toContain('Mixture analysis');
    expect(text).toMatch(/Mixture: (Calcite|Quartz) [\d.]+ % \+ (Calcite|Quartz) [\d.]+ %/);

    await app.identify.open(HELD_OUT_QUARTZ);
    await app.identify.waitForMatches();
    await expect(page.getByTestId('mixture-summary')).toContainText('one substance explains it (Quartz)', { timeout: 60_000 });
    await expect(page.getByTestId('mixture-panel')).toHaveCount(0);
  });
});
