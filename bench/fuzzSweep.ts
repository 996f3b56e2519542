/**
 * The robustness sweep the format benches share: damaged copies of one file fed to a reader, each outcome counted.
 * Each bench keeps its own way of damaging a copy (and its own generator), so its recorded numbers stay
 * reproducible; this only owns the loop and the bookkeeping.
 */
import { SpecmatchError } from '../src-core/errors.js';

export interface SweepCounts {
  /** Copies the reader returned spectra for. */
  read: number;
  /** Copies refused with a SpecmatchError (the expected way to fail). */
  refused: number;
  /** Copies that threw anything else: a bug in the reader. */
  untyped: number;
}

/**
 * Makes `copies` damaged versions of a file with `damage(k)` (k = 0 … copies − 1, in order, so a seeded generator
 * gives the same copies every run), passes each to `read` and counts how it ended.
 */
export function fuzzSweep(
  copies: number,
  damage: (k: number) => Uint8Array,
  read: (input: Uint8Array) => void,
): SweepCounts {
  const counts: SweepCounts = { read: 0, refused: 0, untyped: 0 };
  for (let k = 0; k < copies; k++) {
    const input = damage(k);
    try {
      read(input);
      counts.read++;
    } catch (err) {
      if (err instanceof SpecmatchError) counts.refused++;
      else counts.untyped++;
    }
  }
  return counts;
}
