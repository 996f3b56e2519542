import { dirname, join } from 'node:path';
import { SpecmatchError } from '../../errors.js';
import { appVersion } from '../packageInfo.js';
import type { ApiEvents, AppInfo, EventName } from '../../ipc/contract.js';
import { defaultLibraryPath, openDefaultLibrary } from '../library/defaultLibrary.js';
import { Library } from '../library/Library.js';
import type { EventSink } from './AppBackend.js';
import type { HandlerTable } from './handlers.js';
import { createHandlers } from './handlers.js';
import { JobManager } from './JobManager.js';
import { LibraryBackend } from './LibraryBackend.js';
import type { ModelProvider } from './ModelProvider.js';
import { noModels } from './noModels.js';

export interface AppOptions {
  /** Library file; undefined: the user's default library (made from the bundled pack on first use). */
  libraryPath: string | undefined;
  /**
   * Create `libraryPath` when it does not exist (Electron's New Library…). Otherwise a missing file is an error, so
   * a mistyped `--library` never silently opens a new, empty library. @default false
   */
  createLibrary?: boolean;
  shell: AppInfo['shell'];
  runtime?: Record<string, string>;
  /** Model provider; by default none (classic methods). */
  models?: ModelProvider;
  log?: (line: string) => void;
}

export interface App {
  table: HandlerTable;
  backend: LibraryBackend;
  jobs: JobManager;
  /** Where events go (set by the shell once its window or server exists). */
  setSink(sink: EventSink): void;
  close(): Promise<void>;
}

export { appVersion, packageRoot } from '../packageInfo.js';

/**
 * The composition root both shells use: open the library, pick the models, and build the one handler table.
 * Electron's main process and `specmatch web` differ only in how they deliver requests and events.
 */
/**
 * The models the app starts with: the engine's (default model, user models in `userModelsDir`), or none when
 * SPECMATCH_NO_MODEL=1 (the same switch the CLI honours).
 */
export async function defaultModels(userModelsDir: string, log?: (line: string) => void): Promise<ModelProvider> {
  if (process.env['SPECMATCH_NO_MODEL'] === '1') return noModels('models are disabled (SPECMATCH_NO_MODEL=1)');
  const { EngineModels } = await import('./engineModels.js');
  return EngineModels.create({ userModelsDir, ...(log ? { log } : {}) });
}

/** Where user-trained models go: beside the default library, in `models/`. */
export function userModelsDir(): string {
  return join(dirname(defaultLibraryPath()), 'models');
}

export function createApp(opts: AppOptions): App {
  let sink: EventSink = () => undefined;
  const emit: EventSink = <E extends EventName>(event: E, payload: ApiEvents[E]) => sink(event, payload);
  let library: Library;
  try {
    library = opts.libraryPath === undefined ? openDefaultLibrary() : Library.open(opts.libraryPath, { create: opts.createLibrary === true });
  } catch (err) {
    if (err instanceof SpecmatchError) throw err;
    throw new SpecmatchError(
      'E_LIBRARY',
      `${opts.libraryPath ?? 'the default library'}: cannot open the library: ${(err as Error).message}`,
      { cause: err },
    );
  }
  for (const w of library.warnings) opts.log?.(`library: ${w}`);
  const jobs = new JobManager((info) => emit('job:progress', info));
  const version = appVersion();
  const backend = new LibraryBackend({
    library,
    models: opts.models ?? noModels('no model is installed'),
    jobs,
    emit,
    appVersion: version,
  });
  const table = createHandlers({
    backend,
    jobs,
    appVersion: version,
    shell: opts.shell,
    runtime: opts.runtime ?? { node: process.versions.node },
  });
  backend.embedMissingInBackground();
  return {
    table,
    backend,
    jobs,
    setSink: (s) => {
      sink = s;
    },
    close: () => backend.close(),
  };
}
