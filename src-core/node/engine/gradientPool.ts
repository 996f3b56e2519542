import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { Worker } from 'node:worker_threads';
import { SpecmatchError } from '../../errors.js';
import type { WorkerInit, WorkerStep } from './gradientWorker.js';
import type { GroupResult } from './trainStep.js';

/**
 * Worker threads that each hold a replica of the network and compute one group's gradients per step
 * (gradientWorker.ts). The training loop sends every worker the current weights with its group, computes one group
 * itself meanwhile, then averages all the groups' gradients and applies them once: synchronous data parallelism
 * over the machine's cores (one tfjs-wasm replica per core; the wasm backend itself runs on one thread in Node).
 * The worker is always the compiled `gradientWorker.js` (from the TypeScript sources: the one in dist/).
 */
export class GradientPool {
  private readonly workers: Worker[];
  private failure: Error | null = null;
  private readonly pending = new Map<Worker, { resolve(r: GroupResult): void; reject(e: Error): void }>();

  private constructor(workers: Worker[]) {
    this.workers = workers;
    for (const w of workers) {
      w.on(
        'message',
        (
          m:
            | { type: 'grads'; grads: Float32Array[]; loss: number }
            | { type: 'error'; message: string }
            | { type: 'ready' },
        ) => {
          const job = this.pending.get(w);
          if (!job || m.type === 'ready') return;
          this.pending.delete(w);
          if (m.type === 'grads') job.resolve({ grads: m.grads, loss: m.loss });
          else job.reject(new SpecmatchError('E_INTERNAL', `training worker: ${m.message}`));
        },
      );
      w.on('error', (err) => this.fail(err));
      w.on('exit', (code) => code !== 0 && this.fail(new Error(`training worker exited with code ${code}`)));
    }
  }

  get size(): number {
    return this.workers.length;
  }

  /** Starts `count` workers and sends each the training data (shared, not copied) and the recipe's choices. */
  static async start(count: number, init: Omit<WorkerInit, 'type'>): Promise<GradientPool> {
    // From the TypeScript sources (tsx, Vitest) the compiled worker of dist/ runs: worker threads do not inherit
    // those tools' module loaders. `npm ci` and `npm run bench` build it first.
    const url = import.meta.url.endsWith('.js')
      ? new URL('./gradientWorker.js', import.meta.url)
      : new URL('../../../dist/src-core/node/engine/gradientWorker.js', import.meta.url);
    if (!existsSync(fileURLToPath(url))) {
      throw new SpecmatchError(
        'E_INTERNAL',
        `parallel training needs the compiled worker ${fileURLToPath(url)}: run \`npm run build:core\` first, or train with --workers 1`,
      );
    }
    const workers = Array.from({ length: count }, () => new Worker(url));
    const pool = new GradientPool(workers);
    try {
      await Promise.all(
        workers.map(
          (w) =>
            new Promise<void>((resolve, reject) => {
              const onMessage = (m: { type: string; message?: string }): void => {
                if (m.type === 'ready') resolve();
                else if (m.type === 'error')
                  reject(new SpecmatchError('E_INTERNAL', `training worker: ${m.message ?? 'failed to start'}`));
                else return;
                w.off('message', onMessage);
              };
              w.on('message', onMessage);
              w.once('error', reject);
              w.postMessage({ type: 'init', ...init } satisfies WorkerInit);
            }),
        ),
      );
    } catch (err) {
      await pool.close();
      throw err;
    }
    return pool;
  }

  private fail(err: Error): void {
    this.failure ??= err;
    for (const job of this.pending.values()) job.reject(err);
    this.pending.clear();
  }

  /** Gradients of `step.group` on worker `index` with `step.weights`. */
  run(index: number, step: Omit<WorkerStep, 'type'>): Promise<GroupResult> {
    if (this.failure) return Promise.reject(this.failure);
    const w = this.workers[index]!;
    return new Promise<GroupResult>((resolve, reject) => {
      this.pending.set(w, { resolve, reject });
      w.postMessage({ type: 'step', ...step } satisfies WorkerStep);
    });
  }

  async close(): Promise<void> {
    await Promise.all(this.workers.map((w) => w.terminate()));
  }
}
