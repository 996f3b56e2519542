/**
 * The sandboxed preload: exposes `window.api`, one named method per channel of the IPC contract and one
 * subscription per push event, and nothing else (no ipcRenderer, no generic send). Bundled to CommonJS
 * (dist/electron/preload.cjs) by `npm run build` (electron/vite.preload.config.ts), as sandboxed preloads cannot load ES modules.
 */
import { contextBridge, ipcRenderer } from 'electron';
import type { IpcRendererEvent } from 'electron';
import type { ApiEvents, Channel, EventName, Req } from '../src-core/ipc/contract.js';
import { CHANNELS, EVENTS, listenerName, methodName } from '../src-core/ipc/contract.js';

const api: Record<string, unknown> = {};
for (const channel of CHANNELS) {
  api[methodName(channel)] = (req: Req<Channel>) => ipcRenderer.invoke(channel, req);
}
for (const event of EVENTS) {
  api[listenerName(event)] = (listener: (payload: ApiEvents[EventName]) => void) => {
    const handler = (_e: IpcRendererEvent, payload: ApiEvents[EventName]): void => listener(payload);
    ipcRenderer.on(event, handler);
    return () => {
      ipcRenderer.removeListener(event, handler);
    };
  };
}

contextBridge.exposeInMainWorld('api', Object.freeze(api));
