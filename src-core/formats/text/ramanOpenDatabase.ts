import { parseError } from '../../errors.js';
import { makeSpectrum } from '../../spectrum/makeSpectrum.js';
import type { FormatReader } from '../FormatReader.js';
import { decodeText, looksLikeText, splitLines } from '../textDecode.js';
import { baseName, normaliseDate, parseLaserNm, parseNumber, withPoints } from './textCommon.js';

const ID = 'rod';
const LABEL = 'Raman Open Database (ROD/CIF)';

/** One CIF data block: single-valued tags, and loops (tag list plus values row by row). */
interface CifBlock {
  name: string;
  tags: Map<string, string>;
  loops: { tags: string[]; values: string[] }[];
}

/**
 * Tokenise CIF 1.1 text (Hall, Allen & Brown 1991; the syntax ROD files use): white-space separated words,
 * 'single' or "double" quoted strings (a quote closes only before white space), `;`-delimited text fields at the
 * start of a line, `#` comments.
 */
function tokenize(text: string): string[] {
  const tokens: string[] = [];
  const lines = splitLines(text);
  for (let li = 0; li < lines.length; li++) {
    const line = lines[li]!;
    if (line.startsWith(';')) {
      const parts = [line.slice(1)];
      li++;
      while (li < lines.length && !lines[li]!.startsWith(';')) parts.push(lines[li++]!);
      tokens.push(parts.join('\n').trim());
      continue; // the closing ';' line ends the field (anything after it on that line is ignored, as CIF allows none)
    }
    let i = 0;
    while (i < line.length) {
      const c = line[i]!;
      if (c === ' ' || c === '\t') {
        i++;
        continue;
      }
      if (c === '#') break;
      if (c === "'" || c === '"') {
        let j = i + 1;
        while (j < line.length && !(line[j] === c && (j + 1 === line.length || /\s/.test(line[j + 1]!)))) j++;
        tokens.push(line.slice(i + 1, j));
        i = j + 1;
        continue;
      }
      let j = i;
      while (j < line.length && line[j] !== ' ' && line[j] !== '\t') j++;
      tokens.push(line.slice(i, j));
      i = j;
    }
  }
  return tokens;
}

function parseCif(text: string): CifBlock[] {
  const tokens = tokenize(text);
  const blocks: CifBlock[] = [];
  let block: CifBlock | undefined;
  let i = 0;
  const isTag = (t: string | undefined): boolean => t !== undefined && t.startsWith('_');
  const isKeyword = (t: string | undefined): boolean => t !== undefined && /^(loop_|data_|save_|global_|stop_)/i.test(t);
  while (i < tokens.length) {
    const t = tokens[i]!;
    if (/^data_/i.test(t)) {
      block = { name: t.slice(5), tags: new Map(), loops: [] };
      blocks.push(block);
      i++;
    } else if (/^loop_$/i.test(t)) {
      i++;
      const tags: string[] = [];
      while (isTag(tokens[i])) tags.push(tokens[i++]!.toLowerCase());
      const values: string[] = [];
      while (i < tokens.length && !isTag(tokens[i]) && !isKeyword(tokens[i])) values.push(tokens[i++]!);
      block?.loops.push({ tags, values });
    } else if (isTag(t)) {
      const v = tokens[i + 1];
      if (v !== undefined && !isTag(v) && !isKeyword(v)) {
        block?.tags.set(t.toLowerCase(), v);
        i += 2;
      } else i++;
    } else i++;
  }
  return blocks;
}

/**
 * Raman Open Database `.rod` files (El Mendili et al., Sci. Data 2019; solsa.crystallography.net/rod): CIF syntax,
 * the spectrum in a loop of `_raman_spectrum.raman_shift` and `_raman_spectrum.intensity`. Substance from
 * `_chemical_name_mineral` (else common, else systematic name), laser from
 * `_raman_measurement_device.excitation_laser_wavelength`. One spectrum per data block.
 */
export const ramanOpenDatabase: FormatReader = {
  id: ID,
  label: LABEL,
  extensions: ['rod', 'cif'],
  sniff(bytes) {
    if (!looksLikeText(bytes)) return 0;
    const head = new TextDecoder('latin1').decode(bytes.subarray(0, 64 * 1024));
    if (!/^[ \t]*data_\S/m.test(head)) return 0; // [ \t], not \s: \s would span lines and backtrack quadratically
    return /_raman_spectrum\.(raman_shift|intensity)/.test(head) ? 3 : /_rod_database\.code|_raman_measurement/.test(head) ? 2 : 0;
  },
  read(bytes, fileName) {
    if (bytes.length === 0) throw parseError('E_EMPTY', fileName, LABEL, 'the file is empty');
    if (!looksLikeText(bytes)) throw parseError('E_CORRUPT', fileName, LABEL, 'the content is binary, not text');
    const blocks = parseCif(decodeText(bytes));
    if (blocks.length === 0) throw parseError('E_CORRUPT', fileName, LABEL, 'no data_ block');
    const withSpectrum = blocks.filter((b) => b.loops.some((l) => l.tags.includes('_raman_spectrum.raman_shift')));
    if (withSpectrum.length === 0) throw parseError('E_EMPTY', fileName, LABEL, 'no _raman_spectrum.raman_shift loop');
    const base = baseName(fileName);
    const spectra = withSpectrum.map((b, index) => {
      const loop = b.loops.find((l) => l.tags.includes('_raman_spectrum.raman_shift'))!;
      const xi = loop.tags.indexOf('_raman_spectrum.raman_shift');
      const yi = loop.tags.indexOf('_raman_spectrum.intensity');
      if (yi < 0) throw parseError('E_CORRUPT', fileName, LABEL, 'the spectrum loop has no _raman_spectrum.intensity column');
      const width = loop.tags.length;
      const rows = Math.floor(loop.values.length / width);
      const warnings: string[] = [];
      if (loop.values.length % width !== 0) warnings.push(`the spectrum loop ends with an incomplete row (${loop.values.length % width} of ${width} values): dropped`);
      const x = new Float64Array(rows);
      const y = new Float64Array(rows);
      for (let r = 0; r < rows; r++) {
        x[r] = parseNumber(loop.values[r * width + xi]!) ?? NaN;
        y[r] = parseNumber(loop.values[r * width + yi]!) ?? NaN;
      }
      const fields: Record<string, string> = {};
      for (const [k, v] of b.tags) fields[k] = v;
      const substance = b.tags.get('_chemical_name_mineral') ?? b.tags.get('_chemical_name_common') ?? b.tags.get('_chemical_name_systematic');
      const laserText = b.tags.get('_raman_measurement_device.excitation_laser_wavelength');
      const laserNm = laserText === undefined ? undefined : parseLaserNm(laserText);
      const company = b.tags.get('_raman_measurement_device.company');
      const model = b.tags.get('_raman_measurement_device.model');
      const instrument = [company, model].filter((s) => s !== undefined && s !== '' && s !== '?').join(' ');
      const date = b.tags.get('_raman_measurement.datetime_initiated');
      const code = b.tags.get('_rod_database.code') ?? b.name;
      return makeSpectrum({
        x,
        y,
        xUnit: 'cm-1',
        meta: {
          ...(substance && substance !== '?' ? { substance } : {}),
          ...(code ? { sampleId: code } : {}),
          ...(laserNm === undefined ? {} : { laserNm }),
          ...(instrument ? { instrument } : {}),
          ...(date && date !== '?' ? { date: normaliseDate(date) } : {}),
          sourceFile: base,
          format: ID,
          position: { index, count: withSpectrum.length, ...(b.name ? { label: b.name } : {}) },
          fields,
          warnings,
        },
      });
    });
    return withPoints(spectra, fileName, LABEL);
  },
};
