import { randomInt, shuffled, type Rng } from './random.js';

/**
 * Pair sampling of the Siamese training (Liu et al.'s bootstrap): every epoch draws S_m positive pairs and S_m
 * negative pairs with replacement, S_m being the number of distinct positive pairs in the training set.
 * Compute is saved by embedding each spectrum of a batch once: a batch is the spectra of P positive pairs (plus
 * optional "hard partners"), its P positives are those pairs and its P negatives are chosen among the batch's
 * different-class pairs, from the scores of the batch's own embeddings. Uniformly chosen in-batch negatives
 * approximate the paper's uniform draw over all negative pairs; choosing the highest-scoring ones is hard-negative
 * mining (Schroff et al. 2015, FaceNet, §3.2 mines within the mini-batch the same way).
 */
export type Pair = readonly [number, number];

/** Every unordered same-class pair (i < j) of dataset indices. */
export function positivePairs(labels: readonly number[]): Pair[] {
  const byClass = new Map<number, number[]>();
  labels.forEach((c, i) => {
    const list = byClass.get(c);
    if (list) list.push(i);
    else byClass.set(c, [i]);
  });
  const pairs: Pair[] = [];
  for (const members of byClass.values()) {
    for (let a = 0; a < members.length; a++) for (let b = a + 1; b < members.length; b++) pairs.push([members[a]!, members[b]!]);
  }
  return pairs;
}

export interface PairBatch {
  /** Dataset indices of the batch's spectra, each once. */
  items: number[];
  /** Positive pairs as positions into `items`. */
  positives: Pair[];
}

export interface BatchPlanOptions {
  /** Positive pairs per batch (P). */
  pairsPerBatch: number;
  /** Positive pairs per epoch. @default S_m, the number of distinct positive pairs */
  pairsPerEpoch?: number;
  /**
   * For each dataset index, indices of spectra of other classes that look most alike (by a classic similarity);
   * when given, `hardPartnerFraction` of the anchors bring one of them into the batch so that hard negatives exist.
   */
  hardPartners?: readonly (readonly number[])[];
  /** @default 0 */
  hardPartnerFraction?: number;
}

/** The batches of one epoch: S_m positives drawn with replacement, P per batch. */
export function planEpoch(labels: readonly number[], positives: readonly Pair[], rng: Rng, opts: BatchPlanOptions): PairBatch[] {
  if (positives.length === 0) throw new RangeError('no positive pairs: every class needs at least two spectra');
  const total = opts.pairsPerEpoch ?? positives.length;
  const p = Math.max(1, opts.pairsPerBatch);
  const batches: PairBatch[] = [];
  for (let start = 0; start < total; start += p) {
    const count = Math.min(p, total - start);
    const pos = new Map<number, number>();
    const items: number[] = [];
    const at = (idx: number): number => {
      let k = pos.get(idx);
      if (k === undefined) {
        k = items.length;
        items.push(idx);
        pos.set(idx, k);
      }
      return k;
    };
    const pairs: Pair[] = [];
    for (let k = 0; k < count; k++) {
      const [a, b] = positives[randomInt(rng, positives.length)]!;
      const swap = rng() < 0.5;
      pairs.push([at(swap ? b : a), at(swap ? a : b)]);
      const partners = opts.hardPartners?.[a];
      if (partners && partners.length > 0 && rng() < (opts.hardPartnerFraction ?? 0)) at(partners[randomInt(rng, partners.length)]!);
    }
    batches.push({ items, positives: pairs });
  }
  return batches;
}

export interface ClassBatchOptions {
  /** Classes per batch (P); each brings two of its spectra, so a batch holds P positive pairs. */
  classesPerBatch: number;
  /** Positive pairs per epoch (rounded up to whole batches). @default S_m, the number of distinct positive pairs */
  pairsPerEpoch?: number;
  /** For each class, the classes that look most like it (by a classic similarity). */
  lookAlikeClasses?: ReadonlyMap<number, readonly number[]>;
  /** Probability that a drawn class brings one of its look-alike classes into the batch. @default 0 */
  lookAlikeFraction?: number;
}

/**
 * Class-balanced batches (the improved recipe): each batch draws P distinct classes, a class with probability
 * proportional to its number of spectra (not to its number of pairs, which grows with the square: drawing positive
 * pairs uniformly lets the few minerals with 20–40 spectra fill most batches), and two different spectra of each.
 * With `lookAlikeFraction`, a drawn class brings one of its look-alike classes too, so every batch holds negatives
 * that are hard to tell apart; a look-alike class with a single spectrum joins as a negative only.
 */
export function planClassEpoch(labels: readonly number[], rng: Rng, opts: ClassBatchOptions): PairBatch[] {
  const byClass = new Map<number, number[]>();
  labels.forEach((c, i) => {
    const list = byClass.get(c);
    if (list) list.push(i);
    else byClass.set(c, [i]);
  });
  const anchors: number[] = [];
  labels.forEach((c, i) => {
    if (byClass.get(c)!.length >= 2) anchors.push(i);
  });
  if (anchors.length === 0) throw new RangeError('no positive pairs: every class needs at least two spectra');
  const eligible = new Set(anchors.map((i) => labels[i]!)).size;
  const total = opts.pairsPerEpoch ?? positivePairs(labels).length;
  const perBatch = Math.max(1, Math.min(opts.classesPerBatch, eligible));
  const batches: PairBatch[] = [];
  for (let done = 0; done < total; ) {
    const target = Math.min(perBatch, total - done);
    const chosen = new Set<number>();
    let withPair = 0;
    while (withPair < target) {
      const c = labels[anchors[randomInt(rng, anchors.length)]!]!;
      if (chosen.has(c)) continue;
      chosen.add(c);
      withPair++;
      const alike = opts.lookAlikeClasses?.get(c);
      if (alike && alike.length > 0 && rng() < (opts.lookAlikeFraction ?? 0)) {
        const o = alike[randomInt(rng, alike.length)]!;
        if (!chosen.has(o)) {
          chosen.add(o);
          if (byClass.get(o)!.length >= 2) withPair++;
        }
      }
    }
    const items: number[] = [];
    const positives: Pair[] = [];
    for (const c of chosen) {
      const members = byClass.get(c)!;
      if (members.length < 2) {
        items.push(members[0]!);
        continue;
      }
      const a = randomInt(rng, members.length);
      let b = randomInt(rng, members.length - 1);
      if (b >= a) b++;
      positives.push([items.length, items.length + 1]);
      items.push(members[a]!, members[b]!);
    }
    batches.push({ items, positives });
    done += positives.length;
  }
  return batches;
}

/**
 * Chooses `count` negative pairs among a batch's different-class pairs: a fraction `hardFraction` are the pairs the
 * current model scores highest (hardest), the rest uniformly at random with replacement. `scores[i * n + j]` is the
 * model's score of batch items i and j. Returns positions into the batch.
 */
export function chooseNegatives(batchLabels: readonly number[], scores: ArrayLike<number>, count: number, hardFraction: number, rng: Rng): Pair[] {
  const n = batchLabels.length;
  const candidates: Pair[] = [];
  for (let i = 0; i < n; i++) for (let j = i + 1; j < n; j++) if (batchLabels[i] !== batchLabels[j]) candidates.push([i, j]);
  if (candidates.length === 0) return [];
  const hard = Math.min(candidates.length, Math.round(count * Math.min(1, Math.max(0, hardFraction))));
  const out: Pair[] = [];
  if (hard > 0) {
    // Ties broken by a shuffle so equal scores (e.g. an untrained model) do not always pick the same pairs.
    const ranked = shuffled(candidates, rng).sort((p, q) => scores[q[0] * n + q[1]]! - scores[p[0] * n + p[1]]!);
    out.push(...ranked.slice(0, hard));
  }
  while (out.length < count) out.push(candidates[randomInt(rng, candidates.length)]!);
  return out;
}
