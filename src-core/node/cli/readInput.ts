import type { Spectrum } from '../../spectrum/Spectrum.js';
import { readSpectrumFile } from '../io/readSpectrumFile.js';
import type { CliIO } from './CliCommand.js';
import { errorInfo, jsonLine } from './output.js';

/**
 * Reads one input of a batch command. Warnings go to stderr; an unreadable file prints its contract error line
 * (`{"<key>": path as given, "error": {code, message}}` with --json, `error: …` on stderr otherwise) and returns
 * undefined so the batch goes on. Shared by inspect-like commands (preprocess, match) so the line is the same.
 */
export async function readInputOrReport(path: string, io: CliIO, opts: { json: boolean; key: 'file' | 'query' }): Promise<Spectrum[] | undefined> {
  try {
    const read = await readSpectrumFile(path);
    for (const w of read.warnings) io.err(`warning: ${w}`);
    return read.spectra;
  } catch (err) {
    const info = errorInfo(err, path);
    if (opts.json) io.out(jsonLine({ [opts.key]: path, error: info }));
    else io.err(`error: ${info.message}`);
    return undefined;
  }
}
