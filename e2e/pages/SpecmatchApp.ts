import type { Locator, Page } from '@playwright/test';
import { expect } from '@playwright/test';
import { IdentifyPage } from './IdentifyPage.js';
import { LibraryPage } from './LibraryPage.js';
import { ModelPage } from './ModelPage.js';
import { SettingsPage } from './SettingsPage.js';
import { InstrumentsPage } from './InstrumentsPage.js';

/** The app's shell: navigation, status bar, toasts; one page object per view. */
export class SpecmatchApp {
  readonly identify: IdentifyPage;
  readonly library: LibraryPage;
  readonly model: ModelPage;
  readonly settings: SettingsPage;
  readonly instruments: InstrumentsPage;
  readonly statusBar: Locator;
  readonly toast: Locator;

  constructor(readonly page: Page) {
    this.identify = new IdentifyPage(page);
    this.library = new LibraryPage(page);
    this.model = new ModelPage(page);
    this.settings = new SettingsPage(page);
    this.instruments = new InstrumentsPage(page);
    this.statusBar = page.getByTestId('status-bar');
    this.toast = page.getByTestId('toast');
  }

  /** The app is up when the status bar shows the library (the first API round trip worked). */
  async waitReady(): Promise<void> {
    await expect(this.statusBar).toContainText('Library', { timeout: 30_000 });
    await expect(this.page.getByTestId('identify-view')).toBeVisible();
  }

  async goTo(view: 'identify' | 'library' | 'model' | 'instruments' | 'settings'): Promise<void> {
    await this.page.getByTestId(`nav-${view}`).click();
    await expect(this.page.getByTestId(`${view}-view`)).toBeVisible();
  }

  /** Labels of the series a chart draws (every chart exposes them as data-series), by the chart's test id. */
  async chartSeries(testId: string): Promise<string[]> {
    return JSON.parse((await this.page.getByTestId(testId).first().getAttribute('data-series')) ?? '[]') as string[];
  }

  /** Library counts from the status bar: "Library NAME · N substances · M spectra". */
  async libraryCounts(): Promise<{ substances: number; spectra: number }> {
    const text = (await this.statusBar.textContent()) ?? '';
    const s = /([\d,]+) substances?/.exec(text);
    const p = /([\d,]+) spectr(?:um|a)/.exec(text);
    return {
      substances: Number((s?.[1] ?? 'NaN').replace(/,/g, '')),
      spectra: Number((p?.[1] ?? 'NaN').replace(/,/g, '')),
    };
  }
}
