import { copyFileSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { basename, join } from 'node:path';
import { expect, test } from '../support/fixtures.js';
import { HELD_OUT_QUARTZ, rruffFixtures, sharedSampleDir, VENDOR_SPC } from '../support/paths.js';

test.describe('Library', () => {
  test('importing a folder shows progress and a per-file error list', async ({ app, shot }) => {
    const dir = mkdtempSync(join(tmpdir(), 'specmatch-e2e-import-'));
    try {
      mkdirSync(join(dir, 'good'));
      copyFileSync(HELD_OUT_QUARTZ, join(dir, 'good', basename(HELD_OUT_QUARTZ)));
      // A bigger folder when ../shared/data is here (RRUFF's plain-text sample), so progress has time to show.
      const sample = sharedSampleDir();
      if (sample)
        for (const f of readdirSync(sample)
          .filter((n) => n.endsWith('.txt'))
          .slice(0, 150))
          copyFileSync(join(sample, f), join(dir, 'good', f));
      writeFileSync(join(dir, 'broken.txt'), 'this is not a spectrum\n');
      const before = await app.libraryCounts();
      await app.goTo('library');
      await app.library.importFolder(dir);
      await expect(app.library.importJob).toBeVisible();
      await expect(app.page.getByTestId('import-job-progress')).toBeVisible();
      const text = await app.library.waitImportDone();
      expect(text).toContain('spectra imported');
      await expect(app.page.getByTestId('import-job-file-errors')).toContainText('broken.txt');
      await expect.poll(async () => (await app.libraryCounts()).spectra).toBeGreaterThan(before.spectra);
      await shot('library-import');
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  test('a substance added from one spectrum is matchable at once, and removal can be undone', async ({ app, shot }) => {
    const name = `E2E calibrant ${Date.now().toString(36)}`;
    await app.identify.open(VENDOR_SPC);
    await app.identify.waitForMatches();
    await app.goTo('library');
    await app.library.addCurrentSpectrumAs(name);
    await shot('library-detail');
    // Back in Identify the same spectrum now finds its own reference first.
    await app.goTo('identify');
    await expect.poll(async () => (await app.identify.matches())[0]?.substance).toBe(name);
    const top = (await app.identify.matches())[0]!;
    expect(top.scorePct).toBeGreaterThan(99);

    await app.goTo('library');
    await app.library.open(name);
    await app.library.removeOpen();
    await expect(app.toast).toContainText(name);
    await app.library.find(name);
    await expect(app.library.items).toHaveCount(0);
    await app.library.undo();
    await expect(app.library.detailName).toHaveText(name);

    // Remove for good: it leaves the ranking.
    await app.library.removeOpen();
    await app.goTo('identify');
    await expect.poll(async () => (await app.identify.matches()).map((r) => r.substance)).not.toContain(name);
  });

  test('searching filters the list and metadata edits are saved', async ({ app }) => {
    await app.goTo('library');
    await app.library.find('Calc');
    await expect.poll(() => app.library.names()).toEqual(['Calcite']);
    await app.library.open('Calcite');
    const notes = `checked ${Date.now()}`;
    await app.page.locator('#f-notes').fill(notes);
    await app.page.getByRole('button', { name: 'Save changes' }).click();
    await app.library.open('Aragonite');
    await app.library.open('Calcite');
    await expect(app.page.locator('#f-notes')).toHaveValue(notes);
  });
});

test.describe('Library checks', () => {
  test('a duplicate under another name is found, dismissed, restored and merged; SNR is shown', async ({ app, shot }) => {
    const dir = mkdtempSync(join(tmpdir(), 'specmatch-e2e-checks-'));
    const twin = `E2E twin ${Date.now().toString(36)}`;
    try {
      // The Calcite fixture again, under another name (and another file, so it is a new reference).
      const calcite = rruffFixtures().find((f) => basename(f).startsWith('Calcite__R050009'))!;
      const text = readFileSync(calcite, 'utf8').replace(/##NAMES=[^\r\n]*/, `##NAMES=${twin}`);
      const file = join(dir, `${twin.replace(/ /g, '_')}.txt`);
      writeFileSync(file, text);
      await app.goTo('library');
      await app.library.importFiles([file]);
      await app.library.waitImportDone();

      await app.library.runChecks();
      const finding = app.library.finding(twin);
      await expect(finding).toHaveCount(1);
      await expect(finding).toHaveAttribute('data-kind', 'duplicate');
      await expect(finding.getByTestId('finding-evidence')).toContainText('identical x/y data');
      await expect(finding).toContainText('Calcite');
      await shot('library-checks');

      // Dismiss: gone from the list, kept in the library, back with "Show dismissed" and Restore.
      await finding.getByTestId('finding-dismiss').click();
      await expect(app.library.finding(twin)).toHaveCount(0);
      await app.page.getByLabel('Show dismissed').check();
      await expect(app.library.finding(twin)).toHaveCount(1);
      await app.library.finding(twin).getByTestId('finding-restore').click();
      await app.page.getByLabel('Show dismissed').uncheck();
      await expect(app.library.finding(twin)).toHaveCount(1);

      // Merge the twin into Calcite: the finding's data is stale until the checks run again.
      await app.library.finding(twin).getByTestId('finding-merge').click();
      await expect(app.toast).toContainText('Merged');
      await expect(app.page.getByTestId('checks-stale')).toBeVisible();
      await app.page.getByTestId('checks-run').click();
      await expect(app.page.getByTestId('checks-stale')).toHaveCount(0, { timeout: 60_000 });
      // Now two Calcite spectra with identical data: a duplicate within one substance (the twin is an alias).
      const same = app.library.findings.filter({ hasText: 'identical x/y data in 2 spectra of the same substance' });
      await expect(same).toHaveCount(1);
      await expect(same).toContainText('Calcite');

      // Open it: the substance detail shows the SNR of each reference.
      await same.getByTestId('finding-open').click();
      await expect(app.library.detailName).toHaveText('Calcite');
      await expect(app.page.getByTestId('ref-snr').first()).toHaveText(/^\d[\d,.]*$/);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
