import { createHash } from 'node:crypto';
import { join } from 'node:path';
import { classifyByReferences, classifyByRows } from '../../engine/classify.js';
import { axisGrid, spectrumToInput, type InputAxis } from '../../engine/inputVector.js';
import { holdOnePerClass, indicesByClass, meanStd, oneShotTask, scoreClassification, splitClasses, type OneShotTask } from '../../engine/protocols.js';
import { makeRng, shuffled } from '../../engine/random.js';
import { DEFAULT_AXIS, RECIPES, type RecipeName } from '../../engine/recipes.js';
import { headSimilarityMany, type SiameseHead } from '../../engine/siameseHead.js';
import { SpecmatchError } from '../../errors.js';
import { CLASSIC_VECTORIZER, CLASSIC_WITH_BACKGROUND_PIPELINE } from '../../matching/classicAxis.js';
import { cosineSimilarity, euclideanSimilarity, firstDifference, hqiCorrelation, type ClassicMethod } from '../../matching/similarity.js';
import type { Pipeline, PipelineStep } from '../../preprocess/pipeline.js';
import { getPreset } from '../../preprocess/presets.js';
import { makeVectorizer, type Vectorizer } from '../../preprocess/vectorizer.js';
import { classicVectorizerFor } from '../library/matchLibrary.js';
import { cacheDir } from '../data/rruffArchive.js';
import { chooseBackend, type BackendName } from './backend.js';
import { mineralsWithAtLeast, readLabelledSpectra } from './dataset.js';
import { disposeNetwork, embedInputs, headOf } from './siameseNetwork.js';
import { recipeOptions, trainSiamese, type LabelledInputs, type TrainProgress } from './trainSiamese.js';

/**
 * `specmatch eval`: the protocols of issue 4 run side by side on the same splits for the Siamese model (trained
 * per split and per variant) and the classic methods (nearest neighbour by L2 distance, cosine, correlation HQI,
 * first-derivative correlation HQI), each classic method with the preprocessing preset that scored best on the
 * validation classes of the same split. A fusion (α·Siamese + (1 − α)·derivative HQI, α tuned on validation) is
 * reported too. Each --data PATH is one variant (RAW, Processed); splits are made on mineral names, so the two
 * variants share them.
 */
export type Protocol = 'one-shot-unseen' | 'trained-classes';

export interface EvalOptions {
  data: string[];
  protocol: Protocol;
  /** @default 1 */
  repeats?: number;
  /** @default 1 */
  seed?: number;
  /** @default ['paper', 'improved'] */
  recipes?: RecipeName[];
  /** Maximum epochs per training. @default 60 */
  epochs?: number;
  pairsPerEpoch?: number;
  /** Threads per training (see trainSiamese `workers`; the results do not depend on it). @default 1 */
  workers?: number;
  /** Skip the network (classic methods only). @default false */
  classicOnly?: boolean;
  /** Preprocessing presets the classic methods choose from on validation (each before the default classic steps). */
  classicPresets?: string[];
  /**
   * Also score the candidate default classic pipelines (CLASSIC_DEFAULT_CANDIDATES) on validation and test: how the
   * default classic pipeline is chosen. @default false
   */
  classicCandidates?: boolean;
  /** @default 205 */
  subsampleClasses?: number;
  /**
   * Evaluate only these variants (names as reported: 'RAW', 'Processed'); the others are still read so that the
   * class splits (made on the union of mineral names) stay identical to a run over all variants. Lets two processes
   * share the work of one evaluation. @default all
   */
  onlyVariants?: string[];
  axis?: InputAxis;
  backend?: BackendName;
  signal?: AbortSignal;
  log?: (line: string) => void;
  onTrainProgress?: (p: TrainProgress) => void;
  /** Called after each repeat with every result so far (for incremental reports). */
  onRepeat?: (results: EvalResult[]) => void;
}

export interface EvalResult {
  protocol: Protocol;
  variant: string;
  /** 'all-test-classes' | 'subsample-205' | 'distinct-sample' | 'trained-classes' */
  task: string;
  method: string;
  /** Pipeline (preset) chosen on validation, for classic methods; training summary for the network. */
  detail: string;
  repeat: number;
  top1: number;
  macroF1: number;
  queries: number;
  classes: number;
}

export interface EvalSummaryRow {
  variant: string;
  task: string;
  method: string;
  top1: { mean: number; std: number };
  macroF1: { mean: number; std: number };
  repeats: number;
  queries: number;
  classes: number;
  details: string[];
}

export const DEFAULT_CLASSIC_PRESETS = ['rruff-processed', 'liu2017-als', 'classic-search'];
const CLASSIC_NAMES: readonly ClassicMethod[] = ['euclidean', 'cosine', 'hqi-correlation', 'hqi-derivative'];

/** The classic vectorizer before a baseline step joined it: scored beside the default (new beside old). */
const PREVIOUS_CLASSIC_PIPELINE: Pipeline = CLASSIC_WITH_BACKGROUND_PIPELINE;

const candidate = (name: string, before: PipelineStep[], after: PipelineStep[]): { name: string; pipeline: Pipeline } => ({
  name,
  pipeline: { schemaVersion: 1, steps: [...before, ...PREVIOUS_CLASSIC_PIPELINE.steps, ...after] },
});
const als = (lambda: number, p: number): PipelineStep => ({ kind: 'baseline.als', params: { lambda, p } });
const DESPIKE: PipelineStep = { kind: 'despike.shoulder', params: {} };

/**
 * Candidates for the default classic pipeline (`--classic-candidates`): the previous one with a baseline step on the
 * classic axis (2 cm⁻¹ per point, so λ means the same stiffness for every instrument), some with a despike step on
 * the measured points first, and two with the baseline on the measured points (as the presets do). The default in
 * classicAxis.ts (als-1e3-0.03) tied for best on the validation classes with despike+sg9+native-als-1e5 (0.8486 vs
 * 0.8491) and was preferred as a classic-axis step (docs/results/library.md has the tables and the reason).
 */
export const CLASSIC_DEFAULT_CANDIDATES: ReadonlyArray<{ name: string; pipeline: Pipeline }> = [
  candidate('als-3e2-0.01', [], [als(3e2, 0.01)]),
  candidate('als-1e3-0.01', [], [als(1e3, 0.01)]),
  candidate('als-3e3-0.01', [], [als(3e3, 0.01)]),
  candidate('als-1e4-0.01', [], [als(1e4, 0.01)]),
  candidate('als-1e5-0.01', [], [als(1e5, 0.01)]),
  candidate('als-1e3-0.03', [], [als(1e3, 0.03)]), // the default since 2026-12-03
  candidate('als-1e4-0.001', [], [als(1e4, 0.001)]),
  candidate('arpls-1e4', [], [{ kind: 'baseline.arpls', params: { lambda: 1e4 } }]),
  candidate('despike+als-1e3-0.01', [DESPIKE], [als(1e3, 0.01)]),
  candidate('despike+als-3e3-0.01', [DESPIKE], [als(3e3, 0.01)]),
  candidate('despike+native-als-1e5', [DESPIKE, als(1e5, 0.01)], []),
  candidate('despike+sg9+native-als-1e5', [DESPIKE, { kind: 'smooth.savitzkyGolay', params: { window: 9, polyorder: 3 } }, als(1e5, 0.01)], []),
];

/** A named vectorizer the classic methods are scored on: the product's own classic vectors, so eval measures `match`. */
export interface ClassicSetting {
  name: string;
  vectorizer: Vectorizer;
  /** Chosen among on validation (the default and the presets); candidates and the previous default are only scored. */
  selectable: boolean;
}

/**
 * The settings: 'default' (CLASSIC_VECTORIZER, what `specmatch match` uses), 'previous-default', each preset as
 * `specmatch match --preset NAME` runs it (the preset's steps, then the default classic steps), and the candidates.
 */
export function classicSettings(presets: readonly string[], candidates = false): ClassicSetting[] {
  const out: ClassicSetting[] = [{ name: 'default', vectorizer: CLASSIC_VECTORIZER, selectable: true }];
  const previous = makeVectorizer(PREVIOUS_CLASSIC_PIPELINE);
  if (previous.hash !== CLASSIC_VECTORIZER.hash) out.push({ name: 'previous-default', vectorizer: previous, selectable: false });
  for (const p of presets) {
    const pipeline = getPreset(p).pipeline;
    if (pipeline.steps.length > 0) out.push({ name: p, vectorizer: classicVectorizerFor(pipeline), selectable: true });
  }
  if (candidates) {
    for (const c of CLASSIC_DEFAULT_CANDIDATES) {
      const vz = makeVectorizer(c.pipeline);
      out.push({ name: vz.hash === CLASSIC_VECTORIZER.hash ? `${c.name} (= default)` : c.name, vectorizer: vz, selectable: false });
    }
  }
  return out;
}

interface Variant {
  name: string;
  minerals: string[];
  samples: string[];
  labels: number[];
  inputs: Float32Array[];
  /** Per classic setting: the product's classic vectors (and their first differences for the derivative HQI). */
  classic: Map<string, { vectors: Float32Array[]; diffs: Float64Array[]; failures: number }>;
}

function classicScore(method: ClassicMethod, v: { vectors: Float32Array[]; diffs: Float64Array[] }): (q: number, r: number) => number {
  switch (method) {
    case 'euclidean':
      return (q, r) => euclideanSimilarity(v.vectors[q]!, v.vectors[r]!);
    case 'cosine':
      return (q, r) => cosineSimilarity(v.vectors[q]!, v.vectors[r]!);
    case 'hqi-correlation':
      return (q, r) => hqiCorrelation(v.vectors[q]!, v.vectors[r]!);
    case 'hqi-derivative':
      // Identical to similarity.ts' hqiDerivative, with the first differences computed once per spectrum.
      return (q, r) => hqiCorrelation(v.diffs[q]!, v.diffs[r]!);
  }
}

async function loadVariant(path: string, axis: InputAxis, settingsFor: (variant: string) => readonly ClassicSetting[], log: (l: string) => void): Promise<Variant> {
  const t0 = Date.now();
  const read = await readLabelledSpectra([path]);
  const keep = mineralsWithAtLeast(read.minerals, 2);
  const grid = axisGrid(axis);
  const v: Variant = { name: read.variant === 'mixed' ? path.split(/[\\/]/).pop()! : read.variant, minerals: [], samples: [], labels: [], inputs: [], classic: new Map() };
  const kept: number[] = [];
  read.spectra.forEach((s, i) => {
    if (!keep.has(read.minerals[i]!)) return;
    const input = new Float32Array(axis.points);
    if (!spectrumToInput(s.x, s.y, grid, input)) return;
    kept.push(i);
    v.inputs.push(input);
    v.minerals.push(read.minerals[i]!);
    v.samples.push(read.samples[i]!);
  });
  const names = [...new Set(v.minerals)].sort();
  const idx = new Map(names.map((n, i) => [n, i]));
  v.labels = v.minerals.map((m) => idx.get(m)!);
  const settings = settingsFor(v.name);
  for (const setting of settings) {
    let failures = 0;
    const vectors = kept.map((i) => {
      const s = read.spectra[i]!;
      try {
        return setting.vectorizer.apply(s);
      } catch {
        failures++; // a spectrum the pipeline cannot process: a zero vector, which matches nothing
        return new Float32Array(setting.vectorizer.axis.points);
      }
    });
    v.classic.set(setting.name, { vectors, diffs: vectors.map((a) => firstDifference(a)), failures });
  }
  log(`${path}: ${v.name}, ${v.inputs.length} spectra of ${names.length} minerals with ≥ 2 spectra (${read.skipped.length} files skipped), classic settings ${settings.map((c) => c.name).join(', ')} applied in ${((Date.now() - t0) / 1000).toFixed(0)} s`);
  return v;
}

/** Short digest of a recipe, so that a checkpoint of an older version of a recipe is never resumed under a newer one. */
function recipeDigest(recipe: unknown): string {
  return createHash('sha256').update(JSON.stringify(recipe)).digest('hex').slice(0, 8);
}

function pick<T>(items: readonly T[], idx: readonly number[]): T[] {
  return idx.map((i) => items[i]!);
}

function subsetByClasses(v: Variant, classNames: ReadonlySet<string>): number[] {
  const out: number[] = [];
  v.minerals.forEach((m, i) => {
    if (classNames.has(m)) out.push(i);
  });
  return out;
}

/** One-shot top-1 of a score on a task (indices into the variant). */
function taskScore(task: OneShotTask, labels: readonly number[], score: (q: number, r: number) => number): { top1: number; macroF1: number } {
  const predicted = classifyByReferences(task.queries, task.references, labels, score);
  return scoreClassification(pick(labels, task.queries), predicted);
}

export async function evaluate(opts: EvalOptions): Promise<EvalResult[]> {
  const log = opts.log ?? (() => undefined);
  const axis = opts.axis ?? DEFAULT_AXIS;
  const repeats = opts.repeats ?? 1;
  const seed = opts.seed ?? 1;
  const recipes = opts.classicOnly ? [] : (opts.recipes ?? ['paper', 'improved']);
  const settings = classicSettings(opts.classicPresets ?? DEFAULT_CLASSIC_PRESETS, opts.classicCandidates === true);
  if (opts.data.length === 0) throw new SpecmatchError('E_USAGE', 'eval needs at least one --data PATH');
  if (recipes.length) await chooseBackend(opts.backend ? { force: opts.backend } : {});
  const variants: Array<Variant & { skip: boolean }> = [];
  for (const path of opts.data) {
    // A variant not evaluated is still read (its mineral names make the splits) but gets no classic vectors.
    const variant = await loadVariant(path, axis, (name) => (opts.onlyVariants && !opts.onlyVariants.includes(name) ? [] : settings), log);
    const skip = opts.onlyVariants !== undefined && !opts.onlyVariants.includes(variant.name);
    if (skip) variant.inputs = [];
    variants.push({ ...variant, skip });
  }
  const allMinerals = [...new Set(variants.flatMap((v) => v.minerals))].sort();
  const results: EvalResult[] = [];

  for (let rep = 0; rep < repeats; rep++) {
    const rseed = seed * 7919 + rep;
    const split = splitClasses(
      allMinerals.map((_, i) => i),
      makeRng(rseed),
    );
    const nameSet = (ids: number[]): Set<string> => new Set(ids.map((i) => allMinerals[i]!));
    const trainNames = nameSet(split.train);
    const valNames = nameSet(split.validation);
    const testNames = nameSet(split.test);
    for (const v of variants) {
      if (v.skip) continue;
      if (opts.signal?.aborted) return results;
      const record = (task: string, method: string, detail: string, s: { top1: number; macroF1: number }, t: { queries: number[]; references?: number[] }, classes: number): void => {
        results.push({ protocol: opts.protocol, variant: v.name, task, method, detail, repeat: rep + 1, top1: s.top1, macroF1: s.macroF1, queries: t.queries.length, classes });
      };
      // Tasks: index sets into the variant.
      let trainIdx: number[];
      let valIdx: number[];
      let valTask: OneShotTask;
      const tasks: Array<{ name: string; task: OneShotTask; classes: number }> = [];
      if (opts.protocol === 'one-shot-unseen') {
        trainIdx = subsetByClasses(v, trainNames);
        valIdx = subsetByClasses(v, valNames);
        const testIdx = subsetByClasses(v, testNames);
        const local = (idx: number[], t: OneShotTask): OneShotTask => ({ references: t.references.map((k) => idx[k]!), queries: t.queries.map((k) => idx[k]!) });
        const testLabels = pick(v.labels, testIdx);
        const testSamples = pick(v.samples, testIdx);
        const testClasses = [...new Set(testLabels)];
        const rng = makeRng(rseed ^ 0x7e57);
        const all = local(testIdx, oneShotTask(testClasses, testLabels, testSamples, rng));
        tasks.push({ name: 'all-test-classes', task: all, classes: all.references.length });
        const n = opts.subsampleClasses ?? 205;
        const sub = shuffled(testClasses, rng).slice(0, n);
        const subTask = local(testIdx, oneShotTask(sub, testLabels, testSamples, rng));
        tasks.push({ name: `subsample-${n}`, task: subTask, classes: subTask.references.length });
        const distinct = local(testIdx, oneShotTask(testClasses, testLabels, testSamples, rng, true));
        tasks.push({ name: 'distinct-sample', task: distinct, classes: distinct.references.length });
        const valLabels = pick(v.labels, valIdx);
        valTask = local(valIdx, oneShotTask([...new Set(valLabels)], valLabels, pick(v.samples, valIdx), makeRng(rseed ^ 0x7a1)));
      } else {
        const rng = makeRng(rseed);
        const held = holdOnePerClass(v.labels, rng);
        // Validation for early stopping and preset choice: two more spectra of each class with ≥ 4 spectra.
        const testSet = new Set(held.test);
        valIdx = [];
        for (const members of indicesByClass(v.labels).values()) {
          const rest = members.filter((i) => !testSet.has(i));
          if (rest.length >= 3) valIdx.push(...shuffled(rest, rng).slice(0, 2));
        }
        const valSet = new Set(valIdx);
        trainIdx = held.train.filter((i) => !valSet.has(i));
        tasks.push({ name: 'trained-classes', task: { references: trainIdx, queries: held.test }, classes: new Set(pick(v.labels, held.test)).size });
        // Preset and α choice on at most 300 validation queries: against every training spectrum it is costly.
        valTask = { references: trainIdx, queries: shuffled(valIdx, rng).slice(0, 300) };
      }
      log(`repeat ${rep + 1}/${repeats}, ${v.name}: ${trainIdx.length} training, ${valIdx.length} validation spectra; tasks ${tasks.map((t) => `${t.name} (${t.task.queries.length} queries, ${t.task.references.length} references)`).join(', ')}`);

      // Classic methods: each on every setting; the reported row is the setting chosen on validation among the
      // default and the presets (what an analyst who picks the best preset gets), plus the default alone.
      for (const method of CLASSIC_NAMES) {
        let best = { setting: 'default', top1: -1 };
        for (const setting of settings) {
          const s = taskScore(valTask, v.labels, classicScore(method, v.classic.get(setting.name)!));
          record('validation', `${method} [${setting.name}]`, `${v.classic.get(setting.name)!.failures} spectra the pipeline could not process`, s, valTask, new Set(pick(v.labels, valTask.references)).size);
          if (setting.selectable && s.top1 > best.top1) best = { setting: setting.name, top1: s.top1 };
        }
        for (const t of tasks) {
          record(t.name, method, `setting ${best.setting} (validation top-1 ${best.top1.toFixed(3)})`, taskScore(t.task, v.labels, classicScore(method, v.classic.get(best.setting)!)), t.task, t.classes);
          for (const setting of settings) {
            record(t.name, `${method} [${setting.name}]`, `hash ${setting.vectorizer.hash.slice(0, 12)}`, taskScore(t.task, v.labels, classicScore(method, v.classic.get(setting.name)!)), t.task, t.classes);
          }
        }
        log(`  ${method}: setting ${best.setting} (validation ${best.top1.toFixed(3)})`);
      }

      // The network, per recipe.
      for (const recipeName of recipes) {
        if (opts.signal?.aborted) return results;
        const recipe = RECIPES[recipeName];
        const train: LabelledInputs = { inputs: pick(v.inputs, trainIdx), labels: pick(v.labels, trainIdx) };
        const val: LabelledInputs = { inputs: pick(v.inputs, valIdx), labels: pick(v.labels, valIdx) };
        const outcome = await trainSiamese(train, val, {
          ...recipeOptions(recipe, axis.points),
          seed: rseed,
          maxEpochs: opts.epochs ?? 60,
          ...(opts.pairsPerEpoch ? { pairsPerEpoch: opts.pairsPerEpoch } : {}),
          workers: opts.workers ?? 1,
          checkpointDir: join(cacheDir(), 'eval-checkpoints', `${opts.protocol}-${v.name}-${recipeName}-${recipeDigest(recipe)}-seed${seed}-rep${rep + 1}-e${opts.epochs ?? 60}-p${opts.pairsPerEpoch ?? 0}`),
          resume: true,
          ...(opts.signal ? { signal: opts.signal } : {}),
          ...(opts.onTrainProgress ? { onProgress: opts.onTrainProgress } : {}),
        });
        if (outcome.stoppedBy === 'cancelled') {
          disposeNetwork(outcome.net);
          return results;
        }
        const emb = embedInputs(outcome.net.encoder, v.inputs, axis.points);
        const head: SiameseHead = headOf(outcome.net);
        disposeNetwork(outcome.net);
        const detail = `${recipeName}: ${outcome.history.length} epochs (best ${outcome.bestEpoch}, ${outcome.stoppedBy}), ${Math.round(outcome.wallSeconds)} s, ${outcome.pairsPerSecond.toFixed(0)} pairs/s on ${outcome.backend}`;
        log(`  siamese-${recipeName}: ${detail}`);
        const rows = (t: OneShotTask): ((q: number) => Float32Array) => {
          const refs = t.references.map((r) => emb[r]!);
          return (q) => headSimilarityMany(head, emb[q]!, refs);
        };
        // Fusion weight α chosen on validation among a few values; the derivative HQI on the default classic vectors,
        // as the product's fused score.
        const deriv = v.classic.get('default')!;
        const dScore = classicScore('hqi-derivative', deriv);
        const fusedRow = (t: OneShotTask, alpha: number): ((q: number) => Float32Array) => {
          const sRow = rows(t);
          return (q) => {
            const s = sRow(q);
            const out = new Float32Array(s.length);
            t.references.forEach((r, k) => (out[k] = alpha * s[k]! + (1 - alpha) * dScore(q, r)));
            return out;
          };
        };
        let bestAlpha = { alpha: 0.5, top1: -1 };
        for (const alpha of [0.25, 0.5, 0.75]) {
          const p = classifyByRows(valTask.queries, valTask.references, v.labels, fusedRow(valTask, alpha));
          const s = scoreClassification(pick(v.labels, valTask.queries), p);
          if (s.top1 > bestAlpha.top1) bestAlpha = { alpha, top1: s.top1 };
        }
        for (const t of tasks) {
          const p = classifyByRows(t.task.queries, t.task.references, v.labels, rows(t.task));
          record(t.name, `siamese-${recipeName}`, detail, scoreClassification(pick(v.labels, t.task.queries), p), t.task, t.classes);
          const pf = classifyByRows(t.task.queries, t.task.references, v.labels, fusedRow(t.task, bestAlpha.alpha));
          record(t.name, `fused-${recipeName}`, `α = ${bestAlpha.alpha} (validation ${bestAlpha.top1.toFixed(3)}) × siamese + (1 − α) × hqi-derivative [default]`, scoreClassification(pick(v.labels, t.task.queries), pf), t.task, t.classes);
        }
      }
    }
    opts.onRepeat?.(results);
  }
  return results;
}

/** Mean ± std over repeats per (variant, task, method). */
export function summarise(results: readonly EvalResult[]): EvalSummaryRow[] {
  const groups = new Map<string, EvalResult[]>();
  for (const r of results) {
    const k = `${r.variant}\u0000${r.task}\u0000${r.method}`;
    const g = groups.get(k);
    if (g) g.push(r);
    else groups.set(k, [r]);
  }
  return [...groups.values()].map((g) => ({
    variant: g[0]!.variant,
    task: g[0]!.task,
    method: g[0]!.method,
    top1: meanStd(g.map((r) => r.top1)),
    macroF1: meanStd(g.map((r) => r.macroF1)),
    repeats: g.length,
    queries: Math.round(g.reduce((s, r) => s + r.queries, 0) / g.length),
    classes: Math.round(g.reduce((s, r) => s + r.classes, 0) / g.length),
    details: [...new Set(g.map((r) => r.detail))],
  }));
}
