/**
 * Electron main process: one secure window over the shared handler table (src-core/node/api). The library, the
 * Siamese engine and long jobs live here, behind typed IPC; the renderer is the same bundle the web mode serves.
 */
import {
  app,
  BrowserWindow,
  dialog,
  ipcMain,
  Menu,
  nativeTheme,
  net,
  protocol,
  screen,
  session,
  shell,
} from 'electron';
import type { Event as ElectronEvent, WebContents } from 'electron';
import { createWriteStream, existsSync } from 'node:fs';
import type { WriteStream } from 'node:fs';
import { basename, dirname, extname, join, resolve, sep } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import type { ApiEvents, EventName } from '../src-core/ipc/contract.js';
import type { App } from '../src-core/node/api/createApp.js';
import { createApp, defaultModels } from '../src-core/node/api/createApp.js';
import { readFileBytes } from '../src-core/node/io/readSpectrumFile.js';
import { toSpecmatchError } from '../src-core/errors.js';
import { SPECTRUM_FILE_EXTENSIONS } from '../src-core/formats/readSpectra.js';
import { appOriginCheck, registerApiHandlers } from './ipc.js';
import { menuTemplate } from './menu.js';
import type { MenuActions } from './menu.js';
import { APP_CSP, APP_ORIGIN, APP_SCHEME, securePreferences } from './security.js';
import { loadState, pushRecent, saveState, visibleOn } from './windowState.js';

const LIBRARY_EXTENSIONS = ['specmatch', 'sqlite', 'db'];

protocol.registerSchemesAsPrivileged([
  { scheme: APP_SCHEME, privileges: { standard: true, secure: true, supportFetchAPI: true } },
]);

if (!app.requestSingleInstanceLock()) {
  app.quit();
} else {
  void main();
}

interface Args {
  library?: string;
  files: string[];
}

/** `--library FILE` and spectrum files to open; Chromium's own switches are ignored. */
function parseArgs(argv: readonly string[]): Args {
  const out: Args = { files: [] };
  const rest = argv.slice(app.isPackaged ? 1 : 2);
  for (let i = 0; i < rest.length; i++) {
    const a = rest[i]!;
    if (a === '--library' && rest[i + 1]) out.library = resolve(rest[++i]!);
    else if (a.startsWith('--library=')) out.library = resolve(a.slice('--library='.length));
    else if (!a.startsWith('-')) out.files.push(resolve(a));
  }
  return out;
}

async function main(): Promise<void> {
  await app.whenReady();
  const userData = app.getPath('userData');
  const stateFile = join(userData, 'state.json');
  const state = loadState(stateFile);
  let logStream: WriteStream | null = createWriteStream(join(userData, 'specmatch.log'), { flags: 'a' });
  const log = (line: string): void => {
    logStream?.write(`${new Date().toISOString()} ${line}\n`);
  };
  log(
    `start: Specmatch ${app.getVersion()}, Electron ${process.versions.electron}, Chrome ${process.versions.chrome}, Node ${process.versions.node}`,
  );

  const args = parseArgs(process.argv);
  let window: BrowserWindow | null = null;
  let current: App | null = null;

  const send = <E extends EventName>(event: E, payload: ApiEvents[E]): void => {
    if (window && !window.isDestroyed()) window.webContents.send(event, payload);
  };

  /** `create`: only New Library… creates a file; a missing library given on the command line is an error. */
  async function openLibrary(path: string | undefined, create = false): Promise<void> {
    const previous = current;
    current = null;
    await previous?.close();
    const models = await defaultModels(join(userData, 'models'), log);
    current = createApp({
      libraryPath: path,
      createLibrary: create,
      shell: 'electron',
      models,
      log,
      runtime: {
        electron: process.versions.electron ?? '',
        chrome: process.versions.chrome ?? '',
        node: process.versions.node,
      },
    });
    current.setSink(send);
    if (path) state.lastLibrary = path;
    saveState(stateFile, state);
    log(`library: ${path ?? 'default library'}`);
  }

  const initial = args.library ?? (state.lastLibrary && existsSync(state.lastLibrary) ? state.lastLibrary : undefined);
  try {
    await openLibrary(initial);
  } catch (err) {
    const e = toSpecmatchError(err);
    log(`library: ${e.message}`);
    dialog.showErrorBox('Specmatch cannot open the library', `${e.message}\n\nThe default library is opened instead.`);
    await openLibrary(undefined);
  }

  // The renderer is served from app://specmatch/ with the strict CSP as a real header.
  const rendererRoot = resolve(app.getAppPath(), 'dist-renderer');
  protocol.handle(APP_SCHEME, async (request) => {
    const url = new URL(request.url);
    const rel = decodeURIComponent(url.pathname === '/' ? '/index.html' : url.pathname);
    const file = resolve(join(rendererRoot, rel));
    if (url.host !== 'specmatch' || !file.startsWith(rendererRoot + sep))
      return new Response('not found', { status: 404 });
    const res = await net.fetch(pathToFileURL(file).toString());
    const headers = new Headers(res.headers);
    if (extname(file) === '.html') headers.set('content-security-policy', APP_CSP);
    headers.set('x-content-type-options', 'nosniff');
    return new Response(res.body, { status: res.status, headers });
  });

  // No permission (camera, notifications, clipboard reads, …) is ever needed: requests and checks are denied.
  session.defaultSession.setPermissionRequestHandler((_wc, _perm, callback) => callback(false));
  session.defaultSession.setPermissionCheckHandler(() => false);

  registerApiHandlers(
    ipcMain,
    () => {
      if (!current) throw new Error('the library is being reopened');
      return current.table;
    },
    appOriginCheck(APP_ORIGIN),
    log,
  );

  const openSpectrumPath = async (path: string): Promise<void> => {
    try {
      const bytes = await readFileBytes(path);
      pushRecent(state, path);
      saveState(stateFile, state);
      rebuildMenu();
      send('app:openFile', { name: basename(path), bytes });
    } catch (err) {
      const e = toSpecmatchError(err, { file: path });
      await dialog.showMessageBox({ type: 'error', message: 'Cannot open the file', detail: e.message });
    }
  };

  const actions: MenuActions = {
    openSpectrum: () =>
      void (async () => {
        const r = await dialog.showOpenDialog(window!, {
          title: 'Open spectrum',
          properties: ['openFile'],
          filters: [
            { name: 'Spectra', extensions: [...SPECTRUM_FILE_EXTENSIONS] },
            { name: 'All files', extensions: ['*'] },
          ],
        });
        if (!r.canceled && r.filePaths[0]) await openSpectrumPath(r.filePaths[0]);
      })(),
    openRecent: (p) => void openSpectrumPath(p),
    clearRecent: () => {
      state.recent = [];
      saveState(stateFile, state);
      rebuildMenu();
    },
    importIntoLibrary: (kind) =>
      void (async () => {
        const r = await dialog.showOpenDialog(window!, {
          title: kind === 'folder' ? 'Import a folder of reference spectra' : 'Import reference spectra or a zip',
          properties: kind === 'folder' ? ['openDirectory', 'multiSelections'] : ['openFile', 'multiSelections'],
          filters:
            kind === 'folder'
              ? []
              : [
                  { name: 'Spectra and zips', extensions: [...SPECTRUM_FILE_EXTENSIONS, 'zip'] },
                  { name: 'All files', extensions: ['*'] },
                ],
        });
        if (r.canceled || r.filePaths.length === 0 || !current) return;
        try {
          const job = current.backend.importPaths(r.filePaths);
          send('job:progress', job);
          send('app:command', { command: 'view:library' });
        } catch (err) {
          await dialog.showMessageBox({
            type: 'error',
            message: 'Cannot import',
            detail: toSpecmatchError(err).message,
          });
        }
      })(),
    exportReport: () => send('app:command', { command: 'report:export' }),
    newLibrary: () =>
      void (async () => {
        const r = await dialog.showSaveDialog(window!, {
          title: 'New library',
          defaultPath: join(app.getPath('documents'), 'library.specmatch'),
          filters: [{ name: 'Specmatch library', extensions: ['specmatch'] }],
        });
        if (r.canceled || !r.filePath) return;
        await switchLibrary(r.filePath, true);
      })(),
    openLibrary: () =>
      void (async () => {
        const r = await dialog.showOpenDialog(window!, {
          title: 'Open library',
          properties: ['openFile'],
          filters: [{ name: 'Specmatch library', extensions: LIBRARY_EXTENSIONS }],
        });
        if (!r.canceled && r.filePaths[0]) await switchLibrary(r.filePaths[0]);
      })(),
    showView: (v) => send('app:command', { command: `view:${v}` }),
    about: () => {
      const v = current?.backend.versions();
      const lib = current?.backend.libraryInfo();
      void dialog.showMessageBox(window!, {
        type: 'info',
        title: 'About Specmatch',
        message: `Specmatch ${app.getVersion()}`,
        detail: [
          `Model: ${v?.model ? `${v.model.id} (version ${v.model.version})` : 'none (classic methods)'}`,
          `Backend: ${v?.model?.backend ?? '–'}`,
          `Library: ${lib ? `${lib.name}, ${lib.substances} substances, ${lib.spectra} spectra` : '–'}`,
          `Electron ${process.versions.electron}, Chromium ${process.versions.chrome}, Node ${process.versions.node}`,
        ].join('\n'),
      });
    },
    openLogFolder: () => void shell.openPath(userData),
  };

  async function switchLibrary(path: string, create = false): Promise<void> {
    try {
      await openLibrary(path, create);
      send('app:command', { command: 'library:reloaded' });
    } catch (err) {
      await dialog.showMessageBox({
        type: 'error',
        message: 'Cannot open the library',
        detail: toSpecmatchError(err).message,
      });
      if (!current) await openLibrary(undefined);
    }
  }

  function rebuildMenu(): void {
    Menu.setApplicationMenu(Menu.buildFromTemplate(menuTemplate(actions, state.recent)));
  }
  rebuildMenu();

  // Navigation and new windows are denied everywhere; downloads (the report's Save PDF) ask where to save.
  app.on('web-contents-created', (_e, contents: WebContents) => {
    contents.setWindowOpenHandler(() => ({ action: 'deny' }));
    contents.on('will-navigate', (event: ElectronEvent, url: string) => {
      if (!url.startsWith(`${APP_ORIGIN}/`)) event.preventDefault();
    });
    contents.on('will-attach-webview', (event: ElectronEvent) => event.preventDefault());
  });
  session.defaultSession.on('will-download', (_e, item) => {
    item.setSaveDialogOptions({
      title: 'Save report',
      defaultPath: join(app.getPath('documents'), item.getFilename()),
      filters: [{ name: 'PDF', extensions: ['pdf'] }],
    });
  });

  function createWindow(): BrowserWindow {
    const bounds =
      state.bounds &&
      visibleOn(
        state.bounds,
        screen.getAllDisplays().map((d) => d.workArea),
      )
        ? state.bounds
        : { width: 1440, height: 900 };
    const win = new BrowserWindow({
      ...bounds,
      minWidth: 1024,
      minHeight: 680,
      show: false,
      title: 'Specmatch',
      // The renderer's own background for the theme the system uses, so the window does not flash before it paints.
      backgroundColor: nativeTheme.shouldUseDarkColors ? '#14171c' : '#f4f5f7',
      webPreferences: securePreferences(join(dirname(fileURLToPath(import.meta.url)), 'preload.cjs')),
    });
    if (state.maximized) win.maximize();
    win.once('ready-to-show', () => win.show());
    const remember = (): void => {
      state.maximized = win.isMaximized();
      if (!win.isMaximized() && !win.isMinimized()) state.bounds = win.getBounds();
      saveState(stateFile, state);
    };
    win.on('close', remember);
    win.webContents.on('did-finish-load', () => {
      for (const f of args.files.splice(0)) void openSpectrumPath(f);
    });
    void win.loadURL(`${APP_ORIGIN}/index.html`);
    return win;
  }

  window = createWindow();

  app.on('second-instance', (_e, argv) => {
    if (!window) return;
    if (window.isMinimized()) window.restore();
    window.focus();
    for (const f of parseArgs(argv).files) void openSpectrumPath(f);
  });

  app.on('window-all-closed', () => {
    void (async () => {
      await current?.close();
      current = null;
      log('quit');
      logStream?.end();
      logStream = null;
      app.quit();
    })();
  });
}
