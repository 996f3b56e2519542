/** Text helpers shared by the PDF, CSV and JSON reports. */

const SUB: Record<string, string> = { '0': '₀', '1': '₁', '2': '₂', '3': '₃', '4': '₄', '5': '₅', '6': '₆', '7': '₇', '8': '₈', '9': '₉', '+': '₊', '-': '₋', '(': '₍', ')': '₎', '.': '.', x: 'ₓ' };
const SUP: Record<string, string> = { '0': '⁰', '1': '¹', '2': '²', '3': '³', '4': '⁴', '5': '⁵', '6': '⁶', '7': '⁷', '8': '⁸', '9': '⁹', '+': '⁺', '-': '⁻', '(': '⁽', ')': '⁾' };

function mapAll(s: string, table: Record<string, string>): string | null {
  let out = '';
  for (const ch of s) {
    const m = table[ch];
    if (m === undefined) return null;
    out += m;
  }
  return out;
}

/**
 * RRUFF chemistry markup to Unicode: `_2_` subscript, `^2+^` superscript, `[box]` vacancy as □.
 * Segments that have no Unicode sub/superscript form are kept in their plain form rather than mangled.
 */
export function chemistryToUnicode(s: string): string {
  return s
    .replace(/_([^_]{1,12})_/g, (m, body: string) => mapAll(body, SUB) ?? body)
    .replace(/\^([^^]{1,12})\^/g, (m, body: string) => mapAll(body, SUP) ?? body)
    .replace(/\[box\]/g, '□');
}

/** Date and time in the given IANA zone with its offset, e.g. '2026-11-28 14:05:09 UTC+01:00 (Europe/Berlin)'. */
export function formatDateTime(d: Date, timeZone: string): string {
  const parts = new Intl.DateTimeFormat('en-CA', {
    timeZone,
    year: 'numeric',
    month: '2-digit',
    day: '2-digit',
    hour: '2-digit',
    minute: '2-digit',
    second: '2-digit',
    hourCycle: 'h23',
    timeZoneName: 'longOffset',
  }).formatToParts(d);
  const get = (t: string): string => parts.find((p) => p.type === t)?.value ?? '';
  const offset = get('timeZoneName').replace('GMT', 'UTC') || 'UTC';
  return `${get('year')}-${get('month')}-${get('day')} ${get('hour')}:${get('minute')}:${get('second')} ${offset === 'UTC' ? 'UTC+00:00' : offset} (${timeZone})`;
}

/** Score in [0, 1] as a percentage with one decimal. */
export function percent(v: number): string {
  return `${(v * 100).toFixed(1)} %`;
}

/** Parameter value for the method section: numbers compactly, arrays and objects as JSON. */
export function formatParam(v: unknown): string {
  if (typeof v === 'number') return Math.abs(v) >= 1e5 || (Math.abs(v) < 1e-3 && v !== 0) ? v.toExponential(2) : String(+v.toPrecision(6));
  if (typeof v === 'string') return v;
  return JSON.stringify(v);
}

export const VERDICT_LABEL: Record<string, string> = { match: 'Match', ambiguous: 'Ambiguous', 'no-match': 'No match' };
