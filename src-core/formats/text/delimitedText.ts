import { parseError } from '../../errors.js';
import { makeSpectrum } from '../../spectrum/makeSpectrum.js';
import type { RawSpectrumInput } from '../../spectrum/makeSpectrum.js';
import type { Spectrum } from '../../spectrum/Spectrum.js';
import type { FormatReader } from '../FormatReader.js';
import { decodeText, looksLikeText, splitLines } from '../textDecode.js';
import { DATE_KEYS, INSTRUMENT_KEYS, baseName, extensionOf, isLaserKey, nameSaysInfrared, normaliseDate, parseLaserNm, parseNumber, pickField, withPoints } from './textCommon.js';

const ID = 'delimited-text';
const LABEL = 'delimited text (CSV/TXT/TSV/ASC)';

/** Column separator: tab, semicolon, comma, or any run of white space (' '). */
type Delimiter = '\t' | ';' | ',' | ' ';
interface Dialect {
  delimiter: Delimiter;
  decimalComma: boolean;
}

/**
 * Dialects tried, in tie-break order. Decimal comma only pairs with a separator that is not a comma (BWTek BWSpec
 * writes `;` and `1038,2857`).
 */
const DIALECTS: readonly Dialect[] = [
  { delimiter: '\t', decimalComma: false },
  { delimiter: ';', decimalComma: false },
  { delimiter: ';', decimalComma: true },
  { delimiter: ',', decimalComma: false },
  { delimiter: ' ', decimalComma: false },
  { delimiter: '\t', decimalComma: true },
  { delimiter: ' ', decimalComma: true },
];

/** Most spectra one table may yield (one per column or row); a guard against hostile files, far above real exports. */
const MAX_SPECTRA = 65_536;
/** Metadata lines kept in meta.fields (a long free-text header must not bloat every spectrum's metadata). */
const MAX_FIELDS = 2_000;
/** Lines sampled to detect the dialect (spread over the file). */
const SAMPLE_LINES = 200;

/** Split one line into cells; a quoted cell may hold the separator. Trailing empty cells are dropped. */
function splitCells(line: string, delimiter: Delimiter): string[] {
  let cells: string[];
  if (delimiter === ' ') {
    const t = line.trim();
    cells = t === '' ? [] : t.split(/\s+/);
  } else if (line.includes('"')) {
    cells = [];
    let cur = '';
    let quoted = false;
    for (let i = 0; i < line.length; i++) {
      const c = line[i]!;
      if (c === '"') {
        if (quoted && line[i + 1] === '"') {
          cur += '"';
          i++;
        } else quoted = !quoted;
      } else if (c === delimiter && !quoted) {
        cells.push(cur);
        cur = '';
      } else cur += c;
    }
    cells.push(cur);
  } else cells = line.split(delimiter);
  let n = cells.length;
  while (n > 0 && isBlank(cells[n - 1]!)) n--;
  return n === cells.length ? cells : cells.slice(0, n);
}

/** True for an empty or all-white-space cell (without allocating a trimmed copy). */
function isBlank(cell: string): boolean {
  for (let i = 0; i < cell.length; i++) {
    const c = cell.charCodeAt(i);
    if (c !== 32 && c !== 9 && c !== 13 && c !== 10 && c !== 160) return false;
  }
  return true;
}

/**
 * The numbers of a data row (NaN for a blank cell), or undefined when the line is not a data row: every non-blank
 * cell must be a number and at least two cells must be numbers.
 */
function numericRow(line: string, dialect: Dialect): number[] | undefined {
  const cells = splitCells(line, dialect.delimiter);
  if (cells.length < 2) return undefined;
  const out = new Array<number>(cells.length);
  let numbers = 0;
  for (let i = 0; i < cells.length; i++) {
    const c = cells[i]!;
    const v = parseNumber(c, dialect.decimalComma);
    if (v === undefined) {
      if (!isBlank(c)) return undefined;
      out[i] = NaN;
      continue;
    }
    out[i] = v;
    numbers++;
  }
  return numbers >= 2 ? out : undefined;
}

/** Evenly spread sample of non-blank line indices (the header of a 2,000-line export must not dominate). */
function sampleIndices(lines: readonly string[], max: number): number[] {
  const step = Math.max(1, Math.floor(lines.length / max));
  const out: number[] = [];
  for (let i = 0; i < lines.length; i += step) if (lines[i]!.trim() !== '') out.push(i);
  return out;
}

/** The dialect under which most sampled lines are data rows (undefined when none is). */
function detectDialect(lines: readonly string[], max = SAMPLE_LINES): Dialect | undefined {
  const sample = sampleIndices(lines, max);
  let best: Dialect | undefined;
  let bestCount = 0;
  for (const d of DIALECTS) {
    let count = 0;
    for (const i of sample) if (numericRow(lines[i]!, d)) count++;
    if (count > bestCount) {
      best = d;
      bestCount = count;
    }
  }
  return best;
}

/** A `key=value`, `key;value`, `key,value`, `key<TAB>value` or `key: value` metadata line. */
function parseMetaLine(line: string, delimiter: Delimiter): [string, string] | undefined {
  let t = line.trim();
  if (t === '' || t.startsWith('//') || /^\[[^\]]*\]$/.test(t)) return undefined;
  t = t.replace(/^#+\s*/, '');
  let m = /^([^=]{1,100}?)\s*=\s*(.*)$/.exec(t);
  if (m && (delimiter === ' ' || !m[1]!.includes(delimiter))) return [m[1]!.trim(), m[2]!.trim()];
  if (delimiter !== ' ') {
    const cells = splitCells(t, delimiter);
    if (cells.length >= 2 && cells[0]!.trim() !== '') return [cells[0]!.trim(), cells.slice(1).join(delimiter).trim()];
  }
  m = /^([^:]{1,100}):\s*(.*)$/.exec(t);
  if (m) return [m[1]!.trim(), m[2]!.trim()];
  return undefined;
}

/** Cells of a units row (WITec writes `nm,CCD cts` under the column names). */
const UNIT_CELL = /^(nm|cm-1|cm\^-1|1\/cm|cm-¹|cm⁻¹|rel\.?\s*1\/cm|ev|a\.?\s*u\.?|arb\.?\s*units?|counts?|cts|ccd\s*cts|cnt|pixels?|%|s|ms)$/i;

type ColumnKind = 'shift' | 'wavenumber' | 'wavelength' | 'pixel' | 'generic-x' | 'y';

/** What a column name says about the column. */
function columnKind(name: string): ColumnKind {
  const n = name.trim().replace(/^#\s*/, '');
  if (/raman[\s_-]*shift|^shift\b|rel\.?\s*1\/cm|raman.*cm-?1/i.test(n)) return 'shift';
  if (/wave[\s_-]*numbers?|^wn$|cm-1|cm\^-1|1\/cm|cm⁻¹|cm-¹/i.test(n)) return 'wavenumber';
  if (/wavelength|lambda|\(nm\)|^nm$/i.test(n)) return 'wavelength';
  if (/^(pixels?|index|no\.?|point|points|#)$/i.test(n)) return 'pixel';
  if (/^(x|x-axis|x\s*axis|wave|energy|ev|raman)$/i.test(n)) return 'generic-x';
  return 'y';
}

/** Column names that say "intensity" and nothing about the substance. */
const GENERIC_Y = /^(#?\s*(y|intensity|intensities|int|counts?|cts|ccd\s*cts|cnt|signal|spectrum|data|value|values|absorbance|transmittance|reflectance|a\.?u\.?|arb.*)|raw.*|processed.*|dark.*|background.*|reference.*|.*#\s*\d+|spectrum--.*|\d.*)$/i;

/** x unit stated by a unit cell or metadata value (`nm`, `1/cm`, `cm-1`, `eV`, `pixel`), undefined when unclear. */
function unitFromText(text: string): RawSpectrumInput['xUnit'] | undefined {
  const t = text.trim().toLowerCase();
  if (t === '') return undefined;
  if (/^(nm|nanomet(er|re)s?)$|wavelength|\(nm\)/.test(t)) return 'nm';
  if (/cm-1|cm\^-1|1\/cm|cm⁻¹|cm-¹|raman\s*shift|wave\s*numbers?/.test(t)) return 'cm-1';
  if (/^ev$|\(ev\)/.test(t)) return 'ev';
  if (/^pixels?$|^points?$/.test(t)) return 'pixel';
  return undefined;
}

interface Table {
  /** Rows of numbers, NaN for blank cells, in file order. */
  rows: number[][];
  /** Column count (the most common row length). */
  columns: number;
  names?: string[];
  units?: string[];
  /** Row above the names grouping x/y pairs (`cli-0,cli-0,cli-1,cli-1`). */
  groups?: string[];
  fields: Record<string, string>;
  malformed: number;
  /** For each row, the index of its blank-line-separated block (gnuplot-style data sets; SPC XYXY text dumps). */
  blockOf: number[];
}

function fitNames(cells: string[], columns: number): string[] | undefined {
  if (cells.length === columns) return cells.map((c) => c.trim().replace(/^"|"$/g, ''));
  const nonEmpty = cells.filter((c) => c.trim() !== '');
  // WiRE writes `#Wave<TAB><TAB>#Intensity`: the doubled tab makes an empty cell that has no column.
  if (nonEmpty.length === columns) return nonEmpty.map((c) => c.trim().replace(/^"|"$/g, ''));
  return undefined;
}

function isKeyValueLine(line: string, delimiter: Delimiter): boolean {
  const t = line.trim();
  if (/^#/.test(t) && t.includes('=')) return true;
  const m = /^([^=]{1,100}?)\s*=/.exec(t);
  return m !== null && (delimiter === ' ' || !m[1]!.includes(delimiter));
}

/** Read the table: data block, column names (and units row), metadata lines before and after. */
function readTable(lines: readonly string[], dialect: Dialect): Table | undefined {
  const parsed: (number[] | undefined)[] = lines.map((l) => numericRow(l, dialect));
  // The data block starts at the longest run of data rows (blank lines do not break a run), so a stray numeric
  // metadata line such as `2048;1024` in a header is not taken for the start of the data.
  let bestStart = -1;
  let bestLen = 0;
  let runStart = -1;
  let runLen = 0;
  for (let i = 0; i < lines.length; i++) {
    if (parsed[i]) {
      if (runStart < 0) runStart = i;
      runLen++;
      if (runLen > bestLen) {
        bestLen = runLen;
        bestStart = runStart;
      }
    } else if (lines[i]!.trim() !== '') {
      runStart = -1;
      runLen = 0;
    }
  }
  if (bestStart < 0) return undefined;
  let last = lines.length - 1;
  while (last > bestStart && !parsed[last]) last--;

  const counts = new Map<number, number>();
  const rows: number[][] = [];
  const blockOf: number[] = [];
  let block = 0;
  let blank = false;
  let malformed = 0;
  for (let i = bestStart; i <= last; i++) {
    const r = parsed[i];
    if (r) {
      if (blank && rows.length > 0) block++;
      blank = false;
      rows.push(r);
      blockOf.push(block);
      counts.set(r.length, (counts.get(r.length) ?? 0) + 1);
    } else if (lines[i]!.trim() !== '') malformed++;
    else blank = true;
  }
  let columns = 0;
  let modeCount = 0;
  for (const [len, c] of counts) {
    if (c > modeCount || (c === modeCount && len > columns)) {
      columns = len;
      modeCount = c;
    }
  }

  // Column names: the nearest non-blank line above the data that is not a `key=value` line; a units row under the
  // names (WITec) or a group row above them (pairs of columns per spectrum) is recognised too.
  const headerLines = new Set<number>();
  let names: string[] | undefined;
  let units: string[] | undefined;
  let groups: string[] | undefined;
  const above: number[] = [];
  for (let i = bestStart - 1; i >= 0 && above.length < 2; i--) {
    if (lines[i]!.trim() === '') continue;
    if (isKeyValueLine(lines[i]!, dialect.delimiter)) break;
    const fitted = fitNames(splitCells(lines[i]!, dialect.delimiter), columns);
    if (!fitted || fitted.length < 2) break;
    above.push(i);
  }
  if (above.length > 0) {
    const near = fitNames(splitCells(lines[above[0]!]!, dialect.delimiter), columns)!;
    const prev = above.length > 1 ? fitNames(splitCells(lines[above[1]!]!, dialect.delimiter), columns)! : undefined;
    const nearIsUnits = near.every((c) => c === '' || UNIT_CELL.test(c));
    if (nearIsUnits && prev) {
      names = prev;
      units = near;
      headerLines.add(above[0]!).add(above[1]!);
    } else {
      names = near;
      headerLines.add(above[0]!);
      if (prev && prev.some((c, i) => i > 0 && c !== '' && c === prev[i - 1])) {
        groups = prev;
        headerLines.add(above[1]!);
      }
    }
  }

  const fields: Record<string, string> = {};
  let nFields = 0;
  const addMeta = (i: number): void => {
    if (headerLines.has(i) || nFields >= MAX_FIELDS) return;
    const kv = parseMetaLine(lines[i]!, dialect.delimiter);
    if (!kv || kv[0] === '' || kv[0] in fields) return;
    fields[kv[0]] = kv[1].slice(0, 2000);
    nFields++;
  };
  for (let i = 0; i < bestStart; i++) addMeta(i);
  for (let i = last + 1; i < lines.length; i++) addMeta(i);

  return { rows, columns, ...(names ? { names } : {}), ...(units ? { units } : {}), ...(groups ? { groups } : {}), fields, malformed, blockOf };
}

interface Series {
  x: number[];
  y: number[];
  label?: string;
  /** Whether the label is a column name (a possible substance) rather than a file's group label or row index. */
  labelIsName: boolean;
  /** Rows skipped because their x cell was blank (BWTek leaves uncalibrated pixels without a Raman shift). */
  noX: number;
  /** Stage position of a map or line-scan spectrum, µm. */
  coords?: { xUm?: number; yUm?: number; zUm?: number };
}

function column(rows: readonly number[][], j: number): number[] {
  return rows.map((r) => (j < r.length ? r[j]! : NaN));
}

/** Non-decreasing or non-increasing (NaN ignored). */
function monotonic(values: readonly number[]): boolean {
  let up = true;
  let down = true;
  let prev = NaN;
  for (const v of values) {
    if (Number.isNaN(v)) continue;
    if (!Number.isNaN(prev)) {
      if (v < prev) up = false;
      if (v > prev) down = false;
    }
    prev = v;
  }
  return up || down;
}

function allNaN(values: readonly number[]): boolean {
  return values.every((v) => Number.isNaN(v));
}

function pairSeries(xs: number[], ys: number[], label: string | undefined, labelIsName = false): Series {
  const x: number[] = [];
  const y: number[] = [];
  let noX = 0;
  for (let i = 0; i < xs.length; i++) {
    if (Number.isNaN(xs[i]!)) {
      if (!Number.isNaN(ys[i]!)) noX++;
      continue;
    }
    x.push(xs[i]!);
    y.push(ys[i]!);
  }
  return { x, y, noX, labelIsName, ...(label === undefined ? {} : { label }) };
}

/**
 * Drop runs of exact 0 intensities at either end of a spectrum (at least 2 points, and only when other points are
 * non-zero). Zolix exports pad the pixels outside the calibrated range with 0.0; a real detector never reads exactly
 * zero several pixels in a row, so such runs carry no measurement. Returns how many points were dropped.
 */
function trimZeroPadding(s: Series): number {
  let a = 0;
  while (a < s.y.length && s.y[a] === 0) a++;
  let b = s.y.length;
  while (b > a && s.y[b - 1] === 0) b--;
  if (a === s.y.length) return 0;
  const lead = a >= 2 ? a : 0;
  const trail = s.y.length - b >= 2 ? s.y.length - b : 0;
  if (lead + trail === 0) return 0;
  s.x = s.x.slice(lead, s.x.length - trail);
  s.y = s.y.slice(lead, s.y.length - trail);
  return lead + trail;
}

/** How the x column was chosen and what it holds. */
interface Layout {
  series: Series[];
  xKind: ColumnKind | 'unnamed';
  xName?: string;
  xUnitCell?: string;
}

function layoutOf(table: Table, fileName: string): Layout {
  const { rows, columns, names, units, groups } = table;
  if (!names) {
    // LabSpec multi-spectrum export: the first row holds the x values after one empty cell; every later row starts
    // with the spectrum's index (`lasertest1.txt`). Map exports (stage X, Y before the intensities) are the text-map
    // reader's (textMap.ts).
    const first = rows[0]!;
    const k = Number.isNaN(first[0]!) && !Number.isNaN(first[1]!) ? 1 : 0;
    if (k === 1 && columns - k >= 2 && rows.length >= 2 && rows.slice(1).every((r) => !Number.isNaN(r[0]!))) {
      const xs = first.slice(k);
      if (rows.length - 1 > MAX_SPECTRA) throw parseError('E_UNSUPPORTED', fileName, LABEL, `${rows.length - 1} spectra in one table (limit ${MAX_SPECTRA})`);
      const series = rows.slice(1).map((r) => pairSeries(xs, xs.map((_, j) => (j + k < r.length ? r[j + k]! : NaN)), String(r[0])));
      return { series, xKind: 'unnamed' };
    }
    // A table far wider than tall whose first row is a monotonic axis holds one spectrum per row (x in that row), not
    // thousands of few-point spectra per column.
    if (rows.length >= 2 && columns >= 16 && columns > 4 * rows.length && monotonic(first) && !first.some((v) => Number.isNaN(v))) {
      return { series: rows.slice(1).map((r, i) => pairSeries(first, first.map((_, j) => (j < r.length ? r[j]! : NaN)), `row ${i + 2}`)), xKind: 'unnamed' };
    }
    const xs = column(rows, 0);
    // x/y data sets separated by blank lines, each with its own x run (x restarts at a blank line): one spectrum
    // per set. A blank line inside one monotonic axis does not split it.
    const nBlocks = (table.blockOf[table.blockOf.length - 1] ?? 0) + 1;
    if (columns === 2 && nBlocks > 1 && !monotonic(xs)) {
      if (nBlocks > MAX_SPECTRA) throw parseError('E_UNSUPPORTED', fileName, LABEL, `${nBlocks} data sets in one file (limit ${MAX_SPECTRA})`);
      const ys = column(rows, 1);
      const series: Series[] = Array.from({ length: nBlocks }, (_, b) => ({ x: [], y: [], noX: 0, labelIsName: false, label: `data set ${b + 1}` }));
      table.blockOf.forEach((b, i) => {
        if (Number.isNaN(xs[i]!)) series[b]!.noX++;
        else {
          series[b]!.x.push(xs[i]!);
          series[b]!.y.push(ys[i]!);
        }
      });
      return { series: series.filter((s) => s.x.length > 0), xKind: 'unnamed' };
    }
    if (columns - 1 > MAX_SPECTRA) throw parseError('E_UNSUPPORTED', fileName, LABEL, `${columns - 1} spectra in one table (limit ${MAX_SPECTRA})`);
    const series: Series[] = [];
    for (let j = 1; j < columns; j++) {
      const ys = column(rows, j);
      if (!allNaN(ys)) series.push(pairSeries(xs, ys, columns > 2 ? `column ${j + 1}` : undefined));
    }
    return { series, xKind: 'unnamed', ...(units?.[0] ? { xUnitCell: units[0] } : {}) };
  }

  // WiRE map / line-scan export in long form (`#X  #Y  #Wave  #Intensity`): one row per point, the stage position
  // repeated on every row of its spectrum. Consecutive rows with the same position make one spectrum.
  const bare = names.map((n) => n.trim().replace(/^#\s*/, '').toLowerCase());
  const waveIdx = bare.indexOf('wave');
  const intensityIdx = bare.indexOf('intensity');
  const posIdx = bare.map((n, i) => (['x', 'y', 'z', 'time'].includes(n) ? i : -1)).filter((i) => i >= 0);
  if (waveIdx >= 0 && intensityIdx >= 0 && posIdx.length >= 1 && posIdx.length + 2 === columns) {
    const series: Series[] = [];
    let key = '';
    for (const r of rows) {
      const pos = posIdx.map((i) => r[i]!);
      const k = pos.join(',');
      if (k !== key || series.length === 0) {
        if (series.length >= MAX_SPECTRA) throw parseError('E_UNSUPPORTED', fileName, LABEL, `more than ${MAX_SPECTRA} positions in one table`);
        key = k;
        const coords: Series['coords'] = {};
        posIdx.forEach((i, j) => {
          if (bare[i] === 'x') coords.xUm = pos[j]!;
          else if (bare[i] === 'y') coords.yUm = pos[j]!;
          else if (bare[i] === 'z') coords.zUm = pos[j]!;
        });
        series.push({ x: [], y: [], noX: 0, labelIsName: false, label: posIdx.map((i, j) => `${bare[i]}=${pos[j]}`).join(', '), coords });
      }
      const s = series[series.length - 1]!;
      const xv = r[waveIdx]!;
      if (Number.isNaN(xv)) s.noX++;
      else {
        s.x.push(xv);
        s.y.push(r[intensityIdx]!);
      }
    }
    return { series, xKind: 'generic-x', xName: names[waveIdx]! };
  }

  const kinds = names.map(columnKind);
  const xLike = kinds.map((k) => k !== 'y');
  // x/y pairs side by side (`wavelength,counts,wavelength,counts`): one spectrum per pair.
  if (columns - 1 > MAX_SPECTRA) throw parseError('E_UNSUPPORTED', fileName, LABEL, `${columns - 1} spectra in one table (limit ${MAX_SPECTRA})`);
  if (columns >= 4 && columns % 2 === 0 && kinds.every((k, i) => (i % 2 === 0 ? k !== 'y' && k === kinds[0] : k === 'y'))) {
    const series: Series[] = [];
    for (let j = 0; j < columns; j += 2) {
      const ys = column(rows, j + 1);
      if (!allNaN(ys)) series.push(groups?.[j] ? pairSeries(column(rows, j), ys, groups[j]) : pairSeries(column(rows, j), ys, names[j + 1], true));
    }
    return { series, xKind: kinds[0]!, xName: names[0]!, ...(units?.[0] ? { xUnitCell: units[0] } : {}) };
  }

  const order: ColumnKind[] = ['shift', 'wavenumber', 'wavelength', 'generic-x'];
  let xIdx = -1;
  for (const k of order) {
    xIdx = kinds.findIndex((kk, i) => kk === k && !allNaN(column(rows, i)));
    if (xIdx >= 0) break;
  }
  if (xIdx < 0) xIdx = 0;
  let yIdx = kinds.map((_, i) => i).filter((i) => i !== xIdx && !xLike[i]);
  // Vendor tables carry raw, dark and reference columns beside the spectrum: prefer the corrected one.
  for (const prefer of [/dark\s*subtracted/i, /^processed/i]) {
    const hit = yIdx.filter((i) => prefer.test(names[i]!));
    if (hit.length > 0) {
      yIdx = hit;
      break;
    }
  }
  if (yIdx.length === 0 && columns >= 2) yIdx = [xIdx === 0 ? 1 : 0];
  const xs = column(rows, xIdx);
  const series: Series[] = [];
  for (const j of yIdx) {
    const ys = column(rows, j);
    if (!allNaN(ys)) series.push(pairSeries(xs, ys, names[j] || undefined, true));
  }
  const kind = kinds[xIdx]!;
  return { series, xKind: kind === 'y' ? 'unnamed' : kind, xName: names[xIdx]!, ...(units?.[xIdx] ? { xUnitCell: units[xIdx] } : {}) };
}

/** Metadata that states the x unit: WITec `XAxisUnit`, LabSpec `AxisUnit[1]` (the spectral axis), `x unit`. */
function unitFromFields(fields: Record<string, string>): RawSpectrumInput['xUnit'] | undefined {
  for (const [k, v] of Object.entries(fields)) {
    if (/^(x\s*-?\s*axis\s*unit|axisunit\[1\]|x\s*unit|xunits?)$/i.test(k.trim())) {
      const u = unitFromText(v);
      if (u) return u;
    }
  }
  return undefined;
}

function median(values: readonly number[]): number {
  const finite = values.filter((v) => Number.isFinite(v)).sort((a, b) => a - b);
  return finite.length === 0 ? NaN : finite[Math.floor(finite.length / 2)]!;
}

/**
 * Generic reader for two- or multi-column text exports (CSV, TXT, TSV, ASC) of Raman and IR instruments: BWTek
 * BWSpec/BWRam, Horiba LabSpec, WITec, Renishaw WiRE, Andor Solis, Neegala, LightNovo, Zolix, OpenSpecy and plain
 * headerless tables. See docs/formats/text.md for the rules it follows.
 */
export const delimitedText: FormatReader = {
  id: ID,
  label: LABEL,
  extensions: ['csv', 'txt', 'tsv', 'asc', 'dat', 'prn'],
  sniff(bytes) {
    if (!looksLikeText(bytes)) return 0;
    // 32 kB holds the header and many rows of every export seen; very long rows (a wide table, a LabSpec series of
    // long spectra) need more to show two complete lines, so the window grows to 1 MiB when it holds fewer.
    let limit = 32 * 1024;
    let head = new TextDecoder('latin1').decode(bytes.subarray(0, limit));
    if (bytes.length > limit && (head.match(/\n/g)?.length ?? 0) < 3) {
      limit = 1024 * 1024;
      head = new TextDecoder('latin1').decode(bytes.subarray(0, limit));
    }
    const whole = bytes.length <= limit;
    // trimStart, not a `^\s*` regex: that backtracks quadratically on a file of blank lines.
    const trimmed = head.replace(/^\u00EF\u00BB\u00BF/, '').trimStart();
    const firstLine = trimmed.slice(0, trimmed.search(/[\r\n]|$/));
    // Formats with their own reader: JCAMP-DX and RRUFF (`##`), XML/HTML, JSON, YAML documents, CIF (ROD).
    if (firstLine.startsWith('##') || firstLine.startsWith('<') || firstLine.startsWith('{') || /^[A-Za-z_]\w*:\s*$/.test(firstLine)) return 0;
    if (/^data_\S/m.test(head) && /^loop_/m.test(head)) return 0;
    const lines = splitLines(head);
    if (!whole) lines.pop(); // the last line may be cut in the middle
    const dialect = detectDialect(lines, 100);
    if (!dialect) return 0;
    let rows = 0;
    for (const l of lines) {
      if (numericRow(l, dialect) && ++rows >= 2) return 1;
    }
    return whole && rows >= 1 ? 1 : 0;
  },
  read(bytes, fileName) {
    if (bytes.length === 0) throw parseError('E_EMPTY', fileName, LABEL, 'the file is empty');
    if (!looksLikeText(bytes)) throw parseError('E_CORRUPT', fileName, LABEL, 'the content is binary, not text');
    const lines = splitLines(decodeText(bytes));
    const dialect = detectDialect(lines);
    if (!dialect) {
      const oneColumn = lines.filter((l) => parseNumber(l) !== undefined).length;
      if (oneColumn >= 2) throw parseError('E_UNSUPPORTED', fileName, LABEL, 'only one column of numbers: there is no x axis');
      throw parseError('E_EMPTY', fileName, LABEL, 'no rows of two or more numbers found');
    }
    const table = readTable(lines, dialect);
    if (!table) throw parseError('E_EMPTY', fileName, LABEL, 'no rows of two or more numbers found');
    const layout = layoutOf(table, fileName);
    if (layout.series.length === 0) throw parseError('E_EMPTY', fileName, LABEL, 'the table has no intensity column with values');
    if (layout.series.length > MAX_SPECTRA) throw parseError('E_UNSUPPORTED', fileName, LABEL, `${layout.series.length} spectra in one table (limit ${MAX_SPECTRA})`);

    const { fields } = table;
    const base = baseName(fileName);
    const ir = nameSaysInfrared(fileName) || /\b(ftir|ir|infrared|atr)\b/i.test(fields['spectrum_type'] ?? '');
    let laserNm: number | undefined;
    for (const [k, v] of Object.entries(fields)) {
      if (isLaserKey(k)) {
        laserNm = parseLaserNm(v);
        if (laserNm !== undefined) break;
      }
    }
    const instrument = pickField(fields, INSTRUMENT_KEYS);
    const dateText = pickField(fields, DATE_KEYS);
    // LabSpec's `#Title` names the measurement; BWTek's lower-case `title` names the spectrometer, so it is not used.
    const sampleId = pickField(fields, ['sample', 'sample name', 'name']) ?? (fields['Title']?.trim() || undefined);

    // x unit: from the column name, then a units row or unit metadata, then the .asc convention, else Raman shift;
    // an infrared file keeps absolute wavenumbers.
    const allX = layout.series[0]!.x;
    let xUnit: RawSpectrumInput['xUnit'];
    let isRaman: boolean | undefined;
    let originalXUnit: string;
    let inferred = '';
    const stated = (layout.xUnitCell ? unitFromText(layout.xUnitCell) : undefined) ?? (layout.xName ? unitFromText(layout.xName) : undefined);
    switch (layout.xKind) {
      case 'shift':
        xUnit = 'cm-1';
        originalXUnit = 'cm-1';
        break;
      case 'wavelength':
        xUnit = 'nm';
        originalXUnit = 'nm';
        break;
      case 'pixel':
        xUnit = 'pixel';
        originalXUnit = 'pixel';
        break;
      case 'wavenumber':
        // A `Wavenumber` column holds Raman shifts in most exports, but absolute wavenumbers in BWTek/Neegala ones
        // (12,000–19,000 cm⁻¹ for visible/NIR lasers). Absolute Raman wavenumbers are converted with the laser.
        if (ir) {
          xUnit = 'abs-cm-1';
          isRaman = false;
        } else if (median(allX) > 8000) {
          xUnit = 'abs-cm-1';
          isRaman = true;
        } else xUnit = 'cm-1';
        originalXUnit = 'cm-1';
        break;
      default: {
        const fromFields = unitFromFields(fields);
        const u = stated ?? fromFields;
        if (u) xUnit = u;
        else if (extensionOf(fileName) === 'asc' && allX.length > 0 && allX.every((v) => !Number.isFinite(v) || (v >= 150 && v <= 1200))) {
          // Andor Solis writes its ASCII export with the calibrated wavelength axis in nm and no header.
          xUnit = 'nm';
          inferred = 'x unit taken as nm: Andor .asc export without a header, values 150–1200';
        } else xUnit = 'cm-1';
        originalXUnit = xUnit;
        if (xUnit === 'cm-1' && ir) {
          xUnit = 'abs-cm-1';
          isRaman = false;
        }
      }
    }

    const warnings: string[] = [];
    if (table.malformed > 0) warnings.push(`skipped ${table.malformed} malformed line${table.malformed === 1 ? '' : 's'} inside the data`);
    if (inferred) warnings.push(inferred);
    const count = layout.series.length;
    const spectra = layout.series.map((s, index): Spectrum => {
      const w = [...warnings];
      if (s.noX > 0) w.push(`skipped ${s.noX} row${s.noX === 1 ? '' : 's'} without an x value`);
      const padded = trimZeroPadding(s);
      if (padded > 0) w.push(`dropped ${padded} zero-padded point${padded === 1 ? '' : 's'} at the ends of the spectrum`);
      const substance = s.labelIsName && s.label !== undefined && s.label.trim() !== '' && !GENERIC_Y.test(s.label.trim()) ? s.label.trim() : undefined;
      return makeSpectrum({
        x: s.x,
        y: s.y,
        xUnit,
        originalXUnit: layout.xUnitCell?.trim() || originalXUnit,
        ...(isRaman === undefined ? {} : { isRaman }),
        meta: {
          ...(substance === undefined ? {} : { substance }),
          ...(sampleId === undefined ? {} : { sampleId }),
          ...(laserNm === undefined ? {} : { laserNm }),
          ...(instrument === undefined ? {} : { instrument }),
          ...(dateText === undefined ? {} : { date: normaliseDate(dateText) }),
          sourceFile: base,
          format: ID,
          position: { index, count, ...(s.label === undefined ? {} : { label: s.label }), ...s.coords },
          fields,
          warnings: w,
        },
      });
    });
    return withPoints(spectra, fileName, LABEL);
  },
};
