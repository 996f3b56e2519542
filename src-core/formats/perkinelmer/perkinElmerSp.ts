import { parseError } from '../../errors.js';
import { makeSpectrum, type RawSpectrumInput } from '../../spectrum/makeSpectrum.js';
import type { Spectrum } from '../../spectrum/Spectrum.js';
import { readOrCorrupt } from '../binaryReaderSupport.js';
import type { FormatReader } from '../FormatReader.js';

/**
 * PerkinElmer `.sp` ("PEPE" block file, Spectrum / Spotlight / RamanStation software).
 *
 * Layout as described by Ben Perston's public SPRead reader notes (also used by specio): a 44-byte header ('PEPE'
 * + 40-byte description), then blocks. Every block or member is `int16 id, int32 size, size bytes`. Positive ids
 * are blocks whose payload is more members (120 = 2-D constant-interval data set, 121 history record,
 * 123 instrument header, 124 IR instrument header, …); negative ids are data members whose payload starts with a
 * uint16 type code (29987 char: uint16 length + text; 29979 double; 29981 range: two doubles; 29995 int32;
 * 29974 array: int32 byte count + float64 values). Data set members: -29838 abscissa range (first, last x),
 * -29837 ordinate range (min, max y), -29836 interval, -29835 number of points, -29833/-29832 x/y labels,
 * -29828 data, -29827 name, -29823 alias.
 */

const ID = 'perkinelmer-sp';
const LABEL = 'PerkinElmer SP';
const HEADER_BYTES = 44;
/** Nesting seen in real files reaches 10 (history records inside history records); deeper nesting is not descended, which bounds the recursion. */
const MAX_DEPTH = 16;

const BLOCK = { DATASET_2D_CONSTANT: 120, HISTORY: 121, INSTRUMENT: 123, IR_INSTRUMENT: 124 } as const;
const MEMBER = {
  ABSCISSA_RANGE: -29838,
  ORDINATE_RANGE: -29837,
  INTERVAL: -29836,
  NUM_POINTS: -29835,
  X_LABEL: -29833,
  Y_LABEL: -29832,
  DATA: -29828,
  NAME: -29827,
  ALIAS: -29823,
  INSTRUMENT_MODEL: -29699,
  INSTRUMENT_SERIAL: -29698,
} as const;
const TYPE = {
  CHAR: 29987,
  DOUBLE: 29979,
  DOUBLE2: 29980,
  RANGE: 29981,
  LONG: 29995,
  INT: 29997,
  ARRAY: 29974,
} as const;

interface Member {
  id: number;
  /** Payload start and length. */
  start: number;
  size: number;
  /** Ids of the enclosing blocks, outermost first. */
  path: number[];
}

/** Every block and member, depth-first, each checked to lie inside its parent. */
function walk(bytes: Uint8Array, view: DataView, fail: (r: string) => never): Member[] {
  const out: Member[] = [];
  /** True when [from, to) is exactly a chain of blocks (used to find blocks nested inside data members). */
  const tiles = (from: number, to: number): boolean => {
    let off = from;
    while (off + 6 <= to) {
      const size = view.getInt32(off + 2, true);
      if (size < 0 || off + 6 + size > to) return false;
      off += 6 + size;
    }
    return off === to;
  };
  const visit = (from: number, to: number, path: number[]): void => {
    let off = from;
    while (off < to) {
      if (off + 6 > to) fail(`a block header at byte ${off} is cut off (truncated file)`);
      const id = view.getInt16(off, true);
      const size = view.getInt32(off + 2, true);
      if (size < 0 || off + 6 + size > to)
        fail(`block ${id} at byte ${off} declares ${size} bytes, more than remain (truncated file)`);
      out.push({ id, start: off + 6, size, path });
      const start = off + 6;
      if (path.length < MAX_DEPTH) {
        // Blocks (positive ids) hold members; some members (history records) hold a block instead of a typed value.
        const nestedBlock = id < 0 && size >= 6 && view.getInt16(start, true) > 0 && view.getInt16(start, true) < 200;
        if (id > 0) visit(start, start + size, [...path, id]);
        else if (nestedBlock && tiles(start, start + size)) visit(start, start + size, [...path, id]);
      }
      off += 6 + size;
    }
  };
  visit(HEADER_BYTES, bytes.length, []);
  return out;
}

function parse(bytes: Uint8Array, fileName: string): Spectrum[] {
  const fail = (reason: string): never => {
    throw parseError('E_CORRUPT', fileName, LABEL, reason);
  };
  if (bytes.length < HEADER_BYTES) fail(`the file is ${bytes.length} bytes, shorter than the 44-byte header`);
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const description = new TextDecoder('latin1').decode(bytes.subarray(4, HEADER_BYTES)).replace(/\0.*$/s, '').trim();
  const members = walk(bytes, view, fail);

  const typeOf = (m: Member): number => (m.size >= 2 ? view.getUint16(m.start, true) : -1);
  const need = (m: Member, n: number, what: string): void => {
    if (m.size < n) fail(`${what} member is ${m.size} bytes, shorter than its type needs`);
  };
  const text = (m: Member): string => {
    if (typeOf(m) !== TYPE.CHAR) return '';
    need(m, 4, 'text');
    const len = view.getUint16(m.start + 2, true);
    if (4 + len > m.size) fail('a text member is longer than its block');
    return new TextDecoder('latin1')
      .decode(bytes.subarray(m.start + 4, m.start + 4 + len))
      .replace(/\0+$/, '')
      .trim();
  };
  const num = (m: Member): number => {
    const t = typeOf(m);
    if (t === TYPE.DOUBLE || t === TYPE.DOUBLE2) {
      need(m, 10, 'number');
      return view.getFloat64(m.start + 2, true);
    }
    if (t === TYPE.LONG || t === TYPE.INT) {
      need(m, 6, 'number');
      return view.getInt32(m.start + 2, true);
    }
    return fail(`member ${m.id} has type ${t}, not a number`);
  };
  const range = (m: Member): [number, number] => {
    if (typeOf(m) !== TYPE.RANGE) fail(`member ${m.id} is not a range`);
    need(m, 18, 'range');
    return [view.getFloat64(m.start + 2, true), view.getFloat64(m.start + 10, true)];
  };

  const inDataSet = members.filter((m) => m.path.length === 1 && m.path[0] === BLOCK.DATASET_2D_CONSTANT);
  if (!members.some((m) => m.id === BLOCK.DATASET_2D_CONSTANT && m.path.length === 0)) {
    const kinds = [...new Set(members.filter((m) => m.path.length === 0).map((m) => m.id))].join(', ');
    throw parseError(
      'E_UNSUPPORTED',
      fileName,
      LABEL,
      `no 2-D constant-interval data set (block 120); top-level blocks: ${kinds || 'none'}`,
    );
  }
  const find = (id: number): Member | undefined => inDataSet.find((m) => m.id === id);
  const rangeM = find(MEMBER.ABSCISSA_RANGE);
  const nptsM = find(MEMBER.NUM_POINTS);
  const dataM = find(MEMBER.DATA);
  if (!rangeM || !nptsM || !dataM) fail('the data set lacks its x range, point count or data member');
  const [x0, x1] = range(rangeM!);
  const npts = num(nptsM!);
  if (!Number.isInteger(npts) || npts <= 0) fail(`the point count ${npts} is not a positive integer`);
  if (typeOf(dataM!) !== TYPE.ARRAY) fail('the data member is not an array of numbers');
  need(dataM!, 6, 'data');
  const byteCount = view.getInt32(dataM!.start + 2, true);
  if (byteCount !== npts * 8) fail(`the data holds ${byteCount} bytes, ${npts} float64 points need ${npts * 8}`);
  if (6 + byteCount > dataM!.size)
    fail(`the data member is ${dataM!.size} bytes, shorter than the ${byteCount} bytes it declares (truncated file)`);

  const y = new Float64Array(npts);
  for (let i = 0; i < npts; i++) y[i] = view.getFloat64(dataM!.start + 6 + 8 * i, true);
  const x = new Float64Array(npts);
  const step = npts > 1 ? (x1 - x0) / (npts - 1) : 0;
  for (let i = 0; i < npts; i++) x[i] = x0 + i * step;

  const warnings: string[] = [];
  const fields: Record<string, string> = { description, firstX: String(x0), lastX: String(x1), points: String(npts) };
  const intervalM = find(MEMBER.INTERVAL);
  if (intervalM) {
    const interval = num(intervalM);
    fields['interval'] = String(interval);
    // The stated interval must agree with the range and count (constant-interval data set).
    if (npts > 1 && Math.abs(interval - step) > 1e-6 * Math.max(1, Math.abs(step))) {
      warnings.push(
        `the header's interval ${interval} disagrees with (last − first)/(points − 1) = ${step}; x built from the range`,
      );
    }
  }
  const ordM = find(MEMBER.ORDINATE_RANGE);
  if (ordM) {
    const [lo, hi] = range(ordM);
    fields['ordinateRange'] = `${lo} ${hi}`;
    let mn = Infinity;
    let mx = -Infinity;
    for (const v of y) {
      if (v < mn) mn = v;
      if (v > mx) mx = v;
    }
    const tol = 1e-9 * Math.max(1, Math.abs(hi - lo));
    if (Math.abs(mn - lo) > tol || Math.abs(mx - hi) > tol) {
      warnings.push(`the data span ${mn}…${mx}, the header states ${lo}…${hi}`);
    }
  }
  const xLabel = find(MEMBER.X_LABEL) ? text(find(MEMBER.X_LABEL)!) : '';
  const yLabel = find(MEMBER.Y_LABEL) ? text(find(MEMBER.Y_LABEL)!) : '';
  const name = find(MEMBER.NAME) ? text(find(MEMBER.NAME)!) : '';
  const alias = find(MEMBER.ALIAS) ? text(find(MEMBER.ALIAS)!) : '';
  if (name) fields['name'] = name;
  if (yLabel) fields['yLabel'] = yLabel;

  const isIr = members.some((m) => m.id === BLOCK.IR_INSTRUMENT);
  const model = members.find((m) => m.id === MEMBER.INSTRUMENT_MODEL && m.path.includes(BLOCK.INSTRUMENT));
  const serial = members.find((m) => m.id === MEMBER.INSTRUMENT_SERIAL && m.path.includes(BLOCK.INSTRUMENT));
  const instrument = model ? `PerkinElmer ${text(model)}`.trim() : undefined;
  if (serial) fields['serialNumber'] = text(serial);

  // Acquisition date: the newest history record's time stamp ("Thu Mar 09 09:19:21 2006"), local time, no zone.
  let date: string | undefined;
  for (const m of members) {
    if (m.id >= 0 || !m.path.includes(BLOCK.HISTORY) || typeOf(m) !== TYPE.CHAR) continue;
    const d = /^[A-Za-z]{3} ([A-Za-z]{3}) (\d{1,2}) (\d{2}:\d{2}:\d{2}) (\d{4})$/.exec(text(m));
    if (!d) continue;
    const month = ['jan', 'feb', 'mar', 'apr', 'may', 'jun', 'jul', 'aug', 'sep', 'oct', 'nov', 'dec'].indexOf(
      d[1]!.toLowerCase(),
    );
    if (month >= 0) {
      date = `${d[4]}-${String(month + 1).padStart(2, '0')}-${d[2]!.padStart(2, '0')}T${d[3]}`;
      break;
    }
  }

  let xUnit: RawSpectrumInput['xUnit'];
  if (/nm/i.test(xLabel)) xUnit = 'nm';
  else if (/cm/i.test(xLabel)) {
    // An IR instrument header means FTIR absolute wavenumbers (kept); otherwise PerkinElmer Raman software writes
    // Raman shift under the same label.
    xUnit = isIr ? 'abs-cm-1' : 'cm-1';
    if (!isIr) warnings.push("x label 'cm-1' without an IR instrument header: read as Raman shift");
  } else xUnit = 'other';

  const base = fileName.split(/[\\/]/).pop() ?? fileName;
  const spectrum = makeSpectrum({
    x,
    y,
    xUnit,
    originalXUnit: xLabel || 'unknown',
    isRaman: !isIr,
    meta: {
      ...(alias ? { sampleId: alias } : {}),
      ...(instrument ? { instrument } : {}),
      ...(date ? { date } : {}),
      sourceFile: base,
      format: ID,
      ...(yLabel ? { yUnit: yLabel } : {}),
      position: { index: 0, count: 1 },
      fields,
      warnings,
    },
  });
  if (spectrum.x.length === 0) throw parseError('E_EMPTY', fileName, LABEL, 'the spectrum holds no finite data point');
  return [spectrum];
}

/** PerkinElmer `.sp` constant-interval spectra (IR and Raman). */
export const perkinElmerSp: FormatReader = {
  id: ID,
  label: LABEL,
  extensions: ['sp'],
  sniff(bytes) {
    return bytes.length >= 4 && bytes[0] === 0x50 && bytes[1] === 0x45 && bytes[2] === 0x50 && bytes[3] === 0x45
      ? 3
      : 0;
  },
  read(bytes, fileName) {
    return readOrCorrupt(fileName, LABEL, () => parse(bytes, fileName));
  },
};
