import { SpecmatchError, parseError } from '../../errors.js';
import { makeSpectrum } from '../../spectrum/makeSpectrum.js';
import type { RawSpectrumInput } from '../../spectrum/makeSpectrum.js';
import type { Spectrum } from '../../spectrum/Spectrum.js';
import type { FormatReader } from '../FormatReader.js';
import { decodeText, looksLikeText } from '../textDecode.js';
import { COMPRESSED_NOT_E, decodeJcampLine } from './decodeJcampLine.js';
import { parseJcampStructure } from './parseJcampStructure.js';
import type { JcampBlock, JcampLdr } from './parseJcampStructure.js';

const ID = 'jcamp-dx';
const LABEL = 'JCAMP-DX';

/**
 * Decoded values allowed per file: DUP counts compress long constant runs, but a hostile `A%s99999999` must not
 * allocate without bound. 16 values per input byte (at least 1 Mi, at most 16 Mi values, i.e. 128 MiB of doubles)
 * is far above any real file: the densest file in the test data (1HQuinine.jdx, DIFDUP) decodes to 0.81 values per byte.
 */
const VALUES_PER_BYTE = 16;
const MIN_VALUE_BUDGET = 1 << 20;
const MAX_VALUE_BUDGET = 1 << 24;

/** Where one decoded table's numbers came from, for messages. */
interface Ctx {
  file: string;
  block: string;
  budget: { left: number };
}

function corrupt(ctx: Ctx, reason: string): SpecmatchError {
  return parseError('E_CORRUPT', ctx.file, LABEL, `block '${ctx.block}': ${reason}`);
}

function unsupported(ctx: Ctx, reason: string): SpecmatchError {
  return parseError('E_UNSUPPORTED', ctx.file, LABEL, `block '${ctx.block}': ${reason}`);
}

function stripComment(v: string): string {
  const i = v.indexOf('$$');
  return (i >= 0 ? v.slice(0, i) : v).trim();
}

function num(v: string | undefined): number | undefined {
  if (v === undefined) return undefined;
  const m = /^[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?/.exec(stripComment(v));
  return m ? Number(m[0]) : undefined;
}

/** Header lookup by normalised key over a block and, for blocks inside a LINK block, its parents. */
class Header {
  private readonly map = new Map<string, string>();
  constructor(ldrs: JcampLdr[], parents: JcampLdr[][] = []) {
    for (const list of [ldrs, ...parents]) for (const l of list) if (!this.map.has(l.key)) this.map.set(l.key, l.value);
  }
  text(...keys: string[]): string | undefined {
    for (const k of keys) {
      const v = this.map.get(k);
      if (v !== undefined && stripComment(v) !== '') return stripComment(v);
    }
    return undefined;
  }
  num(...keys: string[]): number | undefined {
    for (const k of keys) {
      const v = num(this.map.get(k));
      if (v !== undefined) return v;
    }
    return undefined;
  }
}

/** Labels that carry data tables rather than header values. */
const TABLE_KEYS = new Set(['XYDATA', 'XYPOINTS', 'PEAKTABLE', 'DATATABLE']);

/** Every header record of the block (and of enclosing link blocks) as `label → value`, continuation lines joined. */
function fieldsOf(ldrs: JcampLdr[], parents: JcampLdr[][]): Record<string, string> {
  const fields: Record<string, string> = {};
  const add = (list: JcampLdr[], onlyNew: boolean): void => {
    for (const l of list) {
      if (l.label === '') continue;
      const value = TABLE_KEYS.has(l.key)
        ? l.value.trim()
        : [l.value, ...l.lines.map((x) => x.text)]
            .map((s) => s.trim())
            .join('\n')
            .trim();
      const name = l.label;
      if (name in fields) {
        if (!onlyNew) fields[name] = `${fields[name]}\n${value}`;
      } else fields[name] = value;
    }
  };
  add(ldrs, false);
  for (const p of parents) add(p, true);
  return fields;
}

/** Count of values per group in a `(XY..XY)`-style variable list, or undefined when it is not one. */
function groupSize(varList: string): number | undefined {
  const m = /^\(\s*([A-Za-z]{2,4})\s*\.\.\s*\1\s*\)/.exec(varList.trim());
  return m ? m[1]!.length : undefined;
}

/** `(X++(Y..Y))` → ['X', 'Y']. */
function xppyy(varList: string): [string, string] | undefined {
  const m = /^\(\s*([A-Za-z][A-Za-z0-9]*)\s*\+\+\s*\(\s*([A-Za-z][A-Za-z0-9]*)\s*\.\.\s*\2\s*\)\s*\)?/.exec(
    varList.trim(),
  );
  return m ? [m[1]!, m[2]!] : undefined;
}

/** Decodes every line of a table with the block's value budget; a bad character is a corrupt file. */
function decodeLines(ldr: JcampLdr, ctx: Ctx): { values: number[]; endsWithDif: boolean; lineNo: number }[] {
  const compressed = ldr.lines.some((l) => COMPRESSED_NOT_E.test(stripComment(l.text)));
  const out: { values: number[]; endsWithDif: boolean; lineNo: number }[] = [];
  for (const l of ldr.lines) {
    const d = decodeJcampLine(l.text, { maxValues: ctx.budget.left, allowBareExponent: !compressed });
    if (d.invalid) {
      if (d.limitReached)
        throw corrupt(
          ctx,
          `line ${l.lineNo}: the data expand beyond the limit of ${VALUES_PER_BYTE} values per byte of file (at most ${MAX_VALUE_BUDGET})`,
        );
      throw corrupt(
        ctx,
        `line ${l.lineNo}: '${d.invalid.char}' at column ${d.invalid.column + 1} is not JCAMP-DX data`,
      );
    }
    ctx.budget.left -= d.values.length;
    if (d.values.length > 0) out.push({ values: d.values, endsWithDif: d.endsWithDif, lineNo: l.lineNo });
  }
  return out;
}

interface Decoded {
  x: number[];
  y: number[];
  warnings: string[];
}

/**
 * `(X++(Y..Y))`: each line holds the abscissa of its first ordinate, then ordinates. x is rebuilt from the header
 * (FIRSTX, LASTX/DELTAX, NPOINTS) as the standard intends; the line abscissas are only checked. After a line that
 * ends in DIF form, the next line's first ordinate repeats the previous ordinate (the Y check) and is dropped.
 */
function decodeXppYY(
  ldr: JcampLdr,
  ctx: Ctx,
  axis: {
    firstX?: number;
    lastX?: number;
    deltaX?: number;
    nPoints?: number;
    xFactor: number;
    yFactor: number;
    ended: boolean;
  },
): Decoded {
  const warnings: string[] = [];
  const y: number[] = [];
  const lineX: { x: number; index: number }[] = [];
  let prevDif = false;
  let checkMismatch = 0;
  for (const line of decodeLines(ldr, ctx)) {
    const [x0, ...ys] = line.values;
    let startIndex = y.length;
    if (prevDif && ys.length > 0 && y.length > 0) {
      const check = ys.shift()!;
      const prev = y[y.length - 1]!;
      if (Math.abs(check - prev) > 1e-9 * Math.max(1, Math.abs(prev))) checkMismatch++;
      startIndex = y.length - 1;
    }
    lineX.push({ x: x0!, index: startIndex });
    for (const v of ys) y.push(v);
    prevDif = line.endsWithDif;
  }
  if (y.length === 0) throw corrupt(ctx, `##${ldr.label}= holds no ordinates`);
  if (checkMismatch > 0) {
    warnings.push(
      `${checkMismatch} DIF Y-check value${checkMismatch === 1 ? '' : 's'} did not match the previous line's last ordinate: a line may be damaged`,
    );
  }
  const n = y.length;
  const declared = axis.nPoints;
  if (declared !== undefined && declared !== n) {
    if (!axis.ended && n < declared)
      throw corrupt(ctx, `truncated: ##NPOINTS=${declared} but only ${n} ordinates before the end of the file`);
    warnings.push(`##NPOINTS=${declared} but ${n} ordinates were decoded`);
  }
  const firstLine = lineX[0]!;
  const lastLine = lineX[lineX.length - 1]!;
  const first = axis.firstX ?? firstLine.x * axis.xFactor;
  let delta: number;
  if (axis.lastX !== undefined && axis.firstX !== undefined && declared !== undefined && declared > 1)
    delta = (axis.lastX - axis.firstX) / (declared - 1);
  else if (axis.deltaX !== undefined) delta = axis.deltaX;
  else if (axis.lastX !== undefined && n > 1) delta = (axis.lastX - first) / (n - 1);
  else if (lastLine.index > firstLine.index)
    delta = ((lastLine.x - firstLine.x) * axis.xFactor) / (lastLine.index - firstLine.index);
  else if (n === 1) delta = 0;
  else throw corrupt(ctx, 'cannot tell the x spacing: no ##LASTX=, ##DELTAX= or second data line');
  const x = new Array<number>(n);
  for (let i = 0; i < n; i++) x[i] = first + i * delta;
  // The abscissa written at each line start should sit at its ordinate's x (within rounding of the written value).
  let offLines = 0;
  for (const l of lineX) {
    const expected = first + l.index * delta;
    if (Math.abs(l.x * axis.xFactor - expected) > Math.max(Math.abs(delta) * 1.5, 1e-6 * Math.abs(expected)))
      offLines++;
  }
  if (offLines > 0)
    warnings.push(
      `${offLines} data line${offLines === 1 ? '' : 's'} start at an abscissa that does not match the header's x axis`,
    );
  return { x, y: y.map((v) => v * axis.yFactor), warnings };
}

/** `(XY..XY)`, `(XYW..XYW)`, `(XYM..XYM)`: groups of values; x and y are the first two of each group. */
function decodeGroups(
  ldr: JcampLdr,
  ctx: Ctx,
  size: number,
  scale: { xFactor: number; yFactor: number; nPoints?: number; ended: boolean },
): Decoded {
  const warnings: string[] = [];
  const flat: number[] = [];
  for (const line of decodeLines(ldr, ctx)) for (const v of line.values) flat.push(v);
  const groups = Math.floor(flat.length / size);
  if (flat.length % size !== 0)
    warnings.push(`${flat.length % size} trailing value(s) do not complete an (x, y) group and were ignored`);
  if (groups === 0) throw corrupt(ctx, `##${ldr.label}= holds no complete (x, y) pair`);
  if (scale.nPoints !== undefined && scale.nPoints !== groups) {
    if (!scale.ended && groups < scale.nPoints)
      throw corrupt(ctx, `truncated: ##NPOINTS=${scale.nPoints} but only ${groups} points before the end of the file`);
    warnings.push(`##NPOINTS=${scale.nPoints} but ${groups} points were decoded`);
  }
  const x = new Array<number>(groups);
  const y = new Array<number>(groups);
  for (let g = 0; g < groups; g++) {
    x[g] = flat[g * size]! * scale.xFactor;
    y[g] = flat[g * size + 1]! * scale.yFactor;
  }
  return { x, y, warnings };
}

/** Maps `##XUNITS=` (and the data type) to the spectrum model's x unit; micrometres are converted to cm⁻¹. */
function xUnitOf(
  unitText: string | undefined,
  isRaman: boolean,
): { xUnit: RawSpectrumInput['xUnit']; convert?: (v: number) => number; note?: string } {
  const u = (unitText ?? '').toUpperCase().replace(/\s+/g, '');
  if (/^(1\/CM|CM-1|CM\^-1|CM\*\*-1|WAVENUMBERS?(\(1\/CM\))?|RAMANSHIFT.*)$/.test(u))
    return { xUnit: isRaman ? 'cm-1' : 'abs-cm-1' };
  if (/^(NANOMETERS?|NM|WAVELENGTH\(NM\))$/.test(u)) return { xUnit: 'nm' };
  if (/^(MICROMETERS?|MICRONS?|UM|µM|MICROMETRES?)$/.test(u)) {
    return {
      xUnit: 'abs-cm-1',
      convert: (v) => 1e4 / v,
      note: 'x converted from micrometres to wavenumbers (1e4 / µm)',
    };
  }
  return { xUnit: 'other' };
}

/** Laser wavelength in nm from vendor fields (`##$LASER WAVELENGTH=`, `##LASER=`, `##.EXCITATION WAVELENGTH=`, …). */
function laserNmOf(h: Header): number | undefined {
  const nmKeys = ['LASERWAVELENGTH', 'LASER', 'EXCITATIONWAVELENGTH', 'RAMANWAVELENGTH', 'LASERLINE'];
  for (const base of nmKeys) {
    for (const prefix of ['$', '', '.']) {
      const text = h.text(prefix + base);
      const v = num(text);
      if (text === undefined || v === undefined) continue;
      // A laser given as a wavenumber (Bruker FT-Raman: 9394 cm-1) is converted to nm.
      if (/cm/i.test(text) || v > 3000) {
        const nm = 1e7 / v;
        if (nm >= 150 && nm <= 3000) return nm;
      } else if (v >= 150 && v <= 3000) return v;
    }
  }
  const wn = h.num('$LASERWAVENUMBER', 'LASERWAVENUMBER', '.LASERWAVENUMBER', '$LASERFREQUENCY');
  if (wn !== undefined && wn > 0) {
    const nm = 1e7 / wn;
    if (nm >= 150 && nm <= 3000) return nm;
  }
  return undefined;
}

/** `##LONG DATE=` or `##DATE=`/`##TIME=` as ISO 8601 when they are year first (YY/MM/DD, YYYY/MM/DD), verbatim otherwise
 * (`28/8/2023` could be day or month first). */
function dateOf(h: Header): string | undefined {
  const long = h.text('LONGDATE');
  const date = long ?? h.text('DATE');
  if (date === undefined) return undefined;
  const m = /^(\d{2}|\d{4})[/.-](\d{1,2})[/.-](\d{1,2})(?!\d)(?:[ T,]+(\d{1,2}):(\d{2})(?::(\d{2}))?)?/.exec(date);
  if (!m) return date;
  let year = Number(m[1]);
  if (m[1]!.length === 2) year += year >= 50 ? 1900 : 2000;
  const pad = (s: string | number): string => String(s).padStart(2, '0');
  let iso = `${year}-${pad(m[2]!)}-${pad(m[3]!)}`;
  const time =
    m[4] !== undefined ? `${m[4]}:${m[5]}${m[6] ? `:${m[6]}` : ''}` : long === undefined ? h.text('TIME') : undefined;
  const t = time === undefined ? undefined : /^(\d{1,2}):(\d{2})(?::(\d{2}))?/.exec(time);
  if (t) iso += `T${pad(t[1]!)}:${t[2]}${t[3] ? `:${t[3]}` : ''}`;
  return iso;
}

interface Table {
  x: number[];
  y: number[];
  warnings: string[];
  label: string;
  xUnitText: string | undefined;
  yUnitText: string | undefined;
  fields: Record<string, string>;
  kind: string;
}

/**
 * NTUPLES (JCAMP-DX 5.01 §6): one spectrum per `##PAGE=` whose `##DATA TABLE=` is `(X++(Y..Y))` or `(XY..XY)`.
 * `start` is the index of the `##NTUPLES=` record, or -1 for blocks that give `##SYMBOL=`/`##PAGE=` without one.
 */
function ntuplesTables(block: JcampBlock, start: number, ctx: Ctx): Table[] {
  const ldrs = block.ldrs;
  const attrs = new Map<string, string[]>();
  let i = start + 1;
  for (; i < ldrs.length && ldrs[i]!.key !== 'PAGE' && ldrs[i]!.key !== 'ENDNTUPLES'; i++) {
    const l = ldrs[i]!;
    attrs.set(
      l.key,
      stripComment([l.value, ...l.lines.map((x) => x.text)].join(' '))
        .split(',')
        .map((s) => s.trim()),
    );
  }
  const symbols = (attrs.get('SYMBOL') ?? []).map((s) => s.toUpperCase());
  if (symbols.length === 0) throw unsupported(ctx, '##NTUPLES= without a ##SYMBOL= list');
  const attr = (key: string, sym: string): string | undefined => {
    const k = symbols.indexOf(sym.toUpperCase());
    const v = k < 0 ? undefined : attrs.get(key)?.[k];
    return v === undefined || v === '' ? undefined : v;
  };
  const tables: Table[] = [];
  while (i < ldrs.length && ldrs[i]!.key === 'PAGE') {
    const page = ldrs[i]!;
    const pageLdrs: JcampLdr[] = [];
    for (i++; i < ldrs.length && ldrs[i]!.key !== 'PAGE' && ldrs[i]!.key !== 'ENDNTUPLES'; i++) pageLdrs.push(ldrs[i]!);
    const table = pageLdrs.find((l) => l.key === 'DATATABLE');
    if (!table) continue;
    const pageHeader = new Header(pageLdrs);
    const form = stripComment(table.value);
    const pair = xppyy(form);
    const size = groupSize(form);
    const pageName = stripComment(page.value);
    let decoded: Decoded;
    let xSym: string;
    let ySym: string;
    if (pair) {
      [xSym, ySym] = pair;
      const nPoints = pageHeader.num('NPOINTS') ?? num(attr('VARDIM', ySym));
      const firstX = pageHeader.num('FIRSTX') ?? num(attr('FIRST', xSym));
      const lastX = pageHeader.num('LASTX') ?? num(attr('LAST', xSym));
      decoded = decodeXppYY(table, ctx, {
        ...(firstX === undefined ? {} : { firstX }),
        ...(lastX === undefined ? {} : { lastX }),
        ...(nPoints === undefined ? {} : { nPoints }),
        xFactor: num(attr('FACTOR', xSym)) ?? 1,
        yFactor: num(attr('FACTOR', ySym)) ?? 1,
        ended: block.ended,
      });
    } else if (size !== undefined) {
      const letters = /^\(\s*([A-Za-z]+)/.exec(form)![1]!;
      xSym = letters[0]!;
      ySym = letters[1]!;
      const nPoints = pageHeader.num('NPOINTS');
      decoded = decodeGroups(table, ctx, size, {
        xFactor: num(attr('FACTOR', xSym)) ?? 1,
        yFactor: num(attr('FACTOR', ySym)) ?? 1,
        ...(nPoints === undefined ? {} : { nPoints }),
        ended: block.ended,
      });
    } else
      throw unsupported(
        ctx,
        `NTUPLES page '${pageName}': data table form '${form}' is not read (only (X++(Y..Y)) and (XY..XY) pages)`,
      );
    const yName = attr('VARNAME', ySym) ?? ySym;
    const fields: Record<string, string> = {
      NTUPLES: start < 0 ? '' : stripComment(ldrs[start]!.value),
      PAGE: pageName,
      'DATA TABLE': table.value.trim(),
    };
    for (const [k, v] of attrs) fields[k] = v.join(', ');
    for (const l of pageLdrs) if (l !== table) fields[l.label] = stripComment(l.value);
    tables.push({
      ...decoded,
      label: [block.title, pageName, yName].filter((s) => s !== '').join(' | '),
      xUnitText: attr('UNITS', xSym),
      yUnitText: attr('UNITS', ySym),
      fields,
      kind: `NTUPLES page ${pageName}`,
    });
  }
  if (tables.length === 0) throw unsupported(ctx, '##NTUPLES= holds no ##PAGE= with a ##DATA TABLE=');
  return tables;
}

/** The data tables of one (non-link) block. */
function blockTables(block: JcampBlock, h: Header, ctx: Ctx): Table[] {
  const tables: Table[] = [];
  const xFactor = h.num('XFACTOR') ?? 1;
  const yFactor = h.num('YFACTOR') ?? 1;
  const nPoints = h.num('NPOINTS');
  const xUnitText = h.text('XUNITS');
  const yUnitText = h.text('YUNITS');
  if (!block.ldrs.some((l) => l.key === 'NTUPLES') && block.ldrs.some((l) => l.key === 'PAGE'))
    return ntuplesTables(block, -1, ctx);
  for (let i = 0; i < block.ldrs.length; i++) {
    const l = block.ldrs[i]!;
    if (l.key === 'NTUPLES') {
      tables.push(...ntuplesTables(block, i, ctx));
      while (i < block.ldrs.length && block.ldrs[i]!.key !== 'ENDNTUPLES') i++;
      continue;
    }
    if (l.key !== 'XYDATA' && l.key !== 'XYPOINTS' && l.key !== 'PEAKTABLE') continue;
    const form = stripComment(l.value);
    const common = { label: block.title, xUnitText, yUnitText, fields: {} as Record<string, string> };
    if (l.key === 'XYDATA' && xppyy(form)) {
      const firstX = h.num('FIRSTX');
      const lastX = h.num('LASTX');
      const deltaX = h.num('DELTAX');
      const decoded = decodeXppYY(l, ctx, {
        ...(firstX === undefined ? {} : { firstX }),
        ...(lastX === undefined ? {} : { lastX }),
        ...(deltaX === undefined ? {} : { deltaX }),
        ...(nPoints === undefined ? {} : { nPoints }),
        xFactor,
        yFactor,
        ended: block.ended,
      });
      tables.push({ ...decoded, ...common, kind: 'XYDATA' });
      continue;
    }
    const size = groupSize(form);
    if (size === undefined) throw unsupported(ctx, `##${l.label}= ${form}: this variable list is not read`);
    const decoded = decodeGroups(l, ctx, size, {
      xFactor,
      yFactor,
      ...(nPoints === undefined ? {} : { nPoints }),
      ended: block.ended,
    });
    if (l.key === 'PEAKTABLE') {
      decoded.warnings.push(
        `peak table: a stick spectrum of ${decoded.x.length} peaks (x, intensity), not a continuous spectrum`,
      );
    }
    tables.push({
      ...decoded,
      ...common,
      kind: l.key === 'PEAKTABLE' ? 'PEAK TABLE' : l.key === 'XYPOINTS' ? 'XYPOINTS' : 'XYDATA',
    });
  }
  // A block with several tables (a continuous spectrum and its peak table) labels each by its kind.
  if (tables.length > 1) for (const t of tables) if (!t.label.includes(' | ')) t.label = `${t.label} | ${t.kind}`;
  return tables;
}

function baseName(fileName: string): string {
  return fileName.split(/[\\/]/).pop() ?? fileName;
}

/**
 * JCAMP-DX 4.24 / 5.x reader (own decoder; see decodeJcampLine for the value forms). Yields one spectrum per data
 * table of every block (compound LINK files: every nested block), NTUPLES pages included.
 */
export const jcampDx: FormatReader = {
  id: ID,
  label: LABEL,
  extensions: ['jdx', 'dx', 'jcamp', 'jcm'],
  sniff(bytes) {
    if (!looksLikeText(bytes)) return 0;
    const head = new TextDecoder('latin1').decode(bytes.subarray(0, 4096)).replace(/^\uFEFF|^\xEF\xBB\xBF/, '');
    const firstLine =
      head
        .split(/\r\n|\n|\r/)
        .find((s) => s.trim() !== '')
        ?.trim() ?? '';
    if (/^##\s*TITLE\s*=/i.test(firstLine)) return 3;
    if (/^##/.test(firstLine) && /^\s*##\s*JCAMP-?DX\s*=/im.test(head)) return 3;
    return 0;
  },
  read(bytes, fileName) {
    if (bytes.length === 0) throw parseError('E_EMPTY', fileName, LABEL, 'the file is empty');
    if (!looksLikeText(bytes))
      throw parseError('E_CORRUPT', fileName, LABEL, 'the content is binary, not JCAMP-DX text');
    const structure = parseJcampStructure(decodeText(bytes));
    if (structure.ldrCount === 0) throw parseError('E_CORRUPT', fileName, LABEL, 'no ##LABEL= records');
    const budget = { left: Math.min(MAX_VALUE_BUDGET, Math.max(MIN_VALUE_BUDGET, VALUES_PER_BYTE * bytes.length)) };
    const made: { table: Table; block: JcampBlock; header: Header; parents: JcampLdr[][] }[] = [];
    const skipped: string[] = [];
    let firstUnsupported: SpecmatchError | undefined;
    for (const block of structure.blocks) {
      if (block.isLink) continue;
      const parents: JcampLdr[][] = [];
      for (let p = block.parent; p; p = p.parent) parents.push(p.ldrs);
      const header = new Header(block.ldrs, parents);
      const ctx: Ctx = { file: fileName, block: block.title || `#${block.order + 1}`, budget };
      const hasTable = block.ldrs.some((l) => TABLE_KEYS.has(l.key) || l.key === 'NTUPLES');
      if (!hasTable) {
        if (block.ldrs.some((l) => l.key === 'DATATYPE'))
          skipped.push(
            `block '${ctx.block}' holds no spectral data table (DATA TYPE=${header.text('DATATYPE') ?? ''})`,
          );
        continue;
      }
      try {
        for (const table of blockTables(block, header, ctx)) made.push({ table, block, header, parents });
      } catch (err) {
        if (err instanceof SpecmatchError && err.code === 'E_UNSUPPORTED') {
          firstUnsupported ??= err;
          skipped.push(err.message.slice(err.message.indexOf('block ')));
        } else throw err;
      }
    }
    if (made.length === 0) {
      if (firstUnsupported) throw firstUnsupported;
      const kinds = structure.blocks
        .filter((b) => !b.isLink)
        .map(
          (b) =>
            new Header(b.ldrs).text('DATATYPE') ??
            (b.ldrs.some((l) => l.key.startsWith('JCAMPCS')) ? 'STRUCTURE' : '?'),
        );
      throw parseError(
        'E_EMPTY',
        fileName,
        LABEL,
        `no data table (##XYDATA=, ##XYPOINTS=, ##PEAK TABLE= or ##NTUPLES=) in any block${kinds.length > 0 ? ` (blocks: ${kinds.join(', ')})` : ''}`,
      );
    }
    const fileWarnings: string[] = [];
    for (const t of structure.unterminated) fileWarnings.push(`block '${t}' has no ##END= before the next ##TITLE=`);
    for (const s of skipped) fileWarnings.push(`skipped ${s}`);
    return made.map(({ table, block, header, parents }, index): Spectrum => {
      const dataType = header.text('DATATYPE') ?? '';
      const isRaman = /RAMAN/i.test(dataType);
      const unit = xUnitOf(table.xUnitText, isRaman);
      const warnings = [...table.warnings, ...fileWarnings];
      if (!block.ended) warnings.push(`block '${block.title}' has no ##END=: the file may be truncated`);
      if (unit.note) warnings.push(unit.note);
      const x = unit.convert ? table.x.map(unit.convert) : table.x;
      const laserNm = laserNmOf(header);
      const names = header.text('NAMES');
      const substance = names?.split('\n')[0]?.trim() || block.title || undefined;
      const instrument = header.text('SPECTROMETERDATASYSTEM', 'INSTRUMENT', '$INSTRUMENT');
      const sampleId = header.text('SAMPLEID', '$SAMPLEID', 'SAMPLENAME', '$SAMPLENAME');
      const date = dateOf(header);
      const fields = { ...fieldsOf(block.ldrs, parents), ...table.fields, 'data table': table.kind };
      const spectrum = makeSpectrum({
        x,
        y: table.y,
        xUnit: unit.xUnit,
        originalXUnit: table.xUnitText ?? '(not stated)',
        isRaman,
        meta: {
          ...(substance === undefined ? {} : { substance }),
          ...(sampleId === undefined ? {} : { sampleId }),
          ...(laserNm === undefined ? {} : { laserNm }),
          ...(instrument === undefined ? {} : { instrument }),
          ...(date === undefined ? {} : { date }),
          ...(table.yUnitText === undefined ? {} : { yUnit: table.yUnitText }),
          sourceFile: baseName(fileName),
          format: ID,
          position: { index, count: made.length, label: table.label },
          fields,
          warnings,
        },
      });
      // Every value missing (`?`) or an axis that cannot be computed (a NaN in the header) leaves nothing to use.
      if (spectrum.x.length === 0)
        throw parseError('E_CORRUPT', fileName, LABEL, `block '${table.label}': no finite (x, y) point`);
      return spectrum;
    });
  },
};
