import type { SpecmatchError} from '../../errors.js';
import { parseError } from '../../errors.js';
import { makeSpectrum } from '../../spectrum/makeSpectrum.js';
import type { Spectrum } from '../../spectrum/Spectrum.js';
import type { FormatReader } from '../FormatReader.js';
import { decodeText, looksLikeText, splitLines } from '../textDecode.js';
import { baseName, normaliseDate, parseLaserNm, parseNumber, withPoints } from './textCommon.js';

const ID = 'openspecy';
const LABEL = 'OpenSpecy object (JSON/YAML/wide CSV)';

/** Metadata columns OpenSpecy writes (`OpenSpecy::write_spec`); a wide CSV is recognised by them. */
const OPENSPECY_META = new Set([
  'x', 'y', 'user_name', 'contact_info', 'organization', 'citation', 'spectrum_type', 'spectrum_identity', 'material_form',
  'material_phase', 'material_producer', 'material_purity', 'material_quality', 'material_color', 'material_other', 'cas_number',
  'instrument_used', 'instrument_accessories', 'instrument_mode', 'spectral_resolution', 'laser_light_used', 'number_of_accumulations',
  'total_acquisition_time_s', 'data_processing_procedure', 'level_of_confidence_in_identification', 'other_info', 'license',
  'session_id', 'file_id', 'date',
]);

type Scalar = string | number | boolean | null;
type YamlValue = Scalar | YamlValue[] | { [k: string]: YamlValue };

/** One OpenSpecy object: shared x, one intensity column per spectrum, one metadata row per spectrum. */
interface OpenSpecyObject {
  wavenumber: number[];
  columns: { name: string; values: number[] }[];
  metadata: Record<string, string>[];
  /** The wide CSV rounds wavenumbers to integers. */
  rounded: boolean;
}

function fail(fileName: string, reason: string): SpecmatchError {
  return parseError('E_CORRUPT', fileName, LABEL, reason);
}

function toNumber(v: unknown): number {
  if (typeof v === 'number') return v;
  if (typeof v === 'string') return parseNumber(v) ?? NaN;
  return NaN;
}

function toText(v: unknown): string {
  if (v === null || v === undefined) return '';
  if (Array.isArray(v)) return v.map(toText).join('; ');
  if (typeof v === 'string') return v;
  if (typeof v === 'number' || typeof v === 'boolean' || typeof v === 'bigint') return String(v);
  return JSON.stringify(v) ?? '';
}

function isRecord(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

/**
 * Columns from OpenSpecy's `spectra` table, written either column-wise (`{"intensity": [..]}`, as in the
 * fixtures) or row-wise (`[{"intensity": 26}, ..]`, jsonlite's default for data frames).
 */
function spectraColumns(spectra: unknown, fileName: string): { name: string; values: number[] }[] {
  if (isRecord(spectra)) {
    return Object.entries(spectra).map(([name, v]) => {
      if (!Array.isArray(v)) throw fail(fileName, `spectra.${name} is not a list of numbers`);
      return { name, values: v.map(toNumber) };
    });
  }
  if (Array.isArray(spectra)) {
    const names: string[] = [];
    for (const row of spectra) if (isRecord(row)) for (const k of Object.keys(row)) if (!names.includes(k)) names.push(k);
    return names.map((name) => ({ name, values: spectra.map((row) => (isRecord(row) ? toNumber(row[name]) : NaN)) }));
  }
  throw fail(fileName, "no 'spectra' table");
}

/** Metadata rows (one per spectrum) from a column-wise object or a row-wise list. */
function metadataRows(metadata: unknown, count: number): Record<string, string>[] {
  const rows: Record<string, string>[] = Array.from({ length: count }, () => ({}));
  if (isRecord(metadata)) {
    for (const [k, v] of Object.entries(metadata)) {
      for (let i = 0; i < count; i++) rows[i]![k] = toText(Array.isArray(v) ? (v.length === count ? v[i] : v.length === 1 ? v[0] : v) : v);
    }
  } else if (Array.isArray(metadata)) {
    for (let i = 0; i < Math.min(count, metadata.length); i++) {
      const m: unknown = metadata[i];
      if (isRecord(m)) for (const [k, v] of Object.entries(m)) rows[i]![k] = toText(v);
    }
  }
  return rows;
}

function fromParsed(doc: unknown, fileName: string): OpenSpecyObject {
  if (!isRecord(doc)) throw fail(fileName, 'the document is not an object with wavenumber, spectra and metadata');
  const wn = doc['wavenumber'];
  if (!Array.isArray(wn)) throw fail(fileName, "no 'wavenumber' list");
  const columns = spectraColumns(doc['spectra'], fileName);
  return { wavenumber: wn.map(toNumber), columns, metadata: metadataRows(doc['metadata'], columns.length), rounded: false };
}

/** A YAML plain or quoted scalar. */
function yamlScalar(text: string): Scalar {
  const t = text.trim();
  if (t === '' || t === '~' || t === 'null') return null;
  if ((t.startsWith("'") && t.endsWith("'") && t.length >= 2)) return t.slice(1, -1).replace(/''/g, "'");
  if (t.startsWith('"') && t.endsWith('"') && t.length >= 2) return t.slice(1, -1).replace(/\\"/g, '"');
  if (t === 'true' || t === 'false') return t === 'true';
  const n = parseNumber(t);
  if (n !== undefined) return n;
  if (/^[-+]?\.(nan|inf)$/i.test(t)) return /nan/i.test(t) ? NaN : t.startsWith('-') ? -Infinity : Infinity;
  return t;
}

/**
 * The block-style YAML subset that OpenSpecy (R's yaml package) writes: nested mappings, `- scalar` sequences
 * (also at the key's own indentation), flow sequences of scalars, plain and quoted scalars, `#` comments. Anchors,
 * multi-line scalars and nested collections inside sequences are refused with a typed error.
 */
function parseYamlSubset(text: string, fileName: string): YamlValue {
  const lines = splitLines(text);
  let i = 0;
  const indentOf = (l: string): number => l.length - l.trimStart().length;
  const skip = (): void => {
    while (i < lines.length && (lines[i]!.trim() === '' || lines[i]!.trim().startsWith('#') || lines[i]!.trim() === '---')) i++;
  };
  const parseBlock = (indent: number): YamlValue => {
    skip();
    if (i >= lines.length) return null;
    const first = lines[i]!;
    const ind = indentOf(first);
    if (ind < indent) return null;
    if (/^-(\s|$)/.test(first.trimStart())) {
      const list: YamlValue[] = [];
      while (i < lines.length) {
        skip();
        if (i >= lines.length) break;
        const l = lines[i]!;
        if (indentOf(l) !== ind || !/^-(\s|$)/.test(l.trimStart())) break;
        const item = l.trimStart().slice(1).trim();
        if (/^[^'"\s][^:]*:(\s|$)/.test(item)) throw fail(fileName, `YAML line ${i + 1}: mappings inside sequences are not part of the OpenSpecy layout`);
        list.push(yamlScalar(item));
        i++;
      }
      return list;
    }
    const map: Record<string, YamlValue> = {};
    while (i < lines.length) {
      skip();
      if (i >= lines.length) break;
      const l = lines[i]!;
      const li = indentOf(l);
      if (li < ind) break;
      if (li > ind) throw fail(fileName, `YAML line ${i + 1}: unexpected indentation`);
      const m = /^('[^']*'|"[^"]*"|[^:#][^:]*?)\s*:(?:\s+(.*))?$/.exec(l.trim());
      if (!m) throw fail(fileName, `YAML line ${i + 1}: expected 'key: value'`);
      const key = String(yamlScalar(m[1]!) ?? '');
      const rest = (m[2] ?? '').replace(/\s+#.*$/, '').trim();
      i++;
      if (/^[&*!|>]/.test(rest)) throw fail(fileName, `YAML line ${i}: anchors, tags and block scalars are not part of the OpenSpecy layout`);
      if (rest.startsWith('[') && rest.endsWith(']')) {
        const inner = rest.slice(1, -1).trim();
        map[key] = inner === '' ? [] : inner.split(',').map(yamlScalar);
      } else if (rest !== '') map[key] = yamlScalar(rest);
      else {
        skip();
        const next = lines[i];
        if (next !== undefined && (indentOf(next) > ind || (indentOf(next) === ind && /^-(\s|$)/.test(next.trimStart())))) map[key] = parseBlock(indentOf(next));
        else map[key] = null;
      }
    }
    return map;
  };
  const doc = parseBlock(0);
  skip();
  if (i < lines.length) throw fail(fileName, `YAML line ${i + 1}: unexpected content`);
  return doc;
}

/** Split a CSV line, honouring double quotes. */
function csvCells(line: string): string[] {
  const cells: string[] = [];
  let cur = '';
  let quoted = false;
  for (let k = 0; k < line.length; k++) {
    const c = line[k]!;
    if (c === '"') {
      if (quoted && line[k + 1] === '"') {
        cur += '"';
        k++;
      } else quoted = !quoted;
    } else if (c === ',' && !quoted) {
      cells.push(cur);
      cur = '';
    } else cur += c;
  }
  cells.push(cur);
  return cells;
}

/** Number of leading numeric cells of the wide CSV's header row when the names after them are OpenSpecy's. */
function wideHeaderSplit(cells: readonly string[]): number {
  let k = 0;
  while (k < cells.length && parseNumber(cells[k]!) !== undefined) k++;
  if (k < 2 || k === cells.length) return -1;
  const names = cells.slice(k).map((c) => c.trim());
  return names.filter((n) => OPENSPECY_META.has(n)).length >= 2 ? k : -1;
}

/** OpenSpecy's wide CSV: one header row of (rounded) wavenumbers then metadata names; one row per spectrum. */
function fromWideCsv(text: string, fileName: string): OpenSpecyObject {
  const lines = splitLines(text).filter((l) => l.trim() !== '');
  const header = csvCells(lines[0] ?? '');
  const k = wideHeaderSplit(header);
  if (k < 0) throw fail(fileName, 'the first row is not wavenumbers followed by OpenSpecy metadata names');
  const names = header.slice(k).map((c) => c.trim());
  const wavenumber = header.slice(0, k).map((c) => parseNumber(c)!);
  const columns: { name: string; values: number[] }[] = [];
  const metadata: Record<string, string>[] = [];
  for (let r = 1; r < lines.length; r++) {
    const cells = csvCells(lines[r]!);
    columns.push({ name: `row ${r}`, values: wavenumber.map((_, j) => (j < cells.length ? (parseNumber(cells[j]!) ?? NaN) : NaN)) });
    const m: Record<string, string> = {};
    names.forEach((n, j) => {
      const v = cells[k + j];
      if (v !== undefined) m[n] = v.trim();
    });
    metadata.push(m);
  }
  if (columns.length === 0) throw parseError('E_EMPTY', fileName, LABEL, 'the wide CSV has a header row but no spectrum row');
  return { wavenumber, columns, metadata, rounded: true };
}

type Kind = 'json' | 'yaml' | 'wide-csv';

function kindOf(head: string): Kind | undefined {
  const t = head.replace(/^[\uFEFF\s]+/, '');
  if (t.startsWith('{')) return /"wavenumber"\s*:/.test(t) ? 'json' : undefined;
  if (/^wavenumber:\s*(\r?\n|$)/.test(t) || /^(spectra|metadata):\s*\r?\n[\s\S]*^wavenumber:/m.test(t)) return 'yaml';
  const firstLine = t.split(/\r\n|\n|\r/, 1)[0] ?? '';
  return wideHeaderSplit(csvCells(firstLine)) >= 0 ? 'wide-csv' : undefined;
}

/**
 * OpenSpecy spectrum objects (Cowger et al., OpenSpecy R package): `wavenumber`, `spectra` and `metadata` as JSON,
 * YAML, or the "wide" CSV layout. The x axis is Raman shift for Raman spectra and absolute wavenumber for FTIR
 * (from `spectrum_type`).
 */
export const openSpecy: FormatReader = {
  id: ID,
  label: LABEL,
  extensions: ['json', 'yml', 'yaml', 'csv'],
  sniff(bytes) {
    if (!looksLikeText(bytes)) return 0;
    const head = new TextDecoder('latin1').decode(bytes.subarray(0, 64 * 1024));
    return kindOf(head) === undefined ? 0 : 3;
  },
  read(bytes, fileName) {
    if (bytes.length === 0) throw parseError('E_EMPTY', fileName, LABEL, 'the file is empty');
    if (!looksLikeText(bytes)) throw fail(fileName, 'the content is binary, not text');
    const text = decodeText(bytes);
    const kind = kindOf(text.slice(0, 64 * 1024));
    let obj: OpenSpecyObject;
    if (kind === 'json') {
      let doc: unknown;
      try {
        doc = JSON.parse(text);
      } catch (err) {
        throw fail(fileName, `invalid JSON: ${(err as Error).message}`);
      }
      obj = fromParsed(doc, fileName);
    } else if (kind === 'yaml') obj = fromParsed(parseYamlSubset(text, fileName), fileName);
    else if (kind === 'wide-csv') obj = fromWideCsv(text, fileName);
    else throw parseError('E_UNKNOWN_FORMAT', fileName, LABEL, 'not an OpenSpecy JSON, YAML or wide CSV document');

    if (obj.wavenumber.length === 0) throw parseError('E_EMPTY', fileName, LABEL, 'the wavenumber list is empty');
    if (obj.columns.length === 0) throw parseError('E_EMPTY', fileName, LABEL, 'the spectra table has no column');
    const base = baseName(fileName);
    const count = obj.columns.length;
    const spectra = obj.columns.map((col, index): Spectrum => {
      const md = obj.metadata[index] ?? {};
      const type = md['spectrum_type'] ?? '';
      const ir = /ftir|\bir\b|infrared|atr/i.test(type);
      const laserNm = md['laser_light_used'] ? parseLaserNm(md['laser_light_used']) : undefined;
      const warnings: string[] = [];
      if (col.values.length !== obj.wavenumber.length) {
        warnings.push(`wavenumber has ${obj.wavenumber.length} values but spectrum '${col.name}' has ${col.values.length}`);
      }
      if (obj.rounded) warnings.push('wide OpenSpecy CSV: wavenumbers are rounded to whole cm-1');
      const substance = md['spectrum_identity']?.trim();
      const instrument = md['instrument_used']?.trim();
      const date = md['date']?.trim();
      return makeSpectrum({
        x: obj.wavenumber,
        y: col.values,
        xUnit: ir ? 'abs-cm-1' : 'cm-1',
        originalXUnit: 'cm-1',
        ...(ir ? { isRaman: false } : {}),
        meta: {
          ...(substance ? { substance } : {}),
          ...(md['file_id'] ? { sampleId: md['file_id'] } : {}),
          ...(laserNm === undefined ? {} : { laserNm }),
          ...(instrument ? { instrument } : {}),
          ...(date ? { date: normaliseDate(date) } : {}),
          sourceFile: base,
          format: ID,
          position: { index, count, label: col.name },
          fields: md,
          warnings,
        },
      });
    });
    return withPoints(spectra, fileName, LABEL);
  },
};
