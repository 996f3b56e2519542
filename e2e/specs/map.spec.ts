import { expect, test } from '../support/fixtures.js';
import { writeMapFile } from '../../test/fixtureMap.js';

test('a map opens as a phase image and an intensity image; hover and click show a pixel and its matches', async ({ app, shot }) => {
  const page = app.page;
  await page.setViewportSize({ width: 1440, height: 1000 });
  await app.identify.open(writeMapFile());
  const panel = page.getByTestId('map-panel');
  await expect(panel).toBeVisible();
  // The job runs with progress, then the result replaces it.
  await expect(page.getByTestId('phase-canvas')).toBeVisible({ timeout: 60_000 });
  await expect(page.getByTestId('intensity-canvas')).toBeVisible();
  const legend = page.getByTestId('map-legend');
  for (const m of ['Quartz', 'Calcite', 'Rutile', 'Baryte']) await expect(legend).toContainText(m);
  await shot('map-phase');

  // Top-left pixel is Quartz, the right band Calcite (x to the right, y downwards).
  const canvas = page.getByTestId('phase-canvas');
  const box = (await canvas.boundingBox())!;
  const cell = box.width / 16;
  await canvas.hover({ position: { x: cell * 1.5, y: cell * 1.5 } });
  await expect(page.getByTestId('map-hover')).toContainText('x 2 µm, y 2 µm');
  await expect(page.getByTestId('map-hover')).toContainText('Quartz');
  await canvas.click({ position: { x: cell * 14.5, y: cell * 8.5 } });
  await app.identify.waitForMatches();
  const matches = await app.identify.matches();
  expect(matches[0]!.substance).toBe('Calcite');
  await expect(page.getByTestId('spectrum-picker')).toHaveValue(String(8 * 16 + 14));
  await expect(page.getByTestId('map-hover')).toContainText('x 28 µm, y 16 µm');
  await page.getByTestId('match-row').first().scrollIntoViewIfNeeded();
  await shot('map-clicked-pixel');

  // Mean spectrum of a phase against its reference.
  await page.getByTestId('map-mean-0').click();
  await expect(page.getByTestId('map-mean-chart')).toBeVisible();
  await page.getByTestId('map-mean-chart').scrollIntoViewIfNeeded();
  await shot('map-phase-mean');
});
