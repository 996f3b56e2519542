import * as tf from '@tensorflow/tfjs';
import { afterEach, describe, expect, it } from 'vitest';
import { chooseBackend, type ModuleLoader } from '../backend.js';

/** The chooser's order and fallbacks, with the native packages replaced by an injected loader. */
function loaderThat(behaviour: Record<string, 'fail' | 'cpu-as-tensorflow' | 'ok'>, seen: string[]): ModuleLoader {
  return (specifier) => {
    seen.push(specifier);
    const b = behaviour[specifier] ?? 'fail';
    if (b === 'fail') return Promise.reject(new Error(`Cannot find module '${specifier}'`));
    if (b === 'cpu-as-tensorflow') {
      // Stand-in for tfjs-node: registers a backend named 'tensorflow' (really the cpu one, with no GPU).
      if (!tf.findBackendFactory('tensorflow')) tf.registerBackend('tensorflow', () => tf.findBackend('cpu'), 0);
    }
    return Promise.resolve({});
  };
}

describe('chooseBackend', () => {
  const saved = process.env['SPECMATCH_BACKEND'];
  afterEach(() => {
    if (saved === undefined) delete process.env['SPECMATCH_BACKEND'];
    else process.env['SPECMATCH_BACKEND'] = saved;
  });

  it('falls back from the native packages to wasm and logs why', async () => {
    const seen: string[] = [];
    const lines: string[] = [];
    const choice = await chooseBackend({ loader: loaderThat({ '@tensorflow/tfjs-backend-wasm': 'ok' }, seen), log: (l) => lines.push(l) });
    expect(choice.name).toBe('wasm');
    expect(tf.getBackend()).toBe('wasm');
    expect(seen.slice(0, 2)).toEqual(['@tensorflow/tfjs-node-gpu', '@tensorflow/tfjs-node']);
    expect(choice.skipped).toHaveLength(2);
    expect(lines.join('\n')).toMatch(/backend wasm .*tfjs-node-gpu/);
  });

  it('refuses tfjs-node-gpu without a GPU and takes tfjs-node', async () => {
    const seen: string[] = [];
    await chooseBackend({ force: 'cpu', log: () => undefined });
    const choice = await chooseBackend({
      loader: loaderThat({ '@tensorflow/tfjs-node-gpu': 'cpu-as-tensorflow', '@tensorflow/tfjs-node': 'cpu-as-tensorflow' }, seen),
      log: () => undefined,
    });
    expect(choice.name).toBe('tensorflow');
    expect(choice.skipped[0]).toMatch(/sees no GPU/);
  });

  it('honours SPECMATCH_BACKEND and rejects unknown names', async () => {
    process.env['SPECMATCH_BACKEND'] = 'cpu';
    const choice = await chooseBackend({ log: () => undefined });
    expect(choice.name).toBe('cpu');
    expect(tf.getBackend()).toBe('cpu');
    process.env['SPECMATCH_BACKEND'] = 'cuda';
    await expect(chooseBackend({ log: () => undefined })).rejects.toThrow(/not one of/);
  });

  it('fails with E_MODEL when a forced backend cannot load', async () => {
    await expect(chooseBackend({ force: 'tensorflow', loader: loaderThat({}, []), log: () => undefined })).rejects.toMatchObject({ code: 'E_MODEL' });
  });
});
