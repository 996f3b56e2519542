/**
 * The labelled-data-record (LDR) structure of a JCAMP-DX file: `##LABEL= value` lines, continuation lines, and
 * blocks that start at `##TITLE=` and end at `##END=`. A block whose `##DATA TYPE=` is LINK (or that declares
 * `##BLOCKS=`) holds nested blocks (JCAMP-DX 5.01 §4.2, "compound files").
 */

/** One labelled data record. */
export interface JcampLdr {
  /** The label as written between `##` and `=`, trimmed (`DATA TYPE`, `$LASER WAVELENGTH`, `.OBSERVE NUCLEUS`). */
  label: string;
  /** The label normalised the way the standard compares labels: upper case without blanks, `-`, `/` and `_`. */
  key: string;
  /** Text after `=` on the label's own line, untrimmed comments included. */
  value: string;
  /** The lines after the label line up to the next label (data lines of a table, or a value's continuation). */
  lines: { text: string; lineNo: number }[];
  /** 1-based line number of the label. */
  lineNo: number;
}

export interface JcampBlock {
  /** `##TITLE=` of the block ('' for records before any title). */
  title: string;
  ldrs: JcampLdr[];
  parent: JcampBlock | undefined;
  /** True for LINK blocks that hold nested blocks rather than data. */
  isLink: boolean;
  /** Whether the block was closed by `##END=` (false: the file ended inside it, or a new block began first). */
  ended: boolean;
  /** 0-based position among all blocks of the file, in file order. */
  order: number;
}

export interface JcampStructure {
  /** Every block in file order (link blocks included). */
  blocks: JcampBlock[];
  /** Number of labelled data records found (0: not JCAMP at all). */
  ldrCount: number;
  /** Blocks interrupted by a new `##TITLE=` without an `##END=`. */
  unterminated: string[];
}

/** Normalises a label for comparison (JCAMP-DX 5.01 §4.1: blanks, `-`, `/` and `_` are ignored, case too). */
export function jcampKey(label: string): string {
  return label.replace(/[\s\-/_]/g, '').toUpperCase();
}

/** Splits JCAMP text into blocks of labelled data records. Pure; never throws. */
export function parseJcampStructure(text: string): JcampStructure {
  const lines = text.split(/\r\n|\n|\r/);
  const blocks: JcampBlock[] = [];
  const unterminated: string[] = [];
  let current: JcampBlock | undefined;
  let ldr: JcampLdr | undefined;
  let ldrCount = 0;

  const open = (title: string, parent: JcampBlock | undefined): JcampBlock => {
    const b: JcampBlock = { title, ldrs: [], parent, isLink: false, ended: false, order: blocks.length };
    blocks.push(b);
    return b;
  };

  for (let i = 0; i < lines.length; i++) {
    const raw = lines[i]!;
    const trimmed = raw.trimStart();
    const lineNo = i + 1;
    if (!trimmed.startsWith('##')) {
      // Data or continuation line of the current record (text before the first record is ignored).
      if (ldr && trimmed !== '') ldr.lines.push({ text: raw, lineNo });
      continue;
    }
    const eq = trimmed.indexOf('=');
    const label = (eq < 0 ? trimmed.slice(2) : trimmed.slice(2, eq)).trim();
    const value = eq < 0 ? '' : trimmed.slice(eq + 1);
    const key = jcampKey(label);
    ldrCount++;
    if (key === 'TITLE') {
      const title = value.replace(/\$\$.*$/, '').trim();
      if (current && !current.ended) {
        if (current.isLink) current = open(title, current);
        else {
          // A new block begins while the previous one is still open: close it (the reader warns about it).
          unterminated.push(current.title);
          current = open(title, current.parent);
        }
      } else current = open(title, current?.parent);
    } else if (key === 'END') {
      if (current) {
        current.ended = true;
        ldr = undefined;
        // Back to the enclosing link block, which stays open until its own ##END=.
        current = current.parent && !current.parent.ended ? current.parent : current;
        if (current.ended) current = undefined;
      }
      continue;
    } else current ??= open('', undefined);
    ldr = { label, key, value, lines: [], lineNo };
    current.ldrs.push(ldr);
    if (key === 'DATATYPE' && /^\s*LINK\b/i.test(value)) current.isLink = true;
    if (key === 'BLOCKS') current.isLink = true;
  }
  return { blocks, ldrCount, unterminated };
}
