import { createRequire } from 'node:module';
import { dirname } from 'node:path';
import * as tf from '@tensorflow/tfjs';
import { setWasmPaths } from '@tensorflow/tfjs-backend-wasm';
import { SpecmatchError } from '../../errors.js';
import { registerWasmTrainingKernels } from './wasmKernels.js';

/**
 * Chooses the tfjs backend that runs the Siamese model, best first:
 *   'tensorflow-gpu' (@tensorflow/tfjs-node-gpu, only when it loads AND reports a GPU device)
 *   → 'tensorflow' (@tensorflow/tfjs-node, native libtensorflow)
 *   → 'wasm' (@tensorflow/tfjs-backend-wasm, with the training kernels it lacks registered: see wasmKernels.ts)
 *   → 'cpu' (pure JavaScript; correct but about 100× too slow to train).
 * Forced by `options.force` or the env var SPECMATCH_BACKEND. The choice is logged (stderr by default).
 * The native packages are optionalDependencies that usually cannot fetch libtensorflow offline, so they are loaded
 * by dynamic import inside try/catch; tests inject `loader` to exercise those paths without them.
 */
export type BackendName = 'tensorflow-gpu' | 'tensorflow' | 'wasm' | 'cpu';
export const BACKEND_NAMES: readonly BackendName[] = ['tensorflow-gpu', 'tensorflow', 'wasm', 'cpu'];

/** Loads a module by specifier (default: dynamic import). Injected in tests. */
export type ModuleLoader = (specifier: string) => Promise<unknown>;

export interface ChooseBackendOptions {
  /** Use exactly this backend (fails if it cannot load). @default process.env.SPECMATCH_BACKEND, else automatic */
  force?: BackendName;
  /** @default dynamic import */
  loader?: ModuleLoader;
  /** Where the choice and each fallback reason go. @default stderr */
  log?: (line: string) => void;
}

export interface BackendChoice {
  name: BackendName;
  /** Why the better backends were skipped (empty when the first one loaded). */
  skipped: string[];
}

const defaultLoader: ModuleLoader = (specifier) => import(specifier);

function message(err: unknown): string {
  const m = err instanceof Error ? err.message : String(err);
  return m.split('\n')[0]!.slice(0, 200);
}

/** Folder of the installed @tensorflow/tfjs-backend-wasm dist (its .wasm files), from source and from dist/ alike. */
export function wasmDistDir(): string {
  const require = createRequire(import.meta.url);
  return dirname(require.resolve('@tensorflow/tfjs-backend-wasm'));
}

async function tryNative(name: 'tensorflow-gpu' | 'tensorflow', loader: ModuleLoader): Promise<void> {
  await loader(name === 'tensorflow-gpu' ? '@tensorflow/tfjs-node-gpu' : '@tensorflow/tfjs-node');
  // tfjs-node registers the 'tensorflow' backend in the global engine shared by every tfjs-core copy.
  if (!(await tf.setBackend('tensorflow'))) throw new Error("the 'tensorflow' backend did not initialise");
  if (name === 'tensorflow-gpu') {
    const usesGpu = (tf.backend() as unknown as { isUsingGpuDevice?: boolean }).isUsingGpuDevice === true;
    if (!usesGpu) throw new Error('tfjs-node-gpu loaded but sees no GPU device');
  }
}

async function tryWasm(loader: ModuleLoader): Promise<void> {
  if (loader !== defaultLoader) await loader('@tensorflow/tfjs-backend-wasm');
  setWasmPaths(wasmDistDir() + '/');
  if (!(await tf.setBackend('wasm'))) throw new Error('the wasm backend did not initialise');
  registerWasmTrainingKernels();
}

let current: Promise<BackendChoice> | undefined;

function engineName(name: BackendName): string {
  return name === 'tensorflow-gpu' ? 'tensorflow' : name;
}
let currentKey = '';

function parseForced(value: string | undefined): BackendName | undefined {
  if (value === undefined || value === '' || value === 'auto') return undefined;
  if ((BACKEND_NAMES as readonly string[]).includes(value)) return value as BackendName;
  throw new SpecmatchError('E_PARAM', `SPECMATCH_BACKEND/--backend '${value}' is not one of ${BACKEND_NAMES.join(', ')}, auto`);
}

/** Chooses and activates a backend (see the module comment). Repeated calls with the same force reuse the choice. */
export async function chooseBackend(options: ChooseBackendOptions = {}): Promise<BackendChoice> {
  const force = options.force ?? parseForced(process.env['SPECMATCH_BACKEND']);
  const loader = options.loader ?? defaultLoader;
  const key = `${force ?? 'auto'}`;
  if (current && currentKey === key && options.loader === undefined) {
    const choice = await current.catch(() => undefined);
    // Reuse only while the engine still runs that backend (tests and tools may switch it in between).
    if (choice && tf.getBackend() === engineName(choice.name)) return choice;
  }
  const log = options.log ?? ((line: string) => void process.stderr.write(line + '\n'));
  const attempt = async (): Promise<BackendChoice> => {
    const order = force ? [force] : BACKEND_NAMES;
    const skipped: string[] = [];
    for (const name of order) {
      try {
        if (name === 'tensorflow-gpu' || name === 'tensorflow') await tryNative(name, loader);
        else if (name === 'wasm') await tryWasm(loader);
        else if (!(await tf.setBackend('cpu'))) throw new Error('the cpu backend did not initialise');
        log(`specmatch: tfjs backend ${name}${force ? ' (forced)' : ''}${skipped.length ? ` [skipped: ${skipped.join('; ')}]` : ''}`);
        return { name, skipped };
      } catch (err) {
        skipped.push(`${name}: ${message(err)}`);
      }
    }
    throw new SpecmatchError('E_MODEL', `no tfjs backend could be started: ${skipped.join('; ')}`);
  };
  const p = attempt();
  if (options.loader === undefined) {
    current = p;
    currentKey = key;
    p.catch(() => {
      if (current === p) current = undefined;
    });
  }
  return p;
}
