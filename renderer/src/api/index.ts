import type { ApiResult, SpecmatchApi } from '../../../src-core/ipc/contract.js';
import { createHttpApi } from './httpApi.js';

declare global {
  interface Window {
    /** Set by the Electron preload (electron/preload.ts); absent in web mode. */
    api?: SpecmatchApi;
  }
}

const TOKEN_KEY = 'specmatch.token';

/** The token from the address Specmatch printed (kept for reloads in this tab, then removed from the URL bar). */
function webToken(): string {
  const url = new URL(window.location.href);
  const fromUrl = url.searchParams.get('token');
  if (fromUrl) {
    sessionStorage.setItem(TOKEN_KEY, fromUrl);
    url.searchParams.delete('token');
    history.replaceState(null, '', url.pathname + url.search + url.hash);
    return fromUrl;
  }
  return sessionStorage.getItem(TOKEN_KEY) ?? '';
}

/** The one API object of the renderer: Electron's preload bridge, or the HTTP client in web mode. */
export const api: SpecmatchApi = window.api ?? createHttpApi(webToken());
export const shell: 'electron' | 'web' = window.api ? 'electron' : 'web';

/** Error thrown by `unwrap` (message as the main process wrote it, code kept for the UI). */
export class ApiError extends Error {
  constructor(
    readonly code: string,
    message: string,
  ) {
    super(message);
  }
}

/** Value of a successful result, or throws ApiError with the server's code and message. */
export async function unwrap<T>(p: Promise<ApiResult<T>>): Promise<T> {
  const r = await p;
  if (!r.ok) throw new ApiError(r.error.code, r.error.message);
  return r.value;
}
