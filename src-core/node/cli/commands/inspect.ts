import { parseArgs } from 'node:util';
import { SpecmatchError } from '../../../errors.js';
import { readSpectrumFile } from '../../io/readSpectrumFile.js';
import type { CliCommand } from '../CliCommand.js';
import { errorInfo, jsonLine, spectrumToJson } from '../output.js';

export const command: CliCommand = {
  summary: 'read spectrum files and print what they hold',
  usage: `specmatch inspect [--json] [--format ID] FILE…

Reads each FILE (format detected from its content) and prints its spectra.
  --json        one line per file: {"file","format","spectra":[{"x","y","meta"}]} or {"file","error":{"code","message"}}
  --format ID   force a reader (see the README's format table)
Exit 0 when every file was answered (also when some could not be read); 2 on usage errors.`,
  async run(argv, io) {
    let parsed;
    try {
      parsed = parseArgs({ args: argv, allowPositionals: true, options: { json: { type: 'boolean' }, format: { type: 'string' } } });
    } catch (err) {
      throw new SpecmatchError('E_USAGE', (err as Error).message);
    }
    const files = parsed.positionals;
    if (files.length === 0) throw new SpecmatchError('E_USAGE', 'inspect needs at least one FILE');
    const json = parsed.values.json === true;
    const format = parsed.values.format;
    for (const file of files) {
      if (io.signal.aborted) break;
      try {
        const result = await readSpectrumFile(file, format === undefined ? {} : { format });
        for (const w of result.warnings) io.err(`warning: ${w}`);
        if (json) {
          io.out(jsonLine({ file, format: result.format, spectra: result.spectra.map(spectrumToJson) }));
        } else {
          io.out(`${file}: ${result.format}, ${result.spectra.length} ${result.spectra.length === 1 ? 'spectrum' : 'spectra'}`);
          for (const s of result.spectra) {
            const n = s.x.length;
            const range = n > 0 ? `${s.x[0]!.toFixed(2)} … ${s.x[n - 1]!.toFixed(2)}` : 'empty';
            const unit = s.meta.xKind === 'raman-shift' ? 'cm⁻¹ shift' : s.meta.xKind === 'wavelength' ? 'nm' : s.meta.xKind === 'wavenumber' ? 'cm⁻¹' : s.meta.originalXUnit;
            io.out(`  [${s.meta.position.index}] ${s.meta.substance ?? '(no name)'}  ${n} points, x ${range} ${unit}${s.meta.laserNm ? `, laser ${s.meta.laserNm} nm` : ''}`);
            for (const w of s.meta.warnings) io.out(`      warning: ${w}`);
          }
        }
      } catch (err) {
        const info = errorInfo(err, file);
        if (json) io.out(jsonLine({ file, error: info }));
        else io.err(`error: ${info.message}`);
      }
    }
    return 0;
  },
};
