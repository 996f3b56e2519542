/**
 * Nearest-reference classification, the decision rule of every method in the evaluation: a query gets the class of
 * the reference it scores highest against (ties go to the first reference).
 */
export type PairScore = (query: number, reference: number) => number;

export function classifyByReferences(queries: readonly number[], references: readonly number[], labels: readonly number[], score: PairScore): number[] {
  return queries.map((q) => {
    let best = -Infinity;
    let label = -1;
    for (const r of references) {
      const s = score(q, r);
      if (s > best) {
        best = s;
        label = labels[r]!;
      }
    }
    return label;
  });
}

/** The same with a score row per query (query → scores against all references, in `references` order). */
export function classifyByRows(queries: readonly number[], references: readonly number[], labels: readonly number[], row: (query: number) => ArrayLike<number>): number[] {
  return queries.map((q) => {
    const scores = row(q);
    let best = -Infinity;
    let label = -1;
    for (let k = 0; k < references.length; k++) {
      if (scores[k]! > best) {
        best = scores[k]!;
        label = labels[references[k]!]!;
      }
    }
    return label;
  });
}
