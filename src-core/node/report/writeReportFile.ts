import { extname } from 'node:path';
import { SpecmatchError } from '../../errors.js';
import type { ReportInput } from '../../report/ReportInput.js';
import { reportToCsv, reportToJson } from '../../report/reportTables.js';
import { checkOutputPath, writeFileAtomic } from '../io/writeFileAtomic.js';
import { renderReportPdf } from './renderReportPdf.js';

export type ReportFormat = 'pdf' | 'csv' | 'json';

/** The output format follows the extension of the path: .pdf, .csv or .json. */
export function reportFormatOf(path: string): ReportFormat {
  const ext = extname(path).toLowerCase();
  if (ext === '.pdf' || ext === '.csv' || ext === '.json') return ext.slice(1) as ReportFormat;
  throw new SpecmatchError('E_USAGE', `--out ${path}: the report format follows the extension: .pdf, .csv or .json`);
}

export async function renderReport(input: ReportInput, format: ReportFormat): Promise<Uint8Array> {
  if (format === 'pdf') return renderReportPdf(input);
  return new TextEncoder().encode(format === 'csv' ? reportToCsv(input) : reportToJson(input));
}

/**
 * Writes the report atomically (writeFileAtomic): rendered fully in memory, checked first so a bad path fails before
 * the work. When `allowedDir` is given (the folder the user picked in a dialog), a path outside it is refused.
 */
export async function writeReportFile(input: ReportInput, outPath: string, opts: { allowedDir?: string } = {}): Promise<{ path: string; bytes: number; format: ReportFormat }> {
  const format = reportFormatOf(outPath);
  checkOutputPath(outPath, opts);
  const bytes = await renderReport(input, format);
  const target = writeFileAtomic(outPath, bytes, opts);
  return { path: target, bytes: bytes.length, format };
}
