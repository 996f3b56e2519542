import { makeSpectrum, type RawSpectrumInput } from '../../spectrum/makeSpectrum.js';
import type { Spectrum, SpectrumPosition } from '../../spectrum/Spectrum.js';
import { readOrCorrupt, withoutEmptySpectra } from '../binaryReaderSupport.js';
import type { FormatReader } from '../FormatReader.js';
import { SPE_HEADER_BYTES, parseSpeFile, type SpeFile, type SpeRegion } from './speFile.js';

const ID = 'princeton-spe';
const LABEL = 'Princeton Instruments SPE';

/** The x axis of a region: SPE 3.0 wavelength list, else the 2.x polynomial of the 1-based pixel, else pixels. */
function axisOf(
  file: SpeFile,
  region: SpeRegion,
): { x: Float64Array; unit: RawSpectrumInput['xUnit']; label: string; warning?: string } {
  const x = new Float64Array(region.width);
  const wl = file.wavelengths;
  if (wl && wl.length === region.width) {
    x.set(wl);
    return { x, unit: 'nm', label: 'nm' };
  }
  if (wl && wl.length >= region.sensorX + region.width * region.xBinning) {
    // The list has one wavelength per sensor column: a binned column sits at the mean of the columns it sums.
    for (let i = 0; i < region.width; i++) {
      let sum = 0;
      for (let b = 0; b < region.xBinning; b++) sum += wl[region.sensorX + i * region.xBinning + b]!;
      x[i] = sum / region.xBinning;
    }
    return { x, unit: 'nm', label: 'nm' };
  }
  const poly = file.polynomial;
  if (poly) {
    for (let i = 0; i < region.width; i++) {
      let v = 0;
      for (let k = poly.length - 1; k >= 0; k--) v = v * (i + 1) + poly[k]!;
      x[i] = v;
    }
    const label = file.polynomialUnitLabel;
    if (/rel|raman/i.test(label)) return { x, unit: 'cm-1', label };
    if (/cm/i.test(label)) return { x, unit: 'abs-cm-1', label };
    if (/nm/i.test(label)) return { x, unit: 'nm', label };
    return {
      x,
      unit: 'nm',
      label: label || 'nm',
      warning: `the calibration unit '${label}' is not stated clearly: assumed nm`,
    };
  }
  for (let i = 0; i < region.width; i++) x[i] = i + 1;
  return {
    x,
    unit: 'pixel',
    label: 'pixel',
    warning: 'the file holds no wavelength calibration: x is the pixel number',
  };
}

function spectraOf(file: SpeFile, fileName: string): Spectrum[] {
  const base = fileName.split(/[\\/]/).pop() ?? fileName;
  const fields: Record<string, string> = {
    headerVersion: String(file.headerVersion),
    datatype: String(file.datatype),
    frames: String(file.frames),
    regions: file.regions.map((r) => `${r.width}x${r.height}`).join(','),
  };
  if (file.exposureS !== undefined) fields['exposureS'] = String(file.exposureS);
  if (file.polynomial) fields['calibration'] = file.polynomial.join(' ');
  const rowsPerFrame = file.regions.reduce((n, r) => n + r.height, 0);
  const count = file.frames * rowsPerFrame;
  const pixelsPerFrame = file.regions.reduce((n, r) => n + r.width * r.height, 0);
  const out: Spectrum[] = [];
  for (let f = 0; f < file.frames; f++) {
    let offset = f * pixelsPerFrame;
    let row = 0;
    for (const region of file.regions) {
      const axis = axisOf(file, region);
      for (let r = 0; r < region.height; r++) {
        const position: SpectrumPosition = { index: out.length, count };
        if (count > 1) position.label = `frame ${f + 1}${rowsPerFrame > 1 ? `, row ${row + 1}` : ''}`;
        out.push(
          makeSpectrum({
            x: axis.x,
            y: file.data.subarray(offset, offset + region.width),
            xUnit: axis.unit,
            originalXUnit: axis.label,
            isRaman: true,
            meta: {
              ...(file.laserNm === undefined ? {} : { laserNm: file.laserNm }),
              ...(file.instrument ? { instrument: file.instrument } : {}),
              ...(file.date ? { date: file.date } : {}),
              sourceFile: base,
              format: ID,
              yUnit: 'counts',
              position,
              fields: { ...fields },
              warnings: axis.warning ? [axis.warning] : [],
            },
          }),
        );
        offset += region.width;
        row++;
      }
    }
  }
  return withoutEmptySpectra(out, fileName, LABEL);
}

/** Princeton Instruments WinSpec 2.x / LightField 3.0 `.spe`: one spectrum per frame and row. */
export const princetonSpe: FormatReader = {
  id: ID,
  label: LABEL,
  extensions: ['spe'],
  sniff(bytes, fileName) {
    // No magic number: the header is recognised by its fixed-position fields (lastvalue 0x5555 @4098, a plausible
    // version @1992 and data type @108), or, for 3.0, by the XML footer's root element.
    if (bytes.length < SPE_HEADER_BYTES) return 0;
    const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
    const version = view.getFloat32(1992, true);
    const datatype = view.getInt16(108, true);
    const lastValue = view.getUint16(4098, true);
    const plausible = version > 0 && version < 10 && [0, 1, 2, 3, 5, 6, 8].includes(datatype);
    if (!plausible) return 0;
    if (lastValue === 0x5555) return 3;
    return /\.spe$/i.test(fileName) ? 2 : 0;
  },
  read(bytes, fileName) {
    return readOrCorrupt(fileName, LABEL, () => spectraOf(parseSpeFile(bytes, fileName), fileName));
  },
};
