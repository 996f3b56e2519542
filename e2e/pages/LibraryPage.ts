import type { Locator, Page } from '@playwright/test';
import { expect } from '@playwright/test';

/** The Library view: search, substance detail, add from the current spectrum, remove/undo, import, embeddings. */
export class LibraryPage {
  readonly view: Locator;
  readonly search: Locator;
  readonly items: Locator;
  readonly detailName: Locator;
  readonly importJob: Locator;
  readonly embeddings: Locator;

  constructor(readonly page: Page) {
    this.view = page.getByTestId('library-view');
    this.search = page.getByTestId('library-search');
    this.items = page.getByTestId('substance-item');
    this.detailName = page.getByTestId('detail-name');
    this.importJob = page.getByTestId('import-job');
    this.embeddings = page.getByTestId('library-embeddings');
  }

  async find(text: string): Promise<void> {
    await this.search.fill(text);
    // The list refreshes after a short debounce.
    await this.page.waitForTimeout(300);
  }

  async names(): Promise<string[]> {
    return this.page.getByTestId('substance-name').allTextContents();
  }

  async open(name: string): Promise<void> {
    await this.find(name);
    await this.items
      .filter({ has: this.page.getByTestId('substance-name').getByText(name, { exact: true }) })
      .first()
      .click();
    await expect(this.detailName).toHaveText(name);
  }

  async addCurrentSpectrumAs(name: string): Promise<void> {
    await this.page.getByTestId('add-substance').click();
    await this.page.getByTestId('add-name').fill(name);
    await this.page.getByTestId('add-confirm').click();
    await expect(this.detailName).toHaveText(name);
  }

  async removeOpen(): Promise<void> {
    await this.page.getByTestId('remove-substance').click();
  }

  async undo(): Promise<void> {
    await this.page.getByTestId('toast-action').click();
  }

  /** Import a folder through the folder chooser (webkitdirectory). */
  async importFolder(dir: string): Promise<void> {
    await this.page.getByTestId('import-folder-input').setInputFiles(dir);
  }

  async waitImportDone(): Promise<string> {
    await expect(this.importJob).toHaveAttribute('data-state', /done|failed|cancelled/, { timeout: 60_000 });
    return (await this.importJob.textContent()) ?? '';
  }

  /** Import files through the files chooser. */
  async importFiles(files: string[]): Promise<void> {
    await this.page.getByTestId('import-files-input').setInputFiles(files);
  }

  get checksPanel(): Locator {
    return this.page.getByTestId('checks-panel');
  }

  get findings(): Locator {
    return this.page.getByTestId('finding');
  }

  /** Opens the Checks pane and runs the checks, waiting for the findings list. */
  async runChecks(): Promise<void> {
    await this.page.getByTestId('pane-checks').click();
    await expect(this.checksPanel).toBeVisible();
    await this.page.getByTestId('checks-run').click();
    await expect(this.page.getByTestId('checks-list')).toBeVisible({ timeout: 60_000 });
  }

  /** The finding naming a substance. */
  finding(substance: string): Locator {
    return this.findings.filter({ hasText: substance });
  }
}
