import { parseError } from '../../errors.js';
import { makeSpectrum } from '../../spectrum/makeSpectrum.js';
import type { RawSpectrumInput } from '../../spectrum/makeSpectrum.js';
import type { Spectrum, SpectrumPosition } from '../../spectrum/Spectrum.js';
import type { FormatReader } from '../FormatReader.js';
import { parseXml, parseXmlFile } from '../jobinyvon/parseXml.js';
import type { XmlElement } from '../jobinyvon/parseXml.js';

const ID = 'trivista';
const LABEL = 'TriVista TVF';

/**
 * S&I TriVista `.tvf` files: XML (UTF-8 with BOM) under `<XmlMain>`. What we use (see docs/formats/trivista.md):
 * - `Documents › Document` (one per measurement): `RecordTime` (MM/DD/YYYY HH:MM:SS.sss), `DataLabel` (y unit),
 *   `InfoSerialized` (an escaped XML document of `Group › Name, Items › Item › Name, Value`: set-up, detector,
 *   calibration, and for line scans the stage axis `From`, `To`, `Step`, `Points`).
 * - `xDim › Calibration`: `Unit` (`Nanometer`, …), `LaserWave` (nm, 0 when unset), `ValueArray` = `N|x1|x2|…`.
 * - `zDim Length`: number of frames; `Data › Frame` (`xDim`, `yDim` attributes): `;`-separated intensities.
 *   Each frame is one spectrum (line scans have one frame per stage position).
 */

/** h·c in eV·nm (CODATA 2018). */
const HC_EV_NM = 1239.84198433;

function find(el: XmlElement, name: string): XmlElement | undefined {
  return el.children.find((c) => c.name === name);
}

/** Flattens the `InfoSerialized` groups into `Group.Sub.Name` → value. */
function infoFields(serialized: string | undefined, into: Record<string, string>): void {
  if (!serialized || !serialized.includes('<')) return;
  let info: XmlElement;
  try {
    info = parseXml(serialized);
  } catch {
    return; // The embedded document is informative only: a broken one leaves the spectra readable.
  }
  const walk = (groups: XmlElement | undefined, prefix: string): void => {
    for (const g of groups?.children ?? []) {
      if (g.name !== 'Group') continue;
      const name = find(g, 'Name')?.text.trim() ?? '';
      const path = prefix ? `${prefix}.${name}` : name;
      for (const item of find(g, 'Items')?.children ?? []) {
        const key = find(item, 'Name')?.text.trim();
        if (key) into[`${path}.${key}`] = find(item, 'Value')?.text.trim() ?? '';
      }
      walk(find(g, 'Groups'), path);
    }
  };
  walk(find(info, 'Groups'), '');
}

function xUnitOf(unit: string): { xUnit: RawSpectrumInput['xUnit']; transform?: (v: number) => number } {
  const u = unit.toLowerCase();
  if (u.includes('nanometer') || u === 'nm') return { xUnit: 'nm' };
  if (u.includes('raman') || u.includes('relative')) return { xUnit: 'cm-1' };
  if (u.includes('wavenumber')) return { xUnit: 'abs-cm-1' };
  if (u.includes('electronvolt') || u === 'ev') return { xUnit: 'nm', transform: (v) => (v > 0 ? HC_EV_NM / v : NaN) };
  if (u.includes('pixel')) return { xUnit: 'pixel' };
  return { xUnit: 'other' };
}

/** `06/14/2022 13:34:27.453` (month first) → `2022-06-14T13:34:27.453`. */
function isoDate(s: string | undefined): string | undefined {
  if (!s) return undefined;
  const m = /^(\d{1,2})\/(\d{1,2})\/(\d{4})\s+(\d{1,2}):(\d{2}):(\d{2}(?:\.\d+)?)$/.exec(s.trim());
  return m
    ? `${m[3]}-${m[1]!.padStart(2, '0')}-${m[2]!.padStart(2, '0')}T${m[4]!.padStart(2, '0')}:${m[5]}:${m[6]}`
    : s;
}

export const trivistaTvf: FormatReader = {
  id: ID,
  label: LABEL,
  extensions: ['tvf'],
  sniff(bytes) {
    const head = new TextDecoder('utf-8').decode(bytes.subarray(0, 1024));
    if (/TriVista-File/.test(head) && /<XmlMain[\s>]/.test(head)) return 3;
    return /^\s*(\uFEFF)?\s*(<\?xml[^>]*\?>\s*)?<XmlMain[\s>]/.test(head) ? 2 : 0;
  },
  read(bytes, fileName) {
    const root = parseXmlFile(bytes, fileName, LABEL, 'XmlMain');
    const documents = find(root, 'Documents')?.children.filter((d) => d.name === 'Document') ?? [];
    if (documents.length === 0) throw parseError('E_EMPTY', fileName, LABEL, 'no <Document> in <Documents>');

    const base = fileName.split(/[\\/]/).pop() ?? fileName;
    const collected: {
      x: number[];
      y: number[];
      unit: string;
      xUnit: RawSpectrumInput['xUnit'];
      laserNm?: number;
      fields: Record<string, string>;
      label?: string;
      date?: string;
    }[] = [];
    documents.forEach((doc, d) => {
      const calibration = find(find(doc, 'xDim') ?? doc, 'Calibration');
      const valueArray = calibration?.attrs['ValueArray'];
      if (!calibration || !valueArray)
        throw parseError('E_CORRUPT', fileName, LABEL, `document ${d}: no xDim calibration ValueArray`);
      const parts = valueArray.split('|');
      const declared = Number(parts[0]);
      const xRaw = parts.slice(1).map(Number);
      if (
        !Number.isInteger(declared) ||
        declared !== xRaw.length ||
        xRaw.length === 0 ||
        xRaw.some((v) => !Number.isFinite(v))
      ) {
        throw parseError(
          'E_CORRUPT',
          fileName,
          LABEL,
          `document ${d}: x calibration declares ${parts[0]} values and holds ${xRaw.length} numbers`,
        );
      }
      const unit = calibration.attrs['Unit'] ?? '';
      const { xUnit, transform } = xUnitOf(unit);
      const x = transform ? xRaw.map(transform) : xRaw;

      const fields: Record<string, string> = {};
      for (const key of ['Label', 'DataLabel', 'DocType', 'RecordTime', 'ModeName']) {
        const v = doc.attrs[key];
        if (v) fields[key] = v;
      }
      infoFields(doc.attrs['InfoSerialized'], fields);
      if (root.attrs['Filename']) fields['Filename'] = root.attrs['Filename'];
      fields['x unit'] = unit;
      const laserAttr = Number(calibration.attrs['LaserWave']);
      const laserInfo = Number(fields['Calibration.Laser_Wavelength']);
      const laserNm = laserAttr > 0 ? laserAttr : laserInfo > 0 ? laserInfo : undefined;

      const frames = find(doc, 'Data')?.children.filter((f) => f.name === 'Frame') ?? [];
      if (frames.length === 0) throw parseError('E_EMPTY', fileName, LABEL, `document ${d}: no <Frame> data`);
      // Line scans: the stage axis of InfoSerialized gives one position per frame (unit not stated in the file).
      const axisName = Object.keys(fields)
        .find((k) => /-Axis\.Points$/.test(k))
        ?.replace(/\.Points$/, '');
      const from = axisName ? Number(fields[`${axisName}.From`]) : NaN;
      const step = axisName ? Number(fields[`${axisName}.Step`]) : NaN;
      const points = axisName ? Number(fields[`${axisName}.Points`]) : NaN;
      frames.forEach((frame, f) => {
        const rowsPerFrame = Number(frame.attrs['yDim'] ?? '1');
        if (rowsPerFrame !== 1)
          throw parseError(
            'E_UNSUPPORTED',
            fileName,
            LABEL,
            `frame ${f} is a ${rowsPerFrame}-row detector image, not a spectrum`,
          );
        const text = frame.text.trim();
        const y = text === '' ? [] : text.split(';').map(Number);
        if (y.length !== x.length)
          throw parseError(
            'E_CORRUPT',
            fileName,
            LABEL,
            `frame ${f} holds ${y.length} values, the x calibration ${x.length}`,
          );
        let label: string | undefined;
        if (frames.length > 1) {
          label =
            axisName && points === frames.length && Number.isFinite(from) && Number.isFinite(step)
              ? `${axisName.replace(/-Axis$/, '')}=${+(from + f * step).toFixed(6)}`
              : `frame ${f + 1}`;
        }
        const date = isoDate(doc.attrs['RecordTime']);
        collected.push({
          x,
          y,
          unit,
          xUnit,
          ...(laserNm === undefined ? {} : { laserNm }),
          fields,
          ...(label ? { label } : {}),
          ...(date ? { date } : {}),
        });
      });
    });

    return collected.map((c, index): Spectrum => {
      const position: SpectrumPosition = { index, count: collected.length, ...(c.label ? { label: c.label } : {}) };
      const model = c.fields['Spectrometers.Spectrometer.Model'];
      return makeSpectrum({
        x: c.x,
        y: c.y,
        xUnit: c.xUnit,
        originalXUnit: c.unit,
        isRaman: true,
        meta: {
          ...(c.laserNm === undefined ? {} : { laserNm: c.laserNm }),
          ...(model ? { instrument: `TriVista ${model}` } : {}),
          ...(c.date ? { date: c.date } : {}),
          ...(c.fields['DataLabel'] ? { yUnit: c.fields['DataLabel'] } : {}),
          sourceFile: base,
          format: ID,
          position,
          fields: { ...c.fields },
        },
      });
    });
  },
};
