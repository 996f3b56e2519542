import { SpecmatchError } from '../errors.js';
import type { Spectrum } from '../spectrum/Spectrum.js';
import { resampleCubic } from './resampleCubic.js';
import { linearAxis, resampleLinear } from './resampleLinear.js';

export interface MergeReplicatesOptions {
  /** Interpolation onto the common axis. @default 'linear' */
  method?: 'linear' | 'cubic';
  /** Points of the common axis. @default the largest point count among the replicates */
  points?: number;
}

/**
 * Averages replicate measurements of one sample (repeated acquisitions, several spots) into one spectrum. The
 * common axis is evenly spaced over the range every replicate covers (the overlap: outside it some replicates have
 * no data and an average would be biased), with as many points as the densest replicate unless `points` says
 * otherwise. Metadata are those of the first replicate, with a warning recording the merge.
 */
export function mergeReplicates(spectra: readonly Spectrum[], options: MergeReplicatesOptions = {}): Spectrum {
  const first = spectra[0];
  if (first === undefined) throw new SpecmatchError('E_PARAM', 'mergeReplicates needs at least one spectrum');
  let lo = -Infinity;
  let hi = Infinity;
  let maxPoints = 0;
  for (const s of spectra) {
    const n = s.x.length;
    if (n < 2)
      throw new SpecmatchError('E_PARAM', `${s.meta.sourceFile}: a replicate needs at least 2 points to be merged`);
    lo = Math.max(lo, s.x[0]!);
    hi = Math.min(hi, s.x[n - 1]!);
    maxPoints = Math.max(maxPoints, n);
  }
  if (!(hi > lo)) {
    throw new SpecmatchError('E_PARAM', `the replicates share no x range (overlap ${lo} … ${hi}): nothing to average`);
  }
  const points = options.points ?? maxPoints;
  if (!(Number.isInteger(points) && points >= 2))
    throw new SpecmatchError('E_PARAM', `points must be an integer ≥ 2, got ${points}`);
  const interp = (options.method ?? 'linear') === 'cubic' ? resampleCubic : resampleLinear;
  const grid = linearAxis(lo, hi, points);
  const sum = new Float64Array(points);
  for (const s of spectra) {
    const r = interp(s.x, s.y, grid);
    for (let i = 0; i < points; i++) sum[i] = sum[i]! + r[i]!;
  }
  for (let i = 0; i < points; i++) sum[i] = sum[i]! / spectra.length;
  return {
    x: grid,
    y: sum,
    meta: {
      ...first.meta,
      fields: { ...first.meta.fields },
      warnings: [...first.meta.warnings, `average of ${spectra.length} replicates on ${points} points, ${lo} … ${hi}`],
    },
  };
}
