/**
 * Decoding of one JCAMP-DX data line (JCAMP-DX 4.24, McDonald & Wilks, Appl. Spectrosc. 42 (1988) 151; and 5.01,
 * Lampen et al., Appl. Spectrosc. 48 (1994) 1545, §5.9 "ASCII squeezed difference form").
 *
 * Value forms, which a writer may mix on one line:
 * - AFFN: free-format decimals separated by blanks, commas or semicolons (`99 98,97`), exponents allowed (`1.5E+03`).
 * - PAC: a `+` or `-` sign is itself the separator (`99+98-7`).
 * - SQZ: the first digit and the sign of a value are folded into one letter: `@`=0, `A`..`I`=1..9, `a`..`i`=-1..-9
 *   (`I8` = 98, `a0` = -10).
 * - DIF: a value is the difference to the previous one, first digit and sign folded into `%`=0, `J`..`R`=1..9,
 *   `j`..`r`=-1..-9 (`j` = previous - 1).
 * - DUP: `S`..`Z`=1..8, `s`=9 followed by digits is a repeat count for the previous token *including itself*
 *   (`jU` = `jjj`, `A%T` = `A%%`). A repeated DIF repeats the difference, a repeated absolute value the value.
 * - `?` is a missing value (decoded as NaN; the reader drops it with a warning).
 *
 * The letter `E`/`e` is both an SQZ digit (5 / -5) and an exponent marker. It is an exponent only right after the
 * digits of an AFFN/PAC number and when followed by a signed digit (`1E+03`), or by a digit on a line that holds no
 * other compressed character (`1.5E3` on an AFFN line); everywhere else it is SQZ.
 */

/** Result of decoding one line. */
export interface DecodedJcampLine {
  /** Every value of the line in order (for `(X++(Y..Y))` tables the first is the abscissa). */
  values: number[];
  /** True when the last value came from a DIF token (directly or repeated by DUP): the next line then starts with a
   * Y check value that repeats this line's last ordinate (JCAMP-DX 5.01 §5.9). */
  endsWithDif: boolean;
  /** First character that is not valid JCAMP data, with its 0-based column; undefined when the line is clean. */
  invalid?: { char: string; column: number };
  /** True when decoding stopped because `maxValues` would have been exceeded. */
  limitReached?: boolean;
}

export interface DecodeJcampLineOptions {
  /** Stop (and report `invalid`) once this many values were produced: DUP counts must not allocate without bound.
   * @default Infinity */
  maxValues?: number;
  /** Whether a bare `E`+digit after a number is an exponent. Readers pass false when any line of the same table
   * uses compressed forms (then `12E3` is 12, 53). @default true unless the line itself holds compressed characters */
  allowBareExponent?: boolean;
}

const SQZ_POS = 'ABCDEFGHI';
const SQZ_NEG = 'abcdefghi';
const DIF_POS = 'JKLMNOPQR';
const DIF_NEG = 'jklmnopqr';
const DUP = 'STUVWXYZs';

type Kind = 'abs' | 'dif' | 'dup';

function isDigit(c: string): boolean {
  return c >= '0' && c <= '9';
}

/** A compressed character other than the ambiguous E/e. */
export const COMPRESSED_NOT_E = /[@A-DF-Za-df-rs%]/;

/** Decodes one JCAMP data line into numbers (see the module comment for the forms). Pure; never throws. */
export function decodeJcampLine(line: string, options: DecodeJcampLineOptions = {}): DecodedJcampLine {
  const maxValues = options.maxValues ?? Infinity;
  // Comments start with $$ and run to the end of the line.
  const cut = line.indexOf('$$');
  const text = cut >= 0 ? line.slice(0, cut) : line;
  const affnLine = options.allowBareExponent ?? !COMPRESSED_NOT_E.test(text);

  const values: number[] = [];
  let endsWithDif = false;
  // The last absolute value or difference, repeated by DUP.
  let last: { kind: 'abs'; value: number } | { kind: 'dif'; delta: number } | undefined;
  let invalid: DecodedJcampLine['invalid'];
  let limitReached = false;

  // The token being read: its kind, its text in plain decimal form, and whether it may take an exponent.
  let kind: Kind | undefined;
  let tok = '';
  let tokStart = 0;
  let plain = false;

  const fail = (char: string, column: number): void => {
    invalid ??= { char, column };
  };

  const flush = (): void => {
    if (kind === undefined) return;
    const k = kind;
    const t = tok;
    kind = undefined;
    tok = '';
    if (k === 'dup') {
      const count = /^\d+$/.test(t) ? Number(t) : NaN;
      if (!(count >= 1) || last === undefined) {
        fail(t, tokStart);
        return;
      }
      if (values.length + count - 1 > maxValues) {
        limitReached = true;
        fail(t, tokStart);
        return;
      }
      for (let r = 1; r < count; r++) {
        if (last.kind === 'abs') values.push(last.value);
        else values.push(values[values.length - 1]! + last.delta);
      }
      endsWithDif = last.kind === 'dif';
      return;
    }
    // A number: sign and digits, optional fraction and exponent; a bare sign or dot is not a number.
    const v = /^[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?$/.test(t) ? Number(t) : NaN;
    if (Number.isNaN(v)) {
      fail(t, tokStart);
      return;
    }
    if (values.length + 1 > maxValues) {
      limitReached = true;
      fail(t, tokStart);
      return;
    }
    if (k === 'abs') {
      values.push(v);
      last = { kind: 'abs', value: v };
      endsWithDif = false;
    } else {
      if (values.length === 0) {
        // A difference needs a previous value on the same line.
        fail(t, tokStart);
        return;
      }
      values.push(values[values.length - 1]! + v);
      last = { kind: 'dif', delta: v };
      endsWithDif = true;
    }
  };

  const start = (k: Kind, initial: string, column: number, isPlain: boolean): void => {
    flush();
    kind = k;
    tok = initial;
    tokStart = column;
    plain = isPlain;
  };

  for (let i = 0; i < text.length; i++) {
    const c = text[i]!;
    if (isDigit(c)) {
      if (kind === undefined) start('abs', c, i, true);
      else tok += c;
      continue;
    }
    if (c === '.') {
      if (kind === undefined) start('abs', c, i, true);
      else if (kind === 'dup') fail(c, i);
      else tok += c;
      continue;
    }
    if (c === ' ' || c === '\t' || c === ',' || c === ';') {
      flush();
      continue;
    }
    if (c === '+' || c === '-') {
      // Sign of an exponent, or a PAC value's sign.
      if (kind !== undefined && plain && (tok.endsWith('e') || tok.endsWith('E'))) tok += c;
      else start('abs', c, i, true);
      continue;
    }
    if (c === 'E' || c === 'e') {
      const next = text[i + 1] ?? '';
      const afterSign = text[i + 2] ?? '';
      const canExp = kind !== undefined && plain && /\d\.?$/.test(tok) && !/[eE]/.test(tok);
      if (canExp && (((next === '+' || next === '-') && isDigit(afterSign)) || (affnLine && isDigit(next)))) {
        tok += c;
        continue;
      }
    }
    if (c === '?') {
      flush();
      if (values.length + 1 > maxValues) {
        limitReached = true;
        fail(c, i);
      } else {
        values.push(NaN);
        last = { kind: 'abs', value: NaN };
        endsWithDif = false;
      }
      continue;
    }
    if (c === '@') {
      start('abs', '0', i, false);
      continue;
    }
    let p = SQZ_POS.indexOf(c);
    if (p >= 0) {
      start('abs', String(p + 1), i, false);
      continue;
    }
    p = SQZ_NEG.indexOf(c);
    if (p >= 0) {
      start('abs', `-${p + 1}`, i, false);
      continue;
    }
    if (c === '%') {
      start('dif', '0', i, false);
      continue;
    }
    p = DIF_POS.indexOf(c);
    if (p >= 0) {
      start('dif', String(p + 1), i, false);
      continue;
    }
    p = DIF_NEG.indexOf(c);
    if (p >= 0) {
      start('dif', `-${p + 1}`, i, false);
      continue;
    }
    p = DUP.indexOf(c);
    if (p >= 0) {
      start('dup', String(p + 1), i, false);
      continue;
    }
    flush();
    fail(c, i);
    // Stop at the first bad character: what follows cannot be trusted.
    break;
  }
  flush();
  if (invalid === undefined) return { values, endsWithDif };
  return limitReached ? { values, endsWithDif, invalid, limitReached } : { values, endsWithDif, invalid };
}
