import { parseError } from '../../errors.js';

/**
 * Container-level reader for Andor Solis `.sif` files ("Andor Technology Multi-Channel File"). The layout is not
 * published by Andor; this follows the structure that the open readers (Marcel Leutenegger's MATLAB reader,
 * sif_parser) have documented by inspection, made robust where those count lines per file version:
 *
 * 1. Magic line, then `65538 1` (version, signal present).
 * 2. The image header line: version, three flags, acquisition time (Unix seconds), detector temperature, 10 fixed
 *    bytes, `0`, exposure time, cycle time, accumulated cycle time, accumulation count, … (rest of the line skipped).
 * 3. Detector type line; detector width, height and the length of the original file name; the file name.
 * 4. `65538 <n>` and n bytes of user text (binary; may hold per-frame calibrations "Calibration data for frame i").
 * 5. A version-dependent block of lines that holds, among others, the calibration polynomial line (4 numbers,
 *    wavelength in nm of 1-based pixel p: c0 + c1·p + c2·p² + c3·p³), two `0 1 0 0` lines and the Raman excitation
 *    wavelength. We locate it by that shape instead of counting lines per version.
 * 6. Three length-prefixed axis names (frame axis, data type, image axis), then the image structure
 *    `6554x left top right bottom frames subimages totalLength imageLength`, one `65538 x0 y1 x1 y0 ybin xbin …`
 *    line per subimage, one timestamp line per frame, an optional flag line (`0`, or `1` followed by one line per
 *    frame), then frames × imageLength little-endian float32 values.
 *
 * Pure: bytes in, typed structure out; every count is checked against the bytes present before allocation.
 */

const LABEL = 'Andor SIF';
export const SIF_MAGIC = 'Andor Technology Multi-Channel File\n';
const NL = 0x0a;
const SP = 0x20;

export interface SifSubImage {
  x0: number;
  x1: number;
  y0: number;
  y1: number;
  xbin: number;
  ybin: number;
  width: number;
  height: number;
}

export interface SifFile {
  version: number;
  /** Unix seconds (0 when absent). */
  experimentTime: number;
  detectorTemperatureC: number;
  exposureTimeS: number;
  accumulations: number;
  detectorType: string;
  detectorWidth: number;
  detectorHeight: number;
  originalFileName: string;
  /** Spectrograph name when the header names one (e.g. 'SR193i'). */
  spectrograph: string | undefined;
  /** Calibration polynomial c0..c3 (nm of 1-based pixel), per frame when the user text gives per-frame ones. */
  calibration: number[] | undefined;
  frameCalibrations: number[][] | undefined;
  /** The excitation wavelength Solis stored (nm), 0 when none. */
  ramanExcitationNm: number;
  frameAxis: string;
  dataType: string;
  imageAxis: string;
  frames: number;
  subImages: SifSubImage[];
  imageLength: number;
  /** frames × imageLength values, frame-major, then subimage, row, column. */
  data: Float32Array;
}

/** Byte cursor over the text-with-binary header; every read is bounds-checked and throws E_CORRUPT when short. */
class Cursor {
  pos = 0;
  constructor(
    readonly bytes: Uint8Array,
    readonly fail: (reason: string) => never,
  ) {}

  /** Bytes up to the next newline (exclusive); the cursor moves past the newline. */
  line(): string {
    const end = this.bytes.indexOf(NL, this.pos);
    if (end < 0) this.fail(`header ends without a line break at byte ${this.pos} (truncated file)`);
    const s = latin1(this.bytes.subarray(this.pos, end));
    this.pos = end + 1;
    return s;
  }

  /** A space- or newline-delimited word, skipping leading separators. */
  word(): string {
    while (this.pos < this.bytes.length && (this.bytes[this.pos] === SP || this.bytes[this.pos] === NL)) this.pos++;
    const start = this.pos;
    while (this.pos < this.bytes.length && this.bytes[this.pos] !== SP && this.bytes[this.pos] !== NL) this.pos++;
    if (this.pos >= this.bytes.length) this.fail('header ends inside a field (truncated file)');
    return latin1(this.bytes.subarray(start, this.pos));
  }

  number(what: string): number {
    const w = this.word();
    const v = Number(w);
    if (w === '' || !Number.isFinite(v)) this.fail(`${what} is '${w.slice(0, 20)}', not a number`);
    return v;
  }

  skip(n: number): void {
    if (this.pos + n > this.bytes.length) this.fail('header ends early (truncated file)');
    this.pos += n;
  }
}

function latin1(b: Uint8Array): string {
  return new TextDecoder('latin1').decode(b);
}

const NUMBER = /^[-+]?(\d+\.?\d*|\.\d+)([eE][-+]?\d+)?$/;

function numericTokens(line: string): number[] | undefined {
  const parts = line.trim().split(/\s+/);
  if (parts.length === 0 || parts[0] === '') return undefined;
  const out: number[] = [];
  for (const p of parts) {
    if (!NUMBER.test(p)) return undefined;
    out.push(Number(p));
  }
  return out;
}

/** Lines of a byte range, with the byte offset where each starts. */
function linesOf(bytes: Uint8Array, from: number, to: number): { text: string; start: number }[] {
  const out: { text: string; start: number }[] = [];
  let s = from;
  while (s < to) {
    let e = bytes.indexOf(NL, s);
    if (e < 0 || e > to) e = to;
    out.push({ text: latin1(bytes.subarray(s, e)), start: s });
    s = e + 1;
  }
  return out;
}

interface ImageStructure {
  /** Where the frame-axis length line starts (end of the settings block). */
  start: number;
  frameAxis: string;
  dataType: string;
  imageAxis: string;
  frames: number;
  subImages: SifSubImage[];
  imageLength: number;
  /** Offset just after the last subimage line. */
  end: number;
}

/**
 * Tries to read "L\n<L bytes>" three times then the image structure at `start`. Returns undefined when the bytes
 * there do not have that shape (the caller tries the next line), throws when the shape is right but the numbers are
 * inconsistent.
 */
function imageStructureAt(bytes: Uint8Array, start: number, fail: (r: string) => never): ImageStructure | undefined {
  let p = start;
  const lengthPrefixed = (): string | undefined => {
    let q = p;
    while (q < bytes.length && q - p < 4 && bytes[q]! >= 0x30 && bytes[q]! <= 0x39) q++;
    if (q === p || bytes[q] !== NL) return undefined;
    const len = Number(latin1(bytes.subarray(p, q)));
    if (len > 256 || q + 1 + len > bytes.length) return undefined;
    const s = latin1(bytes.subarray(q + 1, q + 1 + len));
    if (s.includes('\n')) return undefined;
    p = q + 1 + len;
    return s;
  };
  const frameAxis = lengthPrefixed();
  if (frameAxis === undefined) return undefined;
  const dataType = lengthPrefixed();
  if (dataType === undefined) return undefined;
  const imageAxis = lengthPrefixed();
  if (imageAxis === undefined) return undefined;
  const nl = bytes.indexOf(NL, p);
  if (nl < 0) return undefined;
  const head = numericTokens(latin1(bytes.subarray(p, nl)));
  if (!head || head.length < 9 || head[0]! < 65536) return undefined;
  const frames = head[5]!;
  const nSub = head[6]!;
  const total = head[7]!;
  const imageLength = head[8]!;
  if (![frames, nSub, total, imageLength].every((v) => Number.isInteger(v) && v >= 0))
    fail('image structure holds non-integer counts');
  if (frames === 0 || imageLength === 0) throw new SifEmpty('the file holds no image (0 frames or 0 pixels)');
  if (total !== frames * imageLength)
    fail(`image structure: total length ${total} is not ${frames} frames × ${imageLength}`);
  if (nSub === 0 || nSub > 4096) fail(`implausible subimage count ${nSub}`);
  p = nl + 1;
  const subImages: SifSubImage[] = [];
  let pixels = 0;
  for (let i = 0; i < nSub; i++) {
    const e = bytes.indexOf(NL, p);
    if (e < 0) fail('subimage description is truncated');
    const t = numericTokens(latin1(bytes.subarray(p, e)));
    if (!t || t.length < 7) fail(`subimage ${i + 1} description is malformed`);
    const [, x0, y1, x1, y0, ybin, xbin] = t;
    if (
      ![x0, y1, x1, y0, ybin, xbin].every((v) => Number.isInteger(v)) ||
      xbin! < 1 ||
      ybin! < 1 ||
      x1! < x0! ||
      y1! < y0!
    ) {
      fail(`subimage ${i + 1} has an impossible area ${t.slice(1, 7).join(' ')}`);
    }
    const width = Math.floor((1 + x1! - x0!) / xbin!);
    const height = Math.floor((1 + y1! - y0!) / ybin!);
    subImages.push({ x0: x0!, x1: x1!, y0: y0!, y1: y1!, xbin: xbin!, ybin: ybin!, width, height });
    pixels += width * height;
    p = e + 1;
  }
  if (pixels !== imageLength) fail(`subimages hold ${pixels} pixels, the image structure says ${imageLength}`);
  return { start, frameAxis, dataType, imageAxis, frames, subImages, imageLength, end: p };
}

/** Thrown inside the structure search for a file that is well formed but empty. */
class SifEmpty extends Error {}

/** Parse a SIF file's first (signal) image. Throws SpecmatchError (E_CORRUPT / E_EMPTY) on anything it cannot trust. */
export function parseSifFile(bytes: Uint8Array, fileName: string): SifFile {
  const fail = (reason: string): never => {
    throw parseError('E_CORRUPT', fileName, LABEL, reason);
  };
  if (latin1(bytes.subarray(0, SIF_MAGIC.length)) !== SIF_MAGIC)
    fail("no 'Andor Technology Multi-Channel File' magic line");
  const c = new Cursor(bytes, fail);
  c.pos = SIF_MAGIC.length;
  c.line(); // "65538 1": format version and "signal present"

  // Image header line (TInstaImage).
  const version = c.number('SIF version');
  c.word();
  c.word();
  c.word();
  const experimentTime = c.number('acquisition time');
  const detectorTemperatureC = c.number('detector temperature');
  c.skip(10); // five single-byte binary fields, each followed by a space
  c.word();
  const exposureTimeS = c.number('exposure time');
  c.number('cycle time');
  c.number('accumulated cycle time');
  const accumulations = c.number('accumulation count');
  c.line(); // remainder of the header line

  const detectorType = c.line().trim();
  const detectorWidth = c.number('detector width');
  const detectorHeight = c.number('detector height');
  const nameLength = c.number('file name length');
  if (!Number.isInteger(nameLength) || nameLength < 0 || nameLength > 4096)
    fail(`implausible file name length ${nameLength}`);
  c.line(); // end of the dimensions line
  c.skip(nameLength);
  const originalFileName = latin1(bytes.subarray(c.pos - nameLength, c.pos)).trim();
  c.line(); // rest of the file name line
  c.number('user text version');
  const userLength = c.number('user text length');
  if (!Number.isInteger(userLength) || userLength < 0 || userLength > bytes.length)
    fail(`implausible user text length ${userLength}`);
  if (bytes[c.pos] === NL) c.pos++;
  c.skip(userLength);
  const userText = latin1(bytes.subarray(c.pos - userLength, c.pos));
  const settingsStart = c.pos;

  // Find the axis names + image structure by shape; the settings block before it varies with the Solis version.
  let structure: ImageStructure | undefined;
  let s = settingsStart;
  const searchLimit = Math.min(bytes.length, settingsStart + (1 << 20));
  try {
    while (s < searchLimit && !structure) {
      structure = imageStructureAt(bytes, s, fail);
      if (structure) break;
      const nl = bytes.indexOf(NL, s);
      if (nl < 0) break;
      s = nl + 1;
    }
  } catch (err) {
    if (err instanceof SifEmpty) throw parseError('E_EMPTY', fileName, LABEL, err.message);
    throw err;
  }
  if (!structure)
    return fail(
      'no image structure (axis names and frame layout) found after the header (truncated or not a spectrum file)',
    );

  // Settings block: calibration polynomial = a line of 4 numbers, followed by two numeric lines and a single number
  // (the Raman excitation wavelength). The spectrograph name sits on a "0 <name>" line before it.
  const lines = linesOf(bytes, settingsStart, structure.start);
  let calibration: number[] | undefined;
  let ramanExcitationNm = 0;
  for (let k = lines.length - 4; k >= 0; k--) {
    const a = numericTokens(lines[k]!.text);
    const b = numericTokens(lines[k + 1]!.text);
    const d = numericTokens(lines[k + 2]!.text);
    const e = numericTokens(lines[k + 3]!.text);
    if (a && a.length === 4 && b && b.length >= 2 && d && d.length >= 2 && e && e.length === 1) {
      calibration = a;
      ramanExcitationNm = e[0]!;
      break;
    }
  }
  let spectrograph: string | undefined;
  for (const l of lines) {
    const m = /^0 ([A-Za-z][\w-]*)\s*$/.exec(l.text);
    if (m) {
      spectrograph = m[1];
      break;
    }
  }

  let frameCalibrations: number[][] | undefined;
  if (userText.startsWith('Calibration data for')) {
    frameCalibrations = [];
    for (const l of userText.split('\n')) {
      const m = /^Calibration data for frame \d+:\s*(.*)$/.exec(l.trim());
      if (!m) continue;
      const coeffs = m[1]!.split(',').map((v) => Number(v.trim()));
      if (coeffs.every((v) => Number.isFinite(v))) frameCalibrations.push(coeffs);
    }
    if (frameCalibrations.length === 0) frameCalibrations = undefined;
  }

  // Timestamps (one line per frame), then an optional flag line: "0", or "1" followed by one line per frame.
  c.pos = structure.end;
  for (let f = 0; f < structure.frames; f++) c.line();
  const flagAt = (ch: number): boolean => bytes[c.pos] === ch && bytes[c.pos + 1] === NL;
  if (flagAt(0x30)) c.pos += 2;
  else if (flagAt(0x31)) {
    c.pos += 2;
    for (let f = 0; f < structure.frames; f++) c.line();
  }
  const count = structure.frames * structure.imageLength;
  if (c.pos + 4 * count > bytes.length) {
    fail(
      `${structure.frames} frames × ${structure.imageLength} pixels need ${4 * count} bytes of data at byte ${c.pos}; only ${bytes.length - c.pos} remain (truncated file)`,
    );
  }
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const data = new Float32Array(count);
  for (let i = 0; i < count; i++) data[i] = view.getFloat32(c.pos + 4 * i, true);

  return {
    version,
    experimentTime,
    detectorTemperatureC,
    exposureTimeS,
    accumulations,
    detectorType,
    detectorWidth,
    detectorHeight,
    originalFileName,
    spectrograph,
    calibration,
    frameCalibrations,
    ramanExcitationNm,
    frameAxis: structure.frameAxis,
    dataType: structure.dataType,
    imageAxis: structure.imageAxis,
    frames: structure.frames,
    subImages: structure.subImages,
    imageLength: structure.imageLength,
    data,
  };
}

/** Wavelength (nm) of 1-based pixel `p` under polynomial `c` (Horner). */
export function sifPixelToNm(c: readonly number[], p: number): number {
  let v = 0;
  for (let i = c.length - 1; i >= 0; i--) v = v * p + c[i]!;
  return v;
}
