/**
 * `npm run bench -- map`: a 100 × 100 map (10,000 spectra × 1,000 points) identified against the bundled library
 * (4,549 RRUFF spectra) with the default method, as `specmatch map` does it (identifyMap → matchSpectra, batches
 * of MATCH_BATCH). The map is the synthetic one of the correctness test (test/syntheticMap.ts: RRUFF Processed
 * spectra with noise and baselines), so it needs ../shared/data. Reported: wall time of the identification
 * (reading excluded; reference embeddings computed beforehand, as they are once per library and model), time per
 * spectrum, the CPU time of the process (what the wall time is on an idle machine: one thread does the work), the
 * process's peak resident memory, and the load average at the start and the end.
 */
import { loadavg } from 'node:os';
import { performance } from 'node:perf_hooks';
import type { EmbeddingModel } from '../src-core/engine/EmbeddingModel.js';
import { loadDefaultModelIfAny } from '../src-core/node/library/cliSupport.js';
import { Library } from '../src-core/node/library/Library.js';
import { identifyMap } from '../src-core/node/map/identifyMap.js';
import { bundledLibraryPath } from '../test/bundledLibrary.js';
import { HAS_SHARED_DATA } from '../test/support.js';
import { buildSyntheticMap } from '../test/syntheticMap.js';

const load = (): string => loadavg().map((v) => v.toFixed(2)).join(' ');

export async function run(): Promise<void> {
  if (!HAS_SHARED_DATA) {
    console.log('skipped: needs ../shared/data (RRUFF spectra for the synthetic map)');
    return;
  }
  const side = Number(process.env['SPECMATCH_BENCH_MAP_SIDE'] ?? 100);
  const lib = Library.open(bundledLibraryPath());
  const model: EmbeddingModel | null = await loadDefaultModelIfAny();
  try {
    if (model && lib.embeddingStatus(model.key).missing > 0) {
      const t = performance.now();
      await lib.recomputeEmbeddings(model, {});
      console.log(`reference embeddings computed once: ${((performance.now() - t) / 1000).toFixed(1)} s`);
    }
    const synth = buildSyntheticMap({ width: side, height: side, points: 1000 });
    const n = synth.spectra.length;
    console.log(`map ${side} × ${side} = ${n} spectra × 1000 points; bundled library; load at start ${load()}`);
    const rssBefore = process.memoryUsage().rss;
    let peak = rssBefore;
    const timer = setInterval(() => {
      peak = Math.max(peak, process.memoryUsage().rss);
    }, 50);
    const cpu0 = process.cpuUsage();
    const t0 = performance.now();
    const r = await identifyMap(lib, synth.spectra, { model });
    const ms = performance.now() - t0;
    const cpu = process.cpuUsage(cpu0);
    const cpuS = (cpu.user + cpu.system) / 1e6;
    clearInterval(timer);
    peak = Math.max(peak, process.memoryUsage().rss);
    const maxRss = process.resourceUsage().maxRSS * 1024;
    console.log(`method ${r.method}: wall ${(ms / 1000).toFixed(1)} s (${(ms / n).toFixed(2)} ms per spectrum), CPU ${cpuS.toFixed(1)} s (${((1000 * cpuS) / n).toFixed(2)} ms per spectrum; the wall time on an idle core); phases ${r.map.phases.map((p) => `${p.substance} ${p.pixels}`).join(', ')}`);
    console.log(`memory: peak RSS ${(Math.max(peak, maxRss) / 2 ** 20).toFixed(0)} MiB (map spectra and library included; ${(rssBefore / 2 ** 20).toFixed(0)} MiB before matching); load at end ${load()}`);
  } finally {
    lib.close();
    model?.dispose();
  }
}
