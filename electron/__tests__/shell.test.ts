import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { MenuItemConstructorOptions } from 'electron';
import { describe, expect, it, vi } from 'vitest';
import type { MenuActions } from '../menu.js';
import { menuTemplate } from '../menu.js';
import { APP_CSP, securePreferences } from '../security.js';
import { loadState, MAX_RECENT, pushRecent, saveState, visibleOn } from '../windowState.js';

const ACTION_NAMES = [
  'openSpectrum',
  'openRecent',
  'clearRecent',
  'importIntoLibrary',
  'exportReport',
  'newLibrary',
  'openLibrary',
  'showView',
  'about',
  'openLogFolder',
] as const;
type Mocks = Record<(typeof ACTION_NAMES)[number], ReturnType<typeof vi.fn>>;

function actions(): Mocks {
  return Object.fromEntries(ACTION_NAMES.map((n) => [n, vi.fn()])) as Mocks;
}

const asActions = (m: Mocks): MenuActions => m as unknown as MenuActions;

function find(items: MenuItemConstructorOptions[], label: string): MenuItemConstructorOptions {
  for (const it of items) {
    if (it.label === label) return it;
    if (Array.isArray(it.submenu)) {
      const hit = (() => {
        try {
          return find(it.submenu, label);
        } catch {
          return undefined;
        }
      })();
      if (hit) return hit;
    }
  }
  throw new Error(`no menu item '${label}'`);
}

function click(item: MenuItemConstructorOptions): void {
  (item.click as () => void)();
}

describe('application menu', () => {
  it('has the File, Library, View and Help menus of the issue, wired to the actions', () => {
    const a = actions();
    const t = menuTemplate(asActions(a), ['/data/q1.wdf', '/data/q2.spc'], 'linux');
    expect(t.map((m) => m.label ?? m.role)).toEqual(['&File', '&Library', 'editMenu', '&View', 'help']);
    click(find(t, 'Open Spectrum…'));
    expect(a.openSpectrum).toHaveBeenCalledOnce();
    click(find(t, 'q2.spc'));
    expect(a.openRecent).toHaveBeenCalledWith('/data/q2.spc');
    click(find(t, 'Export Report…'));
    expect(a.exportReport).toHaveBeenCalledOnce();
    click(find(t, 'Import Folder…'));
    expect(a.importIntoLibrary).toHaveBeenCalledWith('folder');
    click(find(t, 'New Library…'));
    click(find(t, 'Open Library…'));
    expect(a.newLibrary).toHaveBeenCalledOnce();
    expect(a.openLibrary).toHaveBeenCalledOnce();
    click(find(t, 'Model'));
    expect(a.showView).toHaveBeenCalledWith('model');
    click(find(t, 'About Specmatch'));
    expect(a.about).toHaveBeenCalledOnce();
    expect(find(t, 'Open Spectrum…').accelerator).toBe('CmdOrCtrl+O');
    expect(JSON.stringify(t)).toContain('"role":"quit"');
  });

  it('shows an empty Open Recent and the macOS app menu', () => {
    const t = menuTemplate(asActions(actions()), [], 'darwin');
    expect(t[0]!.role).toBe('appMenu');
    expect(find(t, 'No recent files').enabled).toBe(false);
  });
});

describe('window security', () => {
  it('isolates and sandboxes the renderer', () => {
    const p = securePreferences('/x/preload.cjs');
    expect(p).toMatchObject({
      contextIsolation: true,
      sandbox: true,
      nodeIntegration: false,
      webSecurity: true,
      webviewTag: false,
      preload: '/x/preload.cjs',
    });
  });

  it('uses a CSP without inline or remote scripts', () => {
    expect(APP_CSP).toContain("script-src 'self'");
    expect(APP_CSP).not.toMatch(/unsafe-(inline|eval)/);
    expect(APP_CSP).toContain("object-src 'none'");
    expect(APP_CSP).toContain('frame-src blob:');
  });
});

describe('remembered state', () => {
  it('survives a round trip, caps the recent list and ignores a corrupt file', () => {
    const dir = mkdtempSync(join(tmpdir(), 'specmatch-state-'));
    try {
      const file = join(dir, 'state.json');
      expect(loadState(file)).toEqual({ recent: [] });
      const s = loadState(file);
      for (let i = 0; i < MAX_RECENT + 3; i++) pushRecent(s, `/f${i}.spc`);
      pushRecent(s, '/f5.spc');
      s.bounds = { x: 10, y: 20, width: 1280, height: 800 };
      s.lastLibrary = '/lib.specmatch';
      saveState(file, s);
      const back = loadState(file);
      expect(back.recent).toHaveLength(MAX_RECENT);
      expect(back.recent[0]).toBe('/f5.spc');
      expect(back.recent.filter((r) => r === '/f5.spc')).toHaveLength(1);
      expect(back.bounds).toEqual({ x: 10, y: 20, width: 1280, height: 800 });
      writeFileSync(file, '{not json');
      expect(loadState(file)).toEqual({ recent: [] });
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('drops window bounds that are off every display', () => {
    const displays = [{ x: 0, y: 0, width: 1920, height: 1080 }];
    expect(visibleOn({ x: 100, y: 100, width: 1280, height: 800 }, displays)).toBe(true);
    expect(visibleOn({ x: 2500, y: 100, width: 1280, height: 800 }, displays)).toBe(false);
  });
});
