/**
 * `npm run bench -- formats-text`: read time of the text formats (delimited text, OpenSpecy, Agilent ASP, ROD,
 * RRUFF) on the files in ../shared/data they are tested on: median of 20 reads through `readSpectra` (content
 * detection included), and the throughput that gives. Results are recorded in docs/results/formats-text.md.
 */
import { readFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import { readSpectra } from '../src-core/formats/readSpectra.js';
import { HAS_SHARED_DATA, SHARED_DATA, walkFiles } from '../test/support.js';

const FOLDERS = ['vendor/text', 'vendor/bwtek', 'vendor/horiba/spectrochempy_labspec_txt', 'vendor/witec', 'vendor/asp', 'vendor/rod', 'vendor/rruff_txt', 'other/rampp_microplastics'];
const EXTRA = ['vendor/sif/sif_parser/raman1.asc', 'vendor/wdf/ramanchada2/nCal_Qontor785_z005H12_100_1x3s.txt', 'vendor/horiba/ramanchada2/PST10_iR785_OP01_8000msx8.txt'];
const TEXT_EXT = /\.(txt|csv|tsv|asc|json|yml|asp|rod)$/i;

function median(v: number[]): number {
  const s = [...v].sort((a, b) => a - b);
  return s[Math.floor(s.length / 2)]!;
}

export async function run(): Promise<void> {
  if (!HAS_SHARED_DATA) {
    console.log(`skipped: needs ../shared/data (not found at ${SHARED_DATA})`);
    return;
  }
  const files = [...FOLDERS.flatMap((f) => walkFiles(join(SHARED_DATA, f)).filter((p) => TEXT_EXT.test(p))), ...EXTRA.map((f) => join(SHARED_DATA, f))];
  console.log('| file | kB | reader | spectra | points | read ms (median of 20) | MB/s |');
  console.log('|---|---|---|---|---|---|---|');
  let totalBytes = 0;
  let totalMs = 0;
  for (const f of files) {
    const bytes = new Uint8Array(readFileSync(f));
    const times: number[] = [];
    let summary = '';
    for (let k = 0; k < 22; k++) {
      const t0 = performance.now();
      try {
        const r = readSpectra(bytes, f);
        summary = `${r.format} | ${r.spectra.length} | ${r.spectra[0]!.x.length}`;
      } catch (err) {
        summary = `refused: ${(err as Error).message.split(': ').slice(-1)[0]} | 0 | 0`;
      }
      if (k >= 2) times.push(performance.now() - t0); // first two reads warm the JIT
    }
    const ms = median(times);
    totalBytes += bytes.length;
    totalMs += ms;
    console.log(`| ${relative(SHARED_DATA, f)} | ${(bytes.length / 1024).toFixed(1)} | ${summary} | ${ms.toFixed(2)} | ${(bytes.length / 1e6 / (ms / 1000)).toFixed(1)} |`);
  }
  console.log(`\n${files.length} files, ${(totalBytes / 1e6).toFixed(2)} MB, ${totalMs.toFixed(1)} ms in all: ${(totalBytes / 1e6 / (totalMs / 1000)).toFixed(1)} MB/s`);
  await Promise.resolve();
}
