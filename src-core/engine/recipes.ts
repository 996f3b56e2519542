import { PAPER_ARCHITECTURE, type ArchitectureSpec } from './architecture.js';
import { DEFAULT_AUGMENT, type AugmentOptions } from './augment.js';
import type { InputAxis } from './inputVector.js';

/**
 * Named training recipes. `paper` is Liu et al.'s recipe as issue 4 restates it (uniform bootstrap negatives, no
 * augmentation); `improved` adds what measured better on the validation split (docs/notes/engine.md): in-batch hard
 * negatives, look-alike partners in each batch, and input augmentation.
 */
export type RecipeName = 'paper' | 'improved';

export interface Recipe {
  spec: ArchitectureSpec;
  pairsPerBatch: number;
  learningRate: number;
  halveEvery: number;
  patience: number;
  hardNegativeFraction: number;
  hardPartnerFraction: number;
  augment: AugmentOptions | null;
}

/** 150–1300 cm⁻¹: covered by ≥ 90 % of RRUFF excellent_unoriented spectra (10th percentile of their start is 161 cm⁻¹, of their end 1260 cm⁻¹; the rest are edge-held). 512 points ≈ 2.25 cm⁻¹ per point. */
export const DEFAULT_AXIS: InputAxis = { from: 150, to: 1300, points: 512 };

export const RECIPES: Record<RecipeName, Recipe> = {
  paper: {
    spec: PAPER_ARCHITECTURE,
    pairsPerBatch: 32,
    learningRate: 1e-3,
    halveEvery: 10,
    patience: 6,
    hardNegativeFraction: 0,
    hardPartnerFraction: 0,
    augment: null,
  },
  improved: {
    spec: PAPER_ARCHITECTURE,
    pairsPerBatch: 32,
    learningRate: 1e-3,
    halveEvery: 10,
    patience: 6,
    hardNegativeFraction: 0.5,
    hardPartnerFraction: 0.5,
    augment: DEFAULT_AUGMENT,
  },
};

export function isRecipeName(v: string): v is RecipeName {
  return v === 'paper' || v === 'improved';
}
