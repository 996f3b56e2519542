import type { MatchMethod } from '../../../src-core/matching/types.js';

export type Theme = 'system' | 'light' | 'dark';

export interface Settings {
  labName: string;
  analyst: string;
  /** 'auto' = what `specmatch match` uses (the Siamese model when one is loaded). */
  defaultMethod: MatchMethod | 'auto';
  /** Name of the preprocessing preset the Identify view starts from ('' = the method's default). */
  defaultPreset: string;
  topK: number;
  theme: Theme;
}

const KEY = 'specmatch.settings.v1';
const DEFAULTS: Settings = {
  labName: '',
  analyst: '',
  defaultMethod: 'auto',
  defaultPreset: '',
  topK: 10,
  theme: 'system',
};

function load(): Settings {
  try {
    const raw = localStorage.getItem(KEY);
    if (!raw) return { ...DEFAULTS };
    const parsed = JSON.parse(raw) as Partial<Settings>;
    return { ...DEFAULTS, ...parsed };
  } catch {
    return { ...DEFAULTS };
  }
}

/** User settings, remembered in the renderer's storage (Electron keeps it in the user data folder). */
export const settings: Settings = $state(load());

export function saveSettings(): void {
  localStorage.setItem(KEY, JSON.stringify($state.snapshot(settings)));
}

/** Apply the theme to <html> (data-theme drives the CSS variables; 'system' follows prefers-color-scheme). */
export function applyTheme(theme: Theme): void {
  const dark = theme === 'dark' || (theme === 'system' && window.matchMedia('(prefers-color-scheme: dark)').matches);
  document.documentElement.dataset['theme'] = dark ? 'dark' : 'light';
}
