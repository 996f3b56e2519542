/**
 * Aggregates per-reference scores into one row per substance: a substance scores as its best reference (the
 * maximum, so one good reference is enough: the one-shot premise), ranked by that score, ties broken by the
 * lower substance index for a stable order. `gap` is the score minus the next substance's score in the full
 * ranking (also for the last row returned when topK cuts the list), 0 when no substance follows.
 */
export interface RankedSubstance {
  /** Dense substance index as given in `refSubstance`. */
  substance: number;
  /** Row of the best reference. */
  ref: number;
  score: number;
  gap: number;
}

export function rankSubstances(scores: ArrayLike<number>, refSubstance: ArrayLike<number>, substanceCount: number, topK: number): RankedSubstance[] {
  const best = new Float64Array(substanceCount).fill(-Infinity);
  const bestRef = new Int32Array(substanceCount).fill(-1);
  for (let r = 0; r < scores.length; r++) {
    const s = refSubstance[r]!;
    const v = scores[r]!;
    if (v > best[s]!) {
      best[s] = v;
      bestRef[s] = r;
    }
  }
  const order: number[] = [];
  for (let s = 0; s < substanceCount; s++) if (bestRef[s]! >= 0) order.push(s);
  const k = Math.max(0, Math.min(topK, order.length));
  // A partial selection would be faster for huge libraries, but sorting ~2,000 substances takes well under 1 ms.
  order.sort((a, b) => best[b]! - best[a]! || a - b);
  const rows: RankedSubstance[] = [];
  for (let i = 0; i < k; i++) {
    const s = order[i]!;
    const next = order[i + 1];
    rows.push({ substance: s, ref: bestRef[s]!, score: best[s]!, gap: next === undefined ? 0 : best[s]! - best[next]! });
  }
  return rows;
}
