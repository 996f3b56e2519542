import type { Locator, Page } from '@playwright/test';

/** The Settings view. */
export class SettingsPage {
  readonly view: Locator;
  constructor(readonly page: Page) {
    this.view = page.getByTestId('settings-view');
  }

  async setLab(name: string): Promise<void> {
    const f = this.page.getByTestId('settings-lab');
    await f.fill(name);
    await f.blur();
  }

  async setAnalyst(name: string): Promise<void> {
    const f = this.page.getByTestId('settings-analyst');
    await f.fill(name);
    await f.blur();
  }

  async setMethod(id: string): Promise<void> {
    await this.page.getByTestId('settings-method').selectOption(id);
  }
}
