import { parseError } from '../../errors.js';
import { makeSpectrum } from '../../spectrum/makeSpectrum.js';
import type { Spectrum } from '../../spectrum/Spectrum.js';
import type { FormatReader } from '../FormatReader.js';
import { decodeHtmlEntities, decodeText, looksLikeText, splitLines } from '../textDecode.js';
import { withPoints } from './textCommon.js';

const ID = 'rruff-txt';

/** Laser wavelength from a RRUFF file name (`…__Raman__532__0__…`, `458.5_nm`, `514.5`, empty). */
function laserFromFileName(fileName: string): number | undefined {
  const base = fileName.split(/[\\/]/).pop() ?? fileName;
  const parts = base.split('__');
  const i = parts.indexOf('Raman');
  if (i < 0 || i + 1 >= parts.length) return undefined;
  const m = /^(\d+(?:\.\d+)?)/.exec(parts[i + 1] ?? '');
  if (!m) return undefined;
  const v = Number(m[1]);
  return v >= 200 && v <= 1500 ? v : undefined;
}

/**
 * The `.rruf` file RRUFF downloads sometimes sit beside (ramanchada2 keeps one): a few bytes holding only the name of
 * the `.txt` that has the data. Returns that name, or undefined when the bytes are anything else.
 */
function pointerTarget(bytes: Uint8Array): string | undefined {
  if (bytes.length === 0 || bytes.length > 1024 || !looksLikeText(bytes)) return undefined;
  const t = new TextDecoder('latin1').decode(bytes).trim();
  return /^[^\r\n]{1,1000}\.txt$/i.test(t) && !t.includes('##') ? t : undefined;
}

/**
 * RRUFF text files (both the numeric-suffix and the 2025 hash-suffix naming schemes): `##KEY=value` header lines
 * (HTML entities decoded), then `x, y` pairs, `##END=` last. Broken pairs (`800, -`) are skipped with a warning.
 */
export const rruffTxt: FormatReader = {
  id: ID,
  label: 'RRUFF text',
  extensions: ['txt', 'rruf'],
  sniff(bytes) {
    if (!looksLikeText(bytes)) return 0;
    if (pointerTarget(bytes) !== undefined) return 2;
    const head = new TextDecoder('latin1').decode(bytes.subarray(0, 2048));
    // JCAMP-DX files may carry ##NAMES= too; they start with ##TITLE= and declare ##JCAMP-DX=.
    if (/^\uFEFF?##TITLE=/.test(head.trimStart()) || /##JCAMP-DX=/i.test(head)) return 0;
    return /^(\uFEFF)?##NAMES=/m.test(head) && /##RRUFFID=|##END=/m.test(head + '##END=') ? 3 : 0;
  },
  read(bytes, fileName) {
    if (bytes.length === 0) throw parseError('E_EMPTY', fileName, 'RRUFF text', 'the file is empty');
    const target = pointerTarget(bytes);
    if (target !== undefined) throw parseError('E_UNSUPPORTED', fileName, 'RRUFF text', `a pointer to ${target}, not data (open that file instead)`);
    const lines = splitLines(decodeText(bytes));
    const fields: Record<string, string> = {};
    const x: number[] = [];
    const y: number[] = [];
    const warnings: string[] = [];
    let bad = 0;
    let ended = false;
    for (const raw of lines) {
      const line = raw.trim();
      if (line === '') continue;
      if (line.startsWith('##')) {
        const eq = line.indexOf('=');
        const key = (eq < 0 ? line.slice(2) : line.slice(2, eq)).trim();
        if (key === 'END') {
          ended = true;
          break;
        }
        if (key) fields[key] = decodeHtmlEntities(eq < 0 ? '' : line.slice(eq + 1).trim());
        continue;
      }
      const m = /^([-+]?[\d.]+(?:[eE][-+]?\d+)?)\s*[,\t; ]\s*([-+]?[\d.]+(?:[eE][-+]?\d+)?)\s*$/.exec(line);
      if (m) {
        x.push(Number(m[1]));
        y.push(Number(m[2]));
      } else bad++;
    }
    if (!('NAMES' in fields)) throw parseError('E_CORRUPT', fileName, 'RRUFF text', 'no ##NAMES= header');
    if (bad > 0) warnings.push(`skipped ${bad} malformed data line${bad === 1 ? '' : 's'}`);
    if (!ended) warnings.push('no ##END= line: the file may be truncated');
    if (x.length === 0) throw parseError('E_EMPTY', fileName, 'RRUFF text', 'no data points');
    const laserField = fields['RAMAN WAVELENGTH'] ?? fields['LASER'];
    const laserFromField = laserField ? Number.parseFloat(laserField) : NaN;
    const laserNm = Number.isFinite(laserFromField) ? laserFromField : laserFromFileName(fileName);
    const base = fileName.split(/[\\/]/).pop() ?? fileName;
    const isIr = /Infrared/i.test(base) || /Infrared/i.test(fields['FILETYPE'] ?? '');
    const spectrum: Spectrum = makeSpectrum({
      x,
      y,
      xUnit: isIr ? 'abs-cm-1' : 'cm-1',
      originalXUnit: 'cm-1',
      meta: {
        substance: fields['NAMES'] ?? '',
        ...(fields['RRUFFID'] ? { sampleId: fields['RRUFFID'] } : {}),
        ...(laserNm === undefined ? {} : { laserNm }),
        sourceFile: base,
        format: ID,
        position: { index: 0, count: 1 },
        fields,
        warnings,
      },
    });
    return withPoints([spectrum], fileName, 'RRUFF text');
  },
};
