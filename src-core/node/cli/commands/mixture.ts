import { parseArgs } from 'node:util';
import { SpecmatchError } from '../../../errors.js';
import { DEFAULT_MAX_COMPONENTS, MAX_COMPONENTS_LIMIT } from '../../../matching/mixture.js';
import type { MixtureCombination, MixtureResult } from '../../../matching/mixtureTypes.js';
import { openLibraryForCli } from '../../library/cliSupport.js';
import { matchMixture } from '../../library/mixtureLibrary.js';
import { parseMatchFlags, prepareLibraryForMatch } from '../matchFlags.js';
import type { CliCommand } from '../CliCommand.js';
import { readInputOrReport } from '../readInput.js';
import { errorInfo, jsonLine } from '../output.js';

const USAGE = `specmatch mixture [--library FILE] [--max-components K] [--preset NAME | --pipeline FILE] [--json] QUERY…

Names every component of each query spectrum: the combination of library substances that best explains it
(non-negative least squares on baseline-corrected spectra, each component its own small shift, a penalty for each
added component so a pure spectrum stays one), each component's fraction of the explained signal (by peak height)
and its own score, the quality of the fit, a verdict and the next-best combinations.
  --library FILE        the library (default: your default library)
  --max-components K    components at most, 1…${MAX_COMPONENTS_LIMIT} (default ${DEFAULT_MAX_COMPONENTS})
  --preset NAME         preprocess the query AND every reference with a named pipeline before the mixture vectors
                        (as specmatch match --preset: the references' vectors are computed once per library and
                        pipeline)
  --pipeline FILE       the same with a pipeline file {"schemaVersion": 1, "steps": [...]}
  --json                one line per query spectrum:
                        {"query","index","verdict","components":[{"substance","spectrumId","fraction","score"}],
                         "fit":{"r2","hqi"},"alternatives":[{"components":[…],"fit":{…}}]}
                        or {"query","error":{"code","message"}} for a query that cannot be read
verdict: mixture (two or more components), single (one explains it), no-match (the best fit explains less than
half of the signal, R² < 0.5).
Exit 0 when every query was answered (also when some could not be read); 1 when the library cannot be used;
2 on usage errors.`;

function jsonCombination(c: MixtureCombination): { components: Array<{ substance: string; spectrumId: number; fraction: number; score: number }>; fit: { r2: number; hqi: number } } {
  return {
    components: c.components.map((m) => ({ substance: m.substance, spectrumId: m.spectrumId, fraction: m.fraction, score: m.score })),
    fit: { r2: c.fit.r2, hqi: c.fit.hqi },
  };
}

function jsonResult(query: string, index: number, r: MixtureResult): string {
  const { components, fit } = jsonCombination(r);
  return jsonLine({ query, index, verdict: r.verdict, components, fit, alternatives: r.alternatives.map(jsonCombination) });
}

function pct(v: number): string {
  return `${(100 * v).toFixed(0)} %`;
}

function humanResult(query: string, index: number, count: number, r: MixtureResult): string[] {
  const lines = [`${query}${count > 1 ? ` [${index}]` : ''}: ${r.verdict} (R² ${r.fit.r2.toFixed(3)}, HQI ${r.fit.hqi.toFixed(3)}, ${r.references} references)`];
  if (r.analystPipeline) lines.push(`  pipeline (query and references): ${r.analystPipeline.steps.map((s) => s.kind).join(' → ')}, then the classic and mixture steps; hash ${r.pipelineHash.slice(0, 12)}`);
  const w = Math.max(9, ...r.components.map((m) => m.substance.length));
  lines.push(`  ${'substance'.padEnd(w)}  fraction  score  shift  spectrum  sample`);
  for (const m of r.components) {
    lines.push(`  ${m.substance.padEnd(w)}  ${pct(m.fraction).padStart(8)}  ${m.score.toFixed(3)}  ${`${m.shiftCm > 0 ? '+' : ''}${m.shiftCm}`.padStart(5)}  ${String(m.spectrumId).padStart(8)}  ${m.sampleId ?? ''}`);
  }
  for (const [i, a] of r.alternatives.entries()) {
    lines.push(`  alternative ${i + 1}: ${a.components.map((m) => `${m.substance} ${pct(m.fraction)}`).join(' + ')} (R² ${a.fit.r2.toFixed(3)})`);
  }
  return lines;
}

export const command: CliCommand = {
  summary: 'name every component of each query spectrum (mixture analysis)',
  usage: USAGE,
  async run(argv, io) {
    let parsed;
    try {
      parsed = parseArgs({ args: argv, allowPositionals: true, options: { library: { type: 'string' }, 'max-components': { type: 'string' }, preset: { type: 'string' }, pipeline: { type: 'string' }, json: { type: 'boolean' } } });
    } catch (err) {
      throw new SpecmatchError('E_USAGE', (err as Error).message);
    }
    const { values, positionals: queries } = parsed;
    if (queries.length === 0) throw new SpecmatchError('E_USAGE', 'mixture needs at least one QUERY file');
    let maxComponents = DEFAULT_MAX_COMPONENTS;
    const k = values['max-components'];
    if (k !== undefined) {
      if (!/^\d+$/.test(k) || Number(k) < 1 || Number(k) > MAX_COMPONENTS_LIMIT) throw new SpecmatchError('E_USAGE', `--max-components expects a whole number from 1 to ${MAX_COMPONENTS_LIMIT}, got '${k}'`);
      maxComponents = Number(k);
    }
    const json = values.json === true;
    const { pipeline } = await parseMatchFlags({ preset: values.preset, pipeline: values.pipeline });
    const lib = openLibraryForCli(values.library, { err: (line) => io.err(line) });
    let prepared = false;
    try {
      for (const query of queries) {
        if (io.signal.aborted) break;
        const spectra = await readInputOrReport(query, io, { json, key: 'query' });
        if (!spectra) continue;
        if (!prepared) {
          prepared = true; // an analyst's pipeline's reference vectors, once, with a notice and an estimate
          await prepareLibraryForMatch(lib, { method: 'hqi-derivative', ...(pipeline ? { pipeline } : {}) }, null, io);
        }
        for (let i = 0; i < spectra.length; i++) {
          try {
            const r = await matchMixture(lib, spectra[i]!, { maxComponents, ...(pipeline ? { pipeline } : {}) });
            if (json) io.out(jsonResult(query, i, r));
            else for (const line of humanResult(query, i, spectra.length, r)) io.out(line);
          } catch (err) {
            if (err instanceof SpecmatchError && err.code === 'E_LIBRARY') throw err;
            const info = errorInfo(err, query);
            if (json) io.out(jsonLine({ query, index: i, error: info }));
            else io.err(`error: ${info.message}`);
          }
        }
      }
    } finally {
      lib.close();
    }
    return 0;
  },
};
