/**
 * `npm run bench -- formats-wdf-sif`: for every Renishaw WDF/WXD, Andor SIF, Princeton SPE and PerkinElmer SP file
 * in ../shared/data/vendor: read time (median of 10 reads), spectra returned, and a robustness sweep of 600
 * copies per file, a third each truncated, overwritten with a run of 0xFF (NaN data) and byte-mutated (read /
 * refused with a SpecmatchError / anything else, and spectra returned without a point: both must be 0).
 * Then the largest deviation from each text reference. Recorded in docs/results/formats-wdf-sif.md.
 */
import { readFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import { SpecmatchError } from '../src-core/errors.js';
import { readSpectra } from '../src-core/formats/readSpectra.js';
import { fuzzSweep } from './fuzzSweep.js';
import { HAS_SHARED_DATA, SHARED_DATA, walkFiles } from '../test/support.js';

const FOLDERS = ['vendor/wdf', 'vendor/sif', 'vendor/spe', 'vendor/sp_perkinelmer'];
const BINARY = /\.(wdf|wxd|sif|spe|sp)$/i;
const SWEEP = 600;

/** xorshift32, seeded per file: the sweep is reproducible. */
function xorshift(seed: number): () => number {
  let s = seed >>> 0 || 1;
  return () => {
    s ^= s << 13;
    s >>>= 0;
    s ^= s >>> 17;
    s ^= s << 5;
    s >>>= 0;
    return s / 4294967296;
  };
}

function median(v: number[]): number {
  const s = [...v].sort((a, b) => a - b);
  return s[Math.floor(s.length / 2)]!;
}

/** Numeric pairs of a text export (any non-numeric line skipped). */
function pairs(path: string, sep: RegExp): number[][] {
  return readFileSync(path, 'latin1')
    .split(/\r?\n/)
    .map((l) => l.split(sep).map((t) => Number(t)))
    .filter((r) => r.length >= 2 && Number.isFinite(r[0]) && Number.isFinite(r[1]) && r[0] !== 0);
}

function maxDiff(a: ArrayLike<number>, b: ArrayLike<number>): number {
  let m = 0;
  for (let i = 0; i < a.length; i++) m = Math.max(m, Math.abs(a[i]! - b[i]!));
  return m;
}

// eslint-disable-next-line @typescript-eslint/require-await -- bench/run.ts awaits every bench's run(); this one is synchronous
export async function run(): Promise<void> {
  if (!HAS_SHARED_DATA) {
    console.log(`skipped: needs ../shared/data (not found at ${SHARED_DATA})`);
    return;
  }
  const files = FOLDERS.flatMap((f) => walkFiles(join(SHARED_DATA, f))).filter((f) => BINARY.test(f));
  console.log(
    '| file | format | spectra × points | read ms (median of 10) | sweep: read | refused (typed) | untyped | empty spectrum |',
  );
  console.log('|---|---|---|---|---|---|---|---|');
  let untypedTotal = 0;
  for (const [n, f] of files.entries()) {
    const bytes = Uint8Array.from(readFileSync(f));
    const times: number[] = [];
    let format = '';
    let shape = '';
    for (let k = 0; k < 10; k++) {
      const t = performance.now();
      try {
        const r = readSpectra(bytes, f);
        format = r.format;
        shape = `${r.spectra.length} × ${r.spectra[0]!.x.length}`;
      } catch (err) {
        format = err instanceof SpecmatchError ? err.code : 'untyped!';
      }
      times.push(performance.now() - t);
    }
    const rnd = xorshift(0x5eed + n);
    const damage = (k: number): Uint8Array => {
      const copy = bytes.slice();
      if (k % 3 === 0) return copy.subarray(0, Math.floor(rnd() * copy.length));
      if (k % 3 === 1) {
        // A run of 0xFF bytes: NaN float data, or nonsense counts where it hits a header.
        const at = Math.floor(rnd() * copy.length);
        copy.fill(0xff, at, Math.min(copy.length, at + Math.floor((rnd() * copy.length) / 2)));
        return copy;
      }
      const hits = 1 + Math.floor(rnd() * 8);
      // Half the mutations land in the first 4 KiB, where the headers and counts are.
      for (let j = 0; j < hits; j++) {
        const span = j % 2 === 0 ? Math.min(copy.length, 4096) : copy.length;
        copy[Math.floor(rnd() * span)] = Math.floor(rnd() * 256);
      }
      return copy;
    };
    let empty = 0;
    const swept = fuzzSweep(SWEEP, damage, (copy) => {
      if (readSpectra(copy, f).spectra.some((sp) => sp.x.length === 0)) empty++;
    });
    untypedTotal += swept.untyped + empty;
    const name = relative(join(SHARED_DATA, 'vendor'), f);
    console.log(
      `| ${name} | ${format} | ${shape} | ${median(times).toFixed(2)} | ${swept.read} | ${swept.refused} | ${swept.untyped} | ${empty} |`,
    );
  }
  console.log(`\nuntyped exceptions or point-less spectra in the sweep: ${untypedTotal} (must be 0)\n`);

  // Accuracy against the text references that sit beside the binaries.
  const v = (...p: string[]): string => join(SHARED_DATA, 'vendor', ...p);
  console.log('| binary | reference | points | max |Δx| | max |Δy| |');
  console.log('|---|---|---|---|---|');
  const report = (bin: string, ref: string, rows: number[][], fx: (x: number) => number = (x) => x): void => {
    const s = readSpectra(readFileSync(bin), bin).spectra[0]!;
    const sorted = [...rows].sort((a, b) => a[0]! - b[0]!);
    const dx = maxDiff(
      Array.from(s.x, fx),
      sorted.map((r) => r[0]!),
    );
    const dy = maxDiff(
      s.y,
      sorted.map((r) => r[1]!),
    );
    console.log(
      `| ${relative(v(), bin)} | ${relative(v(), ref)} | ${s.x.length}/${rows.length} | ${dx.toExponential(2)} | ${dy.toExponential(2)} |`,
    );
  };
  const wdfBase = v('wdf/ramanchada2/nCal_Qontor785_z005H12_100_1x3s');
  report(`${wdfBase}.wdf`, `${wdfBase}.txt`, pairs(`${wdfBase}.txt`, /\t/));
  const wxdBase = v('wdf/ramanchada2_wxd/PST_Reflex532_Z050_010_10000msx2');
  report(`${wxdBase}.wxd`, `${wxdBase}.txt`, pairs(`${wxdBase}.txt`, /\t/));
  // Solis computes its axis in float32: compare our axis rounded the same way.
  report(
    v('sif/sif_parser/raman1.sif'),
    v('sif/sif_parser/raman1.asc'),
    pairs(v('sif/sif_parser/raman1.asc'), /\t/),
    Math.fround,
  );
  for (const i of [0, 1, 2]) {
    const ref = v('sif/sif_parser/cli/reference', `cli-${i}.csv`);
    report(v('sif/sif_parser/cli', `cli-${i}.sif`), ref, pairs(ref, /,/), Math.fround);
  }
}
