import type { IpcMain, IpcMainInvokeEvent, WebFrameMain } from 'electron';
import { toSpecmatchError } from '../src-core/errors.js';
import type { ApiResult, Channel } from '../src-core/ipc/contract.js';
import { CHANNELS } from '../src-core/ipc/contract.js';
import type { HandlerTable } from '../src-core/node/api/handlers.js';
import { dispatch } from '../src-core/node/api/handlers.js';

/** The part of ipcMain the registration uses (a mock in tests). */
export type IpcMainLike = Pick<IpcMain, 'handle' | 'removeHandler'>;

/**
 * Whether a request comes from our own renderer: the top frame of our window, showing our app:// origin. A
 * navigated-away, framed or foreign frame is refused before the payload is even looked at.
 */
export type SenderCheck = (frame: WebFrameMain | null, event: IpcMainInvokeEvent) => boolean;

export function appOriginCheck(origin: string): SenderCheck {
  return (frame) => {
    if (!frame || frame.parent !== null) return false;
    try {
      // Not URL.origin: WHATWG URL gives 'null' as the origin of a custom scheme such as app://.
      const u = new URL(frame.url);
      return `${u.protocol}//${u.host}` === origin;
    } catch {
      return false;
    }
  };
}

/**
 * Registers one ipcMain handler per channel of the contract. Each checks the sender, then hands the raw payload
 * to the shared `dispatch` (validation, handler, ApiResult wrapping): the same code path as the web server's.
 * `table()` is read per call so File ▸ Open library can swap the backend without re-registering.
 * Returns a function that removes the handlers.
 */
export function registerApiHandlers(
  ipc: IpcMainLike,
  table: () => HandlerTable,
  isTrusted: SenderCheck,
  log?: (line: string) => void,
): () => void {
  for (const channel of CHANNELS) {
    ipc.handle(channel, async (event: IpcMainInvokeEvent, raw: unknown): Promise<ApiResult<unknown>> => {
      if (!isTrusted(event.senderFrame, event)) {
        log?.(`ipc: refused ${channel} from ${event.senderFrame?.url ?? 'an unknown frame'}`);
        return {
          ok: false,
          error: {
            code: 'E_PARAM',
            message: `request on ${channel} refused: it does not come from the Specmatch window`,
          },
        };
      }
      let current: HandlerTable;
      try {
        current = table();
      } catch (err) {
        // E.g. a library being reopened: answer with an error rather than rejecting the renderer's invoke.
        return { ok: false, error: toSpecmatchError(err).toInfo() };
      }
      return dispatch(current, channel satisfies Channel, raw, log);
    });
  }
  return () => {
    for (const channel of CHANNELS) ipc.removeHandler(channel);
  };
}
