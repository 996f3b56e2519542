import type { MenuItemConstructorOptions } from 'electron';
import { basename } from 'node:path';

/** What the menu items do; implemented by main.ts (kept apart so the template can be unit-tested). */
export interface MenuActions {
  openSpectrum(): void;
  openRecent(path: string): void;
  clearRecent(): void;
  importIntoLibrary(kind: 'folder' | 'files'): void;
  exportReport(): void;
  newLibrary(): void;
  openLibrary(): void;
  showView(view: 'identify' | 'library' | 'model' | 'settings'): void;
  about(): void;
  openLogFolder(): void;
}

/** The application menu of the issue: File, Library, View, Help (plus the app menu on macOS). */
export function menuTemplate(
  actions: MenuActions,
  recent: readonly string[],
  platform: string = process.platform,
): MenuItemConstructorOptions[] {
  const mac = platform === 'darwin';
  const file: MenuItemConstructorOptions = {
    label: '&File',
    submenu: [
      { label: 'Open Spectrum…', accelerator: 'CmdOrCtrl+O', click: () => actions.openSpectrum() },
      {
        label: 'Open Recent',
        submenu:
          recent.length === 0
            ? [{ label: 'No recent files', enabled: false }]
            : [
                ...recent.map((p): MenuItemConstructorOptions => ({
                  label: basename(p),
                  toolTip: p,
                  click: () => actions.openRecent(p),
                })),
                { type: 'separator' },
                { label: 'Clear Recent', click: () => actions.clearRecent() },
              ],
      },
      { type: 'separator' },
      { label: 'Import into Library…', accelerator: 'CmdOrCtrl+I', click: () => actions.importIntoLibrary('files') },
      { label: 'Export Report…', accelerator: 'CmdOrCtrl+E', click: () => actions.exportReport() },
      { type: 'separator' },
      mac ? { role: 'close' } : { role: 'quit', label: 'Quit' },
    ],
  };
  const library: MenuItemConstructorOptions = {
    label: '&Library',
    submenu: [
      { label: 'New Library…', click: () => actions.newLibrary() },
      { label: 'Open Library…', click: () => actions.openLibrary() },
      { type: 'separator' },
      { label: 'Import Folder…', click: () => actions.importIntoLibrary('folder') },
      { label: 'Import Files or Zip…', click: () => actions.importIntoLibrary('files') },
    ],
  };
  const view: MenuItemConstructorOptions = {
    label: '&View',
    submenu: [
      { label: 'Identify', accelerator: 'CmdOrCtrl+1', click: () => actions.showView('identify') },
      { label: 'Library', accelerator: 'CmdOrCtrl+2', click: () => actions.showView('library') },
      { label: 'Model', accelerator: 'CmdOrCtrl+3', click: () => actions.showView('model') },
      { label: 'Settings', accelerator: 'CmdOrCtrl+4', click: () => actions.showView('settings') },
      { type: 'separator' },
      { role: 'resetZoom' },
      { role: 'zoomIn' },
      { role: 'zoomOut' },
      { type: 'separator' },
      { role: 'togglefullscreen' },
      { role: 'toggleDevTools' },
    ],
  };
  const help: MenuItemConstructorOptions = {
    role: 'help',
    submenu: [
      { label: 'About Specmatch', click: () => actions.about() },
      { label: 'Show Log Folder', click: () => actions.openLogFolder() },
    ],
  };
  return [
    ...(mac ? [{ role: 'appMenu' } as MenuItemConstructorOptions] : []),
    file,
    library,
    { role: 'editMenu' },
    view,
    help,
  ];
}
