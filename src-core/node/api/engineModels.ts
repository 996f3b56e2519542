import { existsSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Worker } from 'node:worker_threads';
import type { EmbeddingModel } from '../../engine/EmbeddingModel.js';
import { SpecmatchError, toSpecmatchError } from '../../errors.js';
import type { ModelSummary } from '../../ipc/contract.js';
import type { Library } from '../library/Library.js';
import { defaultModelDir, listShippedModels, loadModel, modelsDir } from '../engine/loadModel.js';
import type { ModelProvider, TrainJobOptions } from './ModelProvider.js';
import { trainOnLibrary } from './trainOnLibrary.js';
import type { TrainWorkerData, TrainWorkerMessage } from './trainWorker.js';

/** User-trained models live in `<userModelsDir>/<id>/`, beside (never inside) the shipped resources/models. */
export interface EngineModelsOptions {
  userModelsDir: string;
  log?: (line: string) => void;
}

function hasManifest(dir: string): boolean {
  return existsSync(join(dir, 'manifest.json'));
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

  /**
   * Trains in a worker thread (trainWorker.ts) so the main process (Electron's UI, the web server) stays responsive
   * during epochs; the worker opens the library read-only (WAL allows a reader beside the writer). Running from the
   * TypeScript sources (tsx, vitest) there is no compiled worker, and training runs in-process instead.
   */
  train(library: Library, o: TrainJobOptions): Promise<{ modelId: string; summary: string }> {
    const workerFile = new URL('./trainWorker.js', import.meta.url);
    if (!existsSync(fileURLToPath(workerFile)))
      return trainOnLibrary(library, this.opts.userModelsDir, o, this.opts.log);
    return new Promise((resolve, reject) => {
      const worker = new Worker(workerFile, {
        workerData: {
          libraryPath: library.path,
          userModelsDir: this.opts.userModelsDir,
          epochs: o.epochs,
        } satisfies TrainWorkerData,
      });
      let settled = false;
      const finish = (fn: () => void): void => {
        if (settled) return;
        settled = true;
        o.signal.removeEventListener('abort', onAbort);
        fn();
      };
      const onAbort = (): void => worker.postMessage('cancel');
      o.signal.addEventListener('abort', onAbort);
      worker.on('message', (m: TrainWorkerMessage) => {
        if (m.type === 'progress') o.onProgress(m.done, m.total, m.phase);
        else if (m.type === 'epoch') o.onEpoch(m.epoch);
        else if (m.type === 'log') this.opts.log?.(m.line);
        else if (m.type === 'done') finish(() => resolve(m.result));
        else finish(() => reject(new SpecmatchError(m.error.code, m.error.message)));
      });
      worker.on('error', (err) => finish(() => reject(toSpecmatchError(err, { code: 'E_INTERNAL' }))));
      worker.on('exit', (code) =>
        finish(() =>
          reject(
            new SpecmatchError('E_INTERNAL', `the training worker stopped (exit code ${code}) before it finished`),
          ),
        ),
      );
    });
  }

  dispose(): void {
    this.model?.dispose();
    this.model = null;
  }
}
