/**
 * `npm run bench -- formats-opus-spa`: read time of every OPUS / OMNIC / JobinYvon XML / TriVista / LabSpec 6 file
 * in ../shared/data/vendor (median of 20 reads), and a robustness sweep: 1000 truncated or byte-mutated copies of
 * each file, counting how many were read, how many refused with a SpecmatchError, and how many threw anything else
 * (must be 0). Results are recorded in docs/results/formats-opus-spa.md.
 */
import { existsSync, readFileSync } from 'node:fs';
import { join, relative, resolve } from 'node:path';
import { makeRng } from '../src-core/engine/random.js';
import { SpecmatchError } from '../src-core/errors.js';
import { formatReaders, readSpectra } from '../src-core/formats/readSpectra.js';
import { fuzzSweep } from './fuzzSweep.js';
import { HAS_SHARED_DATA, SHARED_DATA, walkFiles } from '../test/support.js';

const FOLDERS = [
  'vendor/opus',
  'vendor/spa',
  'vendor/horiba/rosettasciio_jobinyvon_xml',
  'vendor/horiba/ramanchada2',
  'vendor/trivista',
];
const MINE = new Set(['bruker-opus', 'omnic-spa', 'omnic-spg', 'jobinyvon-xml', 'trivista', 'labspec6']);

// eslint-disable-next-line @typescript-eslint/require-await -- bench/run.ts awaits every bench's run(); this one is synchronous
export async function run(): Promise<void> {
  if (!HAS_SHARED_DATA) {
    console.log(`skipped: needs ../shared/data (not found at ${SHARED_DATA})`);
    return;
  }
  const files = FOLDERS.flatMap((f) => (existsSync(join(SHARED_DATA, f)) ? walkFiles(join(SHARED_DATA, f)) : [])).filter(
    (f) => !f.endsWith('.txt'),
  );
  console.log(
    '| file | reader | bytes | spectra | read ms (median of 20) | fuzz cases | read | refused (typed) | untyped |',
  );
  console.log('|---|---|---|---|---|---|---|---|---|');
  let totalUntyped = 0;
  for (const [n, f] of files.entries()) {
    const bytes = Uint8Array.from(readFileSync(f));
    let format = '';
    let spectra = 0;
    try {
      const r = readSpectra(bytes, f);
      format = r.format;
      spectra = r.spectra.length;
    } catch (err) {
      format = err instanceof SpecmatchError ? `(${err.code})` : '(untyped!)';
    }
    const reader =
      formatReaders.find((r) => r.id === format.replace(/[()]/g, '')) ??
      formatReaders.find((r) => MINE.has(r.id) && r.sniff(bytes, f) >= 3);
    if (!reader || !MINE.has(reader.id)) continue;
    const times: number[] = [];
    for (let k = 0; k < 20; k++) {
      const t0 = performance.now();
      try {
        reader.read(bytes, f);
      } catch {
        // Refused files (interferogram, .l6s) are timed too: the refusal must be cheap.
      }
      times.push(performance.now() - t0);
    }
    times.sort((a, b) => a - b);
    const rand = makeRng(n + 1);
    const damage = (k: number): Uint8Array => {
      if (k % 3 === 0) return bytes.subarray(0, Math.floor(rand() * bytes.length));
      const input = Uint8Array.from(bytes);
      const flips = 1 + Math.floor(rand() * 16);
      for (let j = 0; j < flips; j++) {
        const span = rand() < 0.5 ? Math.min(4096, input.length) : input.length;
        input[Math.floor(rand() * span)] = Math.floor(rand() * 256);
      }
      return input;
    };
    const { read, refused, untyped } = fuzzSweep(1000, damage, (input) => reader.read(input, f));
    totalUntyped += untyped;
    console.log(
      `| ${relative(resolve(SHARED_DATA), f)} | ${reader.id} | ${bytes.length} | ${spectra} | ${times[10]!.toFixed(2)} | 1000 | ${read} | ${refused} | ${untyped} |`,
    );
  }
  console.log(`\nuntyped exceptions in all sweeps: ${totalUntyped}`);
}
