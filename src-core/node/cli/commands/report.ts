import { parseArgs } from 'node:util';
import { SpecmatchError } from '../../../errors.js';
import { appVersion } from '../../packageInfo.js';
import { readFileBytes } from '../../io/readSpectrumFile.js';
import { openLibraryForCli } from '../../library/cliSupport.js';
import { createReport } from '../../report/createReport.js';
import type { ReportQueryFile } from '../../report/createReport.js';
import { reportFormatOf, writeReportFile } from '../../report/writeReportFile.js';
import type { CliCommand } from '../CliCommand.js';
import { MATCH_FLAG_OPTIONS, MATCH_FLAGS_USAGE, modelForMatch, parseMatchFlags, prepareLibraryForMatch } from '../matchFlags.js';
import { errorInfo } from '../output.js';

const USAGE = `specmatch report [--library FILE] [--top N] [--method M] [--exclude FROM-TO]… [--preset NAME | --pipeline FILE]
                 [--instrument NAME|none] [--lab NAME] [--analyst NAME] [--notes TEXT] [--title TEXT] [--mixture] [--force]
                 --out OUT.pdf|OUT.csv|OUT.json QUERY…

Matches each QUERY (every spectrum in it) with the same request as \`specmatch match\` and writes one report: it
prints the pipeline the query and the references went through, the excluded ranges, and draws the overlay from the
vectors the scores were computed on. The format follows the extension of --out: PDF (a page per query; several
queries add a summary page first), CSV (a row per query and rank) or JSON. The file is written whole or not at all.
  --library FILE   the library (default: your default library)
${MATCH_FLAGS_USAGE}
  --lab, --analyst, --notes, --title   printed in the report
  --mixture        add a mixture analysis section (components, fractions, fit, overlay) as \`specmatch mixture\` finds it
  --force          replace OUT when it exists (keeping its permissions); a QUERY file is never replaced
Exit 0 when the report was written (queries that could not be read are listed in it and on stderr); 1 when no
query could be matched, or the library, model, pipeline or output cannot be used; 2 on usage errors.`;

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
          ...MATCH_FLAG_OPTIONS,
          lab: { type: 'string' },
          analyst: { type: 'string' },
          notes: { type: 'string' },
          mixture: { type: 'boolean' },
          title: { type: 'string' },
          out: { type: 'string' },
          force: { type: 'boolean' },
        },
      });
    } catch (err) {
      throw new SpecmatchError('E_USAGE', (err as Error).message);
    }
    const { values, positionals: queries } = parsed;
    if (!values.out) throw new SpecmatchError('E_USAGE', 'report needs --out OUT.pdf|OUT.csv|OUT.json');
    reportFormatOf(values.out);
    if (queries.length === 0) throw new SpecmatchError('E_USAGE', 'report needs at least one QUERY file');
    const options = await parseMatchFlags(values);
    const model = await modelForMatch(options, io);
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
      // As `match`: the model's missing reference embeddings and an analyst's pipeline's reference vectors first
      // (a fresh library has no embeddings, and fused/siamese ranking would otherwise find no candidate).
      if (files.some((f) => !f.error)) await prepareLibraryForMatch(lib, options, model, io);
      const { topK, ...match } = options;
      const input = await createReport(files, {
        library: lib,
        model,
        ...match,
        topN: topK ?? 10,
        ...(values.instrument === undefined ? {} : { instrument: values.instrument }),
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
