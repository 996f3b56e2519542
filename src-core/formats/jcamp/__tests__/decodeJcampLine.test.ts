import { describe, expect, it } from 'vitest';
import { decodeJcampLine } from '../decodeJcampLine.js';

describe('decodeJcampLine', () => {
  // The line cases of nzhagen/jcamp's tests, restated in ../shared/data/vendor/EXPECTED.md.
  it.each(['99 98 97 96 98 93', '99,98,97,96,98,93', '99+98+97+96+98+93', '99I8I7I6I8I3', '99jjjKn', '99jUKn'])(
    'decodes %s to 99 98 97 96 98 93',
    (line) => {
      expect(decodeJcampLine(line).values).toEqual([99, 98, 97, 96, 98, 93]);
    },
  );

  it.each([
    '1000 2000 2001 2002 2003 2003 2003',
    '+1000+2000+2001+2002+2003+2003+2003',
    'A000B000B001B002B003B003B003',
    'A000J000JJJ%%',
    'A000J000JU%%',
  ])('decodes %s to 1000 2000 2001 2002 2003 2003 2003', (line) => {
    expect(decodeJcampLine(line).values).toEqual([1000, 2000, 2001, 2002, 2003, 2003, 2003]);
  });

  it('flags lines that end in DIF form (the next line starts with a Y check value)', () => {
    expect(decodeJcampLine('99jjjKn').endsWithDif).toBe(true);
    expect(decodeJcampLine('99jU').endsWithDif).toBe(true);
    expect(decodeJcampLine('99jjK@').endsWithDif).toBe(false);
    expect(decodeJcampLine('99 98').endsWithDif).toBe(false);
  });

  it('repeats an absolute value with DUP and reads negative SQZ digits', () => {
    expect(decodeJcampLine('a0T').values).toEqual([-10, -10]);
    expect(decodeJcampLine('@s').values).toEqual(Array.from({ length: 9 }, () => 0));
    // A = 1, then % (difference 0) written 11 times in all by the DUP count S1.
    expect(decodeJcampLine('A%S1').values).toEqual(Array.from({ length: 12 }, () => 1));
  });

  it('reads AFFN exponents but keeps E as an SQZ digit on compressed lines', () => {
    expect(decodeJcampLine('1.5E+03 2e-1 -3.0E3').values).toEqual([1500, 0.2, -3000]);
    expect(decodeJcampLine('10E3jE').values).toEqual([10, 53, 52, 5]);
    expect(decodeJcampLine('12E3E5', { allowBareExponent: false }).values).toEqual([12, 53, 55]);
    expect(decodeJcampLine('4400E+2').values).toEqual([440000]);
  });

  it('reads decimals, semicolons and comments', () => {
    expect(decodeJcampLine('100.595,   42.644; 102.8,44.5 $$ comment 1 2 3').values).toEqual([
      100.595, 42.644, 102.8, 44.5,
    ]);
    expect(decodeJcampLine('   ').values).toEqual([]);
  });

  it('decodes a missing value ? as NaN', () => {
    const v = decodeJcampLine('1 2 ? 4').values;
    expect(v.length).toBe(4);
    expect(Number.isNaN(v[2])).toBe(true);
  });

  it('reports the first invalid character and its column', () => {
    expect(decodeJcampLine('12 x 3').invalid).toEqual({ char: 'x', column: 3 });
    expect(decodeJcampLine('j12').invalid).toBeDefined(); // a difference with nothing before it
    expect(decodeJcampLine('S3').invalid).toBeDefined(); // a repeat with nothing before it
    expect(decodeJcampLine('1..2').invalid).toBeDefined();
  });

  it('stops at maxValues instead of expanding a hostile DUP count', () => {
    const d = decodeJcampLine('A%s99999999', { maxValues: 1000 });
    expect(d.invalid).toBeDefined();
    expect(d.limitReached).toBe(true);
    expect(d.values.length).toBeLessThanOrEqual(1000);
    expect(decodeJcampLine('1 2 x').limitReached).toBeUndefined();
  });
});
