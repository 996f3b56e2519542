import { randomInt, shuffled, type Rng } from './random.js';

/**
 * The evaluation protocols of the Siamese engine (Liu et al. 2017 §3.1 and §3.2, as restated in issue 4), on a
 * labelled set of spectra: `labels[i]` is the class (mineral) of spectrum i, `samples[i]` its RRUFF sample id.
 */
export interface ClassSplit {
  train: number[];
  validation: number[];
  test: number[];
}

/** Random split of the CLASSES (not spectra) into train / validation / test fractions (default 50 / 10 / 40 %). */
export function splitClasses(classes: readonly number[], rng: Rng, fractions: [number, number, number] = [0.5, 0.1, 0.4]): ClassSplit {
  const order = shuffled(classes, rng);
  const sum = fractions[0] + fractions[1] + fractions[2];
  const nTrain = Math.round((order.length * fractions[0]) / sum);
  const nVal = Math.round((order.length * fractions[1]) / sum);
  return { train: order.slice(0, nTrain), validation: order.slice(nTrain, nTrain + nVal), test: order.slice(nTrain + nVal) };
}

/** Spectra indices grouped by class. */
export function indicesByClass(labels: readonly number[]): Map<number, number[]> {
  const m = new Map<number, number[]>();
  labels.forEach((c, i) => {
    const l = m.get(c);
    if (l) l.push(i);
    else m.set(c, [i]);
  });
  return m;
}

export interface OneShotTask {
  /** One reference spectrum per class. */
  references: number[];
  /** Every other spectrum of those classes. */
  queries: number[];
}

/**
 * One-shot task over `classes`: one random reference per class, the class's other spectra are queries. With
 * `distinctSample`, queries must come from a different RRUFF sample than their reference (classes with one sample
 * only are left out), so a query is never a re-measurement of the reference's own specimen.
 */
export function oneShotTask(classes: readonly number[], labels: readonly number[], samples: readonly string[], rng: Rng, distinctSample = false): OneShotTask {
  const by = indicesByClass(labels);
  const references: number[] = [];
  const queries: number[] = [];
  for (const c of classes) {
    const members = by.get(c) ?? [];
    if (members.length < 2) continue;
    if (distinctSample && new Set(members.map((i) => samples[i])).size < 2) continue;
    const ref = members[randomInt(rng, members.length)]!;
    references.push(ref);
    for (const i of members) if (i !== ref && (!distinctSample || samples[i] !== samples[ref])) queries.push(i);
  }
  return { references, queries };
}

/** Trained-classes protocol (§3.2): one random spectrum per class (with ≥ 2) held out as test, the rest trains. */
export function holdOnePerClass(labels: readonly number[], rng: Rng): { train: number[]; test: number[] } {
  const train: number[] = [];
  const test: number[] = [];
  for (const members of indicesByClass(labels).values()) {
    if (members.length < 2) {
      train.push(...members);
      continue;
    }
    const k = randomInt(rng, members.length);
    members.forEach((i, j) => (j === k ? test : train).push(i));
  }
  return { train: train.sort((a, b) => a - b), test: test.sort((a, b) => a - b) };
}

export interface ClassificationScores {
  top1: number;
  macroF1: number;
  n: number;
}

/** Top-1 accuracy and macro-averaged F1 over the true classes of the queries (sklearn's 'macro' over labels seen). */
export function scoreClassification(truth: readonly number[], predicted: readonly number[]): ClassificationScores {
  const n = truth.length;
  if (n === 0) return { top1: 0, macroF1: 0, n: 0 };
  let correct = 0;
  const tp = new Map<number, number>();
  const fp = new Map<number, number>();
  const fn = new Map<number, number>();
  const inc = (m: Map<number, number>, k: number): void => void m.set(k, (m.get(k) ?? 0) + 1);
  for (let i = 0; i < n; i++) {
    const t = truth[i]!;
    const p = predicted[i]!;
    if (t === p) {
      correct++;
      inc(tp, t);
    } else {
      inc(fp, p);
      inc(fn, t);
    }
  }
  const classes = new Set<number>([...truth, ...predicted]);
  let f1sum = 0;
  for (const c of classes) {
    const t = tp.get(c) ?? 0;
    const denom = 2 * t + (fp.get(c) ?? 0) + (fn.get(c) ?? 0);
    f1sum += denom > 0 ? (2 * t) / denom : 0;
  }
  return { top1: correct / n, macroF1: f1sum / classes.size, n };
}

/** Mean and sample standard deviation. */
export function meanStd(values: readonly number[]): { mean: number; std: number } {
  const n = values.length;
  if (n === 0) return { mean: Number.NaN, std: Number.NaN };
  const mean = values.reduce((s, v) => s + v, 0) / n;
  const std = n > 1 ? Math.sqrt(values.reduce((s, v) => s + (v - mean) ** 2, 0) / (n - 1)) : 0;
  return { mean, std };
}
