import { spawnSync } from 'node:child_process';
import { copyFileSync, existsSync, mkdirSync, mkdtempSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Page } from '@playwright/test';
import { CLASSIC_PIPELINE_HASH } from '../../src-core/matching/classicAxis.js';
import { MAP_PARAMS } from '../../src-core/matching/libraryMap.js';
import { SpecmatchApp } from '../pages/SpecmatchApp.js';
import { expect, test } from '../support/fixtures.js';
import { openWebApp, startWeb } from '../support/launch.js';
import { ARTIFACTS, HELD_OUT_QUARTZ, ROOT } from '../support/paths.js';

/** Zooms the library map in and out with a wheel event every animation frame for `ms`; frames drawn per second. */
async function zoomFrameRate(page: Page, ms: number): Promise<{ fps: number; draws: number; meanDrawMs: number; seconds: number }> {
  // A string: the test process has no DOM types.
  return page.evaluate(`(async () => {
    const c = document.querySelector('[data-testid="libmap-canvas"]');
    const b = c.getBoundingClientRect();
    const d0 = Number(c.dataset.draws || 0);
    const m0 = Number(c.dataset.drawMs || 0);
    let i = 0;
    const t0 = performance.now();
    await new Promise((done) => {
      const frame = () => {
        i++;
        c.dispatchEvent(new WheelEvent('wheel', { deltaY: (i % 60) < 30 ? -40 : 40, clientX: b.left + b.width * 0.45, clientY: b.top + b.height * 0.55, bubbles: true, cancelable: true }));
        if (performance.now() - t0 < ${ms}) requestAnimationFrame(frame); else done();
      };
      requestAnimationFrame(frame);
    });
    await new Promise((r) => requestAnimationFrame(() => requestAnimationFrame(r)));
    const seconds = (performance.now() - t0) / 1000;
    const draws = Number(c.dataset.draws) - d0;
    return { fps: draws / seconds, draws, meanDrawMs: (Number(c.dataset.drawMs) - m0) / Math.max(1, draws), seconds };
  })()`);
}

test.describe('Library map and band evidence', () => {
  test('the top match’s band evidence, and the library map with the query placed, hover and click', async ({ app, shot }) => {
    const page = app.page;
    await app.identify.open(HELD_OUT_QUARTZ);
    await app.identify.waitForMatches();
    const evidence = page.getByTestId('band-evidence');
    await expect(page.getByTestId('band-evidence-summary')).toContainText(/Quartz.*explains \d+ of \d+ bands/);
    // Quartz's main band (464 cm⁻¹) is explained by the other Quartz sample.
    await expect(page.getByTestId('bands-explained')).toContainText(/46\d/);
    await evidence.scrollIntoViewIfNeeded();
    await shot('identify-band-evidence');

    await app.goTo('library');
    await page.getByTestId('pane-map').click();
    const canvas = page.getByTestId('libmap-canvas');
    await expect(page.getByTestId('libmap-summary')).toContainText('references', { timeout: 60_000 });
    await expect(page.getByTestId('libmap-query')).toContainText('Quartz__R060604');
    await expect(page.getByTestId('library-map')).toContainText('silicate');
    // Hover each drawn point until one shows its tooltip (positions come from the layout, not known in advance).
    const box = (await canvas.boundingBox())!;
    let found = false;
    for (let gy = 0.1; gy < 1 && !found; gy += 0.04)
      for (let gx = 0.05; gx < 1 && !found; gx += 0.02) {
        await canvas.hover({ position: { x: box.width * gx, y: box.height * gy } });
        found = (await page.getByTestId('libmap-tooltip').count()) > 0;
      }
    expect(found).toBe(true);
    await expect(page.getByTestId('libmap-tooltip')).toContainText('click to open');
    await shot('library-map');
    const name = (await page.getByTestId('libmap-tooltip').locator('strong').textContent())!;
    await page.mouse.down();
    await page.mouse.up();
    await expect(app.library.detailName).toHaveText(name);

    // A second visit reads the cached map (no job).
    await page.getByTestId('pane-map').click();
    await expect(page.getByTestId('libmap-summary')).toContainText(/\d+ references/);
    await expect(page.getByTestId('libmap-job')).toHaveCount(0);
  });

  test('the bundled library’s map (4,549 spectra) zooms at ≥ 30 frames/s', async ({ browser }, testInfo) => {
    testInfo.skip(testInfo.project.metadata['shell'] !== 'web', 'measured in the web shell');
    // The bundled library with its map, made once per pack and kept in a cache folder (the map takes a minute or
    // two on a loaded machine: `specmatch library map` on a library created from the pack).
    const pack = join(ROOT, 'resources/library/rruff-default-v1.pack.gz');
    // Named by the pack, the classic vectors' key and the map's settings: a change of any makes a new one.
    const key = `${statSync(pack).size}-${CLASSIC_PIPELINE_HASH.slice(0, 16)}-v${MAP_PARAMS.version}`;
    const cacheHome = join(tmpdir(), `specmatch-e2e-cache/bundled-map-${key}`);
    const cached = join(cacheHome, 'default.specmatch');
    test.setTimeout(600_000);
    if (!existsSync(join(cacheHome, 'map.done'))) {
      mkdirSync(cacheHome, { recursive: true });
      const r = spawnSync(process.execPath, [join(ROOT, 'bin/specmatch.js'), 'library', 'map'], {
        encoding: 'utf8',
        env: { ...process.env, SPECMATCH_HOME: cacheHome, SPECMATCH_NO_MODEL: '1' },
      });
      if (r.status !== 0) throw new Error(`specmatch library map failed (${r.status}): ${r.stderr}`);
      writeFileSync(join(cacheHome, 'map.done'), r.stderr);
    }
    const dir = mkdtempSync(join(tmpdir(), 'specmatch-e2e-bundled-'));
    const library = join(dir, 'bundled.specmatch');
    copyFileSync(cached, library);
    const server = await startWeb({ library });
    const running = await openWebApp(browser, server);
    try {
      const page = running.page;
      await page.setViewportSize({ width: 1440, height: 900 });
      const app = new SpecmatchApp(page);
      await app.waitReady();
      await app.identify.open(HELD_OUT_QUARTZ);
      await app.identify.waitForMatches();
      await app.goTo('library');
      await page.getByTestId('pane-map').click();
      await expect(page.getByTestId('libmap-summary')).toContainText('4,549 references', { timeout: 240_000 });
      await expect(page.getByTestId('libmap-job')).toHaveCount(0);
      await expect(page.getByTestId('libmap-query')).toBeVisible();
      const r = await zoomFrameRate(page, 3000);
      const line = `bundled library map: ${r.draws} frames in ${r.seconds.toFixed(2)} s = ${r.fps.toFixed(1)} frames/s while zooming (mean draw ${r.meanDrawMs.toFixed(2)} ms)`;
      process.stderr.write(`${line}\n`);
      mkdirSync(ARTIFACTS, { recursive: true });
      writeFileSync(join(ARTIFACTS, 'library-map-fps.json'), JSON.stringify({ ...r, at: new Date().toISOString() }, null, 2));
      await testInfo.attach('frame rate', { body: line, contentType: 'text/plain' });
      expect(r.fps).toBeGreaterThanOrEqual(30);
      // Back to the whole map for the screenshot.
      await page.getByRole('button', { name: 'Reset view' }).click();
      const shots = join(ARTIFACTS, 'screenshots', testInfo.project.name);
      mkdirSync(shots, { recursive: true });
      await page.screenshot({ path: join(shots, 'library-map-bundled-1440x900.png') });
    } finally {
      await running.close();
      await server.stop();
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
