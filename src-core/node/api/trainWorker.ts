/**
 * Worker thread entry for training (started by EngineModels.train): opens the library read-only, trains with
 * trainOnLibrary, and reports progress, epochs, log lines and the outcome as messages; 'cancel' aborts.
 */
import { parentPort, threadId, workerData } from 'node:worker_threads';
import type { ErrorInfo } from '../../errors.js';
import { toSpecmatchError } from '../../errors.js';
import type { TrainEpoch } from '../../ipc/contract.js';
import { Library } from '../library/Library.js';
import { trainOnLibrary } from './trainOnLibrary.js';

export interface TrainWorkerData {
  libraryPath: string;
  userModelsDir: string;
  epochs: number;
}

export type TrainWorkerMessage =
  | { type: 'progress'; done: number; total: number; phase: string }
  | { type: 'epoch'; epoch: TrainEpoch }
  | { type: 'log'; line: string }
  | { type: 'done'; result: { modelId: string; summary: string } }
  | { type: 'error'; error: ErrorInfo };

async function main(): Promise<void> {
  const port = parentPort;
  if (!port) return;
  const data = workerData as TrainWorkerData;
  const post = (m: TrainWorkerMessage): void => port.postMessage(m);
  const controller = new AbortController();
  port.on('message', (m: unknown) => {
    if (m === 'cancel') controller.abort();
  });
  let library: Library | null = null;
  post({ type: 'log', line: `training: worker thread ${threadId}, library ${data.libraryPath} (read-only)` });
  try {
    library = Library.open(data.libraryPath, { readonly: true });
    const result = await trainOnLibrary(
      library,
      data.userModelsDir,
      {
        epochs: data.epochs,
        signal: controller.signal,
        onProgress: (done, total, phase) => post({ type: 'progress', done, total, phase }),
        onEpoch: (epoch) => post({ type: 'epoch', epoch }),
      },
      (line) => post({ type: 'log', line }),
    );
    post({ type: 'done', result });
  } catch (err) {
    post({ type: 'error', error: toSpecmatchError(err).toInfo() });
  } finally {
    library?.close();
    port.close();
  }
}

void main();
