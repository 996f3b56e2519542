import { inflateSync } from 'fflate';
import { parseError } from '../../errors.js';
import { makeSpectrum, type RawSpectrumInput } from '../../spectrum/makeSpectrum.js';
import type { Spectrum } from '../../spectrum/Spectrum.js';
import { readOrCorrupt } from '../binaryReaderSupport.js';
import type { FormatReader } from '../FormatReader.js';
import { WDF_UNITS } from './wdfFile.js';

/**
 * Renishaw WiRE `.wxd` export container (WiRE 3/4 "WiRE data" files). No layout is published; what follows was
 * established on `../shared/data/vendor/wdf/ramanchada2_wxd/` and is documented in docs/formats/wdf.md (WXD):
 *
 * - `#WXD` + 40 ASCII zeros + `.\n`, then a Metakit database (`JL` signature, view `dirs[name,parent,…,
 *   files[name,size,date,state,contents:B]]`): a small file system whose file contents are zlib streams.
 * - Data lists (the spectral axis, the intensities) are serialised COM objects: uint64 count, count × VARIANT
 *   (uint16 VT then the value; VT 5 = float64, VT 4 = float32), then the end marker C0 FF EE 01.
 * - Property bags: uint32 name byte length, UTF-16LE name (NUL-terminated), uint16 VT, value (VT 8 string:
 *   uint32 byte length + UTF-16LE; VT 13 object: 16-byte class id + the object's own stream). The data set's bag
 *   holds `DataList<k>` (the intensities) with `dataListType<k>` / `dataListUnits<k>` / `dataListLabels<k>`
 *   (WdfDataType / WdfDataUnits codes, as in .wdf); the measurement bag holds the same keys for the axis lists.
 *
 * This reader does not walk the Metakit directory: it inflates every zlib stream in the file (bounded), then
 * recognises data lists and properties by their exact serialised shape. It returns a spectrum only when that is
 * unambiguous (one intensity list, one strictly monotonic spectral list of the same length, a spectral unit
 * stated by the properties); anything else is refused with E_UNSUPPORTED naming what was found.
 */

const ID = 'renishaw-wxd';
const LABEL = 'Renishaw WXD';
const MAGIC = '#WXD';
/** Inflated bytes allowed per stream and in total: far above any real export, a ceiling for hostile input. */
const MAX_STREAM_BYTES = 64 * 1024 * 1024;
const MAX_TOTAL_BYTES = 256 * 1024 * 1024;
/** Output buffers tried in turn (most candidates are short or not streams at all). */
const BUFFER_LADDER = [64 * 1024, 4 * 1024 * 1024, MAX_STREAM_BYTES];
/** Candidate stream starts tried at most (about one per 8 KiB of random bytes): bounds the work on hostile input. */
const MAX_CANDIDATES = 100_000;
const END_MARKER = [0xc0, 0xff, 0xee, 0x01];
const VT = { I2: 2, I4: 3, R4: 4, R8: 5, DATE: 7, BSTR: 8, BOOL: 11, UNKNOWN: 13, UI4: 19, I8: 20 } as const;
/** WdfDataType of a list: 1 spectral axis, 2 intensity. */
const LIST_TYPE = { SPECTRAL: 1, INTENSITY: 2 } as const;

type PropValue = number | string;

interface WxdContent {
  /** Data lists not embedded in a property bag (their index is not stated). */
  freeLists: Float64Array[];
  /** `DataList<k>` objects found inside property bags, by k. */
  namedLists: Map<number, Float64Array>;
  props: Map<string, PropValue>;
  streams: number;
}

function hasMarkerAt(d: Uint8Array, p: number): boolean {
  return p + 4 <= d.length && END_MARKER.every((b, i) => d[p + i] === b);
}

/** A serialised data list at `p`, or undefined when the bytes there do not have exactly that shape. */
function dataListAt(d: Uint8Array, v: DataView, p: number): { values: Float64Array; end: number } | undefined {
  if (p + 12 > d.length) return undefined;
  const count = v.getBigUint64(p, true);
  if (count === 0n || count > BigInt(Math.floor((d.length - p - 12) / 6))) return undefined;
  const n = Number(count);
  const values = new Float64Array(n);
  let q = p + 8;
  for (let i = 0; i < n; i++) {
    if (q + 2 > d.length) return undefined;
    const vt = v.getUint16(q, true);
    if (vt === VT.R8 && q + 10 <= d.length) {
      values[i] = v.getFloat64(q + 2, true);
      q += 10;
    } else if (vt === VT.R4 && q + 6 <= d.length) {
      values[i] = v.getFloat32(q + 2, true);
      q += 6;
    } else return undefined;
  }
  return hasMarkerAt(d, q) ? { values, end: q + 4 } : undefined;
}

function utf16(d: Uint8Array, start: number, bytes: number): string {
  return new TextDecoder('utf-16le').decode(d.subarray(start, start + bytes)).replace(/\0+$/, '');
}

const INTERESTING =
  /^(DataList\d+|dataList(Labels|Type|Units)\d+|StartTime|MeasurementType|WiRE2 Version|Operator|Laser key|Wavenumber)$/;

/** Scans an inflated stream for property entries with interesting names; embedded data lists are decoded. */
function scanProperties(d: Uint8Array, content: WxdContent): void {
  const v = new DataView(d.buffer, d.byteOffset, d.byteLength);
  let afterLaserKey = false;
  for (let p = 0; p + 8 < d.length; p++) {
    const len = v.getUint32(p, true);
    if (len < 4 || len > 128 || len % 2 !== 0 || p + 4 + len + 2 > d.length) continue;
    // A property name is NUL-terminated UTF-16LE ASCII: check cheaply before decoding.
    if (d[p + 4 + len - 1] !== 0 || d[p + 4 + len - 2] !== 0 || d[p + 5] !== 0 || d[p + 4]! < 0x20) continue;
    let name = utf16(d, p + 4, len);
    if (!INTERESTING.test(name)) continue;
    // The instrument state's laser object lists 'Laser key' then its 'Wavenumber' (cm⁻¹); other objects use the
    // same name, so only the first 'Wavenumber' after a 'Laser key' counts.
    if (name === 'Laser key') afterLaserKey = true;
    if (name === 'Wavenumber') {
      if (!afterLaserKey || content.props.has('laserWavenumber')) continue;
      name = 'laserWavenumber';
    }
    const q = p + 4 + len;
    const vt = v.getUint16(q, true);
    const at = q + 2;
    if (vt === VT.UNKNOWN) {
      const m = /^DataList(\d+)$/.exec(name);
      const list = m ? dataListAt(d, v, at + 16) : undefined;
      if (m && list) content.namedLists.set(Number(m[1]), list.values);
    } else if (vt === VT.BSTR && at + 4 <= d.length) {
      const n = v.getUint32(at, true);
      if (n <= 4096 && at + 4 + n <= d.length) content.props.set(name, utf16(d, at + 4, n).trim());
    } else if ((vt === VT.I4 || vt === VT.UI4) && at + 4 <= d.length) content.props.set(name, v.getInt32(at, true));
    else if (vt === VT.I2 && at + 2 <= d.length) content.props.set(name, v.getInt16(at, true));
    else if ((vt === VT.R8 || vt === VT.DATE) && at + 8 <= d.length) content.props.set(name, v.getFloat64(at, true));
    else if (vt === VT.R4 && at + 4 <= d.length) content.props.set(name, v.getFloat32(at, true));
  }
}

/** Inflates every zlib stream found in the container (header bytes 78 xx with a valid check value). */
function inflateAll(bytes: Uint8Array, fileName: string): Uint8Array[] {
  const out: Uint8Array[] = [];
  let total = 0;
  let candidates = 0;
  for (let i = 0; i + 2 < bytes.length; i++) {
    if (bytes[i] !== 0x78 || ((bytes[i]! << 8) | bytes[i + 1]!) % 31 !== 0 || (bytes[i + 1]! & 0x20) !== 0) continue;
    if (++candidates > MAX_CANDIDATES) {
      throw parseError('E_UNSUPPORTED', fileName, LABEL, `more than ${MAX_CANDIDATES} possible compressed streams`);
    }
    let d: Uint8Array | undefined;
    // Output buffers one byte larger than the limit: a full buffer means the stream is larger, so try the next.
    for (const limit of BUFFER_LADDER) {
      try {
        d = inflateSync(bytes.subarray(i + 2), { out: new Uint8Array(limit + 1) });
      } catch {
        d = undefined; // not a stream (or a truncated one): keep scanning
        break;
      }
      if (d.length <= limit) break;
    }
    if (d === undefined) continue;
    if (d.length > MAX_STREAM_BYTES) {
      throw parseError(
        'E_TOO_LARGE',
        fileName,
        LABEL,
        `a compressed stream inflates to more than ${MAX_STREAM_BYTES} bytes`,
      );
    }
    if (d.length < 12) continue;
    total += d.length;
    if (total > MAX_TOTAL_BYTES)
      throw parseError('E_TOO_LARGE', fileName, LABEL, `the streams inflate to more than ${MAX_TOTAL_BYTES} bytes`);
    out.push(d.slice());
  }
  return out;
}

function readContent(bytes: Uint8Array, fileName: string): WxdContent {
  const content: WxdContent = { freeLists: [], namedLists: new Map(), props: new Map(), streams: 0 };
  const streams = inflateAll(bytes, fileName);
  content.streams = streams.length;
  for (const d of streams) {
    const v = new DataView(d.buffer, d.byteOffset, d.byteLength);
    const list = dataListAt(d, v, 0);
    if (list && list.end === d.length) content.freeLists.push(list.values);
    else scanProperties(d, content);
  }
  return content;
}

function strictlyMonotonic(x: Float64Array): boolean {
  if (x.length < 2) return false;
  const up = x[1]! > x[0]!;
  for (let i = 1; i < x.length; i++) if (up ? !(x[i]! > x[i - 1]!) : !(x[i]! < x[i - 1]!)) return false;
  return true;
}

/** OLE Automation date (days since 1899-12-30, local time as recorded) to ISO without zone. */
function oleDate(days: number): string | undefined {
  if (!Number.isFinite(days) || days <= 0) return undefined;
  const ms = Math.round((days - 25569) * 86400000);
  const d = new Date(ms);
  return Number.isNaN(d.getTime()) ? undefined : d.toISOString().replace(/\.\d{3}Z$/, '');
}

function xUnitOf(units: number): RawSpectrumInput['xUnit'] | undefined {
  return ({ 1: 'cm-1', 2: 'abs-cm-1', 3: 'nm', 4: 'ev' } as const)[units as 1 | 2 | 3 | 4];
}

function spectraOf(bytes: Uint8Array, fileName: string): Spectrum[] {
  const text = new TextDecoder('latin1').decode(bytes.subarray(0, 64));
  if (!text.startsWith(MAGIC)) throw parseError('E_CORRUPT', fileName, LABEL, "no '#WXD' signature");
  // The Metakit store starts with 'JL' 1A 00 and ends with a 16-byte tail: 80 00 00 00, then the store's length
  // (big-endian) counted from the 'JL'. A file cut short loses the tail.
  const lineEnd = text.indexOf('\n');
  if (lineEnd < 0 || bytes.length < lineEnd + 8)
    throw parseError('E_CORRUPT', fileName, LABEL, 'the file ends inside its header (truncated file)');
  const jl = text.indexOf('JL\u001a\u0000');
  if (jl < 0)
    throw parseError(
      'E_UNSUPPORTED',
      fileName,
      LABEL,
      'the container after the #WXD line is not the Metakit store WiRE writes',
    );
  const tail = bytes.length - 16;
  const tailOk =
    tail > jl &&
    bytes[tail] === 0x80 &&
    bytes[tail + 1] === 0 &&
    bytes[tail + 2] === 0 &&
    bytes[tail + 3] === 0 &&
    new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength).getUint32(tail + 4, false) === tail - jl;
  if (!tailOk)
    throw parseError('E_CORRUPT', fileName, LABEL, 'the Metakit store has no valid end marker (truncated file)');
  const c = readContent(bytes, fileName);
  const unsupported = (why: string): never => {
    const found = `found ${c.streams} compressed streams, ${c.freeLists.length} unnamed data lists, named lists ${[...c.namedLists.keys()].join(',') || 'none'}`;
    throw parseError('E_UNSUPPORTED', fileName, LABEL, `${why} (${found})`);
  };
  const num = (key: string): number | undefined => {
    const v = c.props.get(key);
    return typeof v === 'number' ? v : undefined;
  };
  const listIndexOfType = (type: number): number[] => {
    const out: number[] = [];
    for (const [key, value] of c.props) {
      const m = /^dataListType(\d+)$/.exec(key);
      if (m && value === type) out.push(Number(m[1]));
    }
    return out;
  };

  const intensityIdx = listIndexOfType(LIST_TYPE.INTENSITY).filter((k) => c.namedLists.has(k));
  if (intensityIdx.length !== 1) return unsupported(`expected one intensity data list, found ${intensityIdx.length}`);
  const yIdx = intensityIdx[0]!;
  const y = c.namedLists.get(yIdx)!;
  const spectralIdx = listIndexOfType(LIST_TYPE.SPECTRAL);
  if (spectralIdx.length !== 1)
    return unsupported(`expected one spectral axis description, found ${spectralIdx.length}`);
  const xIdx = spectralIdx[0]!;
  const units = num(`dataListUnits${xIdx}`);
  const xUnit = units === undefined ? undefined : xUnitOf(units);
  if (xUnit === undefined)
    return unsupported(`the spectral axis unit code ${units ?? 'is missing'} is not a spectral unit`);
  const named = c.namedLists.get(xIdx);
  const candidates = named ? [named] : c.freeLists.filter((l) => l.length === y.length && strictlyMonotonic(l));
  if (candidates.length !== 1) {
    return unsupported(
      y.length % Math.max(1, c.freeLists[0]?.length ?? 1) === 0 && c.freeLists.some((l) => l.length < y.length)
        ? 'several spectra (map or series) are not read from .wxd files'
        : `expected one spectral axis of ${y.length} points, found ${candidates.length}`,
    );
  }
  const x = candidates[0]!;
  if (x.length !== y.length) return unsupported(`the axis has ${x.length} points and the intensities ${y.length}`);

  const fields: Record<string, string> = {};
  for (const [k, v] of c.props)
    if (!/^dataList/.test(k) || k.endsWith(String(xIdx)) || k.endsWith(String(yIdx))) fields[k] = String(v);
  const date = oleDate(num('StartTime') ?? Number.NaN);
  const version = c.props.get('WiRE2 Version');
  const base = fileName.split(/[\\/]/).pop() ?? fileName;
  const yUnits = num(`dataListUnits${yIdx}`);
  const laserWavenumber = num('laserWavenumber');
  const laserNm =
    laserWavenumber !== undefined && laserWavenumber > 5000 && laserWavenumber < 50000
      ? 1e7 / laserWavenumber
      : undefined;
  const spectrum = makeSpectrum({
    x,
    y,
    xUnit,
    originalXUnit: WDF_UNITS[units!] ?? String(units),
    isRaman: true,
    meta: {
      ...(laserNm === undefined ? {} : { laserNm }),
      instrument: typeof version === 'string' ? `Renishaw ${version}` : 'Renishaw WiRE',
      ...(date ? { date } : {}),
      sourceFile: base,
      format: ID,
      ...(yUnits !== undefined ? { yUnit: WDF_UNITS[yUnits] ?? String(yUnits) } : {}),
      position: { index: 0, count: 1 },
      fields,
      warnings: [],
    },
  });
  if (spectrum.x.length === 0) throw parseError('E_EMPTY', fileName, LABEL, 'the spectrum holds no finite data point');
  return [spectrum];
}

/** Renishaw WiRE `.wxd` (single-spectrum exports; see the header comment for what is and is not read). */
export const renishawWxd: FormatReader = {
  id: ID,
  label: LABEL,
  extensions: ['wxd'],
  sniff(bytes) {
    return bytes.length >= 4 && bytes[0] === 0x23 && bytes[1] === 0x57 && bytes[2] === 0x58 && bytes[3] === 0x44
      ? 3
      : 0;
  },
  read(bytes, fileName) {
    return readOrCorrupt(fileName, LABEL, () => spectraOf(bytes, fileName));
  },
};
