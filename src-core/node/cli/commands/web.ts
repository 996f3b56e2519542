import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { SpecmatchError } from '../../../errors.js';
import { createApp, defaultModels, packageRoot, userModelsDir } from '../../api/createApp.js';
import { startWebServer } from '../../api/webServer.js';
import type { CliCommand, CliIO } from '../CliCommand.js';

/** Build the renderer when it was not prebuilt (`npm run build` does it beforehand; a fresh checkout may not have). */
async function ensureRenderer(root: string, io: CliIO): Promise<string> {
  const dir = join(root, 'dist-renderer');
  if (existsSync(join(dir, 'index.html'))) return dir;
  const vite = join(root, 'node_modules/vite/bin/vite.js');
  if (!existsSync(vite))
    throw new SpecmatchError(
      'E_INTERNAL',
      `the app is not built (${dir} is missing) and Vite is not installed to build it: run npm ci && npm run build`,
    );
  io.err('specmatch web: building the renderer (first run)…');
  const code = await new Promise<number>((res) => {
    const child = spawn(
      process.execPath,
      [vite, 'build', '--config', 'renderer/vite.config.ts', '--logLevel', 'warn'],
      { cwd: root, stdio: ['ignore', 'inherit', 'inherit'] },
    );
    child.on('exit', (c) => res(c ?? 1));
    child.on('error', () => res(1));
  });
  if (code !== 0 || !existsSync(join(dir, 'index.html')))
    throw new SpecmatchError('E_INTERNAL', 'building the renderer failed (see the messages above)');
  return dir;
}

export const command: CliCommand = {
  summary: 'serve the app in a browser on 127.0.0.1',
  usage: `specmatch web [--port PORT] [--library FILE] [--open-hint]

Serves the app and its API on http://127.0.0.1:PORT only, for analysts who prefer a browser and for tests. Once it
serves, prints one line on stdout:
  Specmatch web: http://127.0.0.1:PORT/?token=…
Open that address (the token is new at every launch; other pages and users cannot drive the server without it).
  --port PORT     TCP port (default 0: any free port)
  --library FILE  reference library (must exist: make one with specmatch library import --library FILE …);
                  default: your default library (created on first use)
  --open-hint     also print a short how-to on stderr
Stops on Ctrl-C.`,
  async run(argv, io) {
    let parsed;
    try {
      parsed = parseArgs({
        args: argv,
        allowPositionals: false,
        options: { port: { type: 'string' }, library: { type: 'string' }, 'open-hint': { type: 'boolean' } },
      });
    } catch (err) {
      throw new SpecmatchError('E_USAGE', (err as Error).message);
    }
    const portText = parsed.values.port ?? '0';
    const port = Number(portText);
    if (!/^\d+$/.test(portText) || port > 65535)
      throw new SpecmatchError('E_USAGE', `--port must be a number from 0 to 65535, got '${portText}'`);
    const root = packageRoot();
    const staticDir = await ensureRenderer(root, io);
    const libraryPath = parsed.values.library === undefined ? undefined : resolve(parsed.values.library);
    const models = await defaultModels(userModelsDir(), (l) => io.err(l));
    const app = createApp({ libraryPath, shell: 'web', models, log: (l) => io.err(l) });
    let server;
    try {
      server = await startWebServer({ port, staticDir, table: app.table, log: (l) => io.err(l) });
    } catch (err) {
      await app.close();
      throw err;
    }
    app.setSink(server.emit);
    io.out(`Specmatch web: ${server.url}`);
    if (parsed.values['open-hint'])
      io.err(
        `Open the address above in your browser. Library: ${libraryPath ?? 'your default library'}. Press Ctrl-C to stop.`,
      );
    await new Promise<void>((res) => {
      if (io.signal.aborted) res();
      else io.signal.addEventListener('abort', () => res(), { once: true });
    });
    await server.close();
    await app.close();
    return 0;
  },
};
