import type { Locator, Page } from '@playwright/test';
import { expect } from '@playwright/test';

/** The Instruments view: profiles, adding an instrument, calibrating it on a standard. */
export class InstrumentsPage {
  readonly view: Locator;
  readonly verdict: Locator;
  constructor(readonly page: Page) {
    this.view = page.getByTestId('instruments-view');
    this.verdict = page.getByTestId('calibration-verdict');
  }

  async addInstrument(name: string, laserNm: string, contains: string): Promise<void> {
    await this.page.getByTestId('instrument-name').fill(name);
    await this.page.getByTestId('instrument-laser').fill(laserNm);
    await this.page.getByTestId('instrument-contains').fill(contains);
    await this.page.getByTestId('instrument-save').click();
    await expect(this.page.getByTestId(`instrument-${name}`)).toBeVisible();
  }

  /** Chooses the instrument and standard, then loads the standard's file (which fits it). */
  async fit(instrument: string, standard: string, file: string): Promise<void> {
    await this.page.getByTestId('calibrate-instrument').selectOption(instrument);
    await this.page.getByTestId('calibrate-standard').selectOption(standard);
    await this.page.getByTestId('calibrate-file').setInputFiles(file);
    await expect(this.verdict).toBeVisible({ timeout: 30_000 });
  }
}
