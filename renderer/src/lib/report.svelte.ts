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

/** Render the PDF of the current match in the main process (the same renderer as `specmatch report`), then preview it. */
export async function exportReport(): Promise<void> {
  const file = session.file;
  if (!file || !session.result) return;
  reportState.busy = true;
  reportState.error = null;
  try {
    const out = await unwrap(
      api.reportRender({
        file: { name: file.name, bytes: file.bytes },
        spectrumIndex: session.selected,
        ...session.matchOptions(),
        ...(settings.labName ? { lab: settings.labName } : {}),
        ...(settings.analyst ? { analyst: settings.analyst } : {}),
        ...(reportState.mixture ? { mixture: true } : {}),
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

export function closePreview(): void {
  if (reportState.preview) URL.revokeObjectURL(reportState.preview.url);
  reportState.preview = null;
}
