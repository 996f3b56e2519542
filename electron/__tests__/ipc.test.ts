import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { IpcMainInvokeEvent, WebFrameMain } from 'electron';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { FIXTURES } from '../../test/support.js';
import type { ApiResult, LibraryInfo, ReadSpectraResult } from '../../src-core/ipc/contract.js';
import { CHANNELS } from '../../src-core/ipc/contract.js';
import type { MatchResult } from '../../src-core/matching/types.js';
import type { App } from '../../src-core/node/api/createApp.js';
import { createApp } from '../../src-core/node/api/createApp.js';
import { noModels } from '../../src-core/node/api/noModels.js';
import { Library } from '../../src-core/node/library/Library.js';
import type { IpcMainLike } from '../ipc.js';
import { appOriginCheck, registerApiHandlers } from '../ipc.js';
import { APP_ORIGIN } from '../security.js';

type Handler = (event: IpcMainInvokeEvent, raw: unknown) => Promise<ApiResult<unknown>>;

/** ipcMain as the registration sees it: handle/removeHandler, recorded so the test can invoke like Electron does. */
class MockIpcMain implements IpcMainLike {
  readonly handlers = new Map<string, Handler>();
  handle(channel: string, listener: (event: IpcMainInvokeEvent, ...args: unknown[]) => unknown): void {
    if (this.handlers.has(channel)) throw new Error(`second handler for ${channel}`);
    this.handlers.set(channel, listener as Handler);
  }
  removeHandler(channel: string): void {
    this.handlers.delete(channel);
  }
  invoke<T>(
    channel: string,
    raw: unknown,
    frame: Partial<WebFrameMain> | null = { url: `${APP_ORIGIN}/index.html`, parent: null },
  ): Promise<ApiResult<T>> {
    const h = this.handlers.get(channel);
    if (!h) throw new Error(`no handler for ${channel}`);
    return h({ senderFrame: frame } as unknown as IpcMainInvokeEvent, raw) as Promise<ApiResult<T>>;
  }
}

const RRUFF = join(FIXTURES, 'rruff');
const HELD_OUT = 'Quartz__R060604__Raman__532__0__unoriented__Raman_Data_RAW__31948.txt';

describe('Electron IPC registration with the shared handler table', () => {
  let dir: string;
  let app: App;
  const ipc = new MockIpcMain();
  let unregister: () => void;
  const logged: string[] = [];

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'specmatch-ipc-test-'));
    const libPath = join(dir, 'lib.specmatch');
    const lib = Library.open(libPath, { create: true });
    await lib.importPaths(
      readdirSync(RRUFF)
        .filter((f) => f.endsWith('.txt') && f !== HELD_OUT)
        .map((f) => join(RRUFF, f)),
    );
    lib.close();
    app = createApp({ libraryPath: libPath, shell: 'electron', models: noModels('none in tests') });
    unregister = registerApiHandlers(
      ipc,
      () => app.table,
      appOriginCheck(APP_ORIGIN),
      (l) => logged.push(l),
    );
  });

  afterAll(async () => {
    await app.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('registers exactly one handler per contract channel', () => {
    expect([...ipc.handlers.keys()].sort()).toEqual([...CHANNELS].sort());
  });

  it('answers our window with the same values as the table', async () => {
    const info = await ipc.invoke<LibraryInfo>('library:info', {});
    expect(info).toEqual({ ok: true, value: await app.table['library:info']({}) });
    expect(info.ok && info.value.substances).toBe(8);
  });

  it('runs the whole identify path: bytes → spectra → ranked matches', async () => {
    const read = await ipc.invoke<ReadSpectraResult>('spectrum:read', {
      name: HELD_OUT,
      bytes: new Uint8Array(readFileSync(join(RRUFF, HELD_OUT))),
    });
    if (!read.ok) throw new Error(read.error.message);
    const match = await ipc.invoke<MatchResult>('match:run', { spectrum: read.value.spectra[0] });
    if (!match.ok) throw new Error(match.error.message);
    expect(match.value.matches[0]?.substance).toBe('Quartz');
  });

  it('refuses frames that are not our top-level app:// page, before validating anything', async () => {
    for (const frame of [
      null,
      { url: 'https://evil.example/', parent: null },
      { url: `${APP_ORIGIN}/index.html`, parent: {} as WebFrameMain },
      { url: 'file:///tmp/x.html', parent: null },
    ]) {
      const r = await ipc.invoke('library:remove', { substanceId: 1 }, frame);
      expect(r.ok).toBe(false);
      expect(!r.ok && r.error.message).toMatch(/does not come from the Specmatch window/);
    }
    expect(logged.some((l) => l.includes('refused library:remove'))).toBe(true);
    // Nothing was removed.
    const info = await ipc.invoke<LibraryInfo>('library:info', {});
    expect(info.ok && info.value.substances).toBe(8);
  });

  it('validates payloads and returns typed errors instead of throwing', async () => {
    const r = await ipc.invoke('library:get', { substanceId: -3 });
    expect(r).toEqual({
      ok: false,
      error: { code: 'E_PARAM', message: 'invalid request: substanceId must be between 1 and 9007199254740991' },
    });
    const m = await ipc.invoke('match:run', { spectrum: { x: [1, 2], y: [1, 2], meta: {} } });
    expect(!m.ok && m.error.message).toContain('spectrum.x must be a Float64Array');
  });

  it('answers a typed error while the library is being reopened', async () => {
    const other = new MockIpcMain();
    registerApiHandlers(
      other,
      () => {
        throw new Error('the library is being reopened');
      },
      appOriginCheck(APP_ORIGIN),
    );
    const r = await other.invoke('library:info', {});
    expect(r).toEqual({ ok: false, error: { code: 'E_INTERNAL', message: 'the library is being reopened' } });
  });

  it('removes every handler on unregister', () => {
    unregister();
    expect(ipc.handlers.size).toBe(0);
  });
});
