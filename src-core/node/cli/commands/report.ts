import { parseArgs } from 'node:util';
import type { EmbeddingModel } from '../../../engine/EmbeddingModel.js';
import { SpecmatchError } from '../../../errors.js';
import { parseExcludeRange } from '../../../matching/excludeMask.js';
import type { MatchMethod } from '../../../matching/types.js';
import { appVersion } from '../../packageInfo.js';
import { readFileBytes } from '../../io/readSpectrumFile.js';
import { embedMissingForCli, loadDefaultModelIfAny, openLibraryForCli } from '../../library/cliSupport.js';
import { MATCH_METHODS, defaultMethodFor } from '../../library/matchLibrary.js';
import { createReport } from '../../report/createReport.js';
import type { ReportQueryFile } from '../../report/createReport.js';
import { reportFormatOf, writeReportFile } from '../../report/writeReportFile.js';
import type { CliCommand } from '../CliCommand.js';
import { errorInfo } from '../output.js';

const USAGE = `specmatch report [--library FILE] [--top N] [--method M] [--exclude FROM-TO]… [--lab NAME] [--analyst NAME]
                 [--notes TEXT] [--title TEXT] [--mixture] [--force] [--instrument NAME|none] --out OUT.pdf|OUT.csv|OUT.json QUERY…

Matches each QUERY (every spectrum in it) as \`specmatch match\` does and writes one report. The format follows the
extension of --out: PDF (a page per query; several queries add a summary page first), CSV (a row per query and
rank) or JSON. The file is written whole or not at all.
  --library FILE   the library (default: your default library)
  --top N          ranked substances per query (default 10)
  --method M       ${MATCH_METHODS.join(' | ')} (default as for match)
  --exclude FROM-TO  mask an x range in cm⁻¹; repeatable
  --instrument NAME  calibrate each query as \`specmatch match\` does (the Method section says which calibration)
  --lab, --analyst, --notes, --title   printed in the report
  --mixture        add a mixture analysis section (components, fractions, fit, overlay) as \`specmatch mixture\` finds it
  --force          replace OUT when it exists (keeping its permissions); a QUERY file is never replaced
Exit 0 when the report was written (queries that could not be read are listed in it and on stderr); 1 when no
query could be matched, or the library, model or output cannot be used; 2 on usage errors.`;

export const command: CliCommand = {
  summary: 'write a PDF, CSV or JSON match report',
  usage: USAGE,
  async run(argv, io) {
    let parsed;
    try {
      parsed = parseArgs({
        args: argv,
        allowPositionals: true,
        options: {
          library: { type: 'string' },
          top: { type: 'string' },
          method: { type: 'string' },
          exclude: { type: 'string', multiple: true },
          lab: { type: 'string' },
          analyst: { type: 'string' },
          notes: { type: 'string' },
          mixture: { type: 'boolean' },
          title: { type: 'string' },
          out: { type: 'string' },
          force: { type: 'boolean' },
          instrument: { type: 'string' },
        },
      });
    } catch (err) {
      throw new SpecmatchError('E_USAGE', (err as Error).message);
    }
    const { values, positionals: queries } = parsed;
    if (!values.out) throw new SpecmatchError('E_USAGE', 'report needs --out OUT.pdf|OUT.csv|OUT.json');
    reportFormatOf(values.out);
    if (queries.length === 0) throw new SpecmatchError('E_USAGE', 'report needs at least one QUERY file');
    const method = values.method as MatchMethod | undefined;
    if (method !== undefined && !MATCH_METHODS.includes(method)) throw new SpecmatchError('E_USAGE', `--method must be one of ${MATCH_METHODS.join(', ')}, got '${method}'`);
    let topN = 10;
    if (values.top !== undefined) {
      if (!/^\d+$/.test(values.top) || Number(values.top) < 1) throw new SpecmatchError('E_USAGE', `--top expects a whole number ≥ 1, got '${values.top}'`);
      topN = Number(values.top);
    }
    const exclude = (values.exclude ?? []).map(parseExcludeRange);

    let model: EmbeddingModel | null = null;
    if (method === undefined || method === 'siamese' || method === 'fused') {
      model = await loadDefaultModelIfAny();
      if (!model && method !== undefined) throw new SpecmatchError('E_MODEL', `no Siamese model is installed (resources/models/); choose a classic --method`);
      if (model && method === undefined && !['siamese', 'fused'].includes(defaultMethodFor(model))) {
        model.dispose();
        model = null;
      }
    }
    const lib = openLibraryForCli(values.library, { err: (line) => io.err(line) });
    try {
      const files: ReportQueryFile[] = [];
      const unreadable: string[] = [];
      for (const q of queries) {
        try {
          files.push({ fileName: q, bytes: await readFileBytes(q) });
        } catch (err) {
          const info = errorInfo(err, q);
          io.err(`error: ${info.message}`);
          unreadable.push(q);
          files.push({ fileName: q, bytes: new Uint8Array(0), error: info });
        }
      }
      // As `match`: the model's missing reference embeddings first (a fresh library has none, and fused/siamese
      // ranking would otherwise find no candidate).
      if (files.some((f) => !f.error)) await embedMissingForCli(lib, model, io);
      const input = await createReport(files, {
        library: lib,
        model,
        ...(method ? { method } : {}),
        topN,
        ...(values.instrument === undefined ? {} : { instrument: values.instrument }),
        ...(exclude.length ? { exclude } : {}),
        ...(values.lab ? { lab: values.lab } : {}),
        ...(values.analyst ? { analyst: values.analyst } : {}),
        ...(values.notes ? { notes: values.notes } : {}),
        ...(values.mixture === true ? { mixture: true } : {}),
        ...(values.title ? { title: values.title } : {}),
        appVersion: appVersion(),
      });
      for (const e of input.entries) {
        if (e.error && !unreadable.includes(e.query.fileName)) io.err(`error: ${e.error.message}`);
      }
      if (!input.entries.some((e) => e.result)) {
        throw new SpecmatchError('E_READ', `no query could be matched, so no report was written (${input.entries.length} failed)`);
      }
      const written = await writeReportFile(input, values.out, { force: values.force === true, inputs: queries });
      io.err(`wrote ${written.format.toUpperCase()} report: ${values.out} (${input.entries.length} quer${input.entries.length === 1 ? 'y' : 'ies'}, ${written.bytes} bytes)`);
      return 0;
    } finally {
      lib.close();
      model?.dispose();
    }
  },
};
