import { expect, test } from '../support/fixtures.js';
import { HELD_OUT_QUARTZ } from '../support/paths.js';

/** Screenshots of every view at the two sizes analysts use, in light and dark; looked at by a person. */
for (const size of [
  { width: 1280, height: 800 },
  { width: 1920, height: 1080 },
]) {
  test(`every view at ${size.width}×${size.height}`, async ({ app, shot }) => {
    await app.page.setViewportSize(size);
    await shot('identify-empty');
    await app.identify.open(HELD_OUT_QUARTZ);
    await app.identify.waitForMatches();
    await app.identify.selectMatch(1);
    await app.identify.selectMatch(2);
    await shot('identify');
    await app.goTo('library');
    await app.library.open('Quartz');
    await shot('library');
    await app.goTo('model');
    await shot('model');
    await app.goTo('settings');
    await expect(app.page.getByTestId('about')).toContainText('Specmatch');
    await expect(app.page.getByTestId('about')).toContainText('8 substances');
    await shot('settings');
    await app.page.getByLabel('Dark').check();
    await app.goTo('identify');
    await shot('identify-dark');
    await app.goTo('settings');
    await app.page.getByLabel('Follow the system').check();
  });
}

test('settings are remembered across reloads', async ({ app }) => {
  await app.goTo('settings');
  await app.settings.setLab('Mineralogy Lab, Büro 3');
  await app.settings.setAnalyst('Zoë Ångström');
  await app.page.reload();
  await app.waitReady();
  await app.goTo('settings');
  await expect(app.page.getByTestId('settings-lab')).toHaveValue('Mineralogy Lab, Büro 3');
  await expect(app.page.getByTestId('settings-analyst')).toHaveValue('Zoë Ångström');
});
