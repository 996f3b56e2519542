import { SpecmatchError } from '../errors.js';

/**
 * Checks shared by the step functions: a bad option passed in code is a caller error (E_PARAM) that names the
 * option; pipelines validate the same rules earlier (registry.ts) and report them as E_PIPELINE with the step.
 */
export function requirePositive(name: string, v: number): void {
  if (!(Number.isFinite(v) && v > 0))
    throw new SpecmatchError('E_PARAM', `${name} must be a finite number > 0, got ${v}`);
}

export function requireIntegerIn(name: string, v: number, min: number, max: number): void {
  if (!(Number.isInteger(v) && v >= min && v <= max))
    throw new SpecmatchError('E_PARAM', `${name} must be an integer in ${min}…${max}, got ${v}`);
}

export function requireOpenUnit(name: string, v: number): void {
  if (!(v > 0 && v < 1)) throw new SpecmatchError('E_PARAM', `${name} must lie strictly between 0 and 1, got ${v}`);
}

export function requireLength(what: string, n: number, min: number): void {
  if (n < min) throw new SpecmatchError('E_PARAM', `${what} needs at least ${min} points, the spectrum has ${n}`);
}
