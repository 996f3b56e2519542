import type { Spectrum } from '../../spectrum/Spectrum.js';
import type { ErrorInfo } from '../../errors.js';
import { toSpecmatchError } from '../../errors.js';

/** One contract line: compact JSON. Non-finite numbers (never expected) become null rather than breaking JSON. */
export function jsonLine(value: unknown): string {
  return JSON.stringify(value, (_k, v: unknown) => {
    if (ArrayBuffer.isView(v) && !(v instanceof DataView)) return Array.from(v as unknown as ArrayLike<number>);
    if (typeof v === 'number' && !Number.isFinite(v)) return null;
    return v;
  });
}

/** Spectrum as it appears in `inspect --json`: {x, y, meta}. */
export function spectrumToJson(s: Spectrum): { x: number[]; y: number[]; meta: Spectrum['meta'] } {
  return { x: Array.from(s.x), y: Array.from(s.y), meta: s.meta };
}

/** The error object of a contract line: {code, message}. */
export function errorInfo(err: unknown, file?: string): ErrorInfo {
  return toSpecmatchError(err, file === undefined ? {} : { file }).toInfo();
}
