import { parseArgs } from 'node:util';
import { SpecmatchError } from '../../../errors.js';
import type { CliCommand } from '../CliCommand.js';
import { jsonLine } from '../output.js';

export const command: CliCommand = {
  summary: 'combine trained Siamese models into one ensemble model',
  usage: `specmatch ensemble MODEL_DIR MODEL_DIR… --data PATH… --out DIR [--id ID] [--json]

Combines Siamese models of one architecture, trained on the same data with the same --seed (class split) and
different --init-seed, into one model folder whose score is the mean of the members' logits (their embeddings side
by side). The ensemble is calibrated like a trained model (verdict thresholds, fusion α) on the members' common
held-out classes, read again from --data. Use it like any model: SPECMATCH_MODEL=DIR, or copy it into
resources/models.
  --data PATH       the members' training data, as given to 'specmatch train' (repeatable, same order)
  --out DIR         output folder
  --id ID           model id in the manifest (default: DIR's name)
  --json            the manifest as one JSON line on stdout`,
  async run(argv, io) {
    let parsed;
    try {
      parsed = parseArgs({
        args: argv,
        allowPositionals: true,
        options: { data: { type: 'string', multiple: true }, out: { type: 'string' }, id: { type: 'string' }, json: { type: 'boolean' } },
      });
    } catch (err) {
      throw new SpecmatchError('E_USAGE', (err as Error).message);
    }
    const v = parsed.values;
    if (parsed.positionals.length < 2) throw new SpecmatchError('E_USAGE', `ensemble needs at least two MODEL_DIR, got ${parsed.positionals.length}`);
    if (!v.data?.length) throw new SpecmatchError('E_USAGE', 'ensemble needs --data PATH (the members’ training data)');
    if (!v.out) throw new SpecmatchError('E_USAGE', 'ensemble needs --out DIR');
    const { buildEnsemble } = await import('../../engine/ensemble.js');
    const manifest = await buildEnsemble({ members: parsed.positionals, data: v.data, outDir: v.out, ...(v.id ? { id: v.id } : {}), log: (l) => io.err(l) });
    if (v.json === true) io.out(jsonLine({ event: 'done', dir: v.out, manifest }));
    else {
      const m = manifest.metrics;
      io.out(`${v.out}: ${manifest.id}, ensemble of ${parsed.positionals.length} models, validation one-shot top-1 ${Number(m['validationOneShotTop1']).toFixed(3)}, fused ${Number(m['validationOneShotTop1Fused']).toFixed(3)} (α ${String(m['fusionAlpha'])})`);
    }
    return 0;
  },
};
