import { parseError } from '../../errors.js';
import type { SpecmatchError } from '../../errors.js';
import { makeSpectrum } from '../../spectrum/makeSpectrum.js';
import type { RawSpectrumInput } from '../../spectrum/makeSpectrum.js';
import type { Spectrum } from '../../spectrum/Spectrum.js';
import type { FormatReader } from '../FormatReader.js';
import { looksLikeText } from '../textDecode.js';

/**
 * Galactic / Thermo GRAMS SPC, after the published layout (Galactic Industries, "SPC file format", SPC.H of the
 * GRAMS/32 SDK, 1996): a 512-byte main header (or 224 + 32 bytes in the pre-1996 "old" format), optional x values,
 * then one 32-byte subheader plus data per subfile, and an optional log block of `key=value` text.
 */

const ID = 'spc';
const LABEL = 'Galactic SPC';

/** ftflgs bits. */
const TSPREC = 0x01; // y stored as 16-bit integers
const TMULTI = 0x04; // several subfiles
const TORDRD = 0x10; // z values of the subfiles are not evenly spaced (each subheader states its own)
const TALABS = 0x20; // axis labels in fcatxt
const TXYXYS = 0x40; // every subfile has its own x values
const TXVALS = 0x80; // one x array for all subfiles follows the header

const VERSION_NEW_LSB = 0x4b;
const VERSION_NEW_MSB = 0x4c;
const VERSION_OLD = 0x4d;

/** Exponent value that marks IEEE float32 y values instead of scaled integers. */
const FLOAT_EXPONENT = -128;

/** fxtype codes → unit words (SPC.H XUNITS table). */
const X_TYPES: Record<number, string> = {
  0: 'arbitrary',
  1: 'wavenumber (cm-1)',
  2: 'micrometers',
  3: 'nanometers',
  4: 'seconds',
  5: 'minutes',
  6: 'hertz',
  7: 'kilohertz',
  8: 'megahertz',
  9: 'mass (m/z)',
  10: 'ppm',
  11: 'days',
  12: 'years',
  13: 'Raman shift (cm-1)',
  14: 'eV',
  15: 'text labels',
  16: 'diode number',
  17: 'channel',
  18: 'degrees',
  19: 'temperature (F)',
  20: 'temperature (C)',
  21: 'temperature (K)',
  22: 'data points',
  23: 'milliseconds',
  24: 'microseconds',
  25: 'nanoseconds',
  26: 'gigahertz',
  27: 'centimeters',
  28: 'meters',
  29: 'millimeters',
  30: 'hours',
  255: 'double interferogram',
};

/** fytype codes → unit words. */
const Y_TYPES: Record<number, string> = {
  0: 'arbitrary intensity',
  1: 'interferogram',
  2: 'absorbance',
  3: 'Kubelka-Munk',
  4: 'counts',
  5: 'volts',
  6: 'degrees',
  7: 'milliamps',
  8: 'millimeters',
  9: 'millivolts',
  10: 'log(1/R)',
  11: 'percent',
  12: 'intensity',
  13: 'relative intensity',
  14: 'energy',
  16: 'decibel',
  19: 'temperature (F)',
  20: 'temperature (C)',
  21: 'temperature (K)',
  22: 'index of refraction',
  23: 'extinction coefficient',
  24: 'real',
  25: 'imaginary',
  26: 'complex',
  128: 'transmission',
  129: 'reflectance',
  130: 'arbitrary or single beam with valley peaks',
  131: 'emission',
};

/** fexper codes. */
const EXPERIMENTS: Record<number, string> = {
  0: 'general',
  1: 'gas chromatogram',
  2: 'chromatogram',
  3: 'HPLC chromatogram',
  4: 'FT-IR, FT-NIR or FT-Raman',
  5: 'NIR',
  7: 'UV-VIS',
  8: 'X-ray diffraction',
  9: 'mass spectrum',
  10: 'NMR',
  11: 'Raman',
  12: 'fluorescence',
  13: 'atomic',
  14: 'chromatography diode array',
};

interface MainHeader {
  flags: number;
  version: number;
  experiment: number;
  exponent: number;
  nPoints: number;
  first: number;
  last: number;
  nSub: number;
  xType: number;
  yType: number;
  zType: number;
  date: string | undefined;
  comment: string;
  axisLabels: string;
  resolution: string;
  source: string;
  logOffset: number;
  zIncrement: number;
  method: string;
  /** Offset of the first subfile header. */
  dataStart: number;
  littleEndian: boolean;
}

class Reader {
  readonly view: DataView;
  constructor(
    readonly bytes: Uint8Array,
    readonly le: boolean,
    readonly file: string,
  ) {
    this.view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  }
  need(offset: number, length: number, what: string): void {
    if (offset < 0 || length < 0 || offset + length > this.bytes.length) {
      throw corrupt(
        this.file,
        `truncated: ${what} needs bytes ${offset}..${offset + length} but the file has ${this.bytes.length}`,
      );
    }
  }
  u8(o: number): number {
    return this.view.getUint8(o);
  }
  i8(o: number): number {
    return this.view.getInt8(o);
  }
  u16(o: number): number {
    return this.view.getUint16(o, this.le);
  }
  i16(o: number): number {
    return this.view.getInt16(o, this.le);
  }
  i32(o: number): number {
    return this.view.getInt32(o, this.le);
  }
  u32(o: number): number {
    return this.view.getUint32(o, this.le);
  }
  f32(o: number): number {
    return this.view.getFloat32(o, this.le);
  }
  f64(o: number): number {
    return this.view.getFloat64(o, this.le);
  }
  /** NUL-terminated Latin-1 text. */
  text(o: number, length: number): string {
    const end = Math.min(o + length, this.bytes.length);
    let s = '';
    for (let i = o; i < end; i++) {
      const b = this.bytes[i]!;
      if (b === 0) break;
      s += String.fromCharCode(b);
    }
    return s.trim();
  }
}

function corrupt(file: string, reason: string): SpecmatchError {
  return parseError('E_CORRUPT', file, LABEL, reason);
}

/** fdate packs minutes (6 bits), hours (5), day (5), month (4) and year (12) from the low bits up. */
function packedDate(v: number): string | undefined {
  if (v === 0) return undefined;
  const minute = v & 0x3f;
  const hour = (v >>> 6) & 0x1f;
  const day = (v >>> 11) & 0x1f;
  const month = (v >>> 16) & 0x0f;
  const year = (v >>> 20) & 0xfff;
  if (month < 1 || month > 12 || day < 1 || day > 31 || year < 1900 || hour > 23 || minute > 59) return undefined;
  const pad = (n: number): string => String(n).padStart(2, '0');
  return `${year}-${pad(month)}-${pad(day)}T${pad(hour)}:${pad(minute)}`;
}

function readMainHeader(r: Reader): MainHeader {
  const version = r.u8(1);
  if (version === VERSION_OLD) {
    r.need(0, 256, 'the old-format header');
    // Some writers (GRAMS 3D files) set the top bits of the year word: the year proper is the low 12 bits.
    const year = r.u16(18) & 0x0fff;
    const month = r.u8(20);
    const day = r.u8(21);
    const pad = (n: number): string => String(n).padStart(2, '0');
    const date =
      year >= 1900 && month >= 1 && month <= 12 && day >= 1 && day <= 31
        ? `${year}-${pad(month)}-${pad(day)}T${pad(r.u8(22))}:${pad(r.u8(23))}`
        : undefined;
    const flags = r.u8(0);
    return {
      flags,
      version,
      experiment: 0,
      // The old header stores the exponent as a 16-bit word; 0x80 in its low byte marks float data.
      exponent: r.i16(2) === 0x80 ? FLOAT_EXPONENT : r.i16(2),
      nPoints: Math.round(r.f32(4)),
      first: r.f32(8),
      last: r.f32(12),
      nSub: flags & TMULTI ? 0 : 1, // old files do not state the count: read until the end
      xType: r.u8(16),
      yType: r.u8(17),
      zType: 0,
      date,
      comment: r.text(64, 130),
      axisLabels: r.text(194, 30),
      resolution: r.text(24, 8),
      source: '',
      logOffset: 0,
      zIncrement: 0,
      method: '',
      dataStart: 224,
      littleEndian: true,
    };
  }
  r.need(0, 512, 'the 512-byte header');
  return {
    flags: r.u8(0),
    version,
    experiment: r.u8(2),
    exponent: r.i8(3),
    nPoints: r.i32(4),
    first: r.f64(8),
    last: r.f64(16),
    nSub: r.i32(24),
    xType: r.u8(28),
    yType: r.u8(29),
    zType: r.u8(30),
    date: packedDate(r.u32(32)),
    resolution: r.text(36, 9),
    source: r.text(45, 9),
    comment: r.text(88, 130),
    axisLabels: r.text(218, 30),
    logOffset: r.u32(248),
    zIncrement: r.f32(312),
    method: r.text(264, 48),
    dataStart: 512,
    littleEndian: version === VERSION_NEW_LSB,
  };
}

/**
 * The log block (64-byte header: logsizd, logsizm, logtxto, …, then binary and text parts): its `key=value` text,
 * and a warning when the header points at a log the file does not (fully) hold.
 */
function readLog(r: Reader, h: MainHeader): { text: string; warning?: string } {
  if (h.logOffset === 0) return { text: '' };
  const lost = {
    text: '',
    warning: `the log block at byte ${h.logOffset} is missing or truncated: its metadata were not read`,
  };
  if (h.logOffset + 64 > r.bytes.length) return lost;
  const sizeDisk = r.u32(h.logOffset);
  const textOffset = r.u32(h.logOffset + 8);
  const start = h.logOffset + textOffset;
  if (textOffset < 64 || start > r.bytes.length) return lost;
  const declaredEnd = sizeDisk > textOffset ? h.logOffset + sizeDisk : r.bytes.length;
  const text = r.text(start, Math.min(r.bytes.length, declaredEnd) - start);
  return declaredEnd > r.bytes.length && !r.bytes.subarray(start).includes(0)
    ? { text, warning: lost.warning }
    : { text };
}

/** `key=value` pairs of the log text. */
function logFields(log: string): Record<string, string> {
  const out: Record<string, string> = {};
  for (const line of log.split(/\r\n|\n|\r/)) {
    const eq = line.indexOf('=');
    if (eq <= 0) continue;
    const key = line.slice(0, eq).trim();
    if (key && !(key in out)) out[key] = line.slice(eq + 1).trim();
  }
  return out;
}

/** Laser wavelength (nm) from the log or comment text (`Laser Wavelength=785`, `Excitation=532 nm`, …). */
function laserNmOf(text: string): number | undefined {
  const m =
    /(?:laser(?:\s*wave\s*length)?|excitation(?:\s*wavelength)?)\s*(?:\(nm\))?\s*[=:]\s*([0-9]+(?:\.[0-9]+)?)/i.exec(
      text,
    );
  if (!m) return undefined;
  const v = Number(m[1]);
  return v >= 150 && v <= 3000 ? v : undefined;
}

interface Subfile {
  x: Float64Array;
  y: Float64Array;
  z: number;
  index: number;
  fields: Record<string, string>;
}

/** Reads n y values starting at offset with the subfile's exponent (float32, scaled int32, or scaled int16). */
function readY(
  r: Reader,
  h: MainHeader,
  offset: number,
  n: number,
  exponent: number,
  what: string,
): { y: Float64Array; bytes: number } {
  const isFloat = exponent === FLOAT_EXPONENT;
  const sixteen = !isFloat && (h.flags & TSPREC) !== 0;
  const width = sixteen ? 2 : 4;
  r.need(offset, n * width, what);
  const y = new Float64Array(n);
  if (isFloat) {
    for (let i = 0; i < n; i++) y[i] = r.f32(offset + 4 * i);
  } else if (sixteen) {
    const scale = 2 ** (exponent - 16);
    for (let i = 0; i < n; i++) y[i] = r.i16(offset + 2 * i) * scale;
  } else {
    const scale = 2 ** (exponent - 32);
    if (h.version === VERSION_OLD) {
      // Old-format integers store the high 16-bit word first, each word little-endian.
      const b = r.bytes;
      for (let i = 0; i < n; i++) {
        const o = offset + 4 * i;
        y[i] = ((b[o + 1]! << 24) | (b[o]! << 16) | (b[o + 3]! << 8) | b[o + 2]!) * scale;
      }
    } else for (let i = 0; i < n; i++) y[i] = r.i32(offset + 4 * i) * scale;
  }
  return { y, bytes: n * width };
}

function readSubfiles(r: Reader, h: MainHeader): Subfile[] {
  const xyxy = (h.flags & TXYXYS) !== 0;
  const multi = (h.flags & TMULTI) !== 0;
  const remaining = r.bytes.length - h.dataStart;
  // Declared counts are checked against the bytes present before anything is allocated.
  if (!xyxy) {
    if (!(h.nPoints >= 1)) throw corrupt(r.file, `the header declares ${h.nPoints} points`);
    if (h.nPoints * 2 > remaining)
      throw corrupt(
        r.file,
        `truncated: the header declares ${h.nPoints} points but only ${remaining} bytes of data follow`,
      );
  }
  if (h.version !== VERSION_OLD && !(h.nSub >= 1) && multi)
    throw corrupt(r.file, `the header declares ${h.nSub} subfiles`);
  const nSub = h.version === VERSION_OLD ? h.nSub : multi ? h.nSub : 1;
  if (nSub * 32 > remaining)
    throw corrupt(
      r.file,
      `truncated: the header declares ${nSub} subfiles but only ${remaining} bytes follow the header`,
    );

  let pos = h.dataStart;
  let sharedX: Float64Array | undefined;
  if (!xyxy) {
    if (h.flags & TXVALS) {
      // The shared x array sits between the main header and the first subfile (new format only).
      r.need(pos, 4 * h.nPoints, 'the x values');
      sharedX = new Float64Array(h.nPoints);
      for (let i = 0; i < h.nPoints; i++) sharedX[i] = r.f32(pos + 4 * i);
      pos += 4 * h.nPoints;
    } else {
      sharedX = new Float64Array(h.nPoints);
      const step = h.nPoints > 1 ? (h.last - h.first) / (h.nPoints - 1) : 0;
      for (let i = 0; i < h.nPoints; i++) sharedX[i] = h.first + i * step;
    }
  }

  const subs: Subfile[] = [];
  let firstZ = 0;
  for (let s = 0; nSub === 0 ? pos + 32 <= r.bytes.length : s < nSub; s++) {
    r.need(pos, 32, `subfile ${s + 1} header`);
    const subExp = r.i8(pos + 1);
    const subIndex = r.u16(pos + 2);
    const zStart = r.f32(pos + 4);
    const zEnd = r.f32(pos + 8);
    const noise = r.f32(pos + 12);
    const subPoints = r.u32(pos + 16);
    const scans = r.u32(pos + 20);
    const wLevel = r.f32(pos + 24);
    pos += 32;
    let x: Float64Array;
    let n: number;
    if (xyxy) {
      n = subPoints;
      if (n * 4 > r.bytes.length - pos)
        throw corrupt(
          r.file,
          `truncated: subfile ${s + 1} declares ${n} points but only ${r.bytes.length - pos} bytes follow`,
        );
      x = new Float64Array(n);
      for (let i = 0; i < n; i++) x[i] = r.f32(pos + 4 * i);
      pos += 4 * n;
    } else {
      n = h.nPoints;
      x = sharedX!;
    }
    // New-format subfiles carry their own exponent; a single-subfile file written with only fexp set is read with it.
    const exponent =
      h.version === VERSION_OLD
        ? subExp === FLOAT_EXPONENT || subExp !== 0
          ? subExp
          : h.exponent
        : multi || subExp !== 0
          ? subExp
          : h.exponent;
    if (
      h.version === VERSION_OLD &&
      nSub === 0 &&
      pos + n * ((h.flags & TSPREC) !== 0 && exponent !== FLOAT_EXPONENT ? 2 : 4) > r.bytes.length
    ) {
      // Old multi-subfile files do not state their count: trailing bytes too short for a subfile end the list.
      if (s > 0) break;
    }
    const { y, bytes } = readY(r, h, pos, n, exponent, `subfile ${s + 1} data`);
    pos += bytes;
    if (s === 0) firstZ = zStart;
    // Evenly spaced z (TORDRD clear, fzinc given) is first z + index × fzinc; otherwise each subheader states its z.
    const z = !(h.flags & TORDRD) && h.zIncrement !== 0 && multi ? firstZ + s * h.zIncrement : zStart;
    subs.push({
      x,
      y,
      z,
      index: s,
      fields: {
        subindx: String(subIndex),
        subtime: String(zStart),
        subnext: String(zEnd),
        ...(noise !== 0 ? { subnois: String(noise) } : {}),
        ...(scans !== 0 ? { subscan: String(scans) } : {}),
        ...(wLevel !== 0 ? { subwlevel: String(wLevel) } : {}),
        subexp: String(exponent),
      },
    });
  }
  if (subs.length === 0) throw corrupt(r.file, 'no subfile fits in the file');
  return subs;
}

/** Maps fxtype (and the experiment) to the spectrum model's x unit. */
function xUnitOf(
  h: MainHeader,
  ramanHint: boolean,
): { xUnit: RawSpectrumInput['xUnit']; isRaman: boolean; convert?: (v: number) => number; note?: string } {
  switch (h.xType) {
    case 13:
      return { xUnit: 'cm-1', isRaman: true };
    case 1:
      // Wavenumber: FT-IR keeps absolute cm-1. A Raman file (fexper 11, or a laser/“Raman” in its own text) that
      // uses the generic wavenumber code holds Raman shifts.
      return ramanHint
        ? { xUnit: 'cm-1', isRaman: true, note: 'fxtype 1 (wavenumber) in a Raman file: read as Raman shift' }
        : { xUnit: 'abs-cm-1', isRaman: false };
    case 2:
      return {
        xUnit: 'abs-cm-1',
        isRaman: false,
        convert: (v) => 1e4 / v,
        note: 'x converted from micrometres to wavenumbers (1e4 / µm)',
      };
    case 3:
      return { xUnit: 'nm', isRaman: ramanHint };
    case 14:
      return { xUnit: 'ev', isRaman: false };
    case 16:
    case 17:
    case 22:
      return { xUnit: 'pixel', isRaman: false };
    default:
      return { xUnit: 'other', isRaman: false };
  }
}

function baseName(fileName: string): string {
  return fileName.split(/[\\/]/).pop() ?? fileName;
}

/** Galactic SPC reader (own decoder of the published layout): every subfile becomes a spectrum. */
export const galacticSpc: FormatReader = {
  id: ID,
  label: LABEL,
  extensions: ['spc'],
  sniff(bytes) {
    // The version byte is a printable letter (K, L, M): text whose second character is one must not match, so the
    // header must also hold binary bytes and plausible counts and axis codes.
    if (bytes.length < 256 || looksLikeText(bytes, 512)) return 0;
    const v = bytes[1];
    const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
    if (v === VERSION_NEW_LSB || v === VERSION_NEW_MSB) {
      if (bytes.length < 544) return 0;
      const le = v === VERSION_NEW_LSB;
      const xType = bytes[28]!;
      const nSub = view.getInt32(24, le);
      const nPoints = view.getInt32(4, le);
      return (xType <= 30 || xType === 255) && nSub >= 0 && nPoints >= 0 ? 3 : 0;
    }
    if (v === VERSION_OLD) {
      const nPoints = view.getFloat32(4, true);
      const xType = bytes[16]!;
      const plausible =
        Number.isFinite(nPoints) && nPoints >= 1 && nPoints === Math.round(nPoints) && nPoints * 2 <= bytes.length;
      return plausible && (xType <= 30 || xType === 255) ? 3 : 0;
    }
    return 0;
  },
  read(bytes, fileName) {
    if (bytes.length === 0) throw parseError('E_EMPTY', fileName, LABEL, 'the file is empty');
    if (bytes.length < 2) throw corrupt(fileName, 'truncated before the version byte');
    const version = bytes[1]!;
    if (version !== VERSION_NEW_LSB && version !== VERSION_NEW_MSB && version !== VERSION_OLD) {
      throw corrupt(fileName, `version byte 0x${version.toString(16)} is not 0x4B, 0x4C or 0x4D`);
    }
    const r = new Reader(bytes, version !== VERSION_NEW_MSB, fileName);
    const h = readMainHeader(r);
    const subs = readSubfiles(r, h);
    const { text: log, warning: logWarning } = readLog(r, h);
    const logKv = logFields(log);
    const laserNm = laserNmOf(log) ?? laserNmOf(h.comment);
    const ramanHint = h.experiment === 11 || laserNm !== undefined || /raman/i.test(`${h.comment} ${log} ${h.method}`);
    const unit = xUnitOf(h, ramanHint);
    const xLabel = X_TYPES[h.xType] ?? `fxtype ${h.xType}`;
    const yLabel = Y_TYPES[h.yType] ?? `fytype ${h.yType}`;
    const header: Record<string, string> = {
      fversn: `0x${h.version.toString(16).toUpperCase()}`,
      ftflgs: `0x${h.flags.toString(16).padStart(2, '0')}`,
      fexper: EXPERIMENTS[h.experiment] ?? String(h.experiment),
      fxtype: xLabel,
      fytype: yLabel,
      fztype: X_TYPES[h.zType] ?? String(h.zType),
      fnsub: String(subs.length),
      ...(h.comment ? { fcmnt: h.comment } : {}),
      ...(h.resolution ? { fres: h.resolution } : {}),
      ...(h.source ? { fsource: h.source } : {}),
      ...(h.method ? { fmethod: h.method } : {}),
      ...(h.flags & TALABS && h.axisLabels ? { fcatxt: h.axisLabels } : {}),
    };
    for (const [k, v] of Object.entries(logKv)) header[`log.${k}`] = v;
    return subs.map((sub): Spectrum => {
      const warnings: string[] = [];
      if (logWarning) warnings.push(logWarning);
      if (unit.note) warnings.push(unit.note);
      const x = unit.convert ? sub.x.map(unit.convert) : sub.x;
      const instrument =
        h.source || logKv['Instrument'] || logKv['INSTRUMENT'] || logKv['MODEL'] || logKv['Model'] || undefined;
      const substance = logKv['Sample Name'] ?? logKv['SampleName'] ?? logKv['Title'] ?? (h.comment || undefined);
      const spectrum = makeSpectrum({
        x,
        y: sub.y,
        xUnit: unit.xUnit,
        originalXUnit: xLabel,
        isRaman: unit.isRaman,
        meta: {
          ...(substance === undefined ? {} : { substance }),
          ...(laserNm === undefined ? {} : { laserNm }),
          ...(instrument === undefined ? {} : { instrument }),
          ...(h.date === undefined ? {} : { date: h.date }),
          yUnit: yLabel,
          sourceFile: baseName(fileName),
          format: ID,
          position: { index: sub.index, count: subs.length, label: `z=${sub.z}` },
          fields: { ...header, ...sub.fields },
          warnings,
        },
      });
      if (spectrum.x.length === 0) {
        throw corrupt(fileName, `subfile ${sub.index + 1} has no finite (x, y) point`);
      }
      return spectrum;
    });
  },
};
