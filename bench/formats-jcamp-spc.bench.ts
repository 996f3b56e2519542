/**
 * `npm run bench -- formats-jcamp-spc`: for the JCAMP-DX and Galactic SPC readers, on every file in
 * ../shared/data/vendor/jcamp and vendor/spc:
 * 1. read time per folder (sum over files of the median of 5 reads);
 * 2. a robustness sweep: 200 copies of each file, one in three truncated at a random length, the others with 1–8
 *    random bytes overwritten (half of them in the first 1 kB): read / refused with a SpecmatchError / untyped;
 * 3. agreement of the JCAMP decoder with jcampconverter 10.0.2 (y values, same point count, file order), and of the
 *    SPC reader with rohanisaac/spc's txt2 exports (largest relative y difference, after the two documented
 *    reference errors are undone as in galacticSpc.test.ts).
 * Results are recorded in docs/results/formats-jcamp-spc.md.
 */
import { readFileSync, readdirSync } from 'node:fs';
import { join, relative } from 'node:path';
import { convert } from 'jcampconverter';
import { makeRng } from '../src-core/engine/random.js';
import { SpecmatchError } from '../src-core/errors.js';
import type { FormatReader } from '../src-core/formats/FormatReader.js';
import { jcampDx } from '../src-core/formats/jcamp/jcampDx.js';
import { galacticSpc } from '../src-core/formats/spc/galacticSpc.js';
import { fuzzSweep } from './fuzzSweep.js';
import { HAS_SHARED_DATA, SHARED_DATA, walkFiles } from '../test/support.js';

function median(v: number[]): number {
  const s = [...v].sort((a, b) => a - b);
  return s[Math.floor(s.length / 2)]!;
}

interface Row {
  files: number;
  spectra: number;
  points: number;
  ms: number;
  read: number;
  refused: number;
  untyped: number;
  errors: string[];
}

function sweep(reader: FormatReader, files: string[], root: string): Map<string, Row> {
  const rows = new Map<string, Row>();
  for (const [n, f] of files.entries()) {
    const folder = relative(root, f).split('/').slice(0, 2).join('/');
    const row = rows.get(folder) ?? {
      files: 0,
      spectra: 0,
      points: 0,
      ms: 0,
      read: 0,
      refused: 0,
      untyped: 0,
      errors: [],
    };
    rows.set(folder, row);
    row.files++;
    const bytes = Uint8Array.from(readFileSync(f));
    const times: number[] = [];
    for (let k = 0; k < 5; k++) {
      const t0 = performance.now();
      try {
        const s = reader.read(bytes, f);
        if (k === 0) {
          row.spectra += s.length;
          row.points += s.reduce((a, x) => a + x.x.length, 0);
        }
      } catch (err) {
        if (k === 0) row.errors.push(`${relative(root, f)}: ${err instanceof SpecmatchError ? err.code : 'UNTYPED'}`);
      }
      times.push(performance.now() - t0);
    }
    row.ms += median(times);
    const rnd = makeRng(n + 1);
    const damage = (k: number): Uint8Array => {
      if (k % 3 === 0) return bytes.subarray(0, Math.floor(rnd() * bytes.length));
      const b = Uint8Array.from(bytes);
      const m = 1 + Math.floor(rnd() * 8);
      const span = k % 2 === 0 ? Math.min(1024, b.length) : b.length;
      for (let j = 0; j < m; j++) b[Math.floor(rnd() * span)] = Math.floor(rnd() * 256);
      return b;
    };
    const swept = fuzzSweep(200, damage, (b) => reader.read(b, f));
    row.read += swept.read;
    row.refused += swept.refused;
    row.untyped += swept.untyped;
  }
  return rows;
}

function printRows(rows: Map<string, Row>): void {
  console.log(
    '| folder | files | spectra | points | read ms (sum of medians) | fuzz read / refused / untyped | files refused |',
  );
  console.log('|---|---|---|---|---|---|---|');
  for (const [folder, r] of rows) {
    console.log(
      `| ${folder} | ${r.files} | ${r.spectra} | ${r.points} | ${r.ms.toFixed(1)} | ${r.read} / ${r.refused} / ${r.untyped} | ${r.errors.join('; ') || '–'} |`,
    );
  }
}

/** Our y (file order) against jcampconverter's for every spectrum both read with the same point count. */
function jcampconverterAgreement(files: string[], root: string): void {
  let same = 0;
  let compared = 0;
  const differ: string[] = [];
  for (const f of files) {
    let ours;
    let theirs: { x: number[]; y: number[] }[];
    try {
      ours = jcampDx.read(readFileSync(f), f);
      theirs = convert(readFileSync(f, 'latin1'), {}).flatten.flatMap((e) =>
        e.spectra.map((s) => ({ x: s.data['x'] ?? [], y: s.data['y'] ?? [] })),
      );
    } catch {
      continue;
    }
    for (let k = 0; k < Math.min(ours.length, theirs.length); k++) {
      const t = theirs[k]!;
      const o = ours[k]!;
      if (t.y.length !== o.y.length) continue;
      const ty = Array.from(t.y);
      if (t.x.length > 1 && t.x[0]! > t.x[t.x.length - 1]!) ty.reverse();
      compared++;
      let bad = 0;
      for (let i = 0; i < ty.length; i++) if (Math.abs(ty[i]! - o.y[i]!) > 1e-9 * Math.max(1, Math.abs(ty[i]!))) bad++;
      if (bad === 0) same++;
      else differ.push(`${relative(root, f)}#${k} (${bad} of ${ty.length} values)`);
    }
  }
  console.log(`\njcampconverter 10.0.2 agreement: ${same} of ${compared} spectra identical (|Δy| ≤ 1e-9 relative).`);
  for (const d of differ) console.log(`  differs: ${d}`);
}

/** Largest relative y difference to rohanisaac/spc's txt2 exports (column files only; XYXY x handled in the test). */
function rohanisaacAgreement(dir: string): void {
  let values = 0;
  let maxRel = 0;
  for (const name of readdirSync(dir).filter((n) => /\.spc$/i.test(n))) {
    const spectra = galacticSpc.read(readFileSync(join(dir, name)), name);
    const lines = readFileSync(join(dir, 'txt2', `${name}.txt`), 'utf8').split('\n');
    const blocks: number[][][] = [[]];
    for (const l of lines) {
      if (l.trim() === '') {
        if (blocks[blocks.length - 1]!.length > 0) blocks.push([]);
        continue;
      }
      const c = l
        .split('\t')
        .filter((s) => s !== '')
        .map(Number);
      if (c.every(Number.isFinite)) blocks[blocks.length - 1]!.push(c);
    }
    const full = blocks.filter((b) => b.length > 0);
    const xyxy = full.length > 1 || name === 'ms.spc';
    spectra.forEach((s, k) => {
      const rows = (xyxy ? full[k]! : full[0]!.map((r) => [r[0]!, r[k + 1]!])).sort((a, b) => a[0]! - b[0]!);
      const e = Number(s.meta.fields['subexp']);
      const fix = e < 0 && e !== -128 ? 2 ** e : 1;
      for (let i = 0; i < rows.length; i++) {
        const ey = rows[i]![1]! * fix;
        maxRel = Math.max(maxRel, Math.abs(s.y[i]! - ey) / Math.max(1e-12, Math.abs(ey)));
        values++;
      }
    });
  }
  console.log(`rohanisaac/spc txt2: ${values} y values, largest relative difference ${maxRel.toExponential(2)}.`);
}

// eslint-disable-next-line @typescript-eslint/require-await -- bench/run.ts awaits every bench's run(); this one is synchronous
export async function run(): Promise<void> {
  if (!HAS_SHARED_DATA) {
    console.log(`skipped: needs ../shared/data (not found at ${SHARED_DATA})`);
    return;
  }
  const root = join(SHARED_DATA, 'vendor');
  const jcampFiles = walkFiles(join(root, 'jcamp')).filter(
    (f) => /\.(jdx|dx|jcm)$/i.test(f) || f.endsWith('jcamp2001_example.txt'),
  );
  const spcFiles = walkFiles(join(root, 'spc')).filter((f) => /\.spc$/i.test(f));
  console.log('### JCAMP-DX');
  printRows(sweep(jcampDx, jcampFiles, root));
  jcampconverterAgreement(jcampFiles, root);
  console.log('\n### Galactic SPC');
  printRows(sweep(galacticSpc, spcFiles, root));
  rohanisaacAgreement(join(root, 'spc', 'rohanisaac_spc'));
}
