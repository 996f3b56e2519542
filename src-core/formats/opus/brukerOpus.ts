import { parseError } from '../../errors.js';
import { makeSpectrum } from '../../spectrum/makeSpectrum.js';
import type { RawSpectrumInput } from '../../spectrum/makeSpectrum.js';
import type { Spectrum } from '../../spectrum/Spectrum.js';
import type { FormatReader } from '../FormatReader.js';

const ID = 'bruker-opus';
const LABEL = 'Bruker OPUS';

/**
 * Bruker OPUS binary files (`.0`, `.1`, …, `.0001`). Layout as published by the brukeropus and spectrochempy
 * projects (see docs/formats/opus.md); the code here is our own.
 *
 * - Header (24 bytes): magic `0A 0A FE FE`, float64 program version, int32 directory offset, int32 maximum and
 *   int32 actual number of directory entries.
 * - Directory: 12-byte entries `uint32 type, int32 length in 4-byte words, int32 byte offset`. The type packs six
 *   codes: bits 0-1 complex part, 2-3 channel (1 sample, 2 reference, 3 ratioed), 4-9 parameter-block kind (1 = data
 *   status of the matching data block, 2 instrument, 3 acquisition, 4 FT, 6 optics, 10 sample), 10-16 data kind
 *   (1 single channel, 2 interferogram, 3 phase, 4 absorbance, 5 transmittance, 10 Raman, …), 17-18 derivative,
 *   19-21 extended kind (5 = history text).
 * - Parameter blocks: entries `3-char key, NUL, int16 type (0 int32, 1 float64, 2-4 string/enum/senum),
 *   int16 size in 2-byte words, value`, ending with key `END`.
 * - Data blocks: NPT float32 (DPF=1) or int32 (DPF=2) values, scaled by CSF; x runs evenly from FXV to LXV.
 */

/** Data kinds, in the order we prefer them as "the" spectrum of the file (lower index wins). */
const PREFERRED_KINDS: readonly { kind: number; channel: number; label: string; yUnit: string }[] = [
  { kind: 10, channel: 3, label: 'Raman', yUnit: 'Raman intensity' },
  { kind: 10, channel: 1, label: 'Raman', yUnit: 'Raman intensity' },
  { kind: 4, channel: 3, label: 'AB', yUnit: 'absorbance' },
  { kind: 5, channel: 3, label: 'TR', yUnit: 'transmittance' },
  { kind: 12, channel: 3, label: 'REFL', yUnit: 'reflectance' },
  { kind: 16, channel: 3, label: 'ATR', yUnit: 'ATR' },
  { kind: 6, channel: 3, label: 'KM', yUnit: 'Kubelka-Munk' },
  { kind: 15, channel: 3, label: 'LOGREFL', yUnit: 'log reflectance' },
  { kind: 11, channel: 3, label: 'EMIS', yUnit: 'emission' },
  { kind: 17, channel: 3, label: 'PAS', yUnit: 'photoacoustic' },
  { kind: 14, channel: 3, label: 'POW', yUnit: 'power' },
  { kind: 19, channel: 3, label: 'ARIT-AB', yUnit: 'absorbance (arithmetic result)' },
  { kind: 18, channel: 3, label: 'ARIT-TR', yUnit: 'transmittance (arithmetic result)' },
  { kind: 1, channel: 1, label: 'ScSm', yUnit: 'single-channel sample' },
  { kind: 1, channel: 2, label: 'ScRf', yUnit: 'single-channel reference' },
];

/** Names OPUS gives the parameter-block kinds (bits 4-9 of the block type), used to prefix reference-channel keys. */
const CHANNEL_NAMES: Record<number, string> = { 1: 'Sample', 2: 'Reference', 3: 'Ratio' };

interface DirEntry {
  type: number;
  complex: number;
  channel: number;
  paramKind: number;
  dataKind: number;
  derivative: number;
  extended: number;
  offset: number;
  bytes: number;
}

type ParamValue = number | string;

function decodeType(
  type: number,
): Pick<DirEntry, 'complex' | 'channel' | 'paramKind' | 'dataKind' | 'derivative' | 'extended'> {
  return {
    complex: type & 0x3,
    channel: (type >>> 2) & 0x3,
    paramKind: (type >>> 4) & 0x3f,
    dataKind: (type >>> 10) & 0x7f,
    derivative: (type >>> 17) & 0x3,
    extended: (type >>> 19) & 0x7,
  };
}

function isOpus(bytes: Uint8Array): boolean {
  return bytes.length >= 4 && bytes[0] === 0x0a && bytes[1] === 0x0a && bytes[2] === 0xfe && bytes[3] === 0xfe;
}

function readDirectory(bytes: Uint8Array, dv: DataView, fileName: string): DirEntry[] {
  if (bytes.length < 24)
    throw parseError(
      'E_CORRUPT',
      fileName,
      LABEL,
      `file is ${bytes.length} bytes, shorter than the 24-byte OPUS header`,
    );
  const dirOffset = dv.getInt32(12, true);
  const count = dv.getInt32(20, true);
  if (dirOffset < 24 || count < 1 || dirOffset + count * 12 > bytes.length) {
    throw parseError(
      'E_CORRUPT',
      fileName,
      LABEL,
      `directory of ${count} entries at byte ${dirOffset} does not fit in the ${bytes.length}-byte file`,
    );
  }
  const entries: DirEntry[] = [];
  for (let i = 0; i < count; i++) {
    const p = dirOffset + i * 12;
    const type = dv.getUint32(p, true);
    const words = dv.getInt32(p + 4, true);
    const offset = dv.getInt32(p + 8, true);
    // A zero offset ends the used part of the directory (OPUS pre-allocates room for more entries).
    if (offset <= 0) break;
    if (words < 0 || offset + words * 4 > bytes.length) {
      throw parseError(
        'E_CORRUPT',
        fileName,
        LABEL,
        `block ${i} (${words * 4} bytes at ${offset}) runs past the end of the ${bytes.length}-byte file`,
      );
    }
    entries.push({ type, ...decodeType(type), offset, bytes: words * 4 });
  }
  return entries;
}

function readParams(bytes: Uint8Array, dv: DataView, block: DirEntry, fileName: string): Map<string, ParamValue> {
  const params = new Map<string, ParamValue>();
  const end = block.offset + block.bytes;
  let p = block.offset;
  const latin1 = new TextDecoder('latin1');
  while (p + 8 <= end) {
    const key = latin1.decode(bytes.subarray(p, p + 3));
    if (key === 'END') break;
    const kind = dv.getInt16(p + 4, true);
    const size = dv.getInt16(p + 6, true) * 2;
    if (size < 0 || p + 8 + size > end) {
      throw parseError(
        'E_CORRUPT',
        fileName,
        LABEL,
        `parameter ${JSON.stringify(key)} at byte ${p} (${size} bytes) runs past its block`,
      );
    }
    let value: ParamValue;
    if (kind === 0 && size >= 4) value = dv.getInt32(p + 8, true);
    else if (kind === 1 && size >= 8) value = dv.getFloat64(p + 8, true);
    else {
      const raw = bytes.subarray(p + 8, p + 8 + size);
      const nul = raw.indexOf(0);
      value = latin1.decode(nul < 0 ? raw : raw.subarray(0, nul));
    }
    if (/^[A-Z0-9_]{3}$/i.test(key)) params.set(key, value);
    p += 8 + size;
  }
  return params;
}

function num(params: Map<string, ParamValue>, key: string): number | undefined {
  const v = params.get(key);
  return typeof v === 'number' && Number.isFinite(v) ? v : undefined;
}

function str(params: Map<string, ParamValue>, key: string): string | undefined {
  const v = params.get(key);
  return typeof v === 'string' && v.trim() !== '' ? v.trim() : undefined;
}

function formatParam(v: ParamValue): string {
  return typeof v === 'number' ? String(v) : v;
}

/** OPUS writes DAT as DD/MM/YYYY and TIM as `HH:MM:SS.sss (GMT+1)`; returns ISO 8601 or the text as stated. */
export function opusDate(dat: string | undefined, tim: string | undefined): string | undefined {
  if (!dat) return undefined;
  const d = /^(\d{1,2})\/(\d{1,2})\/(\d{4})$/.exec(dat.trim());
  if (!d) return tim ? `${dat} ${tim}` : dat;
  const date = `${d[3]}-${d[2]!.padStart(2, '0')}-${d[1]!.padStart(2, '0')}`;
  const t = tim
    ? /^(\d{1,2}):(\d{2}):(\d{2}(?:\.\d+)?)\s*(?:\(GMT([+-]\d{1,2})(?::?(\d{2}))?\))?/.exec(tim.trim())
    : null;
  if (!t) return date;
  const tz =
    t[4] === undefined
      ? ''
      : `${t[4].startsWith('-') ? '-' : '+'}${t[4].replace(/^[+-]/, '').padStart(2, '0')}:${t[5] ?? '00'}`;
  return `${date}T${t[1]!.padStart(2, '0')}:${t[2]}:${t[3]}${tz}`;
}

/** Same block family: everything but the parameter-kind bits must agree between a data block and its status block. */
function sameFamily(a: DirEntry, b: DirEntry): boolean {
  return (
    a.complex === b.complex &&
    a.channel === b.channel &&
    a.dataKind === b.dataKind &&
    a.derivative === b.derivative &&
    a.extended === b.extended
  );
}

function xUnitFor(
  dxu: string,
  isRaman: boolean,
): { xUnit: RawSpectrumInput['xUnit']; transform?: (v: number) => number } {
  switch (dxu.toUpperCase()) {
    case 'WN':
      return { xUnit: isRaman ? 'cm-1' : 'abs-cm-1' };
    case 'MI': // micrometres: convert to absolute wavenumber (IR) or nm (Raman, converted with the laser)
      return isRaman
        ? { xUnit: 'nm', transform: (v) => v * 1000 }
        : { xUnit: 'abs-cm-1', transform: (v) => (v === 0 ? NaN : 1e4 / v) };
    case 'LGW': // log10 of the wavenumber
      return { xUnit: isRaman ? 'cm-1' : 'abs-cm-1', transform: (v) => 10 ** v };
    default:
      return { xUnit: 'other' };
  }
}

export const brukerOpus: FormatReader = {
  id: ID,
  label: LABEL,
  extensions: [
    '0',
    '1',
    '2',
    '3',
    '4',
    '5',
    '6',
    '7',
    '8',
    '9',
    '0000',
    '0001',
    '0002',
    '0003',
    '0004',
    '0005',
    '0006',
    '0007',
    '0008',
    '0009',
  ],
  sniff(bytes) {
    return isOpus(bytes) ? 3 : 0;
  },
  read(bytes, fileName) {
    if (!isOpus(bytes))
      throw parseError(
        'E_FORMAT_MISMATCH',
        fileName,
        LABEL,
        'the file does not start with the OPUS magic bytes 0A 0A FE FE',
      );
    const dv = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
    const dir = readDirectory(bytes, dv, fileName);

    const paramBlocks = dir.filter((b) => b.paramKind > 0 && b.extended !== 5);
    const dataBlocks = dir.filter((b) => b.paramKind === 0 && b.dataKind > 0 && b.dataKind !== 13);
    const statusFor = (data: DirEntry): DirEntry | undefined =>
      paramBlocks.find((s) => s.paramKind === 1 && sameFamily(s, data));

    // Pick the main spectrum: first preferred kind present with a status block; never an interferogram or phase.
    let chosen: { data: DirEntry; status: DirEntry; label: string; yUnit: string } | undefined;
    for (const pref of PREFERRED_KINDS) {
      const data = dataBlocks.find(
        (b) => b.dataKind === pref.kind && b.channel === pref.channel && b.derivative === 0 && b.extended === 0,
      );
      const status = data && statusFor(data);
      if (data && status) {
        chosen = { data, status, label: pref.label, yUnit: pref.yUnit };
        break;
      }
    }
    if (!chosen) {
      const kinds = [...new Set(dataBlocks.map((b) => b.dataKind))].join(', ') || 'none';
      throw parseError(
        'E_UNSUPPORTED',
        fileName,
        LABEL,
        `no spectrum block with a data status block (data kinds present: ${kinds}); interferogram- and phase-only files are not read`,
      );
    }

    // Metadata: every parameter of the non-status blocks (reference-channel blocks prefixed, as they repeat keys),
    // then the chosen spectrum's own data status block (NPT, FXV, LXV, …) unprefixed.
    const fields: Record<string, string> = {};
    for (const block of paramBlocks) {
      if (block.paramKind === 1) continue;
      const prefix = block.channel === 2 ? `${CHANNEL_NAMES[2]}.` : '';
      for (const [k, v] of readParams(bytes, dv, block, fileName)) fields[prefix + k] = formatParam(v);
    }
    const status = readParams(bytes, dv, chosen.status, fileName);
    for (const [k, v] of status) fields[k] = formatParam(v);

    const npt = num(status, 'NPT');
    const fxv = num(status, 'FXV');
    const lxv = num(status, 'LXV');
    if (npt === undefined || fxv === undefined || lxv === undefined) {
      throw parseError('E_CORRUPT', fileName, LABEL, `data status block of ${chosen.label} lacks NPT, FXV or LXV`);
    }
    const dpf = num(status, 'DPF') ?? 1;
    const available = Math.floor(chosen.data.bytes / 4);
    if (!Number.isInteger(npt) || npt < 1 || npt > available) {
      throw parseError(
        'E_CORRUPT',
        fileName,
        LABEL,
        `NPT=${npt} but the ${chosen.label} data block holds ${available} values`,
      );
    }
    const csf = num(status, 'CSF') ?? 1;
    const scale = csf === 0 ? 1 : csf;
    const y = new Float64Array(npt);
    for (let i = 0; i < npt; i++) {
      const p = chosen.data.offset + i * 4;
      y[i] = (dpf === 2 ? dv.getInt32(p, true) : dv.getFloat32(p, true)) * scale;
    }
    const isRaman = chosen.data.dataKind === 10;
    const dxu = str(status, 'DXU') ?? 'WN';
    const { xUnit, transform } = xUnitFor(dxu, isRaman);
    const step = npt > 1 ? (lxv - fxv) / (npt - 1) : 0;
    const x = new Float64Array(npt);
    for (let i = 0; i < npt; i++) {
      const v = fxv + i * step;
      x[i] = transform ? transform(v) : v;
    }

    // Excitation laser: RLW is the Raman laser wavenumber. LWN is the interferometer's HeNe reference laser
    // (≈15798 cm⁻¹ = 633 nm) and says nothing about the excitation, so it is kept in fields only.
    const rlw = Number(fields['RLW']);
    const laserNm = isRaman && Number.isFinite(rlw) && rlw > 0 ? 1e7 / rlw : undefined;
    const instrument = fields['INS'];
    const sampleName = fields['SNM']?.trim();
    const date = opusDate(str(status, 'DAT'), str(status, 'TIM'));
    const warnings: string[] = [];
    if (xUnit === 'other') warnings.push(`OPUS x unit DXU='${dxu}' is not a wavenumber axis`);
    const others = dataBlocks.filter((b) => b !== chosen.data && statusFor(b)).length;
    if (others > 0) fields['OPUS.otherBlocks'] = String(others);
    const base = fileName.split(/[\\/]/).pop() ?? fileName;
    const spectrum: Spectrum = makeSpectrum({
      x,
      y,
      xUnit,
      originalXUnit: dxu,
      isRaman,
      meta: {
        ...(sampleName ? { sampleId: sampleName } : {}),
        ...(laserNm === undefined ? {} : { laserNm }),
        ...(instrument ? { instrument: instrument.trim() } : {}),
        ...(date ? { date } : {}),
        sourceFile: base,
        format: ID,
        yUnit: chosen.yUnit,
        position: { index: 0, count: 1, label: chosen.label },
        fields,
        warnings,
      },
    });
    return [spectrum];
  },
};
