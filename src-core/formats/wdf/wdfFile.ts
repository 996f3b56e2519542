import { parseError } from '../../errors.js';
import { readPset } from './wdfPset.js';

/**
 * Container-level reader for Renishaw WiRE `.wdf` files (WDF1). Layout as documented in Renishaw's public WDF
 * header description (the structures Gwyddion's and py-wdf-reader's readers also follow); see docs/formats/wdf.md.
 *
 * - A 512-byte file header (itself block 'WDF1'): point count per spectrum, planned (`capacity`) and acquired
 *   (`collected`) spectrum counts, laser wavenumber, measurement/scan type, start time (Windows FILETIME), title.
 * - Then blocks, each with a 16-byte header: 4-char id, uint32 uid, uint64 size (header included).
 *   DATA (float32, capacity × points), XLST/YLST (uint32 type, uint32 units, float32 values), ORGN (per-spectrum
 *   origins: X/Y/Z/time…), WMAP (map area: offset, step, grid size). Every other block is skipped.
 *
 * Pure: bytes in, a typed structure out; every count is checked against the bytes present before allocation.
 */

const LABEL = 'Renishaw WDF';
const HEADER_BYTES = 512;
const BLOCK_HEADER_BYTES = 16;

/** WdfDataUnits, the unit enumeration shared by XLST, YLST and ORGN. */
export const WDF_UNITS: Readonly<Record<number, string>> = {
  0: 'arbitrary',
  1: 'cm-1 (Raman shift)',
  2: 'cm-1 (absolute wavenumber)',
  3: 'nm',
  4: 'eV',
  5: 'µm',
  6: 'counts',
  7: 'electrons',
  8: 'mm',
  9: 'm',
  10: 'K',
  11: 'Pa',
  12: 's',
  13: 'ms',
  14: 'h',
  15: 'days',
  16: 'pixels',
  17: 'intensity',
  18: 'relative intensity',
  19: 'degrees',
  20: 'radians',
  21: '°C',
  22: '°F',
  23: 'K/min',
  24: 'FILETIME',
  25: 'µs',
};

/** WdfDataType values used by ORGN entries that this reader interprets. */
export const WDF_ORIGIN_TYPE = { X: 3, Y: 4, Z: 5, TIME: 11, FOCUS_TRACK: 14 } as const;
const UNITS_FILETIME = 24;

export const WDF_MEASUREMENT_TYPES: Readonly<Record<number, string>> = {
  0: 'unspecified',
  1: 'single',
  2: 'series',
  3: 'map',
};
export const WDF_SCAN_TYPES: Readonly<Record<number, string>> = {
  0: 'unspecified',
  1: 'static',
  2: 'continuous',
  3: 'step-repeat',
  4: 'filter scan',
  5: 'filter image',
  6: 'StreamLine',
  7: 'StreamLineHR',
  8: 'point detector',
};

export interface WdfHeader {
  version: number;
  pointsPerSpectrum: number;
  /** Spectra the measurement planned (DATA is sized for these). */
  capacity: number;
  /** Spectra actually acquired (smaller than capacity for an interrupted measurement). */
  collected: number;
  accumulations: number;
  xListCount: number;
  originCount: number;
  appName: string;
  appVersion: string;
  scanType: number;
  measurementType: number;
  /** ms since 1970 (UTC as WiRE wrote it), undefined when the field is 0. */
  timeStartMs: number | undefined;
  timeEndMs: number | undefined;
  /** Unit code of the intensities (WDF_UNITS). */
  dataUnits: number;
  /** Excitation as a wavenumber in cm⁻¹ (0 when unknown). */
  laserWavenumber: number;
  user: string;
  title: string;
}

export interface WdfList {
  type: number;
  units: number;
  values: Float32Array;
}

export interface WdfOrigin {
  /** WdfDataType without the "primary axis" flag bit. */
  type: number;
  primary: boolean;
  units: number;
  label: string;
  /** One value per planned spectrum; FILETIME origins are converted to ms since 1970. */
  values: Float64Array;
}

export interface WdfMapArea {
  flags: number;
  offset: [number, number, number];
  step: [number, number, number];
  size: [number, number, number];
}

export interface WdfFile {
  header: WdfHeader;
  /** Block ids in file order (for diagnostics and the fields of the spectra). */
  blockIds: string[];
  xList: WdfList;
  /** capacity × pointsPerSpectrum float32 intensities (only the first `collected` spectra are meaningful). */
  data: Float32Array;
  origins: WdfOrigin[];
  mapArea: WdfMapArea | undefined;
  comment: string | undefined;
  /** Top-level properties of the instrument-state (WXIS) and acquisition (WXDA) property sets, by name. */
  properties: { instrumentState: Map<string, string | number>; acquisition: Map<string, string | number> };
}

/** FILETIME (100 ns ticks since 1601-01-01) to ms since 1970; undefined for 0. */
export function fileTimeToMs(ticks: bigint): number | undefined {
  if (ticks === 0n) return undefined;
  return Number(ticks / 10000n) - 11644473600000;
}

function cString(bytes: Uint8Array, start: number, length: number): string {
  const slice = bytes.subarray(start, Math.min(bytes.length, start + length));
  const nul = slice.indexOf(0);
  return new TextDecoder('utf-8').decode(nul < 0 ? slice : slice.subarray(0, nul)).trim();
}

/** Parse the container. Throws SpecmatchError (E_CORRUPT / E_EMPTY / E_UNSUPPORTED) on anything it cannot trust. */
export function parseWdfFile(bytes: Uint8Array, fileName: string): WdfFile {
  const fail = (reason: string): never => {
    throw parseError('E_CORRUPT', fileName, LABEL, reason);
  };
  if (bytes.length < HEADER_BYTES) fail(`the file is ${bytes.length} bytes, shorter than the 512-byte WDF1 header`);
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  if (cString(bytes, 0, 4) !== 'WDF1') fail("no 'WDF1' signature");
  const headerSize = view.getBigUint64(8, true);
  if (headerSize !== BigInt(HEADER_BYTES)) fail(`header declares ${headerSize} bytes instead of 512`);

  const u64 = (offset: number, what: string): number => {
    const v = view.getBigUint64(offset, true);
    if (v > BigInt(Number.MAX_SAFE_INTEGER)) fail(`${what} ${v} is not a plausible count`);
    return Number(v);
  };
  const header: WdfHeader = {
    version: view.getUint32(4, true),
    pointsPerSpectrum: view.getUint32(60, true),
    capacity: u64(64, 'planned spectrum count'),
    collected: u64(72, 'acquired spectrum count'),
    accumulations: view.getUint32(80, true),
    xListCount: view.getUint32(88, true),
    originCount: view.getUint32(92, true),
    appName: cString(bytes, 96, 24),
    appVersion: [0, 1, 2, 3].map((i) => view.getUint16(120 + 2 * i, true)).join('.'),
    scanType: view.getUint32(128, true),
    measurementType: view.getUint32(132, true),
    timeStartMs: fileTimeToMs(view.getBigUint64(136, true)),
    timeEndMs: fileTimeToMs(view.getBigUint64(144, true)),
    dataUnits: view.getUint32(152, true),
    laserWavenumber: view.getFloat32(156, true),
    user: cString(bytes, 208, 32),
    title: cString(bytes, 240, 160),
  };
  if (header.pointsPerSpectrum === 0)
    throw parseError('E_EMPTY', fileName, LABEL, 'the header declares 0 points per spectrum');
  if (header.collected > header.capacity) {
    fail(`the header says ${header.collected} spectra were acquired but only ${header.capacity} were planned`);
  }

  // Walk the block chain. Each block must fit inside the file; a block that does not is a truncation.
  const blocks = new Map<string, { start: number; size: number }>();
  const blockIds: string[] = [];
  let offset = HEADER_BYTES;
  while (offset + BLOCK_HEADER_BYTES <= bytes.length) {
    const id = new TextDecoder('latin1').decode(bytes.subarray(offset, offset + 4));
    const size = view.getBigUint64(offset + 8, true);
    if (size < BigInt(BLOCK_HEADER_BYTES)) fail(`block '${id}' at byte ${offset} declares an impossible size ${size}`);
    if (size > BigInt(bytes.length - offset)) {
      fail(
        `block '${id}' at byte ${offset} declares ${size} bytes but only ${bytes.length - offset} remain (truncated file)`,
      );
    }
    blockIds.push(id);
    if (!blocks.has(id))
      blocks.set(id, { start: offset + BLOCK_HEADER_BYTES, size: Number(size) - BLOCK_HEADER_BYTES });
    offset += Number(size);
  }

  const need = (id: string): { start: number; size: number } => {
    const b = blocks.get(id);
    if (!b) return fail(`the required '${id}' block is missing`);
    return b;
  };

  const readList = (id: string, count: number): WdfList => {
    const b = need(id);
    if (b.size < 8) fail(`'${id}' block is too short`);
    const n = Math.floor((b.size - 8) / 4);
    if (n < count) fail(`'${id}' holds ${n} values, the header declares ${count}`);
    const values = new Float32Array(count);
    for (let i = 0; i < count; i++) values[i] = view.getFloat32(b.start + 8 + 4 * i, true);
    return { type: view.getUint32(b.start, true), units: view.getUint32(b.start + 4, true), values };
  };

  const xList = readList('XLST', header.xListCount);
  if (header.xListCount !== header.pointsPerSpectrum) {
    fail(`the x list has ${header.xListCount} values but each spectrum ${header.pointsPerSpectrum} points`);
  }

  const dataBlock = need('DATA');
  const pointsTotal = header.collected * header.pointsPerSpectrum;
  if (pointsTotal * 4 > dataBlock.size) {
    fail(
      `DATA holds ${dataBlock.size} bytes, ${header.collected} spectra × ${header.pointsPerSpectrum} points need ${pointsTotal * 4}`,
    );
  }
  const data = new Float32Array(pointsTotal);
  for (let i = 0; i < pointsTotal; i++) data[i] = view.getFloat32(dataBlock.start + 4 * i, true);

  const origins: WdfOrigin[] = [];
  const orgn = blocks.get('ORGN');
  if (orgn && orgn.size >= 4) {
    const count = view.getUint32(orgn.start, true);
    const entryBytes = 24 + 8 * header.capacity;
    if (count * entryBytes > orgn.size - 4)
      fail(`ORGN declares ${count} origin lists that do not fit in ${orgn.size} bytes`);
    for (let k = 0; k < count; k++) {
      const p = orgn.start + 4 + k * entryBytes;
      const rawType = view.getUint32(p, true);
      const units = view.getUint32(p + 4, true);
      const type = rawType & 0x7fffffff;
      const values = new Float64Array(header.capacity);
      const isTime = type === WDF_ORIGIN_TYPE.TIME || units === UNITS_FILETIME;
      for (let i = 0; i < header.capacity; i++) {
        values[i] = isTime
          ? (fileTimeToMs(view.getBigUint64(p + 24 + 8 * i, true)) ?? Number.NaN)
          : view.getFloat64(p + 24 + 8 * i, true);
      }
      origins.push({ type, primary: (rawType & 0x80000000) !== 0, units, label: cString(bytes, p + 8, 16), values });
    }
  }

  let mapArea: WdfMapArea | undefined;
  const wmap = blocks.get('WMAP');
  if (wmap) {
    if (wmap.size < 48) fail(`WMAP block is ${wmap.size} bytes, shorter than its 48-byte layout`);
    const f = (i: number): number => view.getFloat32(wmap.start + 8 + 4 * i, true);
    const u = (i: number): number => view.getUint32(wmap.start + 32 + 4 * i, true);
    mapArea = {
      flags: view.getUint32(wmap.start, true),
      offset: [f(0), f(1), f(2)],
      step: [f(3), f(4), f(5)],
      size: [u(0), u(1), u(2)],
    };
  }

  const text = blocks.get('TEXT');
  const comment = text ? cString(bytes, text.start, text.size) || undefined : undefined;

  const pset = (id: string): Map<string, string | number> => {
    const b = blocks.get(id);
    return b ? readPset(bytes, b.start, b.size) : new Map<string, string | number>();
  };
  const properties = { instrumentState: pset('WXIS'), acquisition: pset('WXDA') };

  return { header, blockIds, xList, data, origins, mapArea, comment, properties };
}
