import { WhittakerSystem } from './banded.js';
import { requireIntegerIn, requireLength, requirePositive } from './params.js';

export interface SmoothWhittakerOptions {
  /** Smoothness λ: ~10 light, ~10⁴ heavy (for unit point spacing). @default 10 */
  lambda?: number;
  /** Order d of the difference penalty. @default 2 */
  differenceOrder?: number;
}

export const SMOOTH_WHITTAKER_DEFAULTS: Required<SmoothWhittakerOptions> = { lambda: 10, differenceOrder: 2 };

/**
 * Whittaker smoother (P. H. C. Eilers, "A perfect smoother", Anal. Chem. 75:3631–3636, 2003): the z minimising
 * ‖y − z‖² + λ‖D_d z‖², i.e. (I + λ DᵀD) z = y, solved by a banded Cholesky (LDLᵀ) in O(n). Unlike
 * Savitzky–Golay it needs no window and treats the ends without special cases.
 */
export function smoothWhittaker(y: ArrayLike<number>, options: SmoothWhittakerOptions = {}): Float64Array {
  const o = { ...SMOOTH_WHITTAKER_DEFAULTS, ...options };
  requirePositive('lambda', o.lambda);
  requireIntegerIn('differenceOrder', o.differenceOrder, 1, 3);
  requireLength('Whittaker smoothing', y.length, o.differenceOrder + 1);
  const system = new WhittakerSystem(y.length, o.differenceOrder, o.lambda);
  return system.solve(new Float64Array(y.length).fill(1), y);
}
