import { SpecmatchError, parseError, toSpecmatchError } from '../errors.js';
import type { FormatReader, ReadResult } from './FormatReader.js';
import { binaryReaders } from './binary/index.js';
import { instrumentReaders } from './instrument/index.js';
import { textReaders } from './text/index.js';

/** Every reader, most specific first (ties in sniff scores go to the earlier one). */
export const formatReaders: readonly FormatReader[] = [...binaryReaders, ...instrumentReaders, ...textReaders];

/** Every extension some reader claims (lower case, no dot), for open dialogs' filters: derived, never listed by hand. */
export const SPECTRUM_FILE_EXTENSIONS: readonly string[] = [...new Set(formatReaders.flatMap((r) => r.extensions))];

/**
 * Files larger than this are refused before parsing (E_TOO_LARGE). 256 MiB holds the largest Renishaw maps we have
 * seen many times over while keeping a hostile file from exhausting memory.
 */
export const MAX_FILE_BYTES = 256 * 1024 * 1024;

function extensionOf(fileName: string): string {
  const base = fileName.split(/[\\/]/).pop() ?? fileName;
  const dot = base.lastIndexOf('.');
  return dot <= 0 ? '' : base.slice(dot + 1).toLowerCase();
}

/** Pick the reader by content (magic bytes / header); the extension only breaks ties. */
export function detectFormat(bytes: Uint8Array, fileName: string): FormatReader | undefined {
  const ext = extensionOf(fileName);
  let best: FormatReader | undefined;
  let bestScore = 0;
  for (const reader of formatReaders) {
    let score: number;
    try {
      score = reader.sniff(bytes, fileName);
    } catch {
      score = 0;
    }
    if (score <= 0) continue;
    const bonus = reader.extensions.includes(ext) ? 0.5 : 0;
    if (score + bonus > bestScore) {
      best = reader;
      bestScore = score + bonus;
    }
  }
  return best;
}

/** Read every spectrum in a file's bytes. Throws only SpecmatchError. */
export function readSpectra(bytes: Uint8Array, fileName: string, opts: { format?: string } = {}): ReadResult {
  if (bytes.length > MAX_FILE_BYTES) {
    throw new SpecmatchError('E_TOO_LARGE', `${fileName}: file is ${bytes.length} bytes, over the ${MAX_FILE_BYTES}-byte limit`, { file: fileName });
  }
  if (bytes.length === 0) throw new SpecmatchError('E_EMPTY', `${fileName}: the file is empty`, { file: fileName });
  const warnings: string[] = [];
  let reader: FormatReader | undefined;
  if (opts.format) {
    reader = formatReaders.find((r) => r.id === opts.format);
    if (!reader) throw new SpecmatchError('E_PARAM', `unknown format '${opts.format}'`, { file: fileName });
  } else {
    reader = detectFormat(bytes, fileName);
    if (!reader) {
      throw new SpecmatchError('E_UNKNOWN_FORMAT', `${fileName}: no reader recognises this content (tried ${formatReaders.map((r) => r.id).join(', ')})`, { file: fileName });
    }
    const ext = extensionOf(fileName);
    const claimed = formatReaders.filter((r) => r.extensions.includes(ext));
    if (ext && claimed.length > 0 && !reader.extensions.includes(ext)) {
      warnings.push(`${fileName}: extension .${ext} suggests ${claimed.map((r) => r.label).join(' or ')}, but the content is ${reader.label}`);
    }
  }
  try {
    const all = reader.read(bytes, fileName);
    if (all.length === 0) throw parseError('E_EMPTY', fileName, reader.label, 'the file holds no spectrum');
    // A spectrum without a single finite point is useless downstream: drop it, and refuse a file of only those.
    const spectra = all.filter((s) => s.x.length > 0);
    if (spectra.length === 0) throw parseError('E_EMPTY', fileName, reader.label, `none of its ${all.length} spectra holds a data point`);
    if (spectra.length < all.length) warnings.push(`${fileName}: ${all.length - spectra.length} of ${all.length} spectra hold no data point and were skipped`);
    return { format: reader.id, spectra, warnings };
  } catch (err) {
    // Readers throw SpecmatchError; anything else (a RangeError from a DataView on a truncated file, a third-party
    // library's exception) is a corrupt file, never an untyped crash.
    if (err instanceof SpecmatchError) throw err;
    throw toSpecmatchError(err, { code: 'E_CORRUPT', file: fileName, format: reader.label });
  }
}
