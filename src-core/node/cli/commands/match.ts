import { parseArgs } from 'node:util';
import { SpecmatchError } from '../../../errors.js';
import type { MatchRequest, MatchResult } from '../../../matching/types.js';
import { openLibraryForCli } from '../../library/cliSupport.js';
import { runMatchRequest } from '../../library/matchLibrary.js';
import { MATCH_FLAG_OPTIONS, MATCH_FLAGS_USAGE, modelForMatch, parseMatchFlags, prepareLibraryForMatch } from '../matchFlags.js';
import type { CliCommand } from '../CliCommand.js';
import { describeCalibration } from '../../../calibration/profile.js';
import type { Spectrum } from '../../../spectrum/Spectrum.js';
import { readInputOrReport } from '../readInput.js';
import { errorInfo, jsonLine } from '../output.js';

const USAGE = `specmatch match [--library FILE] [--method M] [--top K] [--exclude FROM-TO]… [--preset NAME | --pipeline FILE]
                [--instrument NAME|none] [--json] QUERY…

Ranks the library's substances against every spectrum in each QUERY file (one substance per row: its best
reference spectrum, the score in [0, 1], every HQI for that pair, the gap to the next substance, and a verdict).
  --library FILE     the library (default: your default library, created on first use from the bundled RRUFF pack)
${MATCH_FLAGS_USAGE}
  --json             one line per query spectrum:
                     {"query","index","method","verdict","calibrated","pipelines":[{"modelId","hash","steps"}],
                      "exclude","matches":[{"rank","substance","score","gap","spectrumId","sampleId",
                      "hqi":{"correlation","derivative","cosine","euclidean"}}]} (plus "calibration":{"instrument",
                      "calibrationId","standard","date","rms"} when the query was calibrated)
                     or {"query","error":{"code","message"}} for a query that cannot be read
Exit 0 when every query was answered (also when some could not be read); 1 when the library, model or pipeline
cannot be used; 2 on usage errors.`;

function jsonResult(query: string, index: number, r: MatchResult, calibration: Spectrum['meta']['calibration']): string {
  return jsonLine({
    query,
    index,
    method: r.method,
    ...(calibration ? { calibration } : {}),
    verdict: r.verdict,
    calibrated: r.calibrated,
    pipelines: r.vectors.map((v) => ({ modelId: v.modelId, hash: v.hash, steps: v.pipeline.steps })),
    exclude: r.exclude,
    matches: r.matches.map((m) => ({ rank: m.rank, substance: m.substance, score: m.score, gap: m.gap, spectrumId: m.spectrumId, sampleId: m.sampleId, hqi: m.hqi })),
  });
}

function humanResult(query: string, index: number, count: number, r: MatchResult): string[] {
  const lines = [`${query}${count > 1 ? ` [${index}]` : ''}: ${r.verdict}${r.calibrated ? '' : ' (uncalibrated)'} (${r.method}, ${r.references ?? 0} references)`];
  if (r.analystPipeline) lines.push(`  pipeline (query and references): ${r.analystPipeline.steps.map((s) => s.kind).join(' → ')}, then the method's own steps; hash ${r.pipelineHash?.slice(0, 12) ?? ''}`);
  if (r.exclude.length) lines.push(`  excluded: ${r.exclude.map(([a, b]) => `${a}–${b}`).join(', ')} cm⁻¹`);
  const w = Math.max(9, ...r.matches.map((m) => m.substance.length));
  lines.push(`  rank  ${'substance'.padEnd(w)}  score   gap    corr   deriv  cosine  eucl   sample`);
  for (const m of r.matches) {
    const f = (v: number): string => v.toFixed(3);
    lines.push(`  ${String(m.rank).padStart(4)}  ${m.substance.padEnd(w)}  ${f(m.score)}  ${f(m.gap)}  ${f(m.hqi.correlation)}  ${f(m.hqi.derivative)}  ${f(m.hqi.cosine)}   ${f(m.hqi.euclidean)}  ${m.sampleId ?? ''}`);
  }
  return lines;
}

export const command: CliCommand = {
  summary: 'rank the library substances that match each query spectrum',
  usage: USAGE,
  async run(argv, io) {
    let parsed;
    try {
      parsed = parseArgs({
        args: argv,
        allowPositionals: true,
        options: { library: { type: 'string' }, ...MATCH_FLAG_OPTIONS, json: { type: 'boolean' } },
      });
    } catch (err) {
      throw new SpecmatchError('E_USAGE', (err as Error).message);
    }
    const { values, positionals: queries } = parsed;
    if (queries.length === 0) throw new SpecmatchError('E_USAGE', 'match needs at least one QUERY file');
    const options = await parseMatchFlags(values);
    const json = values.json === true;
    const model = await modelForMatch(options, io);
    const lib = openLibraryForCli(values.library, { err: (line) => io.err(line) });
    // Reference vectors (missing embeddings, an analyst's pipeline) are computed before the first query that can
    // be read (not for a batch of unreadable files), once per library, model and pipeline.
    let prepared = false;
    try {
      for (const query of queries) {
        if (io.signal.aborted) break;
        const spectra = await readInputOrReport(query, io, { json, key: 'query' });
        if (!spectra) continue;
        if (!prepared) {
          prepared = true;
          await prepareLibraryForMatch(lib, options, model, io);
        }
        for (let i = 0; i < spectra.length; i++) {
          try {
            const q = lib.calibrate(spectra[i]!, values.instrument);
            const request: MatchRequest = { ...options, spectrum: q };
            const r = await runMatchRequest(lib, request, { model, signal: io.signal });
            if (json) io.out(jsonResult(query, i, r, q.meta.calibration));
            else {
              if (q.meta.calibration) io.out(`${query}${spectra.length > 1 ? ` [${i}]` : ''}: ${describeCalibration(q.meta.calibration)}`);
              for (const line of humanResult(query, i, spectra.length, r)) io.out(line);
            }
          } catch (err) {
            if (err instanceof SpecmatchError && (err.code === 'E_LIBRARY' || err.code === 'E_MODEL')) throw err;
            const info = errorInfo(err, query);
            if (json) io.out(jsonLine({ query, index: i, error: info }));
            else io.err(`error: ${info.message}`);
          }
        }
      }
    } finally {
      lib.close();
      model?.dispose();
    }
    return 0;
  },
};
