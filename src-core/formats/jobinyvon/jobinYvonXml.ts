import { parseError } from '../../errors.js';
import { makeSpectrum } from '../../spectrum/makeSpectrum.js';
import type { RawSpectrumInput } from '../../spectrum/makeSpectrum.js';
import type { Spectrum, SpectrumPosition } from '../../spectrum/Spectrum.js';
import type { FormatReader } from '../FormatReader.js';
import { parseXmlFile } from './parseXml.js';
import type { XmlElement } from './parseXml.js';

const ID = 'jobinyvon-xml';
const LABEL = 'Horiba JobinYvon XML';

/**
 * Horiba LabSpec "JobinYvon" XML exports (`<LSX_Data>`). Every node is `<LSX Format=… ID=…>`; the tags say nothing,
 * the hexadecimal IDs name the content (see docs/formats/jobinyvon-xml.md):
 * - `LSX_Tree` › `0x7A74D9D6` › `0x7B697861`: the axes. `0x0` intensity (name `0x6D707974`, unit `0x7C696E75`),
 *   `0x1` spectral axis (values `0x7D6CD4DB`, unit `nm`, `1/cm`, `1/cm abs`, `eV`), `0x2` and `0x3` navigation axes
 *   of line scans and maps (the first one varies fastest along the rows).
 * - `LSX_Tree` › `0x6C62D4D9`: metadata groups (`0x8716361` acquisition set-up, `0x7C73E2D2` file information,
 *   `0x7CECDBD7` dates); each item has a name `0x6D6D616E`, a display value `0x7D6C61DB`, sometimes a numeric value
 *   `0x8736F70` and a unit `0x7C696E75`.
 * - `LSX_Tree` › `0x6C676EC6` › `0x0`: map rotation angle (rad). `0x6C7469D9`: title.
 * - `LSX_Matrix` › `LSX_Row`: one whitespace-separated spectrum per row.
 */

const AXES = '0x7A74D9D6';
const AXIS_LIST = '0x7B697861';
const VALUES = '0x7D6CD4DB';
const NAME = '0x6D707974';
const UNIT = '0x7C696E75';
const REAL_NAME = '0x6D6261D8';
const META = '0x6C62D4D9';
const ITEM_NAME = '0x6D6D616E';
const ITEM_VALUE = '0x7D6C61DB';
const ITEM_NUMBER = '0x8736F70';
const TITLE = '0x6C7469D9';
const ROTATION = '0x6C676EC6';

/**
 * LabSpec converts with λ[nm] = 1240 / E[eV], not with the exact h·c = 1239.84198 eV·nm: the eV and nm exports of
 * one acquisition (jobinyvon_test_spec_3s_eV.xml / _counts.xml) multiply to 1240.000 ± 0.004 at every point. Using
 * LabSpec's constant reproduces its own nm axis (the exact constant would shift x by about 1.8 cm⁻¹ at 770 nm).
 */
const LABSPEC_EV_NM = 1240;

function child(el: XmlElement | undefined, id: string): XmlElement | undefined {
  return el?.children.find((c) => c.attrs['ID'] === id);
}

function childText(el: XmlElement | undefined, id: string): string | undefined {
  const c = child(el, id);
  return c ? c.text.trim() : undefined;
}

function numbers(text: string): number[] {
  const t = text.trim();
  return t === '' ? [] : t.split(/\s+/).map(Number);
}

interface NavAxis {
  name: string;
  unit: string;
  values: number[];
}

function navAxis(el: XmlElement | undefined): NavAxis | undefined {
  if (!el) return undefined;
  const values = numbers(childText(el, VALUES) ?? '');
  if (values.length === 0) return undefined;
  return { name: childText(el, REAL_NAME) ?? childText(el, NAME) ?? '', unit: childText(el, UNIT) ?? '', values };
}

/** `27.06.2022 16:26:24` → `2022-06-27T16:26:24` (LabSpec writes local time without a zone). */
function isoDate(s: string | undefined): string | undefined {
  if (!s) return undefined;
  const m = /^(\d{1,2})\.(\d{1,2})\.(\d{4})(?:\s+(\d{1,2}):(\d{2})(?::(\d{2}))?)?$/.exec(s.trim());
  if (!m) return s;
  const date = `${m[3]}-${m[2]!.padStart(2, '0')}-${m[1]!.padStart(2, '0')}`;
  return m[4] === undefined ? date : `${date}T${m[4].padStart(2, '0')}:${m[5]}${m[6] === undefined ? '' : `:${m[6]}`}`;
}

function setCoordinate(pos: SpectrumPosition, axis: NavAxis, value: number): void {
  const um = /^(µ|u)m$/i.test(axis.unit);
  const key = axis.name.trim().charAt(0).toUpperCase();
  if (!um || !Number.isFinite(value)) return;
  if (key === 'X') pos.xUm = value;
  else if (key === 'Y') pos.yUm = value;
  else if (key === 'Z') pos.zUm = value;
}

function spectralUnit(unit: string): {
  xUnit: RawSpectrumInput['xUnit'];
  isRaman: boolean;
  transform?: (v: number) => number;
} {
  const u = unit.trim().toLowerCase();
  if (u === 'nm') return { xUnit: 'nm', isRaman: true };
  if (u === '1/cm' || u === 'cm-1') return { xUnit: 'cm-1', isRaman: true };
  if (u === '1/cm abs' || u === 'cm-1 abs') return { xUnit: 'abs-cm-1', isRaman: true };
  // Energy: converted to wavelength, then to Raman shift with the laser like any nm axis.
  if (u === 'ev') return { xUnit: 'nm', isRaman: true, transform: (v) => (v > 0 ? LABSPEC_EV_NM / v : NaN) };
  return { xUnit: 'other', isRaman: false };
}

export const jobinYvonXml: FormatReader = {
  id: ID,
  label: LABEL,
  extensions: ['xml'],
  sniff(bytes) {
    const head = new TextDecoder('latin1').decode(bytes.subarray(0, 512));
    return /^\s*(\uFEFF|ï»¿)?\s*(<\?xml[^>]*\?>\s*)?<LSX_Data[\s>]/.test(head) ? 3 : 0;
  },
  read(bytes, fileName) {
    const root = parseXmlFile(bytes, fileName, LABEL, 'LSX_Data');
    const tree = root.children.find((c) => c.name === 'LSX_Tree');
    const matrix = root.children.find((c) => c.name === 'LSX_Matrix');
    if (!tree || !matrix) throw parseError('E_CORRUPT', fileName, LABEL, 'no LSX_Tree or LSX_Matrix element');
    const axisList = child(child(tree, AXES), AXIS_LIST);
    const intensityAxis = child(axisList, '0x0');
    const spectral = child(axisList, '0x1');
    if (!spectral) throw parseError('E_CORRUPT', fileName, LABEL, 'no spectral axis (ID 0x1)');
    const xRaw = numbers(childText(spectral, VALUES) ?? '');
    if (xRaw.length === 0 || xRaw.some((v) => !Number.isFinite(v)))
      throw parseError('E_CORRUPT', fileName, LABEL, 'spectral axis values are missing or not numbers');
    const unitText = childText(spectral, UNIT) ?? '';
    const unit = spectralUnit(unitText);
    const x = unit.transform ? xRaw.map(unit.transform) : xRaw;

    // Metadata: every named item of every group, display value first.
    const fields: Record<string, string> = {};
    const numeric: Record<string, number> = {};
    for (const group of child(tree, META)?.children ?? []) {
      for (const item of group.children) {
        const name = childText(item, ITEM_NAME);
        if (!name) continue;
        const value = childText(item, ITEM_VALUE);
        const number = childText(item, ITEM_NUMBER);
        if (value !== undefined) fields[name] = value;
        else if (number !== undefined) fields[name] = number;
        if (number !== undefined && Number.isFinite(Number(number))) numeric[name] = Number(number);
      }
    }
    const title = childText(tree, TITLE);
    if (title) fields['Title'] ??= title;
    const rotation = childText(child(tree, ROTATION), '0x0');
    if (rotation) fields['rotation angle (rad)'] = rotation;
    fields['x unit'] = unitText;
    const yName = childText(intensityAxis, NAME);
    const yUnit = childText(intensityAxis, UNIT);

    const laserNm = numeric['Laser (nm)'] ?? Number.parseFloat(fields['Laser (nm)'] ?? '');
    const warnings: string[] = [];
    if (unit.xUnit === 'other') warnings.push(`unknown spectral axis unit '${unitText}'`);

    const rows = matrix.children.filter((c) => c.name === 'LSX_Row');
    if (rows.length === 0) throw parseError('E_EMPTY', fileName, LABEL, 'LSX_Matrix holds no LSX_Row');
    const nav1 = navAxis(child(axisList, '0x2'));
    const nav2 = navAxis(child(axisList, '0x3'));
    const n1 = nav1?.values.length ?? 1;
    const n2 = nav2?.values.length ?? 1;
    const gridOk = n1 * n2 === rows.length;
    if (rows.length > 1 && !gridOk)
      warnings.push(`${rows.length} spectra do not fill the ${n1}×${n2} navigation grid: positions not assigned`);

    const base = fileName.split(/[\\/]/).pop() ?? fileName;
    return rows.map((row, index): Spectrum => {
      const y = numbers(row.text);
      if (y.length !== x.length) {
        throw parseError(
          'E_CORRUPT',
          fileName,
          LABEL,
          `row ${index} has ${y.length} values, the spectral axis ${x.length}`,
        );
      }
      const position: SpectrumPosition = { index, count: rows.length };
      if (rows.length > 1 && gridOk) {
        const i1 = index % n1;
        const i2 = Math.floor(index / n1);
        if (nav1) setCoordinate(position, nav1, nav1.values[i1]!);
        if (nav2) setCoordinate(position, nav2, nav2.values[i2]!);
        if (n1 > 1 && n2 > 1) {
          position.column = i1;
          position.row = i2;
        }
        const parts = [nav1 && `${nav1.name}=${nav1.values[i1]}`, nav2 && `${nav2.name}=${nav2.values[i2]}`].filter(
          Boolean,
        );
        position.label = parts.join(' ') + (nav1?.unit ? ` ${nav1.unit}` : '');
      }
      return makeSpectrum({
        x,
        y,
        xUnit: unit.xUnit,
        originalXUnit: unitText,
        isRaman: unit.isRaman,
        meta: {
          ...(fields['Sample'] ? { sampleId: fields['Sample'] } : {}),
          ...(Number.isFinite(laserNm) && laserNm > 0 ? { laserNm } : {}),
          ...(fields['Instrument'] ? { instrument: fields['Instrument'] } : {}),
          ...(isoDate(fields['Acquired'] ?? fields['Date'])
            ? { date: isoDate(fields['Acquired'] ?? fields['Date'])! }
            : {}),
          ...(yUnit || yName ? { yUnit: yUnit ?? yName! } : {}),
          sourceFile: base,
          format: ID,
          position,
          fields: { ...fields },
          warnings: [...warnings],
        },
      });
    });
  },
};
