import { parseError } from '../../errors.js';

/**
 * Princeton Instruments / Roper Scientific `.spe` (WinSpec/WinView 2.x and LightField SPE 3.0).
 *
 * Layout from Princeton Instruments' published header description ("WINX header", WinSpec manual appendix, and the
 * SPE 3.0 format specification):
 * - a 4100-byte little-endian header: exp_sec float32 @10, date char[10] @20 ("DDMonYYYY"), xdim uint16 @42,
 *   datatype int16 @108, ExperimentTimeLocal char[7] @172, ydim uint16 @656, XML footer offset uint64 @678 (3.0),
 *   NumFrames int32 @1446, file_header_ver float32 @1992, the x calibration structure @3000 (string[40] @3018 unit
 *   label, calib_valid @3098, polynom_order @3101, polynom_coeff double[6] @3263, laser_position double @3311);
 * - the data: frames × ydim × xdim values of the header's datatype (0 float32, 1 int32, 2 int16, 3 uint16,
 *   5 float64, 6 uint8, 8 uint32);
 * - SPE 3.0 only: an XML footer (DataFormat: frame/region blocks; Calibrations: WavelengthMapping with one
 *   wavelength per sensor column and the laser line; DataHistories: instruments and times).
 *
 * Pure: bytes in, typed structure out; every count is checked against the bytes present before allocation.
 */

const LABEL = 'Princeton Instruments SPE';
export const SPE_HEADER_BYTES = 4100;

const TYPE_BYTES: Readonly<Record<number, number>> = { 0: 4, 1: 4, 2: 2, 3: 2, 5: 8, 6: 1, 8: 4 };

export interface SpeRegion {
  width: number;
  height: number;
  /** Sensor column of the region's first pixel and the column binning (from the XML SensorMapping). */
  sensorX: number;
  xBinning: number;
}

export interface SpeFile {
  headerVersion: number;
  datatype: number;
  xdim: number;
  ydim: number;
  frames: number;
  exposureS: number | undefined;
  /** Header date/time as written (2.x), or the XML creation time (3.0), ISO when parseable. */
  date: string | undefined;
  /** SPE 2.x calibration polynomial (coefficients c0..cn of the 1-based pixel), when valid. */
  polynomial: number[] | undefined;
  polynomialUnitLabel: string;
  /** SPE 3.0 wavelength of each sensor column (nm), when present. */
  wavelengths: Float64Array | undefined;
  laserNm: number | undefined;
  regions: SpeRegion[];
  instrument: string | undefined;
  /** frames × (sum over regions of width × height) values. */
  data: Float64Array;
}

function cString(bytes: Uint8Array, start: number, length: number): string {
  const s = bytes.subarray(start, start + length);
  const nul = s.indexOf(0);
  return new TextDecoder('latin1').decode(nul < 0 ? s : s.subarray(0, nul)).trim();
}

const MONTHS = ['Jan', 'Feb', 'Mar', 'Apr', 'May', 'Jun', 'Jul', 'Aug', 'Sep', 'Oct', 'Nov', 'Dec'];

/** "08Mar2004" + "142301" → "2004-03-08T14:23:01" (local time as recorded; no zone in the file). */
function headerDate(date: string, time: string): string | undefined {
  const m = /^(\d{1,2})([A-Za-z]{3})(\d{4})$/.exec(date);
  if (!m) return date || undefined;
  const month = MONTHS.findIndex((n) => n.toLowerCase() === m[2]!.toLowerCase());
  if (month < 0) return date;
  const d = `${m[3]}-${String(month + 1).padStart(2, '0')}-${m[1]!.padStart(2, '0')}`;
  const t = /^(\d{2})(\d{2})(\d{2})$/.exec(time);
  return t ? `${d}T${t[1]}:${t[2]}:${t[3]}` : d;
}

/** Attribute `name` of the first `<tag …>` in `xml` (a minimal reader: the footer is machine-written). */
function attr(xml: string, tag: string, name: string): string | undefined {
  const el = new RegExp(`<${tag}\\b([^>]*)>`).exec(xml);
  if (!el) return undefined;
  const a = new RegExp(`\\b${name}="([^"]*)"`).exec(el[1]!);
  return a ? a[1] : undefined;
}

function intAttr(xml: string, tag: string, name: string): number | undefined {
  const v = attr(xml, tag, name);
  if (v === undefined) return undefined;
  const n = Number(v);
  return Number.isInteger(n) && n >= 0 ? n : undefined;
}

export function parseSpeFile(bytes: Uint8Array, fileName: string): SpeFile {
  const fail = (reason: string): never => {
    throw parseError('E_CORRUPT', fileName, LABEL, reason);
  };
  if (bytes.length < SPE_HEADER_BYTES) fail(`the file is ${bytes.length} bytes, shorter than the 4100-byte header`);
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const headerVersion = view.getFloat32(1992, true);
  const datatype = view.getInt16(108, true);
  let xdim = view.getUint16(42, true);
  let ydim = view.getUint16(656, true);
  let frames = view.getInt32(1446, true);
  const elementBytes = TYPE_BYTES[datatype];
  if (elementBytes === undefined) fail(`unknown data type code ${datatype}`);
  if (!(headerVersion > 0 && headerVersion < 10)) fail(`header version ${headerVersion} is not plausible`);
  if (frames <= 0) fail(`the header declares ${frames} frames`);

  // SPE 3.0: the XML footer describes regions and calibrations.
  let xml = '';
  const xmlOffset = view.getBigUint64(678, true);
  if (headerVersion >= 3 && xmlOffset > 0n) {
    if (xmlOffset < BigInt(SPE_HEADER_BYTES) || xmlOffset >= BigInt(bytes.length)) {
      fail(`the XML footer offset ${xmlOffset} lies outside the ${bytes.length}-byte file (truncated file)`);
    }
    xml = new TextDecoder('utf-8').decode(bytes.subarray(Number(xmlOffset)));
    if (!xml.includes('</SpeFormat>')) fail('the XML footer is incomplete (truncated file)');
  }

  let regions: SpeRegion[] = [];
  let frameStride: number | undefined;
  if (xml) {
    const frameBlock = /<DataBlock\b[^>]*type="Frame"[^>]*>([\s\S]*?)<\/DataBlock>/.exec(xml);
    const frameCount = intAttr(xml, 'DataBlock', 'count');
    if (frameCount !== undefined && frameCount > 0) frames = frameCount;
    frameStride = intAttr(xml, 'DataBlock', 'stride');
    const sensorX = intAttr(xml, 'SensorMapping', 'x') ?? 0;
    const xBinning = intAttr(xml, 'SensorMapping', 'xBinning') ?? 1;
    for (const m of (frameBlock?.[1] ?? '').matchAll(/<DataBlock\b[^>]*type="Region"[^>]*\/?>/g)) {
      const w = /\bwidth="(\d+)"/.exec(m[0]);
      const h = /\bheight="(\d+)"/.exec(m[0]);
      if (!w || !h) fail('a region in the XML footer has no width or height');
      regions.push({ width: Number(w![1]), height: Number(h![1]), sensorX, xBinning: Math.max(1, xBinning) });
    }
    const pixelFormat = attr(xml, 'DataBlock', 'pixelFormat');
    const fromFormat: Record<string, number> = {
      MonochromeUnsigned16: 3,
      MonochromeUnsigned32: 8,
      MonochromeFloating32: 0,
    };
    if (pixelFormat && fromFormat[pixelFormat] !== undefined && fromFormat[pixelFormat] !== datatype) {
      fail(`the XML says ${pixelFormat} but the header data type is ${datatype}`);
    }
  }
  if (regions.length === 0) regions = [{ width: xdim, height: ydim, sensorX: 0, xBinning: 1 }];
  const pixelsPerFrame = regions.reduce((n, r) => n + r.width * r.height, 0);
  if (pixelsPerFrame === 0)
    throw parseError('E_EMPTY', fileName, LABEL, 'the frame holds no pixels (xdim or ydim is 0)');
  xdim = regions[0]!.width;
  ydim = regions[0]!.height;
  const frameBytes = Math.max(frameStride ?? 0, pixelsPerFrame * elementBytes!);
  const dataEnd = xml ? Number(xmlOffset) : bytes.length;
  const available = dataEnd - SPE_HEADER_BYTES;
  if ((frames - 1) * frameBytes + pixelsPerFrame * elementBytes! > available) {
    fail(
      `${frames} frames of ${pixelsPerFrame} pixels need ${frames * frameBytes} bytes of data; ${available} are present (truncated file)`,
    );
  }

  const data = new Float64Array(frames * pixelsPerFrame);
  for (let f = 0; f < frames; f++) {
    const base = SPE_HEADER_BYTES + f * frameBytes;
    for (let i = 0; i < pixelsPerFrame; i++) {
      const o = base + i * elementBytes!;
      let v: number;
      switch (datatype) {
        case 0:
          v = view.getFloat32(o, true);
          break;
        case 1:
          v = view.getInt32(o, true);
          break;
        case 2:
          v = view.getInt16(o, true);
          break;
        case 3:
          v = view.getUint16(o, true);
          break;
        case 5:
          v = view.getFloat64(o, true);
          break;
        case 6:
          v = view.getUint8(o);
          break;
        default:
          v = view.getUint32(o, true);
      }
      data[f * pixelsPerFrame + i] = v;
    }
  }

  // Calibrations.
  let wavelengths: Float64Array | undefined;
  let laserNm: number | undefined;
  let polynomial: number[] | undefined;
  let instrument: string | undefined;
  let date: string | undefined;
  let exposureS: number | undefined = view.getFloat32(10, true);
  if (!(exposureS > 0)) exposureS = undefined;
  if (xml) {
    const wl = /<Wavelength\b[^>]*>([^<]*)<\/Wavelength>/.exec(xml);
    if (wl) {
      const parts = wl[1]!.split(',');
      if (parts.length > 1_000_000) fail('the wavelength calibration is implausibly long');
      wavelengths = Float64Array.from(parts, (s) => Number(s.trim()));
      if (wavelengths.some((v) => !Number.isFinite(v))) fail('the wavelength calibration holds a non-number');
    }
    const laser = Number(attr(xml, 'WavelengthMapping', 'laserLine'));
    if (Number.isFinite(laser) && laser > 0) laserNm = laser;
    const spectrometer = attr(xml, 'Spectrometer', 'model');
    const camera = attr(xml, 'Camera', 'model');
    instrument = [spectrometer, camera].filter(Boolean).join(' / ') || undefined;
    date = attr(xml, 'Origin', 'created');
    const exposureMs = Number(/<ExposureTime\b[^>]*>([^<]*)<\/ExposureTime>/.exec(xml)?.[1]);
    if (Number.isFinite(exposureMs) && exposureMs > 0) exposureS = exposureMs / 1000;
  } else {
    date = headerDate(cString(bytes, 20, 10), cString(bytes, 172, 7));
  }
  const calibValid = bytes[3098] !== 0;
  const order = bytes[3101]!;
  if (calibValid && order >= 1 && order <= 5) {
    polynomial = [];
    for (let i = 0; i <= order; i++) polynomial.push(view.getFloat64(3263 + 8 * i, true));
    if (!polynomial.every((c) => Number.isFinite(c)) || polynomial.slice(1).every((c) => c === 0))
      polynomial = undefined;
  }
  if (laserNm === undefined) {
    const lp = view.getFloat64(3311, true);
    if (Number.isFinite(lp) && lp >= 200 && lp <= 2000) laserNm = lp;
  }

  return {
    headerVersion,
    datatype,
    xdim,
    ydim,
    frames,
    exposureS,
    date,
    polynomial,
    polynomialUnitLabel: cString(bytes, 3018, 40),
    wavelengths,
    laserNm,
    regions,
    instrument,
    data,
  };
}
