/**
 * Reproduces the shipped default model from ../shared/data in one command (hours on wasm). Resumable: run it again
 * after an interruption and each member continues from its checkpoint; a finished member is not trained again.
 *
 *   npx tsx scripts/train-shipped.ts [--shared ../shared/data] [--out models/shipped] [--workers N]
 *
 * Two members of recipe two-channel on every RRUFF RAW and Processed quality, one class split (seed 1) and two
 * initialisations (init seeds 1 and 2); then their ensemble (`specmatch ensemble`), calibrated on the minerals both
 * held out. Member 1 is the run shipped as siamese-rruff-v5 (trained as v4, interrupted and continued with --resume:
 * the trainer's result depends neither on interruptions nor on the number of workers; early stopping at epoch 36,
 * best 30), member 2 the run of siamese-rruff-v6 (its 40-epoch cap, best 37; checkpoint in training/). The shipped
 * manifest's recommendation (metrics.recommendedMethod 'fused', with its evidence) was added after the evaluation
 * with `scripts/calibrate-fused.ts --alpha 0.7 --recommend fused --because …` (docs/results/engine.md).
 */
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { availableParallelism } from 'node:os';
import { buildEnsemble } from '../src-core/node/engine/ensemble.js';
import { readManifest } from '../src-core/node/engine/modelStore.js';
import { trainModel } from '../src-core/node/engine/trainModel.js';

const { values } = parseArgs({ options: { shared: { type: 'string' }, out: { type: 'string' }, workers: { type: 'string' } } });
const shared = values.shared ?? '../shared/data';
const out = values.out ?? 'models/shipped';
const workers = Number(values.workers ?? availableParallelism());
const data = [
  'raw/excellent_unoriented__Raman_Data_RAW.tar.xz',
  'raw/fair_unoriented__Raman_Data_RAW.tar.xz',
  'raw/poor_unoriented__Raman_Data_RAW.tar.xz',
  'processed/excellent_unoriented__Raman_Data_Processed.tar.xz',
  'processed/fair_unoriented__Raman_Data_Processed.tar.xz',
  'processed/poor_unoriented__Raman_Data_Processed.tar.xz',
].map((f) => join(shared, 'rruff', f));

/** The members as they were run: same split, other initial weights; maximum epochs as given to `specmatch train`. */
const MEMBERS = [
  { id: 'siamese-rruff-v5', initSeed: 1, epochs: 60 },
  { id: 'siamese-rruff-v6', initSeed: 2, epochs: 40 },
];

const finished = (dir: string): boolean => existsSync(join(dir, 'manifest.json')) && readManifest(dir).training['stoppedBy'] !== 'cancelled';
const ac = new AbortController();
process.on('SIGINT', () => ac.abort());

for (const m of MEMBERS) {
  const dir = join(out, m.id);
  if (finished(dir)) {
    console.error(`${dir}: trained (${String(readManifest(dir).training['stoppedBy'])})`);
    continue;
  }
  const r = await trainModel({
    data,
    outDir: dir,
    id: m.id,
    recipe: 'two-channel',
    epochs: m.epochs,
    pairsPerEpoch: 20000,
    seed: 1,
    initSeed: m.initSeed,
    resume: true,
    workers,
    signal: ac.signal,
    log: (l) => console.error(l),
  });
  if (r.outcome.stoppedBy === 'cancelled') process.exit(130);
}
await buildEnsemble({ members: MEMBERS.map((m) => join(out, m.id)), data, outDir: join(out, 'siamese-rruff-ens-v5v6'), log: (l) => console.error(l) });
