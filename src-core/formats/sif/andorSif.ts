import { makeSpectrum, type RawSpectrumInput } from '../../spectrum/makeSpectrum.js';
import type { Spectrum, SpectrumPosition } from '../../spectrum/Spectrum.js';
import { readOrCorrupt, withoutEmptySpectra } from '../binaryReaderSupport.js';
import type { FormatReader } from '../FormatReader.js';
import { SIF_MAGIC, parseSifFile, sifPixelToNm, type SifFile } from './sifFile.js';

const ID = 'andor-sif';
const LABEL = 'Andor SIF';

/** x of every column of a subimage: calibrated wavelength (nm) when a polynomial is present, else pixel number. */
function axisOf(
  file: SifFile,
  frame: number,
  x0: number,
  xbin: number,
  width: number,
): { x: Float64Array; unit: RawSpectrumInput['xUnit'] } {
  const poly = file.frameCalibrations?.[frame] ?? file.calibration;
  const calibrated = poly !== undefined && poly.length > 1 && poly.slice(1).some((c) => c !== 0);
  const x = new Float64Array(width);
  for (let i = 0; i < width; i++) {
    // Andor numbers pixels from 1; a binned column is centred on the pixels it sums.
    const pixel = x0 + i * xbin + (xbin - 1) / 2;
    x[i] = calibrated ? sifPixelToNm(poly, pixel) : pixel;
  }
  return { x, unit: calibrated ? 'nm' : 'pixel' };
}

function spectraOf(file: SifFile, fileName: string): Spectrum[] {
  const base = fileName.split(/[\\/]/).pop() ?? fileName;
  // Solis stores an excitation wavelength in every file, but it is only meaningful when the acquisition was set to
  // display Raman shift (the frame axis says so); in wavelength mode the value is a leftover default (e.g. 422 nm
  // in a 405 nm-notch measurement), so it is recorded but not used.
  const ramanMode = /raman/i.test(file.frameAxis);
  const laserNm = ramanMode && file.ramanExcitationNm > 0 ? file.ramanExcitationNm : undefined;
  const fields: Record<string, string> = {
    sifVersion: String(file.version),
    detector: file.detectorType,
    detectorSize: `${file.detectorWidth}x${file.detectorHeight}`,
    detectorTemperatureC: String(file.detectorTemperatureC),
    exposureTimeS: String(file.exposureTimeS),
    accumulations: String(file.accumulations),
    frameAxis: file.frameAxis,
    dataType: file.dataType,
    frames: String(file.frames),
  };
  if (file.originalFileName) fields['originalFileName'] = file.originalFileName;
  if (file.spectrograph) fields['spectrograph'] = file.spectrograph;
  if (file.calibration) fields['calibration'] = file.calibration.join(' ');
  if (file.ramanExcitationNm > 0) fields['ramanExcitationNm'] = String(file.ramanExcitationNm);
  const date =
    file.experimentTime > 0 ? new Date(file.experimentTime * 1000).toISOString().replace(/\.\d{3}Z$/, 'Z') : undefined;
  const instrument = [file.spectrograph, file.detectorType].filter(Boolean).join(' / ');
  const baseWarnings: string[] = [];
  if (!ramanMode && file.ramanExcitationNm > 0) {
    baseWarnings.push(
      `the file stores an excitation wavelength of ${file.ramanExcitationNm} nm but was acquired in wavelength mode; it was not used`,
    );
  }

  const tracksPerFrame = file.subImages.reduce((n, s) => n + s.height, 0);
  const count = file.frames * tracksPerFrame;
  const out: Spectrum[] = [];
  let offset = 0;
  for (let f = 0; f < file.frames; f++) {
    let track = 0;
    for (const sub of file.subImages) {
      const { x, unit } = axisOf(file, f, sub.x0, sub.xbin, sub.width);
      const warnings = [...baseWarnings];
      if (unit === 'pixel') warnings.push('the file holds no wavelength calibration: x is the pixel number');
      for (let row = 0; row < sub.height; row++) {
        const y = file.data.subarray(offset, offset + sub.width);
        offset += sub.width;
        const position: SpectrumPosition = { index: out.length, count };
        if (count > 1) position.label = `frame ${f + 1}${tracksPerFrame > 1 ? `, track ${track + 1}` : ''}`;
        out.push(
          makeSpectrum({
            x,
            y,
            xUnit: unit,
            originalXUnit: unit === 'nm' ? 'nm' : 'pixel',
            meta: {
              ...(laserNm === undefined ? {} : { laserNm }),
              ...(instrument ? { instrument: `Andor ${instrument}` } : {}),
              ...(date ? { date } : {}),
              sourceFile: base,
              format: ID,
              yUnit: file.dataType,
              position,
              fields: { ...fields },
              warnings: [...warnings],
            },
          }),
        );
        track++;
      }
    }
  }
  return withoutEmptySpectra(out, fileName, LABEL);
}

/** Andor Solis `.sif`: the signal image, one spectrum per frame and track, x from the calibration polynomial. */
export const andorSif: FormatReader = {
  id: ID,
  label: LABEL,
  extensions: ['sif'],
  sniff(bytes) {
    if (bytes.length < SIF_MAGIC.length) return 0;
    for (let i = 0; i < SIF_MAGIC.length; i++) if (bytes[i] !== SIF_MAGIC.charCodeAt(i)) return 0;
    return 3;
  },
  read(bytes, fileName) {
    return readOrCorrupt(fileName, LABEL, () => spectraOf(parseSifFile(bytes, fileName), fileName));
  },
};
