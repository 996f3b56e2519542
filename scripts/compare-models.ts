/**
 * Head-to-head of trained models on minerals none of them trained on: the test minerals are the held-out
 * (validation) minerals of `--test-model`, minus every mineral any compared model trained on (each model's split is
 * re-made from its manifest's data and seed, as trainModel made it). For each model: one-shot top-1 of the Siamese
 * score alone and of its fused score (its own α), beside the classic methods (derivative HQI, correlation HQI, cosine)
 * on the library's default classic vectors; one random
 * reference per mineral, every other spectrum of the mineral a query, averaged over `--draws` reference draws.
 *
 *   npx tsx scripts/compare-models.ts --shared ../shared/data --test-model DIR --model DIR [--model DIR …] [--draws 5]
 *     [--variant RAW|Processed]
 *
 * `--variant` keeps only the test spectra of that RRUFF variant (references and queries alike, as in a library of
 * RAW spectra queried with RAW spectra); by default both variants are mixed (a mineral's RAW and Processed spectra
 * are one class).
 *
 * The test model's held-out minerals also chose its kept epoch (early stopping) and its fusion α, so its numbers are
 * optimistic by that selection; the other models never saw them.
 */
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { makeRng, randomInt } from '../src-core/engine/random.js';
import { indicesByClass } from '../src-core/engine/protocols.js';
import { cosineSimilarity, hqiCorrelation, hqiDerivative } from '../src-core/matching/similarity.js';
import { loadLabelledSet, type LabelledSet } from '../src-core/node/engine/dataset.js';
import { loadModel } from '../src-core/node/engine/loadModel.js';
import { readManifest } from '../src-core/node/engine/modelStore.js';
import { splitForTraining } from '../src-core/node/engine/trainModel.js';

const { values } = parseArgs({ options: { shared: { type: 'string' }, 'test-model': { type: 'string' }, model: { type: 'string', multiple: true }, draws: { type: 'string' }, variant: { type: 'string' } } });
const shared = values.shared ?? '../shared/data';
const testDir = values['test-model'];
const modelDirs = values.model ?? [];
if (!testDir || modelDirs.length === 0) throw new Error('usage: --test-model DIR --model DIR [--model DIR …] [--shared ../shared/data] [--draws 5]');
const draws = Number(values.draws ?? 5);
const variant = values.variant;
if (variant !== undefined && variant !== 'RAW' && variant !== 'Processed') throw new Error('--variant takes RAW or Processed');
const ofVariant = (file: string): boolean => variant === undefined || file.includes(`Raman_Data_${variant}`);

const sets = new Map<string, LabelledSet>();
async function setOf(dir: string): Promise<{ set: LabelledSet; seed: number }> {
  const m = readManifest(dir);
  const data = (m.training['data'] as string[]).map((d) => join(shared, d));
  const key = data.join('|');
  if (!sets.has(key)) sets.set(key, await loadLabelledSet(data, { axis: m.axis, classic: true }));
  return { set: sets.get(key)!, seed: typeof m.training['seed'] === 'number' ? m.training['seed'] : 1 };
}

const test = await setOf(testDir);
const testSplit = splitForTraining(test.set, test.seed);
const valNames = new Set(testSplit.val.labels.map((l) => test.set.classNames[l]!));
const trained = new Set<string>();
for (const dir of new Set([testDir, ...modelDirs])) {
  const { set, seed } = await setOf(dir);
  for (const l of splitForTraining(set, seed).train.labels) trained.add(set.classNames[l]!);
}
const keep = [...valNames].filter((n) => !trained.has(n));
const idx = testSplit.val.labels.flatMap((l, i) => (keep.includes(test.set.classNames[l]!) && ofVariant(testSplit.val.files[i]!) ? [i] : []));
const inputs = idx.map((i) => testSplit.val.inputs[i]!);
const classic = idx.map((i) => testSplit.val.classic[i]!);
const labels = idx.map((i) => testSplit.val.labels[i]!);
console.log(`test: ${new Set(idx.map((i) => testSplit.val.labels[i])).size} minerals (${idx.length} ${variant ?? 'RAW and Processed'} spectra) held out by ${testDir} and trained on by none of the models`);

function oneShot(score: (q: number, r: number) => number): number {
  let sum = 0;
  for (let d = 0; d < draws; d++) {
    const rng = makeRng(1000 + d);
    const refs = [...indicesByClass(labels).values()].map((m) => m[randomInt(rng, m.length)]!);
    const refSet = new Set(refs);
    let hits = 0;
    let n = 0;
    labels.forEach((label, q) => {
      if (refSet.has(q)) return;
      let best = -Infinity;
      let bestLabel = -1;
      for (const r of refs) {
        const s = score(q, r);
        if (s > best) {
          best = s;
          bestLabel = labels[r]!;
        }
      }
      n++;
      if (bestLabel === label) hits++;
    });
    sum += hits / Math.max(1, n);
  }
  return sum / draws;
}

const derivative = (q: number, r: number): number => hqiDerivative(classic[q]!, classic[r]!);
console.log(`derivative HQI: ${oneShot(derivative).toFixed(3)}`);
console.log(`correlation HQI: ${oneShot((q, r) => hqiCorrelation(classic[q]!, classic[r]!)).toFixed(3)}`);
console.log(`cosine: ${oneShot((q, r) => cosineSimilarity(classic[q]!, classic[r]!)).toFixed(3)}`);
for (const dir of modelDirs) {
  const model = await loadModel(dir, { force: 'wasm', log: () => undefined });
  const emb = (model as unknown as { embedInputs(v: readonly Float32Array[]): Float32Array[] }).embedInputs(inputs);
  const alpha = typeof model.manifest.metrics['fusionAlpha'] === 'number' ? model.manifest.metrics['fusionAlpha'] : 0.5;
  const siamese = (q: number, r: number): number => model.similarity(emb[q]!, emb[r]!);
  console.log(`${model.manifest.id}: siamese ${oneShot(siamese).toFixed(3)}, fused (α = ${alpha}) ${oneShot((q, r) => alpha * siamese(q, r) + (1 - alpha) * derivative(q, r)).toFixed(3)}`);
  model.dispose();
}
