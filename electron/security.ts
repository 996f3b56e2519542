import { WEB_CSP } from '../src-core/node/api/webServer.js';

/** The scheme the renderer is served from (a standard, secure scheme: the app gets a real origin, not file://). */
export const APP_SCHEME = 'app';
export const APP_ORIGIN = `${APP_SCHEME}://specmatch`;

/** The same strict CSP as the web mode (blob: frames only, for the report preview). */
export const APP_CSP = WEB_CSP;

/** The BrowserWindow webPreferences every window gets (HOUSE_STYLE.md §7). */
export function securePreferences(preload: string): Electron.WebPreferences {
  return {
    preload,
    contextIsolation: true,
    sandbox: true,
    nodeIntegration: false,
    nodeIntegrationInWorker: false,
    webSecurity: true,
    allowRunningInsecureContent: false,
    webviewTag: false,
    spellcheck: false,
  };
}
