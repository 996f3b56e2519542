import { parseError } from '../../errors.js';
import { makeSpectrum } from '../../spectrum/makeSpectrum.js';
import type { Spectrum } from '../../spectrum/Spectrum.js';
import type { FormatReader } from '../FormatReader.js';
import { decodeText, looksLikeText, splitLines } from '../textDecode.js';
import { baseName, parseNumber, withPoints } from './textCommon.js';

const ID = 'text-map';
const LABEL = 'text map export (LabSpec/WITec)';

/** Most spectra one map may hold; a guard against hostile files, far above real maps (a 1000 × 1000 map is rare). */
const MAX_SPECTRA = 1_048_576;
/** Metadata lines (`#key=value`) kept in meta.fields. */
const MAX_FIELDS = 500;

type Delimiter = '\t' | ';' | ',';

/**
 * The plain-text map export of Horiba LabSpec and WITec Project: the first table line holds the Raman shift axis
 * (after up to three empty or label cells, e.g. LabSpec's two leading tabs or `X;Y;`), and every further line is one
 * spectrum: its stage X and Y in µm (a third Z column when every row has one more cell), then one intensity per axis
 * value. Tab, semicolon or comma separated (semicolon tables may use decimal commas). `#key=value` lines before the
 * table are metadata.
 */
interface Parsed {
  delimiter: Delimiter;
  decimalComma: boolean;
  /** Index of the axis line. */
  axisLine: number;
  /** Cells before the axis values on the axis line. */
  lead: number;
  axis: number[];
  /** 2 (X, Y) or 3 (X, Y, Z) position cells per data row. */
  coords: number;
}

function cells(line: string, d: Delimiter): string[] {
  const c = line.split(d);
  let n = c.length;
  while (n > 0 && c[n - 1]!.trim() === '') n--;
  return n === c.length ? c : c.slice(0, n);
}

function numbers(cs: readonly string[], decimalComma: boolean, from = 0): number[] | undefined {
  const out: number[] = [];
  for (let i = from; i < cs.length; i++) {
    const v = parseNumber(cs[i]!, decimalComma);
    if (v === undefined) return undefined;
    out.push(v);
  }
  return out;
}

function monotonic(v: readonly number[]): boolean {
  if (v.length < 2) return false;
  const up = v[1]! > v[0]!;
  for (let i = 1; i < v.length; i++) if (up ? !(v[i]! > v[i - 1]!) : !(v[i]! < v[i - 1]!)) return false;
  return true;
}

/** Finds the layout from the first lines; undefined when the text is not a map export. */
function parseHead(lines: readonly string[]): Parsed | undefined {
  let first = 0;
  while (first < lines.length && (lines[first]!.trim() === '' || lines[first]!.trimStart().startsWith('#'))) first++;
  if (first + 2 >= lines.length + 1) return undefined;
  const axisText = lines[first];
  let second = first + 1;
  while (second < lines.length && lines[second]!.trim() === '') second++;
  const dataText = lines[second];
  if (axisText === undefined || dataText === undefined) return undefined;
  for (const delimiter of ['\t', ';', ','] as const) {
    const a = cells(axisText, delimiter);
    const r = cells(dataText, delimiter);
    if (a.length < 4) continue;
    for (const decimalComma of delimiter === ';' || delimiter === '\t' ? [false, true] : [false]) {
      let lead = 0;
      while (lead < Math.min(3, a.length) && parseNumber(a[lead]!, decimalComma) === undefined) lead++;
      const axis = numbers(a, decimalComma, lead);
      if (!axis || axis.length < 3 || !monotonic(axis)) continue;
      const row = numbers(r, decimalComma);
      if (!row) continue;
      const coords = row.length - axis.length;
      if (coords !== 2 && coords !== 3) continue;
      // Leading cells of the axis line stand over the coordinate columns: there cannot be more of them.
      if (lead > coords) continue;
      return { delimiter, decimalComma, axisLine: first, lead, axis, coords };
    }
  }
  return undefined;
}

export const textMap: FormatReader = {
  id: ID,
  label: LABEL,
  extensions: ['txt', 'csv', 'tsv'],
  sniff(bytes) {
    if (!looksLikeText(bytes)) return 0;
    // The axis line of a long spectrum can be tens of kB: look at up to 1 MiB for the first two table lines.
    const head = new TextDecoder('latin1').decode(bytes.subarray(0, 1024 * 1024));
    const lines = splitLines(head);
    if (bytes.length > 1024 * 1024) lines.pop();
    const p = parseHead(lines.slice(0, 600));
    // A third line with the same shape makes it certain (a two-row table could be anything).
    if (!p) return 0;
    return 2;
  },
  read(bytes, fileName) {
    if (bytes.length === 0) throw parseError('E_EMPTY', fileName, LABEL, 'the file is empty');
    if (!looksLikeText(bytes)) throw parseError('E_CORRUPT', fileName, LABEL, 'the content is binary, not text');
    const lines = splitLines(decodeText(bytes));
    const p = parseHead(lines);
    if (!p) throw parseError('E_CORRUPT', fileName, LABEL, 'no axis line followed by X, Y and one intensity per axis value');
    const fields: Record<string, string> = {};
    let nFields = 0;
    for (let i = 0; i < p.axisLine && nFields < MAX_FIELDS; i++) {
      const m = /^#\s*([^=\t]{1,100}?)\s*[=\t]\s*(.*)$/.exec(lines[i]!.trim());
      if (m && !(m[1]! in fields)) {
        fields[m[1]!] = m[2]!.slice(0, 2000);
        nFields++;
      }
    }
    const base = baseName(fileName);
    const rows: { pos: number[]; y: number[] }[] = [];
    let malformed = 0;
    const width = p.axis.length + p.coords;
    for (let i = p.axisLine + 1; i < lines.length; i++) {
      const line = lines[i]!;
      if (line.trim() === '') continue;
      const v = numbers(cells(line, p.delimiter), p.decimalComma);
      if (!v || v.length !== width) {
        malformed++;
        continue;
      }
      if (rows.length >= MAX_SPECTRA) throw parseError('E_UNSUPPORTED', fileName, LABEL, `more than ${MAX_SPECTRA} spectra`);
      rows.push({ pos: v.slice(0, p.coords), y: v.slice(p.coords) });
    }
    if (rows.length === 0) throw parseError('E_EMPTY', fileName, LABEL, 'no spectrum row after the axis line');
    const warnings = malformed > 0 ? [`skipped ${malformed} line${malformed === 1 ? '' : 's'} that are not X, Y and ${p.axis.length} intensities`] : [];
    const count = rows.length;
    const spectra: Spectrum[] = rows.map((r, index) => {
      const [xUm, yUm, zUm] = r.pos;
      return makeSpectrum({
        x: p.axis,
        y: r.y,
        xUnit: 'cm-1',
        meta: {
          sourceFile: base,
          format: ID,
          position: { index, count, xUm: xUm!, yUm: yUm!, ...(p.coords === 3 ? { zUm: zUm! } : {}), label: `X=${xUm} Y=${yUm}${p.coords === 3 ? ` Z=${zUm}` : ''} µm` },
          fields,
          warnings: [...warnings],
        },
      });
    });
    return withPoints(spectra, fileName, LABEL);
  },
};
