import { availableParallelism } from 'node:os';
import { parseArgs } from 'node:util';
import { SpecmatchError } from '../../../errors.js';
import { DEFAULT_RECIPE, isRecipeName, RECIPE_NAMES } from '../../../engine/recipes.js';
import { BACKEND_NAMES, type BackendName } from '../../engine/backend.js';
import type { TrainProgress } from '../../engine/trainSiamese.js';
import type { CliCommand } from '../CliCommand.js';
import { jsonLine } from '../output.js';

function positiveInt(name: string, v: string | undefined): number | undefined {
  if (v === undefined) return undefined;
  const n = Number(v);
  if (!Number.isInteger(n) || n < 1) throw new SpecmatchError('E_USAGE', `--${name} must be a positive integer, got '${v}'`);
  return n;
}

function duration(s: number): string {
  if (!Number.isFinite(s)) return '?';
  const m = Math.floor(s / 60);
  return m >= 60 ? `${Math.floor(m / 60)} h ${m % 60} min` : m > 0 ? `${m} min ${Math.round(s % 60)} s` : `${Math.round(s)} s`;
}

export const command: CliCommand = {
  summary: 'train the Siamese similarity model',
  usage: `specmatch train --data PATH… --out DIR [--epochs N] [--resume] [options]

Trains the Siamese network on labelled spectra (class = mineral name of each RRUFF file) and writes a model
folder to DIR (model.json, weights.bin, head.json, manifest.json) plus DIR/checkpoint for --resume.
  --data PATH       RRUFF .tar.xz archive, folder of RRUFF .txt files, or file (repeatable; RAW and Processed may be mixed)
  --out DIR         output folder
  --epochs N        maximum epochs (default 60; early stopping on validation pairs usually ends sooner)
  --resume          continue from DIR/checkpoint after an interruption
  --recipe NAME     ${RECIPE_NAMES.join(' | ')} (default ${DEFAULT_RECIPE}; see docs/notes/engine.md)
  --pairs-per-epoch N  positive pairs per epoch (default: every distinct positive pair of the training classes)
  --seed N          class split seed, and sampling seed unless --init-seed is given (default 1)
  --init-seed N     seed of the initial weights and the pair sampling only: same --seed, other --init-seed gives
                    a network that holds out the same classes (an ensemble member, see 'specmatch ensemble')
  --id ID           model id in the manifest (default: DIR's name)
  --backend NAME    ${BACKEND_NAMES.join(' | ')} (default automatic; env SPECMATCH_BACKEND)
  --workers N       threads computing each step's groups in parallel (default: every core, ${availableParallelism()} here;
                    at most the recipe's groups per step are used; the trained model does not depend on N)
  --json            one JSON line per epoch and a final summary line on stdout
Progress goes to stderr. Ctrl-C stops after the current step; the last finished epoch stays in DIR/checkpoint.`,
  async run(argv, io) {
    let parsed;
    try {
      parsed = parseArgs({
        args: argv,
        allowPositionals: false,
        options: {
          data: { type: 'string', multiple: true },
          out: { type: 'string' },
          epochs: { type: 'string' },
          resume: { type: 'boolean' },
          recipe: { type: 'string' },
          'pairs-per-epoch': { type: 'string' },
          seed: { type: 'string' },
          'init-seed': { type: 'string' },
          id: { type: 'string' },
          backend: { type: 'string' },
          workers: { type: 'string' },
          json: { type: 'boolean' },
        },
      });
    } catch (err) {
      throw new SpecmatchError('E_USAGE', (err as Error).message);
    }
    const v = parsed.values;
    if (!v.data?.length) throw new SpecmatchError('E_USAGE', 'train needs at least one --data PATH');
    if (!v.out) throw new SpecmatchError('E_USAGE', 'train needs --out DIR');
    const recipe = v.recipe ?? DEFAULT_RECIPE;
    if (!isRecipeName(recipe)) throw new SpecmatchError('E_USAGE', `--recipe must be one of ${RECIPE_NAMES.join(', ')}, got '${recipe}'`);
    if (v.backend !== undefined && !(BACKEND_NAMES as readonly string[]).includes(v.backend)) {
      throw new SpecmatchError('E_USAGE', `--backend must be one of ${BACKEND_NAMES.join(', ')}, got '${v.backend}'`);
    }
    const epochs = positiveInt('epochs', v.epochs);
    const pairsPerEpoch = positiveInt('pairs-per-epoch', v['pairs-per-epoch']);
    const seed = positiveInt('seed', v.seed);
    const initSeed = positiveInt('init-seed', v['init-seed']);
    const workers = positiveInt('workers', v.workers) ?? availableParallelism();
    const json = v.json === true;
    const { trainModel, hasCheckpoint } = await import('../../engine/trainModel.js');
    if (v.resume && !hasCheckpoint(v.out)) io.err(`note: ${v.out} holds no checkpoint yet; starting from scratch`);
    let lastDraw = 0;
    const onProgress = (p: TrainProgress): void => {
      if (p.phase === 'epoch') {
        const line = `epoch ${p.epoch}/${p.maxEpochs}  loss ${p.loss.toFixed(4)}  val loss ${p.valLoss?.toFixed(4)}  val acc ${p.valAccuracy?.toFixed(3)}  val one-shot ${p.valOneShot?.toFixed(3)}  ${p.pairsPerSecond.toFixed(0)} pairs/s  lr ${p.learningRate.toExponential(1)}  ETA ≤ ${duration(p.etaSeconds)}`;
        io.err(io.errIsTTY ? `\r\x1b[K${line}` : line);
        if (json) io.out(jsonLine({ event: 'epoch', ...p }));
        return;
      }
      const now = Date.now();
      if (now - lastDraw < (io.errIsTTY ? 500 : 30_000)) return;
      lastDraw = now;
      const line = `epoch ${p.epoch} step ${p.step}/${p.steps}  loss ${p.loss.toFixed(4)}  ${p.pairsPerSecond.toFixed(0)} pairs/s  ETA ≤ ${duration(p.etaSeconds)}`;
      if (io.errIsTTY) process.stderr.write(`\r\x1b[K${line}`);
      else io.err(line);
    };
    const result = await trainModel({
      data: v.data,
      outDir: v.out,
      recipe,
      resume: v.resume === true,
      ...(epochs ? { epochs } : {}),
      ...(pairsPerEpoch ? { pairsPerEpoch } : {}),
      ...(seed ? { seed } : {}),
      ...(initSeed ? { initSeed } : {}),
      ...(v.id ? { id: v.id } : {}),
      ...(v.backend ? { backend: v.backend as BackendName } : {}),
      workers,
      signal: io.signal,
      onProgress,
      log: (l) => io.err(l),
    });
    const o = result.outcome;
    if (o.stoppedBy === 'cancelled') io.err(`interrupted: the model of the best finished epoch (${o.bestEpoch}) was written; continue with --resume`);
    if (json) io.out(jsonLine({ event: 'done', dir: result.dir, manifest: { ...result.manifest, training: { ...result.manifest.training, history: undefined } } }));
    else io.out(`${result.dir}: ${result.manifest.id}, ${o.history.length} epochs (best ${o.bestEpoch}, ${o.stoppedBy}), validation one-shot top-1 ${(result.manifest.metrics['validationOneShotTop1'] as number).toFixed(3)}, ${Math.round(o.wallSeconds)} s on ${o.backend}`);
    return 0;
  },
};
