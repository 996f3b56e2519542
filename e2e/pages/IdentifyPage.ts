import type { Locator, Page } from '@playwright/test';
import { expect } from '@playwright/test';

export interface MatchRowText {
  substance: string;
  /** Score in percent as shown. */
  scorePct: number;
}

/** The Identify view: open a file, the chart, the pipeline panel and the ranked matches. */
export class IdentifyPage {
  readonly view: Locator;
  readonly fileInput: Locator;
  readonly rows: Locator;
  readonly fileError: Locator;
  readonly matchError: Locator;
  readonly verdict: Locator;
  readonly chart: Locator;
  readonly readout: Locator;
  readonly pipeline: Locator;
  readonly previewChart: Locator;

  constructor(readonly page: Page) {
    this.view = page.getByTestId('identify-view');
    this.fileInput = page.getByTestId('open-file-input');
    this.rows = page.getByTestId('match-row');
    this.fileError = page.getByTestId('file-error');
    this.matchError = page.getByTestId('match-error');
    this.verdict = page.getByTestId('verdict');
    this.chart = this.view.getByTestId('spectrum-chart');
    this.readout = this.chart.getByTestId('cursor-readout');
    this.pipeline = page.getByTestId('pipeline-panel');
    this.previewChart = page.getByTestId('preview-chart');
  }

  /** Choose a file through the app's file input (as the Open dialog does); matching starts at once. */
  async open(path: string): Promise<void> {
    await this.fileInput.setInputFiles(path);
  }

  /** Drop a file onto the view (the bytes travel as a DataTransfer, as from a file manager). */
  async drop(name: string, bytes: Buffer): Promise<void> {
    // Built in the page (the test process has no DOM types): a DataTransfer holding one File of these bytes.
    const dataTransfer = await this.page.evaluateHandle(
      `(() => { const dt = new DataTransfer(); dt.items.add(new File([new Uint8Array(${JSON.stringify([...bytes])})], ${JSON.stringify(name)})); return dt; })()`,
    );
    await this.view.dispatchEvent('dragover', { dataTransfer });
    await this.view.dispatchEvent('drop', { dataTransfer });
  }

  async waitForMatches(): Promise<void> {
    await expect(this.rows.first()).toBeVisible({ timeout: 30_000 });
    await expect(this.page.getByTestId('matching')).toHaveCount(0);
  }

  async matches(): Promise<MatchRowText[]> {
    await this.waitForMatches();
    const out: MatchRowText[] = [];
    for (const row of await this.rows.all()) {
      const substance = (await row.getByTestId('match-substance').textContent()) ?? '';
      const score = (await row.getByTestId('match-score').textContent()) ?? '';
      out.push({ substance, scorePct: Number.parseFloat(score) });
    }
    return out;
  }

  /** Click a ranked row: toggles its reference overlay. */
  async selectMatch(rank: number): Promise<void> {
    await this.rows.nth(rank - 1).click();
  }

  /** Labels of the series the chart draws (the chart exposes them as data-series). */
  async chartSeries(): Promise<string[]> {
    return JSON.parse((await this.chart.getAttribute('data-series')) ?? '[]') as string[];
  }

  /** A fingerprint of the preview's values (changes when the preprocessing output changes). */
  async previewChecksum(): Promise<string> {
    return (await this.previewChart.getAttribute('data-checksum')) ?? '';
  }

  async hoverChart(fractionX: number): Promise<string> {
    const box = await this.chart.locator('canvas').boundingBox();
    if (!box) throw new Error('chart not visible');
    await this.page.mouse.move(box.x + box.width * fractionX, box.y + box.height * 0.4);
    await expect(this.readout).toContainText('cm⁻¹');
    return (await this.readout.textContent()) ?? '';
  }

  /** Export report… → preview → Save PDF; returns the saved file's bytes. */
  async exportReport(): Promise<Buffer> {
    await this.page.getByTestId('export-report').click();
    await expect(this.page.getByTestId('report-preview')).toBeVisible({ timeout: 60_000 });
    const [download] = await Promise.all([
      this.page.waitForEvent('download'),
      this.page.getByTestId('report-save').click(),
    ]);
    const path = await download.path();
    const { readFileSync } = await import('node:fs');
    return readFileSync(path);
  }

  async choosePreset(name: string): Promise<void> {
    await this.page.getByTestId('pipeline-preset').selectOption(name);
  }

  /** Set a step parameter in the pipeline panel (e.g. kind 'baseline.als', param 'lambda'). */
  async setParam(kind: string, param: string, value: string): Promise<void> {
    const input = this.page.getByTestId(`param-${kind}-${param}`).first();
    await input.fill(value);
    await input.press('Enter');
    await input.blur();
  }

  async addStep(kind: string): Promise<void> {
    await this.page.getByTestId('step-kind').selectOption(kind);
    await this.page.getByTestId('step-add').click();
  }
}
