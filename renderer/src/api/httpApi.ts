import type {
  ApiEvents,
  ApiResult,
  Channel,
  EventName,
  Req,
  Res,
  SpecmatchApi,
} from '../../../src-core/ipc/contract.js';
import { CHANNELS, EVENTS, listenerName, methodName } from '../../../src-core/ipc/contract.js';
import { decodeWire, encodeWire } from '../../../src-core/ipc/wire.js';

/** Header name the server expects the token in (src-core/node/api/webServer.ts TOKEN_HEADER). */
const TOKEN_HEADER = 'x-specmatch-token';

/**
 * `window.api` for web mode: the same interface as Electron's preload, over HTTP to the loopback server. Calls
 * are POST /api/call/<channel> with the wire-encoded request; events arrive by Server-Sent Events.
 */
export function createHttpApi(token: string): SpecmatchApi {
  async function call<C extends Channel>(channel: C, req: Req<C>): Promise<ApiResult<Res<C>>> {
    let response: Response;
    try {
      response = await fetch(`./api/call/${channel}`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', [TOKEN_HEADER]: token },
        body: encodeWire(req),
      });
    } catch (err) {
      return {
        ok: false,
        error: {
          code: 'E_INTERNAL',
          message: `cannot reach the Specmatch server (is it still running?): ${(err as Error).message}`,
        },
      };
    }
    if (!response.ok) {
      const text = await response.text();
      // A refusal the server explains in the API's own terms (413: the request is too large) is shown as such.
      if ((response.headers.get('content-type') ?? '').startsWith('application/json')) {
        try {
          const answer = decodeWire(text) as ApiResult<Res<C>>;
          if (answer && answer.ok === false && typeof answer.error?.message === 'string') return answer;
        } catch {
          // not the API's JSON: fall through
        }
      }
      return {
        ok: false,
        error: {
          code: response.status === 401 ? 'E_PARAM' : 'E_INTERNAL',
          message: `server answered ${response.status}: ${text}`,
        },
      };
    }
    return decodeWire(await response.text()) as ApiResult<Res<C>>;
  }

  const source = new EventSource(`./api/events?token=${encodeURIComponent(token)}`);
  function subscribe<E extends EventName>(event: E, listener: (payload: ApiEvents[E]) => void): () => void {
    const handler = (e: MessageEvent<string>): void => listener(decodeWire(e.data) as ApiEvents[E]);
    source.addEventListener(event, handler);
    return () => source.removeEventListener(event, handler);
  }

  // One named method per channel, built from the contract's channel list (the same list the preload uses), so a
  // channel added to the contract cannot be forgotten here.
  const api: Record<string, unknown> = {};
  for (const channel of CHANNELS) api[methodName(channel)] = (req: Req<typeof channel>) => call(channel, req);
  for (const event of EVENTS)
    api[listenerName(event)] = (listener: (p: ApiEvents[typeof event]) => void) => subscribe(event, listener);
  return api as SpecmatchApi;
}
