import { resampleLinear } from '../../../src-core/preprocess/resampleLinear.js';

export interface ScaledOverlay {
  /** Reference on the query's x grid, scaled by the least-squares factor. */
  y: Float64Array;
  /** query − scaled reference. */
  residual: Float64Array;
  scale: number;
}

/**
 * Put a reference on the query's axis and scale it to the query: a = ⟨q, r⟩ / ⟨r, r⟩ minimises ‖q − a·r‖² over the
 * shared range (points outside the reference's range are left out of the fit and drawn as gaps (NaN)).
 */
export function scaleToQuery(
  qx: ArrayLike<number>,
  qy: ArrayLike<number>,
  rx: ArrayLike<number>,
  ry: ArrayLike<number>,
): ScaledOverlay {
  const onGrid = resampleLinear(rx, ry, qx, Number.NaN);
  let num = 0;
  let den = 0;
  for (let i = 0; i < qx.length; i++) {
    const r = onGrid[i]!;
    if (Number.isNaN(r)) continue;
    num += qy[i]! * r;
    den += r * r;
  }
  const scale = den > 0 ? num / den : 0;
  const y = new Float64Array(qx.length);
  const residual = new Float64Array(qx.length);
  for (let i = 0; i < qx.length; i++) {
    const r = onGrid[i]!;
    y[i] = Number.isNaN(r) ? Number.NaN : scale * r;
    residual[i] = Number.isNaN(r) ? Number.NaN : qy[i]! - scale * r;
  }
  return { y, residual, scale };
}
