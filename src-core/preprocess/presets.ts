import { SpecmatchError } from '../errors.js';
import type { Pipeline } from './pipeline.js';

export interface Preset {
  name: string;
  /** One line: what it does and which method or paper it follows. */
  description: string;
  pipeline: Pipeline;
}

/**
 * Named pipelines. Each name says whose method it follows; the parameters and how they were chosen are stated in
 * the description (and, for rruff-processed, measured in docs/results/preprocess.md).
 */
export const PRESETS: readonly Preset[] = [
  {
    name: 'raw',
    description: 'no preprocessing: the spectrum as read (what the Siamese network is meant to see)',
    pipeline: { schemaVersion: 1, steps: [] },
  },
  {
    name: 'rruff-processed',
    description:
      "reproduces RRUFF's Processed files from RAW: drop the notch-filter edge below 120 cm⁻¹, then an ALS baseline (Eilers & Boelens 2005) with λ = 1e6, p = 0.005, tuned on 366 RRUFF RAW/Processed pairs",
    pipeline: {
      schemaVersion: 1,
      steps: [
        { kind: 'axis.crop', params: { from: 120, to: 4000 } },
        { kind: 'baseline.als', params: { lambda: 1e6, p: 0.005 } },
      ],
    },
  },
  {
    name: 'liu2017-als',
    description:
      'asymmetric least squares baseline (Eilers & Boelens 2005, the baseline method the paper cites) then max normalisation; λ = 1e5, p = 0.01 are ours, inside the ranges the ALS report recommends',
    pipeline: {
      schemaVersion: 1,
      steps: [
        { kind: 'baseline.als', params: { lambda: 1e5, p: 0.01 } },
        { kind: 'normalize.max', params: {} },
      ],
    },
  },
  {
    name: 'openspecy-derivative',
    description:
      "Open Specy's default processing (Cowger et al. 2021): 5 cm⁻¹ grid, Savitzky–Golay first derivative (window 11, order 3), absolute value, min–max",
    pipeline: {
      schemaVersion: 1,
      steps: [
        { kind: 'axis.regrid', params: { step: 5 } },
        { kind: 'derivative', params: { order: 1, window: 11, polyorder: 3, absolute: true } },
        { kind: 'normalize.minmax', params: {} },
      ],
    },
  },
  {
    name: 'classic-search',
    description:
      'for correlation / HQI search: despike (shoulder test), Savitzky–Golay smoothing, ALS baseline, 100–1800 cm⁻¹ at 1 cm⁻¹, unit vector',
    pipeline: {
      schemaVersion: 1,
      steps: [
        { kind: 'despike.shoulder', params: {} },
        { kind: 'smooth.savitzkyGolay', params: { window: 9, polyorder: 3 } },
        { kind: 'baseline.als', params: { lambda: 1e5, p: 0.01 } },
        { kind: 'axis.resample', params: { from: 100, to: 1800, points: 1701, method: 'linear' } },
        { kind: 'normalize.vector', params: {} },
      ],
    },
  },
];

/** The preset by name, or E_PIPELINE listing the names. Returns a copy: callers may edit it freely. */
export function getPreset(name: string): Preset {
  const preset = PRESETS.find((p) => p.name === name);
  if (preset === undefined)
    throw new SpecmatchError(
      'E_PIPELINE',
      `unknown preset '${name}'; presets: ${PRESETS.map((p) => p.name).join(', ')}`,
    );
  // A JSON round trip: the pure core has no structuredClone in its declared environment, and presets are plain JSON.
  return {
    name: preset.name,
    description: preset.description,
    pipeline: JSON.parse(JSON.stringify(preset.pipeline)) as Pipeline,
  };
}
