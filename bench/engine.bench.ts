/**
 * Siamese engine speed per backend available here (wasm with the registered kernels, and cpu for inference only):
 *   - embed: spectra per second through the encoder (inference, batches of 64);
 *   - train: spectra per second of the real training loop (recipes improved and two-channel, 1 and 2 threads);
 *   - search: similarityMany of one query against 100,000 stored embeddings (plain typed-array maths).
 *
 *   npm run bench -- engine
 *
 * Inputs are synthetic (random bands, seeded), so the numbers do not depend on the data at hand. On a machine that
 * others share, run it twice and read the better numbers.
 */
import * as tf from '@tensorflow/tfjs';
import { embeddingSizeOf, type ArchitectureSpec } from '../src-core/engine/architecture.js';
import { makeRng, randomNormal } from '../src-core/engine/random.js';
import { RECIPES } from '../src-core/engine/recipes.js';
import { headSimilarityMany } from '../src-core/engine/siameseHead.js';
import { chooseBackend, type BackendName } from '../src-core/node/engine/backend.js';
import { buildNetwork, disposeNetwork, embedInputs } from '../src-core/node/engine/siameseNetwork.js';
import { recipeOptions, trainSiamese } from '../src-core/node/engine/trainSiamese.js';

const SPEC = RECIPES.improved.spec;
const POINTS = SPEC.inputPoints;

function syntheticInputs(n: number, classes: number, seed: number): { inputs: Float32Array[]; labels: number[] } {
  const rng = makeRng(seed);
  const centres = Array.from({ length: classes }, () => Array.from({ length: 4 }, () => rng() * POINTS));
  const inputs: Float32Array[] = [];
  const labels: number[] = [];
  for (let i = 0; i < n; i++) {
    const c = i % classes;
    const v = new Float32Array(POINTS);
    for (let t = 0; t < POINTS; t++) {
      let y = 0.05 * randomNormal(rng);
      for (const m of centres[c]!) y += Math.exp(-(((t - m) / 3) ** 2));
      v[t] = y;
    }
    inputs.push(v);
    labels.push(c);
  }
  return { inputs, labels };
}

/** Embedding speed of a freshly built network of `spec` (inference cost does not depend on the weights). */
async function embedSpeed(backend: BackendName, label: string, spec: ArchitectureSpec = SPEC): Promise<void> {
  await chooseBackend({ force: backend, log: () => undefined });
  const net = buildNetwork(spec, 1);
  const { inputs } = syntheticInputs(256, 16, 2);
  embedInputs(net.encoder, inputs.slice(0, 64), POINTS);
  const t0 = performance.now();
  embedInputs(net.encoder, inputs, POINTS);
  const s = (performance.now() - t0) / 1000;
  console.log(`embed  ${backend.padEnd(5)} ${label.padEnd(36)} ${(inputs.length / s).toFixed(0)} spectra/s`);
  disposeNetwork(net);
}

/**
 * Training throughput of the real training loop on wasm: recipe `improved` (the model of siamese-rruff-v3) as it
 * trained before (one batch per step, one thread), then with two groups per step on 1 and 2 threads (the
 * data-parallel path), and recipe `two-channel`. Spectra/s counts every spectrum a step embeds.
 */
async function trainSpeed(): Promise<void> {
  await chooseBackend({ force: 'wasm', log: () => undefined });
  const train = syntheticInputs(800, 80, 3);
  const val = syntheticInputs(60, 6, 4);
  const configs: Array<{ label: string; recipe: 'improved' | 'two-channel'; groups: number; workers: number }> = [
    { label: 'improved, 1 group/step, 1 thread ', recipe: 'improved', groups: 1, workers: 1 },
    { label: 'improved, 2 groups/step, 1 thread', recipe: 'improved', groups: 2, workers: 1 },
    { label: 'improved, 2 groups/step, 2 threads', recipe: 'improved', groups: 2, workers: 2 },
    { label: 'two-channel (2 groups), 2 threads', recipe: 'two-channel', groups: 2, workers: 2 },
  ];
  for (const c of configs) {
    const out = await trainSiamese(train, val, {
      ...recipeOptions(RECIPES[c.recipe], POINTS),
      maxEpochs: 1,
      pairsPerEpoch: 1280,
      seed: 5,
      groupsPerStep: c.groups,
      workers: c.workers,
    });
    const h = out.history[0]!;
    console.log(
      `train  wasm  ${c.label}: ${out.spectraPerSecond.toFixed(0)} spectra/s, ${h.pairsPerSecond.toFixed(0)} pairs/s (1 epoch of 2,560 pairs, ${h.seconds.toFixed(1)} s)`,
    );
    disposeNetwork(out.net);
  }
}

function searchSpeed(): void {
  const size = embeddingSizeOf(SPEC);
  const rng = makeRng(6);
  const refs = Array.from({ length: 100_000 }, () => Float32Array.from({ length: size }, () => randomNormal(rng)));
  const head = { w: Float32Array.from({ length: size }, () => -Math.abs(randomNormal(rng)) / size), b: 1 };
  headSimilarityMany(head, refs[0]!, refs);
  const times: number[] = [];
  for (let i = 0; i < 5; i++) {
    const t0 = performance.now();
    headSimilarityMany(head, refs[i + 1]!, refs);
    times.push(performance.now() - t0);
  }
  times.sort((a, b) => a - b);
  console.log(`search similarityMany: 100,000 references × ${size} in ${times[2]!.toFixed(1)} ms (median of 5; best ${times[0]!.toFixed(1)} ms)`);
}

export async function run(): Promise<void> {
  console.log(`tfjs ${tf.version.tfjs}`);
  await embedSpeed('wasm', 'improved (v3)');
  await embedSpeed('wasm', 'two-channel (v4–v6)', RECIPES['two-channel'].spec);
  await embedSpeed('wasm', 'two-channel, ensemble of 2 (towers)', { ...RECIPES['two-channel'].spec, towers: 2 });
  await embedSpeed('cpu', 'improved (v3)');
  await trainSpeed();
  searchSpeed();
}
