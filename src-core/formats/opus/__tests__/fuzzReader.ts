/** Truncation and byte-mutation robustness check shared by the OPUS, OMNIC, JobinYvon and TriVista reader tests. */
import { expect } from 'vitest';
import { makeRng } from '../../../engine/random.js';
import { SpecmatchError } from '../../../errors.js';
import type { FormatReader } from '../../FormatReader.js';

/**
 * Feeds `reader.read` truncated and mutated copies of `bytes`. Every case must either throw a SpecmatchError or
 * return spectra whose x/y have equal lengths and no more points than the input has bytes (no unbounded
 * allocation). Returns the number of cases run and how many were rejected.
 */
export function fuzzReader(
  reader: FormatReader,
  bytes: Uint8Array,
  name: string,
  opts: { truncations?: number; mutations?: number; seed?: number } = {},
): { cases: number; rejected: number } {
  const rand = makeRng(opts.seed ?? 1);
  // Node's Buffer.slice() is a view, not a copy: mutate a private copy so the caller's bytes stay intact.
  const original = Uint8Array.from(bytes);
  const inputs: Uint8Array[] = [];
  const truncations = opts.truncations ?? 200;
  for (let k = 0; k < truncations; k++)
    inputs.push(original.subarray(0, Math.floor((original.length * k) / truncations)));
  const mutations = opts.mutations ?? 300;
  for (let k = 0; k < mutations; k++) {
    const copy = Uint8Array.from(original);
    const flips = 1 + Math.floor(rand() * 8);
    // Half the mutations hit the first 2 kB, where headers and directories live.
    for (let f = 0; f < flips; f++) {
      const span = rand() < 0.5 ? Math.min(2048, copy.length) : copy.length;
      copy[Math.floor(rand() * span)] = Math.floor(rand() * 256);
    }
    inputs.push(copy);
  }
  let rejected = 0;
  for (const input of inputs) {
    try {
      const spectra = reader.read(input, name);
      for (const s of spectra) {
        expect(s.x.length).toBe(s.y.length);
        expect(s.x.length).toBeLessThanOrEqual(input.length);
      }
    } catch (err) {
      if (!(err instanceof SpecmatchError))
        throw new Error(`${reader.id} threw an untyped ${String(err)} on a case of ${input.length} bytes`, {
          cause: err,
        });
      expect(err.message).toContain(name);
      rejected++;
    }
  }
  return { cases: inputs.length, rejected };
}
