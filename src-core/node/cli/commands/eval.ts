import { availableParallelism } from 'node:os';
import { parseArgs } from 'node:util';
import { SpecmatchError } from '../../../errors.js';
import { isRecipeName, RECIPE_NAMES, type RecipeName } from '../../../engine/recipes.js';
import { BACKEND_NAMES, type BackendName } from '../../engine/backend.js';
import type { EvalResult, EvalSummaryRow } from '../../engine/evaluate.js';
import type { CliCommand } from '../CliCommand.js';
import { jsonLine } from '../output.js';

function positiveInt(name: string, v: string | undefined): number | undefined {
  if (v === undefined) return undefined;
  const n = Number(v);
  if (!Number.isInteger(n) || n < 1) throw new SpecmatchError('E_USAGE', `--${name} must be a positive integer, got '${v}'`);
  return n;
}

const pct = (m: { mean: number; std: number }, repeats: number): string => (repeats > 1 ? `${m.mean.toFixed(3)} ± ${m.std.toFixed(3)}` : m.mean.toFixed(3));

/** Markdown table of the summary, one block per (variant, task), best top-1 first. */
export function summaryTable(rows: readonly EvalSummaryRow[]): string {
  const out: string[] = [];
  const keys = [...new Set(rows.map((r) => `${r.variant}\u0000${r.task}`))];
  for (const key of keys) {
    const [variant, task] = key.split('\u0000') as [string, string];
    const block = rows.filter((r) => r.variant === variant && r.task === task).sort((a, b) => b.top1.mean - a.top1.mean);
    const first = block[0]!;
    out.push(`### ${variant}, ${task} (${first.classes} classes, ${first.queries} queries, ${first.repeats} repeat${first.repeats === 1 ? '' : 's'})`, '');
    out.push('| method | top-1 | macro F1 | setting chosen on validation |', '|---|---|---|---|');
    for (const r of block) out.push(`| ${r.method} | ${pct(r.top1, r.repeats)} | ${pct(r.macroF1, r.repeats)} | ${r.details.join('; ')} |`);
    out.push('');
  }
  return out.join('\n');
}

export const command: CliCommand = {
  summary: 'evaluate the Siamese model and classic methods on a protocol',
  usage: `specmatch eval --data PATH… --protocol one-shot-unseen|trained-classes [--repeats R] [--json] [options]

Each --data PATH (RRUFF .tar.xz archive or folder) is one variant, e.g. RAW and Processed; the class splits are
made on mineral names, so the variants share them. Per repeat and variant: the Siamese network is trained on the
training classes (early stopping on validation classes), the classic methods (euclidean, cosine, hqi-correlation,
hqi-derivative) on the product's classic vectors are scored with the default classic pipeline ('METHOD [default]')
and with the setting (default or a preset before it) that won on the validation classes ('METHOD'), side by side.
  one-shot-unseen   50 / 10 / 40 % class split; one random reference per test class; every other test spectrum
                    is a query. Also on a 205-class subsample and with query and reference from different samples.
  trained-classes   one random spectrum per class held out as the test set, the rest trains (references = all
                    training spectra).
  --repeats R          new splits per repeat (default 1)
  --recipe NAME        paper | improved | both (default both)
  --epochs N           maximum epochs per training (default 60)
  --pairs-per-epoch N  positive pairs per epoch (default S_m)
  --classic-only       skip the network
  --classic-candidates also score the candidate default classic pipelines (how the default was chosen)
  --variant NAME       evaluate only this variant (RAW, Processed; repeatable); the splits stay those of all --data
  --seed N             (default 1)
  --backend NAME       ${BACKEND_NAMES.join(' | ')}
  --workers N          threads per training (default: every core, ${availableParallelism()} here; results do not depend on it)
  --json               one JSON line per result, then {"summary": [...]}
Trainings checkpoint under the cache folder and resume when the same command is run again.`,
  async run(argv, io) {
    let parsed;
    try {
      parsed = parseArgs({
        args: argv,
        allowPositionals: false,
        options: {
          data: { type: 'string', multiple: true },
          protocol: { type: 'string' },
          repeats: { type: 'string' },
          recipe: { type: 'string' },
          epochs: { type: 'string' },
          'pairs-per-epoch': { type: 'string' },
          'classic-only': { type: 'boolean' },
          'classic-candidates': { type: 'boolean' },
          variant: { type: 'string', multiple: true },
          seed: { type: 'string' },
          backend: { type: 'string' },
          workers: { type: 'string' },
          json: { type: 'boolean' },
        },
      });
    } catch (err) {
      throw new SpecmatchError('E_USAGE', (err as Error).message);
    }
    const v = parsed.values;
    if (!v.data?.length) throw new SpecmatchError('E_USAGE', 'eval needs at least one --data PATH');
    const protocol = v.protocol;
    if (protocol !== 'one-shot-unseen' && protocol !== 'trained-classes') throw new SpecmatchError('E_USAGE', `--protocol must be one-shot-unseen or trained-classes, got '${protocol ?? ''}'`);
    const recipeArg = v.recipe ?? 'both';
    let recipes: RecipeName[];
    if (recipeArg === 'both') recipes = ['improved', 'paper'];
    else if (isRecipeName(recipeArg)) recipes = [recipeArg];
    else throw new SpecmatchError('E_USAGE', `--recipe must be one of ${RECIPE_NAMES.join(', ')} or both (improved and paper), got '${recipeArg}'`);
    if (v.backend !== undefined && !(BACKEND_NAMES as readonly string[]).includes(v.backend)) {
      throw new SpecmatchError('E_USAGE', `--backend must be one of ${BACKEND_NAMES.join(', ')}, got '${v.backend}'`);
    }
    const repeats = positiveInt('repeats', v.repeats) ?? 1;
    const epochs = positiveInt('epochs', v.epochs);
    const pairsPerEpoch = positiveInt('pairs-per-epoch', v['pairs-per-epoch']);
    const seed = positiveInt('seed', v.seed);
    const json = v.json === true;
    const { evaluate, summarise } = await import('../../engine/evaluate.js');
    const t0 = Date.now();
    let lastLine = 0;
    const results: EvalResult[] = await evaluate({
      data: v.data,
      protocol: protocol,
      repeats,
      recipes,
      classicOnly: v['classic-only'] === true,
      classicCandidates: v['classic-candidates'] === true,
      ...(v.variant?.length ? { onlyVariants: v.variant } : {}),
      ...(epochs ? { epochs } : {}),
      ...(pairsPerEpoch ? { pairsPerEpoch } : {}),
      ...(seed ? { seed } : {}),
      ...(v.backend ? { backend: v.backend as BackendName } : {}),
      workers: positiveInt('workers', v.workers) ?? availableParallelism(),
      signal: io.signal,
      log: (l) => io.err(l),
      onTrainProgress: (p) => {
        if (p.phase === 'epoch') {
          io.err(`    epoch ${p.epoch}  loss ${p.loss.toFixed(4)}  val loss ${p.valLoss?.toFixed(4)}  val acc ${p.valAccuracy?.toFixed(3)}  val one-shot ${p.valOneShot?.toFixed(3)}  ${p.pairsPerSecond.toFixed(0)} pairs/s`);
        } else if (Date.now() - lastLine > 60_000) {
          lastLine = Date.now();
          io.err(`    epoch ${p.epoch} step ${p.step}/${p.steps}  loss ${p.loss.toFixed(4)}  ${p.pairsPerSecond.toFixed(0)} pairs/s`);
        }
      },
      onRepeat: (rs) => io.err(`after repeat ${Math.max(...rs.map((r) => r.repeat))}:\n${summaryTable(summarise(rs))}`),
    });
    if (io.signal.aborted) io.err('interrupted: results of the finished repeats and variants follow; run the same command again to resume the trainings');
    const summary = summarise(results);
    if (json) {
      for (const r of results) io.out(jsonLine(r));
      io.out(jsonLine({ summary, wallSeconds: Math.round((Date.now() - t0) / 1000) }));
    } else {
      io.out(summaryTable(summary));
      io.out(`wall time ${Math.round((Date.now() - t0) / 1000)} s`);
    }
    return 0;
  },
};
