import type { Locator, Page } from '@playwright/test';
import { expect } from '@playwright/test';

/** The Model view: manifest, switching models (re-embedding), training with live plots. */
export class ModelPage {
  readonly view: Locator;
  readonly trainJob: Locator;
  readonly embedJob: Locator;
  readonly modelId: Locator;

  constructor(readonly page: Page) {
    this.view = page.getByTestId('model-view');
    this.trainJob = page.getByTestId('train-job');
    this.embedJob = page.getByTestId('embed-job');
    this.modelId = page.getByTestId('model-id');
  }

  async train(epochs: number): Promise<void> {
    await this.page.getByTestId('train-epochs').fill(String(epochs));
    await this.page.getByTestId('train-start').click();
    await expect(this.trainJob).toBeVisible();
  }

  async waitTrainDone(timeoutMs = 240_000): Promise<string> {
    await expect(this.trainJob).toHaveAttribute('data-state', /done|failed|cancelled/, { timeout: timeoutMs });
    return (await this.trainJob.textContent()) ?? '';
  }

  async modelChoices(): Promise<string[]> {
    const values: string[] = [];
    for (const option of await this.page.getByTestId('model-choice').locator('option:not([disabled])').all())
      values.push((await option.getAttribute('value')) ?? '');
    return values;
  }

  async switchTo(id: string): Promise<void> {
    await this.page.getByTestId('model-choice').selectOption(id);
    await this.page.getByTestId('model-switch').click();
  }
}
