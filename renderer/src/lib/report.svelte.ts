import type { ReportBatchFile, ReportRequest } from '../../../src-core/ipc/contract.js';
import { api, unwrap } from '../api/index.js';
import { session } from './session.svelte.js';
import { settings } from './settings.svelte.js';

export interface ReportPreview {
  fileName: string;
  url: string;
}

/** The report preview being shown (a blob: URL of the PDF), or null. */
export const reportState: { preview: ReportPreview | null; busy: boolean; error: string | null; mixture: boolean } = $state({
  preview: null,
  busy: false,
  error: null,
  /** Add the mixture section (the Identify view's "with mixture analysis" box). */
  mixture: false,
});

/** Render a report in the main process (the same gathering and renderer as `specmatch report`), then preview it. */
async function render(req: ReportRequest): Promise<void> {
  reportState.busy = true;
  reportState.error = null;
  try {
    const out = await unwrap(
      api.reportRender({
        ...req,
        ...(settings.labName ? { lab: settings.labName } : {}),
        ...(settings.analyst ? { analyst: settings.analyst } : {}),
      }),
    );
    closePreview();
    const blob = new Blob([out.bytes as Uint8Array<ArrayBuffer>], { type: 'application/pdf' });
    reportState.preview = { fileName: out.fileName, url: URL.createObjectURL(blob) };
  } catch (err) {
    reportState.error = err instanceof Error ? err.message : String(err);
  } finally {
    reportState.busy = false;
  }
}

/** The PDF of the current match. */
export async function exportReport(): Promise<void> {
  const file = session.file;
  if (!file || !session.result) return;
  await render({
    file: { name: file.name, bytes: file.bytes },
    spectrumIndex: session.selected,
    ...session.matchOptions(),
    ...(reportState.mixture ? { mixture: true } : {}),
  });
}

/** One batch report (a summary page, then a page per query) of the batch table's rows, matched as the view matches. */
export async function exportBatchReport(files: ReportBatchFile[]): Promise<void> {
  if (files.length === 0) return;
  await render({ files, ...session.matchOptions(), ...(reportState.mixture ? { mixture: true } : {}) });
}

/** The map page of a finished map job (phase image, phases, method): nothing is matched again. */
export async function exportMapReport(mapJobId: string): Promise<void> {
  await render({ mapJobId });
}

export function closePreview(): void {
  if (reportState.preview) URL.revokeObjectURL(reportState.preview.url);
  reportState.preview = null;
}
