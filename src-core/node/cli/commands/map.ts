import { extname, basename } from 'node:path';
import { parseArgs } from 'node:util';
import type { EmbeddingModel } from '../../../engine/EmbeddingModel.js';
import { SpecmatchError } from '../../../errors.js';
import { phaseFigurePng } from '../../../map/phaseFigure.js';
import { summaryLines } from '../../../map/phaseMap.js';
import { mapCsv, mapJsonLines, mapRows } from '../../../map/mapTable.js';
import type { MatchMethod } from '../../../matching/types.js';
import type { Pipeline } from '../../../preprocess/pipeline.js';
import { getPreset } from '../../../preprocess/presets.js';
import { readFileBytes } from '../../io/readSpectrumFile.js';
import { readSpectra } from '../../../formats/readSpectra.js';
import { appVersion } from '../../packageInfo.js';
import { createMapReport, mapFileSha256 } from '../../report/mapReport.js';
import { checkOutputPath, writeFileAtomic } from '../../io/writeFileAtomic.js';
import { loadDefaultModelIfAny, openLibraryForCli } from '../../library/cliSupport.js';
import { MATCH_METHODS, defaultMethodFor } from '../../library/matchLibrary.js';
import { identifyMap } from '../../map/identifyMap.js';
import type { CliCommand } from '../CliCommand.js';
import { jsonLine } from '../output.js';
import { loadPipelineFile, prepareLibraryForMatch } from '../matchFlags.js';

const USAGE = `specmatch map [--library F] [--method M] [--preset NAME|--pipeline FILE] [--min-score S] [--despike]
              [--snr-min R] [--force] [--json] [--lab NAME] [--analyst NAME] [--notes TEXT] [--title TEXT]
              --out OUT.png|OUT.csv|OUT.json|OUT.pdf [--out …] FILE

Identifies every spectrum of a map, line scan or multi-spectrum file (WDF, JobinYvon XML, LabSpec/WITec text map
exports, multi-spectrum tables …) and writes a phase map.
  --out OUT.png       phase image: one colour per substance, unidentified pixels grey, legend with pixel counts,
                      a scale bar in µm when the file has stage positions (x to the right, y downwards)
  --out OUT.csv       one row per spectrum: x,y,substance,score,verdict (x, y: stage position in µm as in the file;
                      column and row of the pixel when the file has no positions)
  --out OUT.json      the same as JSON lines {"x","y","substance","score","verdict"}
  --out OUT.pdf       a one-page report: the phase image with its scale bar and colour key, a table of the phases
                      (pixels, fraction, mean score), how pixels were assigned and cleaned, the method (pipeline,
                      model, library), notes and signature lines (--lab, --analyst, --notes, --title print in it)
                      (--out may be given several times; each file is written whole or not at all)
  --force             replace an OUT that exists (keeping its permissions); FILE itself is never replaced
  --library F         the library (default: your default library)
  --method M          ${MATCH_METHODS.join(' | ')} (default: the installed model's recommended method, else hqi-derivative)
  --preset NAME       preprocess every spectrum with a named pipeline first (specmatch preprocess --list)
  --pipeline FILE     … or with a pipeline file
  --min-score S       a pixel is assigned only with a 'match' or 'ambiguous' verdict and a score ≥ S (0–1)
  --despike           remove cosmic rays across neighbouring pixels (a spike present in one pixel only)
  --snr-min R         leave spectra with a signal-to-noise ratio under R unmatched ('low-signal', dark grey)
  --json              print the summary as one JSON line {"file","spectra","width","height","method",
                      "substances":[{"substance","pixels","fraction","meanScore"}],"unidentified","lowSignal"}
Progress goes to stderr. Ctrl-C stops the work and writes nothing.
Exit 0 when the map was written; 1 when the file, library, model or output cannot be used; 2 on usage errors.`;

export const command: CliCommand = {
  summary: 'identify every pixel of a map or line scan and write a phase map',
  usage: USAGE,
  async run(argv, io) {
    let parsed;
    try {
      parsed = parseArgs({
        args: argv,
        allowPositionals: true,
        options: {
          library: { type: 'string' },
          method: { type: 'string' },
          preset: { type: 'string' },
          pipeline: { type: 'string' },
          'min-score': { type: 'string' },
          despike: { type: 'boolean' },
          'snr-min': { type: 'string' },
          out: { type: 'string', multiple: true },
          force: { type: 'boolean' },
          json: { type: 'boolean' },
          lab: { type: 'string' },
          analyst: { type: 'string' },
          notes: { type: 'string' },
          title: { type: 'string' },
        },
      });
    } catch (err) {
      throw new SpecmatchError('E_USAGE', (err as Error).message);
    }
    const { values, positionals } = parsed;
    if (positionals.length !== 1) throw new SpecmatchError('E_USAGE', `map needs exactly one FILE, got ${positionals.length}`);
    const file = positionals[0]!;
    const outs = values.out ?? [];
    if (outs.length === 0) throw new SpecmatchError('E_USAGE', 'map needs --out OUT.png, OUT.csv, OUT.json or OUT.pdf');
    for (const o of outs) {
      if (!['.png', '.csv', '.json', '.pdf'].includes(extname(o).toLowerCase())) throw new SpecmatchError('E_USAGE', `--out ${o}: the format follows the extension: .png, .csv, .json or .pdf`);
    }
    const method = values.method as MatchMethod | undefined;
    if (method !== undefined && !MATCH_METHODS.includes(method)) throw new SpecmatchError('E_USAGE', `--method must be one of ${MATCH_METHODS.join(', ')}, got '${method}'`);
    if (values.preset !== undefined && values.pipeline !== undefined) throw new SpecmatchError('E_USAGE', 'give at most one of --preset and --pipeline');
    const number = (name: string, v: string | undefined, lo: number, hi: number): number | undefined => {
      if (v === undefined) return undefined;
      const n = Number(v);
      if (v.trim() === '' || !Number.isFinite(n) || n < lo || n > hi) throw new SpecmatchError('E_USAGE', `--${name} expects a number from ${lo} to ${hi}, got '${v}'`);
      return n;
    };
    const minScore = number('min-score', values['min-score'], 0, 1);
    const snrMin = number('snr-min', values['snr-min'], 0, 1e6);
    let pipeline: Pipeline | undefined;
    if (values.preset !== undefined) pipeline = getPreset(values.preset).pipeline;
    else if (values.pipeline !== undefined) pipeline = await loadPipelineFile(values.pipeline);
    // Refuse an unwritable output before the work, not after minutes of matching.
    // As `report`: the map file itself is never replaced, an existing output only with --force (permissions kept).
    const outputRules = { inputs: [file], existing: values.force === true ? ('replace' as const) : ('refuse' as const) };
    for (const o of outs) checkOutputPath(o, outputRules);

    const bytes = await readFileBytes(file);
    const read = readSpectra(bytes, file);
    for (const w of read.warnings) io.err(`warning: ${w}`);

    let model: EmbeddingModel | null = null;
    if (method === undefined || method === 'siamese' || method === 'fused') {
      model = await loadDefaultModelIfAny();
      if (!model && method !== undefined) throw new SpecmatchError('E_MODEL', `no Siamese model is installed: --method ${method} needs one; choose a classic --method`);
      if (model && method === undefined && !['siamese', 'fused'].includes(defaultMethodFor(model.manifest))) {
        model.dispose();
        model = null;
      }
    }
    const lib = openLibraryForCli(values.library, { err: (line) => io.err(line) });
    try {
      // As `match`: missing reference embeddings, and the references through an analyst's pipeline, first.
      await prepareLibraryForMatch(lib, { ...(method === undefined ? {} : { method }), ...(pipeline ? { pipeline } : {}) }, model, io);
      const started = Date.now();
      let lastReport = 0;
      const result = await identifyMap(lib, read.spectra, {
        ...(method === undefined ? {} : { method }),
        model,
        ...(pipeline ? { pipeline } : {}),
        ...(minScore === undefined ? {} : { minScore }),
        despike: values.despike === true,
        ...(snrMin === undefined ? {} : { snrMin }),
        signal: io.signal,
        onProgress(done, total) {
          const now = Date.now();
          if (done < total && now - lastReport < 1000) return;
          lastReport = now;
          io.err(`matched ${done}/${total} spectra (${Math.round((100 * done) / total)} %, ${((now - started) / 1000).toFixed(1)} s)`);
        },
      });
      if (io.signal.aborted) throw new SpecmatchError('E_CANCELLED', 'interrupted: nothing written');
      const { map } = result;
      if (result.spikes > 0) io.err(`removed ${result.spikes} cosmic-ray spikes in ${result.spikePixels} spectra`);
      const methodLabel = `${result.method}${result.modelId ? ` (${result.modelId})` : ''}`;
      const rows = mapRows(map, result.spectra);
      for (const o of outs) {
        const ext = extname(o).toLowerCase();
        if (ext === '.pdf') {
          const { renderReportPdf } = await import('../../report/renderReportPdf.js');
          const input = createMapReport(
            { fileName: file, sha256: mapFileSha256(bytes), format: read.format, identified: result, ...(pipeline ? { pipeline } : {}), despike: values.despike === true, ...(snrMin === undefined ? {} : { snrMin }) },
            {
              library: lib,
              model,
              appVersion: appVersion(),
              ...(values.title ? { title: values.title } : {}),
              ...(values.lab ? { lab: values.lab } : {}),
              ...(values.analyst ? { analyst: values.analyst } : {}),
              ...(values.notes ? { notes: values.notes } : {}),
            },
          );
          writeFileAtomic(o, await renderReportPdf(input), outputRules);
          io.err(`wrote ${o}`);
          continue;
        }
        const out =
          ext === '.png'
            ? phaseFigurePng(map, { title: `${basename(file)}: phase map`, subtitle: `${read.spectra.length} spectra · ${methodLabel}${minScore === undefined ? '' : ` · min score ${minScore}`}${pipeline ? ` · ${values.preset ?? values.pipeline}` : ''}` })
            : ext === '.csv'
              ? mapCsv(rows)
              : mapJsonLines(rows);
        writeFileAtomic(o, out, outputRules);
        io.err(`wrote ${o}`);
      }
      if (values.json === true) {
        io.out(
          jsonLine({
            file,
            spectra: read.spectra.length,
            width: map.layout.width,
            height: map.layout.height,
            method: result.method,
            substances: map.phases.map((p) => ({ substance: p.substance, pixels: p.pixels, fraction: p.fraction, meanScore: p.meanScore })),
            unidentified: map.unidentified,
            lowSignal: map.lowSignal,
          }),
        );
      } else {
        io.out(`${file}: ${methodLabel}`);
        for (const line of summaryLines(map)) io.out(line);
      }
    } finally {
      lib.close();
      model?.dispose();
    }
    return 0;
  },
};
