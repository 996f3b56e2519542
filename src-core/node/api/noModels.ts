import { SpecmatchError } from '../../errors.js';
import type { ModelProvider } from './ModelProvider.js';

/** The provider when no model can be loaded: matching runs on the classic methods and the Model view says why. */
export function noModels(reason: string): ModelProvider {
  return {
    current: () => null,
    unavailableReason: () => reason,
    list: () => [],
    select: (id) => Promise.reject(new SpecmatchError('E_MODEL', `cannot load model '${id}': ${reason}`)),
    train: () => Promise.reject(new SpecmatchError('E_MODEL', `cannot train: ${reason}`)),
    dispose: () => undefined,
  };
}
