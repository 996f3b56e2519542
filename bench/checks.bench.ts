/**
 * `npm run bench -- checks`: the library checks on the bundled RRUFF library (resources/library), measured by
 * planting errors in a copy.
 *
 * 1. The unmodified library is checked; its findings are written to $SPECMATCH_CHECKS_OUT/real-findings.jsonl (one
 *    line per finding, the `specmatch library check --json` shape) for a person to review.
 * 2. In a copy, seeded (xorshift, seed 15, or SPECMATCH_CHECKS_SEED): 50 label swaps (two spectra of two substances exchange their
 *    substances; each is a "supported" spectrum: its nearest reference by the default method is of its own substance,
 *    so the library holds a spectrum that says what it really is — a swap of an unsupported one cannot be recognised
 *    by any check working from the library alone) and 50 near-duplicates (a spectrum copied with its intensity
 *    scaled by 0.8–1.2, an offset, Gaussian noise of 0.5 % of its range and x shifted by up to 0.5 cm⁻¹, added under
 *    a new name). Reported: the share of swapped spectra flagged `mislabelled`, the share of planted copies flagged
 *    `duplicate`, and false alarms: untouched spectra (neither swapped, copied nor a copy) that a mislabelled or
 *    duplicate finding names, over the untouched spectra.
 *
 * The default method is the installed model's (fused with siamese-rruff-v3), else derivative HQI
 * (SPECMATCH_NO_MODEL=1 forces the latter). SPECMATCH_CHECKS_BASE=FILE starts from an existing library made from
 * the pack (e.g. one whose embeddings are already computed) instead of creating one.
 */
import { copyFileSync, existsSync, mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { loadavg } from 'node:os';
import { findingJson } from '../src-core/matching/libraryChecks.js';
import type { LibraryFinding } from '../src-core/matching/libraryChecks.js';
import { checkLibrary } from '../src-core/node/library/checkLibrary.js';
import { loadDefaultModelIfAny } from '../src-core/node/library/cliSupport.js';
import { createLibraryFromPack, defaultPackPath } from '../src-core/node/library/defaultLibrary.js';
import { Library } from '../src-core/node/library/Library.js';

const repo = resolve(import.meta.dirname, '..');

function rng(seed: number): () => number {
  let s = seed >>> 0 || 1;
  return () => {
    s ^= s << 13;
    s >>>= 0;
    s ^= s >>> 17;
    s ^= s << 5;
    s >>>= 0;
    return s / 0x100000000;
  };
}

function gauss(r: () => number): number {
  return Math.sqrt(-2 * Math.log(Math.max(1e-12, r()))) * Math.cos(2 * Math.PI * r());
}

function shuffle<T>(a: T[], r: () => number): T[] {
  for (let i = a.length - 1; i > 0; i--) {
    const j = Math.floor(r() * (i + 1));
    [a[i], a[j]] = [a[j]!, a[i]!];
  }
  return a;
}

function pct(n: number, d: number): string {
  return `${n}/${d} = ${((100 * n) / Math.max(1, d)).toFixed(1)} %`;
}

function countByKind(findings: LibraryFinding[]): string {
  const m = new Map<string, number>();
  for (const f of findings) m.set(f.kind, (m.get(f.kind) ?? 0) + 1);
  return [...m].map(([k, n]) => `${k} ${n}`).join(', ');
}

export async function run(): Promise<void> {
  const dir = mkdtempSync(join(tmpdir(), 'specmatch-checks-bench-'));
  const outDir = process.env['SPECMATCH_CHECKS_OUT'] ?? dir;
  mkdirSync(outDir, { recursive: true });
  const base = join(dir, 'base.specmatch');
  if (process.env['SPECMATCH_CHECKS_BASE']) copyFileSync(process.env['SPECMATCH_CHECKS_BASE'], base);
  else createLibraryFromPack(process.env['SPECMATCH_PACK'] ?? defaultPackPath(), base);
  const model = await loadDefaultModelIfAny();
  console.log(`load average ${loadavg().map((v) => v.toFixed(2)).join(' ')}; model ${model?.key ?? 'none'}; pack ${existsSync(join(repo, 'resources/library')) ? 'resources/library' : '?'}`);

  // 1. The unmodified library.
  let lib = Library.open(base);
  if (model) {
    const t = Date.now();
    const r = await lib.recomputeEmbeddings(model);
    if (r.computed > 0) console.log(`embedded ${r.computed} spectra in ${((Date.now() - t) / 1000).toFixed(1)} s`);
  }
  const nearestIsOwn = new Map<number, boolean>();
  const real = await checkLibrary(lib, { model, nearestIsOwn });
  console.log(`unmodified: ${real.spectra} spectra, method ${real.method}, ${real.findings.length} findings (${countByKind(real.findings)}) in ${(real.elapsedMs / 1000).toFixed(1)} s`);
  writeFileSync(join(outDir, 'real-findings.jsonl'), real.findings.map((f) => JSON.stringify(findingJson(f))).join('\n') + '\n');

  // 2. Plant errors in a copy.
  const ids = [...lib.iterateSpectra()].map((s) => ({ id: s.id, substanceId: s.substanceId, name: s.name }));
  const perSubstance = new Map<number, number[]>();
  for (const s of ids) perSubstance.set(s.substanceId, [...(perSubstance.get(s.substanceId) ?? []), s.id]);
  lib.close();
  const copy = join(dir, 'planted.specmatch');
  copyFileSync(base, copy);
  lib = Library.open(copy);
  const seed = Number(process.env['SPECMATCH_CHECKS_SEED'] ?? 15);
  console.log(`planting seed ${seed}`);
  const r = rng(seed);
  // A swap can only be recognised when the library holds another spectrum that says what the swapped one is: swaps
  // are planted between spectra whose nearest reference (default method) is of their own substance ("supported").
  const supported = (id: number): boolean => nearestIsOwn.get(id) === true;
  const eligible = shuffle(
    [...perSubstance].map(([sub, list]) => [sub, list.filter(supported)] as const).filter(([sub, list]) => list.length >= 1 && perSubstance.get(sub)!.length >= 2),
    r,
  );
  console.log(`supported labels: ${[...nearestIsOwn.values()].filter(Boolean).length} of ${nearestIsOwn.size} spectra`);
  const swapped = new Set<number>();
  const touched = new Set<number>();
  for (let k = 0; k + 1 < eligible.length && swapped.size < 100; k += 2) {
    const [subA, listA] = eligible[k]!;
    const [subB, listB] = eligible[k + 1]!;
    const a = listA[Math.floor(r() * listA.length)]!;
    const b = listB[Math.floor(r() * listB.length)]!;
    lib.moveSpectrum(a, subB);
    lib.moveSpectrum(b, subA);
    swapped.add(a).add(b);
    touched.add(a).add(b);
  }
  const copies = new Set<number>();
  const pool = shuffle(ids.filter((s) => !touched.has(s.id)), r).slice(0, 50);
  let n = 0;
  for (const src of pool) {
    const s = lib.getSpectrum(src.id);
    let lo = Infinity;
    let hi = -Infinity;
    for (const v of s.y) {
      lo = Math.min(lo, v);
      hi = Math.max(hi, v);
    }
    const scale = 0.8 + 0.4 * r();
    const offset = (r() - 0.5) * 0.2 * (hi - lo);
    const shift = (r() - 0.5) * 1.0;
    const y = Float64Array.from(s.y, (v) => v * scale + offset + 0.005 * (hi - lo) * gauss(r));
    const x = Float64Array.from(s.x, (v) => v + shift);
    const added = await lib.addSpectrum({ x, y, meta: { ...s.meta, sourceFile: `planted-duplicate-${++n}.txt`, substance: `Planted copy ${n}` } }, { substance: `Planted copy ${n}`, model });
    copies.add(added.spectrumId);
    touched.add(src.id);
  }
  const planted = await checkLibrary(lib, { model });
  const flaggedMislabel = new Set(planted.findings.filter((f) => f.kind === 'mislabelled').flatMap((f) => f.spectrumIds));
  const flaggedDuplicate = new Set(planted.findings.filter((f) => f.kind === 'duplicate').flatMap((f) => f.spectrumIds));
  const untouched = ids.filter((s) => !touched.has(s.id)).map((s) => s.id);
  const falseAlarms = untouched.filter((id) => flaggedMislabel.has(id) || flaggedDuplicate.has(id));
  const falseMislabel = untouched.filter((id) => flaggedMislabel.has(id)).length;
  const falseDuplicate = untouched.filter((id) => flaggedDuplicate.has(id)).length;
  console.log(`planted copy: ${planted.spectra} spectra, ${planted.findings.length} findings (${countByKind(planted.findings)}) in ${(planted.elapsedMs / 1000).toFixed(1)} s`);
  console.log(`| label swaps flagged mislabelled (swapped spectra) | ${pct([...swapped].filter((id) => flaggedMislabel.has(id)).length, swapped.size)} |`);
  console.log(`| near-duplicates flagged duplicate (planted copies) | ${pct([...copies].filter((id) => flaggedDuplicate.has(id)).length, copies.size)} |`);
  console.log(`| false alarms on untouched spectra (mislabelled or duplicate) | ${pct(falseAlarms.length, untouched.length)} (mislabelled ${falseMislabel}, duplicate ${falseDuplicate}) |`);
  writeFileSync(join(outDir, 'planted-findings.jsonl'), planted.findings.map((f) => JSON.stringify({ ...findingJson(f), planted: f.spectrumIds.map((id) => (swapped.has(id) ? 'swap' : copies.has(id) ? 'copy' : touched.has(id) ? 'source' : '-')) })).join('\n') + '\n');
  lib.close();
  model?.dispose();
  console.log(`findings written to ${outDir}`);
}
