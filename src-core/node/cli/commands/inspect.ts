import { parseArgs } from 'node:util';
import { SpecmatchError } from '../../../errors.js';
import { readSpectrumFile } from '../../io/readSpectrumFile.js';
import type { CliCommand } from '../CliCommand.js';
import { existsSync } from 'node:fs';
import { describeCalibration } from '../../../calibration/profile.js';
import { defaultLibraryPath } from '../../library/defaultLibrary.js';
import { Library } from '../../library/Library.js';
import { openLibraryForCli } from '../../library/cliSupport.js';
import { errorInfo, jsonLine, spectrumToJson } from '../output.js';

export const command: CliCommand = {
  summary: 'read spectrum files and print what they hold',
  usage: `specmatch inspect [--json] [--format ID] [--library FILE] [--instrument NAME|none] FILE…

Reads each FILE (format detected from its content) and prints its spectra, calibrated through the latest
calibration of the instrument that recognises the file (instrument profiles of --library, else of your default
library when it exists) and saying so.
  --json        one line per file: {"file","format","spectra":[{"x","y","meta"}]} or {"file","error":{"code","message"}};
                a calibrated spectrum's meta has "calibration":{"instrument","calibrationId","standard","date","rms"}
  --format ID   force a reader (see the README's format table)
  --library FILE       library holding the instrument profiles
  --instrument NAME    apply NAME's latest calibration; none: show the raw axis
Exit 0 when every file was answered (also when some could not be read); 2 on usage errors.`,
  async run(argv, io) {
    let parsed;
    try {
      parsed = parseArgs({
        args: argv,
        allowPositionals: true,
        options: {
          json: { type: 'boolean' },
          format: { type: 'string' },
          library: { type: 'string' },
          instrument: { type: 'string' },
        },
      });
    } catch (err) {
      throw new SpecmatchError('E_USAGE', (err as Error).message);
    }
    const files = parsed.positionals;
    if (files.length === 0) throw new SpecmatchError('E_USAGE', 'inspect needs at least one FILE');
    const json = parsed.values.json === true;
    const format = parsed.values.format;
    const instrument = parsed.values.instrument;
    // Instrument profiles live in a library: the given one, else the default one when it exists (never created here).
    let lib: Library | null = null;
    if (instrument !== 'none') {
      if (parsed.values.library !== undefined || instrument !== undefined)
        lib = openLibraryForCli(parsed.values.library, { err: (l) => io.err(l) });
      else if (existsSync(defaultLibraryPath())) {
        try {
          lib = Library.open(defaultLibraryPath());
        } catch (err) {
          io.err(`note: instrument profiles not read: ${(err as Error).message}`);
        }
      }
    }
    try {
      await inspectFiles();
    } finally {
      lib?.close();
    }
    return 0;
    async function inspectFiles(): Promise<void> {
      for (const file of files) {
        if (io.signal.aborted) break;
        try {
          const read = await readSpectrumFile(file, format === undefined ? {} : { format });
          const result = { ...read, spectra: read.spectra.map((s) => (lib ? lib.calibrate(s, instrument) : s)) };
          for (const w of result.warnings) io.err(`warning: ${w}`);
          if (json) {
            io.out(jsonLine({ file, format: result.format, spectra: result.spectra.map(spectrumToJson) }));
          } else {
            io.out(
              `${file}: ${result.format}, ${result.spectra.length} ${result.spectra.length === 1 ? 'spectrum' : 'spectra'}`,
            );
            for (const s of result.spectra) {
              const n = s.x.length;
              const range = n > 0 ? `${s.x[0]!.toFixed(2)} … ${s.x[n - 1]!.toFixed(2)}` : 'empty';
              const unit =
                s.meta.xKind === 'raman-shift'
                  ? 'cm⁻¹ shift'
                  : s.meta.xKind === 'wavelength'
                    ? 'nm'
                    : s.meta.xKind === 'wavenumber'
                      ? 'cm⁻¹'
                      : s.meta.originalXUnit;
              io.out(
                `  [${s.meta.position.index}] ${s.meta.substance ?? '(no name)'}  ${n} points, x ${range} ${unit}${s.meta.laserNm ? `, laser ${s.meta.laserNm} nm` : ''}`,
              );
              if (s.meta.calibration) io.out(`      ${describeCalibration(s.meta.calibration)}`);
              for (const w of s.meta.warnings) io.out(`      warning: ${w}`);
            }
          }
        } catch (err) {
          const info = errorInfo(err, file);
          if (json) io.out(jsonLine({ file, error: info }));
          else io.err(`error: ${info.message}`);
        }
      }
    }
  },
};
