import { availableParallelism } from 'node:os';
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { SpecmatchError } from '../../errors.js';
import type { Library } from '../library/Library.js';
import type { TrainJobOptions } from './ModelProvider.js';

/**
 * RRUFF text of one library spectrum: ##NAMES carries the substance (the training loader's class label), ##RRUFFID
 * the spectrum id (its sample). Written only into a private temporary folder that training reads and that is
 * deleted afterwards.
 */
function rruffText(name: string, spectrumId: number, x: Float64Array, y: Float64Array): string {
  const lines = [`##NAMES=${name.replace(/[\r\n]+/g, ' ')}`, `##RRUFFID=S${spectrumId}`];
  for (let i = 0; i < x.length; i++) lines.push(`${x[i]}, ${y[i]}`);
  lines.push('##END=');
  return lines.join('\n') + '\n';
}

/**
 * Train a new Siamese model on a library's references with the engine's `trainModel` (the code of `specmatch train`):
 * the references are written as RRUFF text into a private temporary folder (the training loader reads files), the
 * model goes to `userModelsDir/<id>/`. Runs in the training worker (trainWorker.ts) or in-process.
 */
export async function trainOnLibrary(
  library: Library,
  userModelsDir: string,
  o: TrainJobOptions,
  log?: (line: string) => void,
): Promise<{ modelId: string; summary: string }> {
  const { trainModel } = await import('../engine/trainModel.js');
  const data = await mkdtemp(join(tmpdir(), 'specmatch-train-'));
  try {
    // The training loader reads spectrum files; give it the library's references as RRUFF text, one per spectrum.
    const page = library.listSubstances({ limit: 100_000 });
    let written = 0;
    o.onProgress(0, page.items.length, 'collecting spectra');
    for (const s of page.items) {
      if (o.signal.aborted) throw new SpecmatchError('E_CANCELLED', 'training cancelled');
      for (const sp of library.getSubstance(s.id).spectraList) {
        const spec = library.getSpectrum(sp.id);
        await writeFile(join(data, `${sp.id}.txt`), rruffText(s.name, sp.id, spec.x, spec.y));
        written++;
      }
    }
    const id = `library-${new Date().toISOString().replace(/[-:]/g, '').replace(/\..*/, '').replace('T', '-')}`;
    const outDir = join(userModelsDir, id);
    await mkdir(userModelsDir, { recursive: true });
    o.onProgress(0, o.epochs, `training on ${written} spectra`);
    const result = await trainModel({
      data: [data],
      outDir,
      id,
      epochs: o.epochs,
      // Every core: a step's groups are computed in parallel (the model does not depend on the count).
      workers: availableParallelism(),
      signal: o.signal,
      ...(log ? { log } : {}),
      onProgress: (p) => {
        o.onProgress(
          p.phase === 'epoch' ? p.epoch : p.epoch - 1 + p.step / Math.max(1, p.steps),
          p.maxEpochs,
          `epoch ${p.epoch}/${p.maxEpochs}${p.phase === 'step' ? `, step ${p.step}/${p.steps}` : ''}`,
        );
        if (p.phase === 'epoch') {
          o.onEpoch({
            epoch: p.epoch,
            loss: p.loss,
            ...(p.valLoss === undefined ? {} : { valLoss: p.valLoss }),
            ...(p.valAccuracy === undefined ? {} : { valAccuracy: p.valAccuracy }),
          });
        }
      },
    });
    const top1 = result.manifest.metrics['validationOneShotTop1'];
    return {
      modelId: id,
      summary: `model ${id} trained (${result.outcome.history.length} epochs${typeof top1 === 'number' ? `, validation one-shot top-1 ${(top1 * 100).toFixed(1)} %` : ''}); switch to it to use it`,
    };
  } finally {
    await rm(data, { recursive: true, force: true });
  }
}
