import { readFileSync } from 'node:fs';

let cached: string | undefined;

/** The app's version from package.json (same in the CLI, the web server and Electron's main process). */
export function appVersion(): string {
  if (cached === undefined) {
    try {
      const pkg = JSON.parse(readFileSync(new URL('../../package.json', import.meta.url), 'utf8')) as { version?: string };
      cached = pkg.version ?? '0.0.0';
    } catch {
      // Running from dist/: one folder deeper.
      const pkg = JSON.parse(readFileSync(new URL('../../../package.json', import.meta.url), 'utf8')) as { version?: string };
      cached = pkg.version ?? '0.0.0';
    }
  }
  return cached;
}
