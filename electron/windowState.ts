import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname } from 'node:path';

/** What is remembered between runs (userData/state.json). */
export interface ShellState {
  bounds?: { x: number; y: number; width: number; height: number };
  maximized?: boolean;
  lastLibrary?: string;
  /** Recently opened spectrum files, newest first. */
  recent: string[];
}

export const MAX_RECENT = 10;

export function loadState(file: string): ShellState {
  try {
    if (!existsSync(file)) return { recent: [] };
    const s = JSON.parse(readFileSync(file, 'utf8')) as Partial<ShellState>;
    return {
      ...(s.bounds && [s.bounds.x, s.bounds.y, s.bounds.width, s.bounds.height].every((v) => Number.isFinite(v))
        ? { bounds: s.bounds }
        : {}),
      ...(typeof s.maximized === 'boolean' ? { maximized: s.maximized } : {}),
      ...(typeof s.lastLibrary === 'string' ? { lastLibrary: s.lastLibrary } : {}),
      recent: Array.isArray(s.recent)
        ? s.recent.filter((r): r is string => typeof r === 'string').slice(0, MAX_RECENT)
        : [],
    };
  } catch {
    // A corrupt state file only costs the remembered window position.
    return { recent: [] };
  }
}

export function saveState(file: string, state: ShellState): void {
  mkdirSync(dirname(file), { recursive: true });
  writeFileSync(file, JSON.stringify(state, null, 2));
}

export function pushRecent(state: ShellState, path: string): void {
  state.recent = [path, ...state.recent.filter((p) => p !== path)].slice(0, MAX_RECENT);
}

/** Whether remembered bounds are still (mostly) on one of the displays (a monitor may have been unplugged). */
export function visibleOn(
  bounds: NonNullable<ShellState['bounds']>,
  displays: ReadonlyArray<{ x: number; y: number; width: number; height: number }>,
): boolean {
  return displays.some((d) => {
    const w = Math.min(bounds.x + bounds.width, d.x + d.width) - Math.max(bounds.x, d.x);
    const h = Math.min(bounds.y + bounds.height, d.y + d.height) - Math.max(bounds.y, d.y);
    return w >= 200 && h >= 100;
  });
}
