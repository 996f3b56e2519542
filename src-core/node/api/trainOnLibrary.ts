import { availableParallelism } from 'node:os';
import { mkdir } from 'node:fs/promises';
import { join } from 'node:path';
import { SpecmatchError } from '../../errors.js';
import type { ReadSpectra } from '../engine/dataset.js';
import type { Library } from '../library/Library.js';
import type { TrainJobOptions } from './ModelProvider.js';

/**
 * A library's references as labelled training spectra, read through the library's iterator (as matching sees them:
 * calibrated where they were imported through a calibration): the class is the substance's name, the sample the
 * spectrum's id (each reference is its own sample). Nothing is written to disk.
 */
export function librarySpectra(library: Library, signal?: AbortSignal): ReadSpectra {
  const out: ReadSpectra = { sources: [library.path], variant: 'library', spectra: [], minerals: [], samples: [], files: [], skipped: [] };
  for (const r of library.references()) {
    if (signal?.aborted) throw new SpecmatchError('E_CANCELLED', 'training cancelled');
    const file = `${library.path}#${r.id}`;
    if (r.spectrum.x.length < 2) {
      out.skipped.push({ file, reason: `${file}: no spectrum` });
      continue;
    }
    out.spectra.push(r.spectrum);
    out.minerals.push(r.name.replace(/[\r\n]+/g, ' ').trim());
    out.samples.push(`S${r.id}`);
    out.files.push(file);
  }
  return out;
}

/**
 * Train a new Siamese model on a library's references with the engine's `trainModel` (the code of `specmatch train`):
 * the references are read from the library (librarySpectra), the model goes to `userModelsDir/<id>/`. Runs in the
 * training worker (trainWorker.ts) or in-process.
 */
export async function trainOnLibrary(
  library: Library,
  userModelsDir: string,
  o: TrainJobOptions,
  log?: (line: string) => void,
): Promise<{ modelId: string; summary: string }> {
  const { trainModel } = await import('../engine/trainModel.js');
  o.onProgress(0, 1, 'collecting spectra');
  const spectra = librarySpectra(library, o.signal);
  const id = `library-${new Date().toISOString().replace(/[-:]/g, '').replace(/\..*/, '').replace('T', '-')}`;
  const outDir = join(userModelsDir, id);
  await mkdir(userModelsDir, { recursive: true });
  o.onProgress(0, o.epochs, `training on ${spectra.spectra.length} spectra`);
  const result = await trainModel({
    data: [],
    spectra,
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
}
