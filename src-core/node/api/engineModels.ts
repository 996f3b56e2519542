import { existsSync, readdirSync } from 'node:fs';
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { EmbeddingModel } from '../../engine/EmbeddingModel.js';
import { SpecmatchError, toSpecmatchError } from '../../errors.js';
import type { ModelSummary } from '../../ipc/contract.js';
import type { Library } from '../library/Library.js';
import { defaultModelDir, listShippedModels, loadModel, modelsDir } from '../engine/loadModel.js';
import type { ModelProvider, TrainJobOptions } from './ModelProvider.js';

/** User-trained models live in `<userModelsDir>/<id>/`, beside (never inside) the shipped resources/models. */
export interface EngineModelsOptions {
  userModelsDir: string;
  log?: (line: string) => void;
}

function hasManifest(dir: string): boolean {
  return existsSync(join(dir, 'manifest.json'));
}

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
 * Models over the engine (src-core/node/engine): the shipped default at start, switching to any shipped or
 * user-trained model, and training on the open library through the engine's `trainModel` (the same code as
 * `specmatch train`).
 */
export class EngineModels implements ModelProvider {
  private model: EmbeddingModel | null = null;
  private reason: string | undefined;

  private constructor(private readonly opts: EngineModelsOptions) {}

  /** Loads the default model (none installed: the classic methods are used and the reason is kept). */
  static async create(opts: EngineModelsOptions): Promise<EngineModels> {
    const m = new EngineModels(opts);
    const dir = defaultModelDir();
    if (!hasManifest(dir)) {
      m.reason = `no model is installed (${dir} holds no manifest.json): matching uses the classic methods; train one here or with specmatch train`;
      return m;
    }
    try {
      m.model = await loadModel(dir);
    } catch (err) {
      m.reason = `the default model could not be loaded: ${toSpecmatchError(err).message}`;
      opts.log?.(`model: ${m.reason}`);
    }
    return m;
  }

  current(): EmbeddingModel | null {
    return this.model;
  }

  unavailableReason(): string | undefined {
    return this.model ? undefined : this.reason;
  }

  private userIds(): string[] {
    const root = this.opts.userModelsDir;
    if (!existsSync(root)) return [];
    return readdirSync(root, { withFileTypes: true })
      .filter((e) => e.isDirectory() && hasManifest(join(root, e.name)))
      .map((e) => e.name)
      .sort();
  }

  private dirOf(id: string): string {
    if (!/^[\w.-]+$/.test(id)) throw new SpecmatchError('E_PARAM', `'${id}' is not a model id`);
    const user = join(this.opts.userModelsDir, id);
    if (hasManifest(user)) return user;
    const shipped = join(modelsDir(), id);
    if (hasManifest(shipped)) return shipped;
    throw new SpecmatchError(
      'E_NOT_FOUND',
      `no model '${id}' (known: ${
        this.list()
          .map((m) => m.id)
          .join(', ') || 'none'
      })`,
    );
  }

  list(): ModelSummary[] {
    const shipped = listShippedModels().map((id): ModelSummary => ({ id, version: '', origin: 'bundled' }));
    const user = this.userIds().map((id): ModelSummary => ({ id, version: '', origin: 'user' }));
    return [...shipped, ...user];
  }

  async select(id: string): Promise<EmbeddingModel> {
    const next = await loadModel(this.dirOf(id));
    this.model?.dispose();
    this.model = next;
    this.reason = undefined;
    return next;
  }

  async train(library: Library, o: TrainJobOptions): Promise<{ modelId: string; summary: string }> {
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
      const outDir = join(this.opts.userModelsDir, id);
      await mkdir(this.opts.userModelsDir, { recursive: true });
      o.onProgress(0, o.epochs, `training on ${written} spectra`);
      const result = await trainModel({
        data: [data],
        outDir,
        id,
        epochs: o.epochs,
        signal: o.signal,
        ...(this.opts.log ? { log: this.opts.log } : {}),
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

  dispose(): void {
    this.model?.dispose();
    this.model = null;
  }
}
