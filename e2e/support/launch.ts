import { spawn, spawnSync } from 'node:child_process';
import type { ChildProcess } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Browser, ElectronApplication, Page } from '@playwright/test';
import { _electron } from '@playwright/test';
import { HELD_OUT_QUARTZ, ROOT, rruffFixtures } from './paths.js';

/** A running app (web server + browser page, or an Electron window) on a private library and user folder. */
export interface RunningApp {
  page: Page;
  /** The private user folder (SPECMATCH_HOME: default library, user models). */
  home: string;
  close(): Promise<void>;
}

const BIN = join(ROOT, 'bin/specmatch.js');

/**
 * A fresh library holding the RRUFF fixtures except the held-out Quartz sample, imported with the CLI (the same
 * import code the app uses). Returns its path inside `home`.
 */
export function prepareLibrary(home: string): string {
  const lib = join(home, 'e2e.specmatch');
  const files = rruffFixtures().filter((f) => f !== HELD_OUT_QUARTZ);
  const r = spawnSync(process.execPath, [BIN, 'library', 'import', '--library', lib, ...files], {
    encoding: 'utf8',
    env: { ...process.env, SPECMATCH_HOME: home, SPECMATCH_NO_MODEL: '1' },
  });
  if (r.status !== 0) throw new Error(`preparing the e2e library failed (${r.status}): ${r.stderr}`);
  return lib;
}

/**
 * The app's environment in e2e: a private user folder, and no default model (SPECMATCH_MODEL names a folder that
 * does not exist), so matching starts on the classic methods, deterministic whatever model ships; the Model spec
 * then trains one and switches to it.
 */
function appEnv(home: string): NodeJS.ProcessEnv {
  return { ...process.env, SPECMATCH_HOME: home, SPECMATCH_MODEL: join(home, 'no-default-model') };
}

export interface WebServerHandle {
  url: string;
  home: string;
  library: string;
  process: ChildProcess;
  stop(): Promise<void>;
}

/**
 * `specmatch web --port 0 --library LIB`, waiting for its `Specmatch web: URL` line. LIB is a fresh fixture library
 * (`prepareLibrary`) unless `opts.library` names one (kept when the server stops).
 */
export async function startWeb(opts: { library?: string } = {}): Promise<WebServerHandle> {
  const home = mkdtempSync(join(tmpdir(), 'specmatch-e2e-'));
  const library = opts.library ?? prepareLibrary(home);
  const child = spawn(process.execPath, [BIN, 'web', '--port', '0', '--library', library], {
    cwd: ROOT,
    env: appEnv(home),
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let stderr = '';
  child.stderr.setEncoding('utf8').on('data', (d: string) => (stderr += d));
  const url = await new Promise<string>((resolve, reject) => {
    let out = '';
    const timer = setTimeout(
      () => reject(new Error(`specmatch web printed no address within 60 s; stderr:\n${stderr}`)),
      60_000,
    );
    child.stdout.setEncoding('utf8').on('data', (d: string) => {
      out += d;
      const m = /^Specmatch web: (http:\/\/127\.0\.0\.1:\d+\/\S*)$/m.exec(out);
      if (m) {
        clearTimeout(timer);
        resolve(m[1]!);
      }
    });
    child.on('exit', (code) => {
      clearTimeout(timer);
      reject(new Error(`specmatch web exited (${code}) before serving; stderr:\n${stderr}`));
    });
  });
  return {
    url,
    home,
    library,
    process: child,
    stop: async () => {
      if (child.exitCode === null) {
        const exited = new Promise((r) => child.once('exit', r));
        child.kill('SIGTERM');
        await exited;
      }
      rmSync(home, { recursive: true, force: true });
    },
  };
}

export async function openWebApp(browser: Browser, server: WebServerHandle): Promise<RunningApp> {
  const context = await browser.newContext({ viewport: { width: 1280, height: 800 }, acceptDownloads: true });
  const page = await context.newPage();
  await page.goto(server.url);
  return { page, home: server.home, close: () => context.close() };
}

/** Path of Electron's binary, or why it cannot be used here. */
export function electronBinary(): { path: string } | { reason: string } {
  try {
    const require = createRequire(import.meta.url);
    const p = require('electron') as unknown as string;
    if (typeof p === 'string' && existsSync(p)) {
      if (!existsSync(join(ROOT, 'dist/electron/main.js')))
        return { reason: 'the Electron main process is not built (npm run build)' };
      return { path: p };
    }
    return {
      reason: `the Electron binary is not installed (${String(p)} missing: installed with ELECTRON_SKIP_BINARY_DOWNLOAD=1 or offline)`,
    };
  } catch (err) {
    return { reason: `the Electron binary is not installed (${(err as Error).message.split('\n')[0]})` };
  }
}

export async function openElectronApp(binary: string): Promise<RunningApp> {
  const home = mkdtempSync(join(tmpdir(), 'specmatch-e2e-electron-'));
  const library = prepareLibrary(home);
  const app: ElectronApplication = await _electron.launch({
    executablePath: binary,
    // The package folder (its package.json names dist/electron/main.js), so app.getAppPath() is the root that
    // holds dist-renderer/, as in `npm run start:electron` and the installed app.
    args: [ROOT, '--library', library, `--user-data-dir=${join(home, 'userData')}`],
    // Electron's launcher wants defined strings only.
    env: Object.fromEntries(Object.entries(appEnv(home)).filter((e): e is [string, string] => e[1] !== undefined)),
  });
  const page = await app.firstWindow();
  return {
    page,
    home,
    close: async () => {
      await app.close();
      rmSync(home, { recursive: true, force: true });
    },
  };
}
