import { join } from 'node:path';
import { expect, test } from '../support/fixtures.js';
import { FIXTURES } from '../support/paths.js';

const NEON = join(FIXTURES, 'calibration/Ne_532nm_x100_110ms.txt');
const POLYSTYRENE = join(FIXTURES, 'calibration/PST02_iRPlus532_Z050_100_2500msx5.txt');

test.describe('Instruments', () => {
  test('add an instrument, calibrate it on neon (found lines, residuals), accept; its files open calibrated', async ({
    app,
    shot,
  }) => {
    test.setTimeout(120_000);
    const name = 'E2E BWTek 532';
    await app.goTo('instruments');
    await app.instruments.addInstrument(name, '532.14', 'BTC162E-532S');

    // A wrong standard for the file is refused with its reason, and cannot be accepted.
    await app.instruments.fit(name, 'polystyrene', NEON);
    await expect(app.instruments.verdict).toHaveText('Refused');
    await expect(app.page.getByTestId('calibration-reason')).toContainText('Polystyrene line');
    await expect(app.page.getByTestId('calibration-accept')).toBeDisabled();

    await app.instruments.fit(name, 'neon', NEON);
    await expect(app.instruments.verdict).toHaveText('Accepted');
    await expect(app.page.getByTestId('calibration-summary')).toContainText('23 lines');
    await expect.poll(() => app.chartSeries('calibration-fit-chart')).toContain('Found lines (calibrated)');
    await expect.poll(() => app.chartSeries('calibration-residual-chart')).toContain('Residual');
    await shot('calibration-fit');

    await app.page.getByTestId('calibration-accept').click();
    await expect(app.page.getByTestId('instruments-notice')).toContainText('Calibration stored');
    await expect(app.page.getByTestId(`instrument-${name}`)).toContainText('neon');

    // A polystyrene file of the same instrument is recognised by its metadata and opens calibrated.
    await app.goTo('identify');
    await app.identify.open(POLYSTYRENE);
    await expect(app.page.getByTestId('calibrated-badge')).toHaveText(`Calibrated · ${name}`);
    await shot('calibrated-badge');
  });
});
