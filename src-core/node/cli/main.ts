import { SpecmatchError, toSpecmatchError } from '../../errors.js';
import type { CliCommand, CliIO } from './CliCommand.js';

/**
 * `specmatch` entry. Commands are loaded lazily (inspect must not pay for loading TensorFlow), each from
 * ./commands/<name>.js exporting `command: CliCommand`.
 */
const COMMANDS: Record<string, string> = {
  inspect: 'read spectrum files and print what they hold',
  preprocess: 'run a preprocessing pipeline on spectrum files',
  match: 'rank the library substances that match each query spectrum',
  mixture: 'name every component of each query spectrum (mixture analysis)',
  map: 'identify every pixel of a map or line scan and write a phase map',
  library: 'create, import into, search and edit a reference library',
  train: 'train the Siamese similarity model',
  ensemble: 'combine trained Siamese models into one ensemble model',
  eval: 'evaluate the Siamese model and classic methods on a protocol',
  report: 'write a PDF, CSV or JSON match report',
  calibrate: "calibrate an instrument's wavenumber axis on a standard and store it",
  web: 'serve the app in a browser on 127.0.0.1',
};

function mainHelp(): string {
  const width = Math.max(...Object.keys(COMMANDS).map((c) => c.length));
  return [
    'specmatch: identify Raman spectra against a local reference library',
    '',
    'Usage: specmatch COMMAND [options] …   (specmatch COMMAND --help for details)',
    '',
    'Commands:',
    ...Object.entries(COMMANDS).map(([name, summary]) => `  ${name.padEnd(width)}  ${summary}`),
    '',
    'With --json, stdout holds only JSON lines; logs and warnings go to stderr.',
  ].join('\n');
}

async function loadCommand(name: string): Promise<CliCommand> {
  const url = new URL(`./commands/${name}.js`, import.meta.url).href;
  const mod = (await import(url)) as { command: CliCommand };
  return mod.command;
}

export async function main(argv: string[]): Promise<number> {
  const controller = new AbortController();
  let interrupts = 0;
  const onSignal = (): void => {
    interrupts++;
    if (interrupts > 1) process.exit(130);
    process.stderr.write('\ninterrupted: finishing the current step (press Ctrl-C again to quit at once)\n');
    controller.abort();
  };
  process.on('SIGINT', onSignal);
  process.on('SIGTERM', onSignal);
  // A closed pipe (`specmatch … | head`) is not an error worth a stack trace.
  process.stdout.on('error', (err: NodeJS.ErrnoException) => {
    if (err.code === 'EPIPE') process.exit(0);
  });
  const io: CliIO = {
    out: (line) => void process.stdout.write(line + '\n'),
    err: (line) => void process.stderr.write(line + '\n'),
    errIsTTY: process.stderr.isTTY === true,
    signal: controller.signal,
  };
  const [name, ...rest] = argv;
  if (name === undefined || name === '--help' || name === '-h' || name === 'help') {
    io.out(mainHelp());
    return name === undefined ? 2 : 0;
  }
  if (name === '--version' || name === '-v') {
    const { appVersion } = await import('../packageInfo.js');
    io.out(appVersion());
    return 0;
  }
  if (!(name in COMMANDS)) {
    io.err(`specmatch: unknown command '${name}'\n\n${mainHelp()}`);
    return 2;
  }
  let command: CliCommand;
  try {
    command = await loadCommand(name);
  } catch (err) {
    io.err(`specmatch: the '${name}' command is not available in this build: ${(err as Error).message}`);
    return 1;
  }
  if (rest.includes('--help') || rest.includes('-h')) {
    io.out(command.usage);
    return 0;
  }
  try {
    return await command.run(rest, io);
  } catch (err) {
    const e = err instanceof SpecmatchError ? err : toSpecmatchError(err);
    if (e.code === 'E_USAGE') {
      io.err(`specmatch ${name}: ${e.message}\n\n${command.usage}`);
      return 2;
    }
    io.err(`specmatch ${name}: error [${e.code}]: ${e.message}`);
    if (process.env['SPECMATCH_DEBUG'] && e.cause instanceof Error) io.err(String(e.cause.stack));
    return 1;
  }
}
