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
  let present = 0;
  for (let s = 0; s < substanceCount; s++) if (bestRef[s]! >= 0) present++;
  const k = Math.max(0, Math.min(topK, present));
  // Only the top k + 1 are needed (the +1 for the last row's gap): a bounded insertion list is O(n·k) with k small,
  // against O(n log n) for sorting 25,000 substances of a 100,000-spectrum library on every query.
  const keep = k + 1;
  const better = (a: number, b: number): boolean => best[a]! > best[b]! || (best[a] === best[b] && a < b);
  let order: number[] = [];
  if (keep * 8 < present) {
    for (let s = 0; s < substanceCount; s++) {
      if (bestRef[s]! < 0) continue;
      if (order.length === keep && !better(s, order[keep - 1]!)) continue;
      let i = order.length === keep ? keep - 1 : order.length;
      if (order.length < keep) order.push(s);
      while (i > 0 && better(s, order[i - 1]!)) {
        order[i] = order[i - 1]!;
        i--;
      }
      order[i] = s;
    }
  } else {
    for (let s = 0; s < substanceCount; s++) if (bestRef[s]! >= 0) order.push(s);
    order.sort((a, b) => (better(a, b) ? -1 : better(b, a) ? 1 : 0));
    order = order.slice(0, keep);
  }
  const rows: RankedSubstance[] = [];
  for (let i = 0; i < k; i++) {
    const s = order[i]!;
    const next = order[i + 1];
    rows.push({ substance: s, ref: bestRef[s]!, score: best[s]!, gap: next === undefined ? 0 : best[s]! - best[next]! });
  }
  return rows;
}
