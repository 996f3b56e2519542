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
 * the work. When `allowedDir` is given (the folder the user picked in a dialog), a path outside it is refused. Never
 * writes over one of the query files (`inputs`); an existing file is replaced only with `force`, keeping its mode.
 */
export async function writeReportFile(
  input: ReportInput,
  outPath: string,
  opts: { allowedDir?: string; force?: boolean; inputs?: readonly string[] } = {},
): Promise<{ path: string; bytes: number; format: ReportFormat }> {
  const format = reportFormatOf(outPath);
  const out = {
    ...(opts.allowedDir === undefined ? {} : { allowedDir: opts.allowedDir }),
    inputs: opts.inputs ?? [],
    existing: opts.force ? ('replace' as const) : ('refuse' as const),
  };
  checkOutputPath(outPath, out);
  const bytes = await renderReport(input, format);
  const target = writeFileAtomic(outPath, bytes, out);
  return { path: target, bytes: bytes.length, format };
}
