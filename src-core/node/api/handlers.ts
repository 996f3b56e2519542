import { SpecmatchError, toSpecmatchError } from '../../errors.js';
import type { ApiResult, AppInfo, Channel, Req, Res } from '../../ipc/contract.js';
import { CHANNELS } from '../../ipc/contract.js';
import { validateRequest } from '../../ipc/validate.js';
import type { AppBackend } from './AppBackend.js';
import type { JobManager } from './JobManager.js';

/** A handler per channel, typed by the contract. */
export type HandlerTable = { [C in Channel]: (req: Req<C>) => Promise<Res<C>> };

export interface HandlerContext {
  backend: AppBackend;
  jobs: JobManager;
  appVersion: string;
  shell: AppInfo['shell'];
  runtime: Record<string, string>;
}

/**
 * The one handler table. Electron's ipcMain registration (electron/ipc.ts) and the web server
 * (src-core/node/api/webServer.ts) both call `dispatch` below; neither has logic of its own.
 */
export function createHandlers(ctx: HandlerContext): HandlerTable {
  const { backend, jobs } = ctx;
  return {
    'app:info': () =>
      Promise.resolve({
        appVersion: ctx.appVersion,
        shell: ctx.shell,
        runtime: ctx.runtime,
        model: backend.versions().model,
        library: backend.libraryInfo(),
      }),
    'spectrum:read': (req) => Promise.resolve(backend.readSpectra(req)),
    'match:run': (req) => backend.match(req),
    'mixture:run': (req) => backend.mixture(req),
    'mixture:vectors': (req) => backend.mixtureVectors(req),
    'library:info': () => Promise.resolve(backend.libraryInfo()),
    'library:list': (req) => Promise.resolve(backend.listSubstances(req.query)),
    'library:get': (req) => Promise.resolve(backend.getSubstance(req.substanceId)),
    'library:spectrum': (req) => Promise.resolve(backend.getSpectrum(req.spectrumId)),
    'library:add': (req) => backend.addSubstance(req.spectrum, req.name.trim(), req.sourceBytes),
    'library:edit': (req) => Promise.resolve(backend.editSubstance(req.substanceId, req.patch)),
    'library:remove': (req) => Promise.resolve(backend.removeSubstance(req.substanceId)),
    'library:undoRemove': (req) => Promise.resolve(backend.undoRemove(req.undoToken)),
    'library:import': (req) => Promise.resolve(backend.importFiles(req.files)),
    'library:reembed': () => Promise.resolve(backend.reembed()),
    'library:check': () => Promise.resolve(backend.checkLibrary()),
    'library:findings': () => Promise.resolve(backend.findings()),
    'library:map': (req) => Promise.resolve(backend.mapLibrary(req.force === true)),
    'library:mapData': async () => ({ map: await backend.libraryMapData() }),
    'library:dismiss': (req) => Promise.resolve(backend.dismissFinding(req.key, req.dismissed)),
    'library:merge': (req) => Promise.resolve(backend.mergeSubstances(req.intoId, req.fromIds)),
    'library:moveSpectrum': (req) => Promise.resolve(backend.moveSpectrum(req.spectrumId, req.toSubstanceId)),
    'library:removeSpectrum': (req) => Promise.resolve(backend.removeSpectrum(req.spectrumId)),
    'model:info': () => Promise.resolve(backend.modelInfo()),
    'model:select': (req) => backend.selectModel(req.modelId),
    'model:train': (req) => Promise.resolve(backend.train(req)),
    'job:get': (req) => Promise.resolve(jobs.get(req.jobId)),
    'job:list': () => Promise.resolve(jobs.list()),
    'job:cancel': (req) => Promise.resolve(jobs.cancel(req.jobId)),
    'report:render': (req) => backend.renderReport(req),
    'instrument:list': () => Promise.resolve(backend.listInstruments()),
    'instrument:save': (req) => Promise.resolve(backend.saveInstrument(req)),
    'calibration:fit': (req) => Promise.resolve(backend.fitCalibration(req)),
    'calibration:accept': (req) => Promise.resolve(backend.acceptCalibration(req)),
    'map:run': (req) => Promise.resolve(backend.runMap(req)),
    'map:result': (req) => Promise.resolve(backend.mapResult(req.jobId)),
  };
}

export function isChannel(name: string): name is Channel {
  return (CHANNELS as readonly string[]).includes(name);
}

/**
 * Validate, run, and wrap in an ApiResult. Never throws: an unknown channel, a bad payload and a failing handler
 * all come back as `{ ok: false, error: { code, message } }`. Unexpected (non-Specmatch) errors are reported to
 * `log` with their stack, the user sees their message.
 */
export async function dispatch(
  table: HandlerTable,
  channel: string,
  raw: unknown,
  log?: (line: string) => void,
): Promise<ApiResult<unknown>> {
  try {
    if (!isChannel(channel)) throw new SpecmatchError('E_PARAM', `unknown channel '${channel}'`);
    const req = validateRequest(channel, raw);
    const handler = table[channel] as (r: typeof req) => Promise<unknown>;
    const value = await handler(req);
    return { ok: true, value };
  } catch (err) {
    const e = toSpecmatchError(err);
    if (!(err instanceof SpecmatchError) && log)
      log(`${channel}: unexpected error: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}`);
    return { ok: false, error: e.toInfo() };
  }
}
