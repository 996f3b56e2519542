import { parseArgs } from 'node:util';
import { SpecmatchError } from '../../../errors.js';
import { canonicalPipelineJson, pipelineHash, runPipeline, validatePipeline } from '../../../preprocess/pipeline.js';
import { getPreset, PRESETS } from '../../../preprocess/presets.js';
import type { CliCommand } from '../CliCommand.js';
import { loadPipelineFile } from '../matchFlags.js';
import { readInputOrReport } from '../readInput.js';
import { errorInfo, jsonLine } from '../output.js';

const usage = `specmatch preprocess (--preset NAME | --pipeline FILE.json) [--json] FILE…
specmatch preprocess --list [--json]

Runs a preprocessing pipeline on every spectrum of each FILE and prints the result.
  --preset NAME         a named pipeline (see --list)
  --pipeline FILE.json  a pipeline file: {"schemaVersion": 1, "steps": [{"kind": "baseline.als", "params": {…}}, …]}
  --json                one line per spectrum: {"file","index","x":[…],"y":[…]}; a file that cannot be read gives
                        {"file","error":{"code","message"}} (as inspect), a spectrum a step cannot process
                        {"file","index","error":{"code","message"}}
  --list                the presets; with --json one line per preset: {"name","steps"} (defaults filled in)
Without --json each spectrum prints as a '#' header line and tab-separated x, y lines.
Exit 0 when every input was answered (also when some failed), 1 for an unusable pipeline, 2 on usage errors.`;

export const command: CliCommand = {
  summary: 'run a preprocessing pipeline on spectrum files',
  usage,
  async run(argv, io) {
    let parsed;
    try {
      parsed = parseArgs({
        args: argv,
        allowPositionals: true,
        options: {
          json: { type: 'boolean' },
          preset: { type: 'string' },
          pipeline: { type: 'string' },
          list: { type: 'boolean' },
        },
      });
    } catch (err) {
      throw new SpecmatchError('E_USAGE', (err as Error).message);
    }
    const { values, positionals: files } = parsed;
    const json = values.json === true;
    if (values.list === true) {
      if (files.length > 0 || values.preset !== undefined || values.pipeline !== undefined) {
        throw new SpecmatchError('E_USAGE', '--list takes no FILE, --preset or --pipeline');
      }
      for (const preset of PRESETS) {
        const pipeline = validatePipeline(preset.pipeline);
        if (json) io.out(jsonLine({ name: preset.name, steps: pipeline.steps }));
        else {
          io.out(`${preset.name}  (hash ${pipelineHash(pipeline).slice(0, 12)})`);
          io.out(`  ${preset.description}`);
          io.out(`  ${pipeline.steps.length === 0 ? '(no steps)' : pipeline.steps.map((s) => s.kind).join(' → ')}`);
        }
      }
      return 0;
    }
    if ((values.preset === undefined) === (values.pipeline === undefined)) {
      throw new SpecmatchError('E_USAGE', 'give exactly one of --preset NAME and --pipeline FILE.json');
    }
    if (files.length === 0) throw new SpecmatchError('E_USAGE', 'preprocess needs at least one FILE');
    const pipeline =
      values.preset !== undefined ? getPreset(values.preset).pipeline : await loadPipelineFile(values.pipeline!);
    const label = values.preset !== undefined ? `preset ${values.preset}` : `pipeline ${values.pipeline}`;
    const hash = pipelineHash(pipeline).slice(0, 12);
    if (!json) io.err(`${label}: ${canonicalPipelineJson(pipeline)}`);
    for (const file of files) {
      if (io.signal.aborted) break;
      const spectra = await readInputOrReport(file, io, { json, key: 'file' });
      if (!spectra) continue;
      for (const [index, spectrum] of spectra.entries()) {
        try {
          const { result } = runPipeline(spectrum, pipeline);
          if (json) io.out(jsonLine({ file, index, x: result.x, y: result.y }));
          else {
            io.out(
              `# ${file} [${index}] ${spectrum.meta.substance ?? '(no name)'}: ${result.x.length} points after ${label} (hash ${hash})`,
            );
            const lines: string[] = [];
            for (let i = 0; i < result.x.length; i++) lines.push(`${result.x[i]}\t${result.y[i]}`);
            io.out(lines.join('\n'));
          }
        } catch (err) {
          const info = errorInfo(err, file);
          if (json) io.out(jsonLine({ file, index, error: info }));
          else io.err(`error: ${info.message}`);
        }
      }
    }
    return 0;
  },
};
