import { randomBytes } from 'node:crypto';
import { chmodSync, realpathSync, rmSync, statSync, writeFileSync, renameSync } from 'node:fs';
import { basename, dirname, extname, join, resolve } from 'node:path';
import { SpecmatchError } from '../../errors.js';
import type { ReportInput } from '../../report/ReportInput.js';
import { reportToCsv, reportToJson } from '../../report/reportTables.js';
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
 * Writes the report atomically: rendered fully in memory, written to a temporary file beside the target, then
 * renamed over it, so a failure never leaves a partial report. When `allowedDir` is given (the folder the user
 * picked in a dialog), a path that resolves outside it is refused. Never writes over one of its own `inputs`;
 * an existing file is replaced only with `force`, and keeps its permissions (a 0600 report stays 0600).
 */
export async function writeReportFile(
  input: ReportInput,
  outPath: string,
  opts: { allowedDir?: string; force?: boolean; inputs?: readonly string[] } = {},
): Promise<{ path: string; bytes: number; format: ReportFormat }> {
  const format = reportFormatOf(outPath);
  const target = resolve(outPath);
  if (opts.allowedDir !== undefined) {
    const root = resolve(opts.allowedDir);
    if (dirname(target) !== root && !target.startsWith(root + '/') && !target.startsWith(root + '\\')) {
      throw new SpecmatchError('E_OUTPUT', `${outPath}: outside the folder you chose (${root})`);
    }
  }
  const dir = dirname(target);
  let st;
  try {
    st = statSync(dir);
  } catch {
    throw new SpecmatchError('E_OUTPUT', `${outPath}: cannot write: the folder ${dir} does not exist`);
  }
  if (!st.isDirectory()) throw new SpecmatchError('E_OUTPUT', `${outPath}: cannot write: ${dir} is not a folder`);
  let existing: ReturnType<typeof statSync> | undefined;
  try {
    existing = statSync(target);
  } catch {
    existing = undefined;
  }
  if (existing?.isDirectory()) throw new SpecmatchError('E_OUTPUT', `${outPath}: is a folder`);
  if (existing) {
    const real = realpathSync(target);
    for (const q of opts.inputs ?? []) {
      let same: boolean;
      try {
        const qs = statSync(q);
        same = realpathSync(q) === real || (qs.ino === existing.ino && qs.dev === existing.dev);
      } catch {
        same = false;
      }
      if (same) throw new SpecmatchError('E_OUTPUT', `${outPath}: is one of the query files; the report would replace it: choose another --out name`);
    }
    if (!opts.force) throw new SpecmatchError('E_OUTPUT', `${outPath}: already exists; choose another name, or add --force to replace it`);
  }
  const bytes = await renderReport(input, format);
  const tmp = join(dir, `.${basename(target)}.${randomBytes(4).toString('hex')}.tmp`);
  try {
    writeFileSync(tmp, bytes, { flag: 'wx' });
    if (existing) chmodSync(tmp, existing.mode & 0o7777);
    renameSync(tmp, target);
  } catch (err) {
    rmSync(tmp, { force: true });
    const code = (err as NodeJS.ErrnoException).code;
    const why = code === 'EACCES' || code === 'EPERM' ? 'permission denied' : code === 'EROFS' ? 'read-only file system' : code === 'ENOSPC' ? 'disk full' : (err as Error).message;
    throw new SpecmatchError('E_OUTPUT', `${outPath}: cannot write: ${why}`, { cause: err });
  }
  return { path: target, bytes: bytes.length, format };
}
