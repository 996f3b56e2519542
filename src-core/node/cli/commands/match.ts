import { parseArgs } from 'node:util';
import type { EmbeddingModel } from '../../../engine/EmbeddingModel.js';
import { SpecmatchError } from '../../../errors.js';
import { parseExcludeRange } from '../../../matching/excludeMask.js';
import type { MatchMethod, MatchResult } from '../../../matching/types.js';
import { embedMissingForCli, loadDefaultModelIfAny, openLibraryForCli } from '../../library/cliSupport.js';
import { DEFAULT_TOP_K, MATCH_METHODS, defaultMethodFor, matchSpectrum } from '../../library/matchLibrary.js';
import type { CliCommand } from '../CliCommand.js';
import { describeCalibration } from '../../../calibration/profile.js';
import type { Spectrum } from '../../../spectrum/Spectrum.js';
import { readInputOrReport } from '../readInput.js';
import { errorInfo, jsonLine } from '../output.js';

const USAGE = `specmatch match [--library FILE] [--method M] [--top K] [--exclude FROM-TO]… [--instrument NAME|none] [--json] QUERY…

Ranks the library's substances against every spectrum in each QUERY file (one substance per row: its best
reference spectrum, the score in [0, 1], every HQI for that pair, the gap to the next substance, and a verdict).
  --library FILE     the library (default: your default library, created on first use from the bundled RRUFF pack)
  --method M         ${MATCH_METHODS.join(' | ')} (default: hqi-derivative, or the installed model's method when its manifest recommends it)
  --top K            substances per query (default ${DEFAULT_TOP_K}; more than the library holds returns all)
  --exclude FROM-TO  mask an x range in cm⁻¹ (substrate, glass, CO₂); repeatable
  --instrument NAME  calibrate each query with NAME's latest calibration first (default: the instrument whose
                     rules recognise the file, if any; none: match the raw axis)
  --json             one line per query spectrum:
                     {"query","index","verdict","matches":[{"rank","substance","score","gap","spectrumId","sampleId",
                      "hqi":{"correlation","derivative","cosine","euclidean"}}]} (plus "calibration":{"instrument",
                      "calibrationId","standard","date","rms"} when the query was calibrated)
                     or {"query","error":{"code","message"}} for a query that cannot be read
Exit 0 when every query was answered (also when some could not be read); 1 when the library or model cannot be
used; 2 on usage errors.`;

function jsonResult(query: string, index: number, r: MatchResult, calibration: Spectrum['meta']['calibration']): string {
  return jsonLine({
    query,
    index,
    ...(calibration ? { calibration } : {}),
    verdict: r.verdict,
    matches: r.matches.map((m) => ({ rank: m.rank, substance: m.substance, score: m.score, gap: m.gap, spectrumId: m.spectrumId, sampleId: m.sampleId, hqi: m.hqi })),
  });
}

function humanResult(query: string, index: number, count: number, r: MatchResult): string[] {
  const lines = [`${query}${count > 1 ? ` [${index}]` : ''}: ${r.verdict} (${r.method}, ${r.references ?? 0} references)`];
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
        options: { library: { type: 'string' }, method: { type: 'string' }, top: { type: 'string' }, exclude: { type: 'string', multiple: true }, instrument: { type: 'string' }, json: { type: 'boolean' } },
      });
    } catch (err) {
      throw new SpecmatchError('E_USAGE', (err as Error).message);
    }
    const { values, positionals: queries } = parsed;
    if (queries.length === 0) throw new SpecmatchError('E_USAGE', 'match needs at least one QUERY file');
    const method = values.method as MatchMethod | undefined;
    if (method !== undefined && !MATCH_METHODS.includes(method)) throw new SpecmatchError('E_USAGE', `--method must be one of ${MATCH_METHODS.join(', ')}, got '${method}'`);
    let topK = DEFAULT_TOP_K;
    if (values.top !== undefined) {
      if (!/^\d+$/.test(values.top) || Number(values.top) < 1) throw new SpecmatchError('E_USAGE', `--top expects a whole number ≥ 1, got '${values.top}'`);
      topK = Number(values.top);
    }
    const exclude = (values.exclude ?? []).map(parseExcludeRange);
    const json = values.json === true;

    let model: EmbeddingModel | null = null;
    if (method === undefined || method === 'siamese' || method === 'fused') {
      model = await loadDefaultModelIfAny();
      if (!model && method !== undefined) throw new SpecmatchError('E_MODEL', `no Siamese model is installed (resources/models/): --method ${method} needs one; choose a classic --method`);
      if (!model) io.err('note: no Siamese model installed; matching with hqi-derivative');
      if (model && method === undefined && !['siamese', 'fused'].includes(defaultMethodFor(model))) {
        // The shipped model does not recommend itself (see defaultMethodFor): do not embed the library for nothing.
        model.dispose();
        model = null;
      }
    }
    const lib = openLibraryForCli(values.library, { err: (line) => io.err(line) });
    // Missing reference embeddings are computed before the first query that can be read (not for a batch of
    // unreadable files), once per library and model.
    let embeddingsChecked = model === null;
    const ensureEmbeddings = async (): Promise<void> => {
      if (embeddingsChecked) return;
      embeddingsChecked = true;
      await embedMissingForCli(lib, model, io);
    };
    try {
      for (const query of queries) {
        if (io.signal.aborted) break;
        const spectra = await readInputOrReport(query, io, { json, key: 'query' });
        if (!spectra) continue;
        await ensureEmbeddings();
        for (let i = 0; i < spectra.length; i++) {
          try {
            const q = lib.calibrate(spectra[i]!, values.instrument);
            const r = await matchSpectrum(lib, q, { ...(method === undefined ? {} : { method }), topK, exclude, model });
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
