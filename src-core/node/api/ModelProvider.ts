import type { EmbeddingModel } from '../../engine/EmbeddingModel.js';
import type { ModelSummary, TrainEpoch } from '../../ipc/contract.js';
import type { Library } from '../library/Library.js';

export interface TrainJobOptions {
  epochs: number;
  signal: AbortSignal;
  onProgress(done: number, total: number, phase: string): void;
  onEpoch(epoch: TrainEpoch): void;
}

/**
 * The models the app can use: the one loaded now, the ones it can switch to, and training. Implemented over the
 * engine (engineModels.ts); `noModels` when no model can be loaded, so the app runs on the classic methods and
 * says why.
 */
export interface ModelProvider {
  current(): EmbeddingModel | null;
  /** Why no model is loaded (shown in the Model view), when none is. */
  unavailableReason(): string | undefined;
  list(): ModelSummary[];
  /** Load a model by id and make it current (the previous one is disposed). */
  select(id: string): Promise<EmbeddingModel>;
  /** Train a new model on the library; the new model is saved and listed (switch to it with select). */
  train(library: Library, opts: TrainJobOptions): Promise<{ modelId: string; summary: string }>;
  dispose(): void;
}
