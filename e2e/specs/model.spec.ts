import { copyFileSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { basename, join } from 'node:path';
import { expect, test } from '../support/fixtures.js';
import { HELD_OUT_QUARTZ } from '../support/paths.js';

test.describe('Model', () => {
  test('training a small model shows progress; switching to it recomputes embeddings with progress', async ({
    app,
    shot,
  }) => {
    test.setTimeout(300_000);
    // Training needs four substances with two spectra each: add the second Quartz sample first.
    const dir = mkdtempSync(join(tmpdir(), 'specmatch-e2e-quartz-'));
    copyFileSync(HELD_OUT_QUARTZ, join(dir, basename(HELD_OUT_QUARTZ)));
    await app.goTo('library');
    await app.library.importFolder(dir);
    await app.library.waitImportDone();
    rmSync(dir, { recursive: true, force: true });
    await app.goTo('model');
    await app.model.train(2);
    await expect(app.page.getByTestId('train-job-progress')).toBeVisible();
    const done = await app.model.waitTrainDone();
    expect(done, done).toContain('trained');
    await expect.poll(() => app.chartSeries('loss-chart')).toContain('Training loss');
    await shot('model-trained');

    const choices = await app.model.modelChoices();
    const trained = choices.find((c) => c.startsWith('library-'));
    expect(trained, `trained model listed among ${choices.join(', ')}`).toBeTruthy();
    await app.model.switchTo(trained!);
    await expect(app.model.modelId).toHaveText(trained!);
    await expect(app.model.embedJob).toHaveAttribute('data-state', 'done', { timeout: 120_000 });
    await expect(app.page.getByTestId('embed-job-summary')).toContainText('embeddings computed');
    await expect(app.page.getByTestId('embedding-status')).toHaveText('Embeddings up to date');
    await shot('model-switched');
  });
});
