/**
 * Adds the fused-score calibration to a trained model folder (for models trained before `specmatch train` wrote it)
 * and, with --recommend, records the match method the model recommends (metrics.recommendedMethod, with the
 * evidence): the library then uses it by default. The validation classes are those of the model's own training
 * (same data in the same order, same seed), so the thresholds are measured on minerals it never trained on.
 *
 *   npx tsx scripts/calibrate-fused.ts --model resources/models/siamese-rruff-v3 --data A.tar.xz --data B.tar.xz … \
 *     [--alpha 0.5|learn] [--recommend fused --because "…"]
 */
import { parseArgs } from 'node:util';
import { chooseBackend } from '../src-core/node/engine/backend.js';
import { recalibrateModel } from '../src-core/node/engine/trainModel.js';

const { values } = parseArgs({
  options: {
    model: { type: 'string' },
    data: { type: 'string', multiple: true },
    alpha: { type: 'string' },
    recommend: { type: 'string' },
    because: { type: 'string' },
  },
});
if (!values.model || !values.data?.length) throw new Error('usage: --model DIR --data PATH… [--alpha A] [--recommend siamese|fused --because TEXT]');
if (values.recommend !== undefined && values.recommend !== 'siamese' && values.recommend !== 'fused') throw new Error('--recommend takes siamese or fused');
if (values.recommend && !values.because) throw new Error('--recommend needs --because (the evaluation that supports it)');
await chooseBackend({ force: 'wasm' });
await recalibrateModel({
  dir: values.model,
  data: values.data,
  ...(values.alpha ? { alpha: values.alpha === 'learn' ? ('learn' as const) : Number(values.alpha) } : {}),
  ...(values.recommend ? { recommend: { method: values.recommend, because: values.because! } } : {}),
  log: (l) => console.error(l),
});
