/**
 * Typed errors. Every failure a user can cause (bad file, bad parameter, unusable library) is a SpecmatchError
 * with a stable `code` that scripts can switch on, and a message that names the file and the reason.
 */
export type ErrorCode =
  | 'E_READ' // the file could not be read from disk
  | 'E_TOO_LARGE' // over the documented size limit
  | 'E_EMPTY' // zero bytes or no data points
  | 'E_UNKNOWN_FORMAT' // no reader recognises the content
  | 'E_FORMAT_MISMATCH' // content does not match what the extension claims (used only when it matters)
  | 'E_CORRUPT' // the content is recognised but broken or truncated
  | 'E_UNSUPPORTED' // a recognised variant we do not read (stated why)
  | 'E_PIPELINE' // invalid preprocessing pipeline
  | 'E_PARAM' // invalid parameter or option
  | 'E_USAGE' // command-line usage error
  | 'E_LIBRARY' // the reference library cannot be used
  | 'E_LIBRARY_BUSY' // another Specmatch holds the library's write lock (retried first; try again later)
  | 'E_LIBRARY_FULL' // the disk is full: the last change was not saved
  | 'E_MODEL' // the model cannot be loaded or used
  | 'E_NOT_FOUND' // an id or name that does not exist
  | 'E_OUTPUT' // output path cannot be written
  | 'E_CALIBRATION' // a calibration fit was refused (too few lines, poor RMS, not monotonic)
  | 'E_CANCELLED'
  | 'E_INTERNAL';

export interface ErrorInfo {
  code: ErrorCode;
  message: string;
}

export class SpecmatchError extends Error {
  override readonly name = 'SpecmatchError';
  readonly code: ErrorCode;
  /** File the error is about (as given by the user), when there is one. */
  readonly file: string | undefined;
  /** Format tried, when the error comes from a reader. */
  readonly format: string | undefined;

  constructor(code: ErrorCode, message: string, opts: { file?: string; format?: string; cause?: unknown } = {}) {
    super(message, opts.cause === undefined ? undefined : { cause: opts.cause });
    this.code = code;
    this.file = opts.file;
    this.format = opts.format;
  }

  toInfo(): ErrorInfo {
    return { code: this.code, message: this.message };
  }
}

/** A reader error: the message always names the file, the format tried and the reason. */
export function parseError(code: ErrorCode, file: string, format: string, reason: string, cause?: unknown): SpecmatchError {
  return new SpecmatchError(code, `${file}: cannot read as ${format}: ${reason}`, { file, format, cause });
}

/** What to do with a damaged library file (said with every "damaged" error). */
export const RECOVERY_HINT =
  'restore it from a backup, or recover what is readable with the sqlite3 tool: sqlite3 DAMAGED.specmatch ".recover" | sqlite3 RECOVERED.specmatch, then open RECOVERED.specmatch';

/** SQLite's errors (better-sqlite3's SqliteError carries the code) that mean something to the user. */
function sqliteError(err: unknown): SpecmatchError | undefined {
  const raw = (err as { code?: unknown } | null)?.code;
  if (typeof raw !== 'string' || !raw.startsWith('SQLITE_')) return undefined;
  const reason = err instanceof Error ? err.message : raw;
  if (raw.startsWith('SQLITE_BUSY') || raw.startsWith('SQLITE_LOCKED'))
    return new SpecmatchError('E_LIBRARY_BUSY', `another Specmatch is writing to the library; try again when it has finished (${reason})`, { cause: err });
  if (raw === 'SQLITE_FULL') return new SpecmatchError('E_LIBRARY_FULL', `the disk is full: the last change was not saved (${reason})`, { cause: err });
  if (raw.startsWith('SQLITE_CORRUPT') || raw === 'SQLITE_NOTADB')
    return new SpecmatchError('E_LIBRARY', `the library file is damaged (${reason}); ${RECOVERY_HINT}`, { cause: err });
  return undefined;
}

/** Turns anything thrown into a SpecmatchError (untyped exceptions become E_INTERNAL with their message). */
export function toSpecmatchError(err: unknown, fallback: { code?: ErrorCode; file?: string; format?: string } = {}): SpecmatchError {
  if (err instanceof SpecmatchError) return err;
  const known = sqliteError(err);
  if (known) return known;
  const reason = err instanceof Error ? err.message : String(err);
  const prefix = fallback.file ? `${fallback.file}: ` : '';
  const fmt = fallback.format ? `cannot read as ${fallback.format}: ` : '';
  return new SpecmatchError(fallback.code ?? 'E_INTERNAL', `${prefix}${fmt}${reason}`, {
    ...(fallback.file === undefined ? {} : { file: fallback.file }),
    ...(fallback.format === undefined ? {} : { format: fallback.format }),
    cause: err,
  });
}
