import { parseError } from '../../errors.js';
import { makeSpectrum } from '../../spectrum/makeSpectrum.js';
import type { FormatReader } from '../FormatReader.js';
import { decodeText, looksLikeText, splitLines } from '../textDecode.js';
import { baseName, parseNumber, withPoints } from './textCommon.js';

const ID = 'agilent-asp';
const LABEL = 'Agilent ASP';
/** Header lines before the intensities: point count, first x, last x, then three instrument values. */
const HEADER_LINES = 6;

/** The non-blank lines of the head of the file, trimmed. */
function headLines(text: string, max: number): string[] {
  const out: string[] = [];
  for (const l of splitLines(text)) {
    const t = l.trim();
    if (t === '') continue;
    out.push(t);
    if (out.length >= max) break;
  }
  return out;
}

/**
 * Agilent (Cary 630 / MicroLab) `.asp` export: plain text, one number per line. Line 1 is the number of points,
 * lines 2 and 3 the first and last wavenumber, lines 4-6 three instrument values (`1`, `2`, `4` in the OpenSpecy
 * fixture, not needed to read the spectrum), then one intensity per line. The x axis is implied: evenly spaced
 * from first to last (descending in practice). These are FTIR spectra, so x stays absolute wavenumber.
 */
export const agilentAsp: FormatReader = {
  id: ID,
  label: LABEL,
  extensions: ['asp'],
  sniff(bytes) {
    if (!looksLikeText(bytes)) return 0;
    const head = headLines(new TextDecoder('latin1').decode(bytes.subarray(0, 512)), HEADER_LINES + 2);
    if (head.length < HEADER_LINES + 1) return 0;
    const values = head.map((l) => parseNumber(l));
    if (values.some((v) => v === undefined)) return 0;
    const n = values[0]!;
    if (!Number.isInteger(n) || n < 2) return 0;
    const [, first, last] = values as number[];
    // Wavenumber limits of mid/near IR instruments; both positive and different.
    return first! > 0 && last! > 0 && first !== last && first! < 40_000 && last! < 40_000 ? 2 : 0;
  },
  read(bytes, fileName) {
    if (bytes.length === 0) throw parseError('E_EMPTY', fileName, LABEL, 'the file is empty');
    if (!looksLikeText(bytes)) throw parseError('E_CORRUPT', fileName, LABEL, 'the content is binary, not text');
    const lines = splitLines(decodeText(bytes))
      .map((l) => l.trim())
      .filter((l) => l !== '');
    if (lines.length < HEADER_LINES) throw parseError('E_CORRUPT', fileName, LABEL, `only ${lines.length} lines: the 6-line header is incomplete`);
    const header = lines.slice(0, HEADER_LINES).map((l) => parseNumber(l));
    const bad = header.findIndex((v) => v === undefined || !Number.isFinite(v));
    if (bad >= 0) throw parseError('E_CORRUPT', fileName, LABEL, `header line ${bad + 1} ('${lines[bad]!.slice(0, 40)}') is not a number`);
    const n = header[0]!;
    const first = header[1]!;
    const last = header[2]!;
    if (!Number.isInteger(n) || n < 2) throw parseError('E_CORRUPT', fileName, LABEL, `the point count '${lines[0]}' is not an integer of at least 2`);
    const available = lines.length - HEADER_LINES;
    // The count is checked against the lines present before anything is allocated.
    if (n > available) throw parseError('E_CORRUPT', fileName, LABEL, `the header declares ${n} points but the file holds ${available}: truncated`);
    const y = new Float64Array(n);
    let bad2 = 0;
    for (let i = 0; i < n; i++) {
      const v = parseNumber(lines[HEADER_LINES + i]!);
      if (v === undefined) bad2++;
      y[i] = v ?? NaN;
    }
    const warnings: string[] = [];
    if (bad2 > 0) warnings.push(`${bad2} intensity line${bad2 === 1 ? ' is' : 's are'} not numbers`);
    if (available > n) warnings.push(`${available - n} line${available - n === 1 ? '' : 's'} after the declared ${n} points ignored`);
    const step = (last - first) / (n - 1);
    const x = Float64Array.from({ length: n }, (_, i) => first + i * step);
    const spectra = [
      makeSpectrum({
        x,
        y,
        xUnit: 'abs-cm-1',
        originalXUnit: 'cm-1',
        isRaman: false,
        meta: {
          sourceFile: baseName(fileName),
          format: ID,
          position: { index: 0, count: 1 },
          fields: { points: String(n), firstX: lines[1]!, lastX: lines[2]!, header4: lines[3]!, header5: lines[4]!, header6: lines[5]! },
          warnings,
        },
      }),
    ];
    return withPoints(spectra, fileName, LABEL);
  },
};
