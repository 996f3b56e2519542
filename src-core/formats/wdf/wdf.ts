import { parseError } from '../../errors.js';
import { makeSpectrum, type RawSpectrumInput } from '../../spectrum/makeSpectrum.js';
import type { Spectrum, SpectrumPosition } from '../../spectrum/Spectrum.js';
import { readOrCorrupt, withoutEmptySpectra } from '../binaryReaderSupport.js';
import type { FormatReader } from '../FormatReader.js';
import {
  WDF_MEASUREMENT_TYPES,
  WDF_ORIGIN_TYPE,
  WDF_SCAN_TYPES,
  WDF_UNITS,
  parseWdfFile,
  type WdfFile,
  type WdfOrigin,
} from './wdfFile.js';

const ID = 'wdf';
const LABEL = 'Renishaw WDF';

/** WMAP flag bit for a line ("XY line") acquisition: the grid is 1-D along the line, not a raster. */
const WMAP_FLAG_XY_LINE = 128;

/** Spatial units of ORGN/WMAP entries to µm (WDF_UNITS codes 5 µm, 8 mm, 9 m). */
const TO_UM: Readonly<Record<number, number>> = { 5: 1, 8: 1e3, 9: 1e6 };

function xUnitOf(units: number): RawSpectrumInput['xUnit'] {
  switch (units) {
    case 1:
      return 'cm-1';
    case 2:
      return 'abs-cm-1';
    case 3:
      return 'nm';
    case 4:
      return 'ev';
    case 16:
      return 'pixel';
    default:
      return 'other';
  }
}

function originOf(file: WdfFile, type: number): WdfOrigin | undefined {
  return file.origins.find((o) => o.type === type);
}

function toUm(origin: WdfOrigin | undefined, i: number): number | undefined {
  if (!origin) return undefined;
  const factor = TO_UM[origin.units];
  const v = origin.values[i];
  return factor === undefined || v === undefined || !Number.isFinite(v) ? undefined : v * factor;
}

/**
 * Grid indices of spectrum `i`. For rasters, from the stage position relative to the WMAP origin and step (this is
 * independent of the raster order, serpentine included); for XY lines the index along the line. Falls back to
 * row-major order when the positions do not land on the grid.
 */
function gridOf(
  file: WdfFile,
  i: number,
  xUm: number | undefined,
  yUm: number | undefined,
): { column: number; row: number } | undefined {
  const map = file.mapArea;
  if (!map) return undefined;
  const [cols, rows] = map.size;
  if (cols === 0) return undefined;
  if ((map.flags & WMAP_FLAG_XY_LINE) !== 0) return { column: i, row: 0 };
  if (xUm !== undefined && yUm !== undefined && map.step[0] !== 0 && map.step[1] !== 0) {
    const column = Math.round((xUm - map.offset[0]) / map.step[0]);
    const row = Math.round((yUm - map.offset[1]) / map.step[1]);
    if (column >= 0 && column < cols && row >= 0 && row < Math.max(rows, 1)) return { column, row };
  }
  return { column: i % cols, row: Math.floor(i / cols) };
}

function isoOrUndefined(ms: number | undefined): string | undefined {
  if (ms === undefined || !Number.isFinite(ms)) return undefined;
  const d = new Date(ms);
  return Number.isNaN(d.getTime()) ? undefined : d.toISOString().replace(/\.\d{3}Z$/, 'Z');
}

function spectraOf(file: WdfFile, fileName: string): Spectrum[] {
  const { header } = file;
  const n = header.collected;
  if (n === 0)
    throw parseError('E_EMPTY', fileName, LABEL, `no spectrum was acquired (0 of ${header.capacity} planned)`);
  const base = fileName.split(/[\\/]/).pop() ?? fileName;
  const laserNm =
    header.laserWavenumber > 0 && Number.isFinite(header.laserWavenumber) ? 1e7 / header.laserWavenumber : undefined;
  const warnings: string[] = [];
  if (n < header.capacity) {
    warnings.push(
      `unfinished measurement: ${n} of ${header.capacity} planned spectra were acquired; only those are returned`,
    );
  }
  const fields: Record<string, string> = {
    application: `${header.appName} ${header.appVersion}`.trim(),
    measurementType: WDF_MEASUREMENT_TYPES[header.measurementType] ?? String(header.measurementType),
    scanType: WDF_SCAN_TYPES[header.scanType] ?? String(header.scanType),
    accumulations: String(header.accumulations),
    intensityUnits: WDF_UNITS[header.dataUnits] ?? String(header.dataUnits),
    plannedSpectra: String(header.capacity),
    acquiredSpectra: String(n),
    blocks: file.blockIds.join(','),
  };
  if (header.title) fields['title'] = header.title;
  if (header.user) fields['user'] = header.user;
  if (file.comment) fields['comment'] = file.comment;
  const end = isoOrUndefined(header.timeEndMs);
  if (end) fields['timeEnd'] = end;
  if (laserNm !== undefined) fields['laserWavenumber'] = String(header.laserWavenumber);
  if (file.mapArea) {
    fields['mapSize'] = file.mapArea.size.join('x');
    fields['mapStepUm'] = file.mapArea.step.join(',');
  }

  const ox = originOf(file, WDF_ORIGIN_TYPE.X);
  const oy = originOf(file, WDF_ORIGIN_TYPE.Y);
  const oz = originOf(file, WDF_ORIGIN_TYPE.Z);
  const oFocus = originOf(file, WDF_ORIGIN_TYPE.FOCUS_TRACK);
  const oTime = originOf(file, WDF_ORIGIN_TYPE.TIME);
  const xUnit = xUnitOf(file.xList.units);
  const originalXUnit = WDF_UNITS[file.xList.units] ?? `unit code ${file.xList.units}`;
  const date = isoOrUndefined(header.timeStartMs);
  const model = file.properties.instrumentState.get('Instrument type');
  const software = header.appName ? `${header.appName} ${header.appVersion}` : '';
  const instrument = ['Renishaw', typeof model === 'string' ? model : '', software ? `(${software})` : '']
    .filter(Boolean)
    .join(' ');
  for (const [group, props] of [
    ['instrument', file.properties.instrumentState],
    ['acquisition', file.properties.acquisition],
  ] as const) {
    for (const [name, value] of props) fields[`${group}.${name}`] = String(value);
  }
  const npts = header.pointsPerSpectrum;

  const out: Spectrum[] = [];
  for (let i = 0; i < n; i++) {
    const xUm = toUm(ox, i);
    const yUm = toUm(oy, i);
    const zUm = toUm(oz, i) ?? toUm(oFocus, i);
    const position: SpectrumPosition = { index: i, count: n };
    if (xUm !== undefined) position.xUm = xUm;
    if (yUm !== undefined) position.yUm = yUm;
    if (zUm !== undefined) position.zUm = zUm;
    const grid = gridOf(file, i, xUm, yUm);
    if (grid) {
      position.column = grid.column;
      position.row = grid.row;
    }
    const acquired = isoOrUndefined(oTime?.values[i]);
    if (n > 1) {
      position.label = grid
        ? `row ${grid.row}, column ${grid.column}`
        : zUm !== undefined
          ? `z ${zUm.toFixed(3)} µm`
          : acquired
            ? `t ${acquired}`
            : `spectrum ${i + 1}`;
    }
    out.push(
      makeSpectrum({
        x: file.xList.values,
        y: file.data.subarray(i * npts, (i + 1) * npts),
        xUnit,
        originalXUnit,
        isRaman: true,
        meta: {
          ...(laserNm === undefined ? {} : { laserNm }),
          instrument,
          ...(date ? { date } : {}),
          sourceFile: base,
          format: ID,
          yUnit: WDF_UNITS[header.dataUnits] ?? 'arbitrary',
          position,
          fields: acquired ? { ...fields, acquiredAt: acquired } : { ...fields },
          warnings: [...warnings],
        },
      }),
    );
  }
  return withoutEmptySpectra(out, fileName, LABEL);
}

/** Renishaw WiRE `.wdf`: single spectra, series (time, depth, focus track), line scans and maps. */
export const wdf: FormatReader = {
  id: ID,
  label: LABEL,
  extensions: ['wdf'],
  sniff(bytes) {
    return bytes.length >= 4 && bytes[0] === 0x57 && bytes[1] === 0x44 && bytes[2] === 0x46 && bytes[3] === 0x31
      ? 3
      : 0;
  },
  read(bytes, fileName) {
    return readOrCorrupt(fileName, LABEL, () => spectraOf(parseWdfFile(bytes, fileName), fileName));
  },
};
