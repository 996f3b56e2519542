/**
 * `npm run bench -- mixture`: mixture analysis accuracy and speed on synthetic mixtures of real RRUFF spectra.
 *
 * Library: the bundled default pack (4,551 RRUFF RAW spectra of 1,682 minerals from ../shared/data), created in a
 * temporary folder. Queries are built from the library's own RAW spectra (x, y as stored):
 * - each component's ALS baseline is removed (the rruff-processed preset's λ = 1e6, p = 0.005) and it is scaled to
 *   peak height 1 on the components' common x range (1 cm⁻¹ grid); components are mixed by peak height
 *   (50:50, 70:30, 40:35:25), then a random smooth baseline (a broad Gaussian hump of 0.3–2× the peak height
 *   plus a slope) and Gaussian noise of 1–2 % of the peak height are added;
 * - "library spectra": the components are library spectra and the whole library is searched;
 * - "other samples": each component's RRUFF sample is left out of the library (every spectrum of that sample id),
 *   so the library still holds only other samples of the same minerals (minerals with ≥ 2 samples only);
 * - "pure, other sample": a real RAW spectrum as measured (its own fluorescence), its sample left out; counted
 *   where `match`'s ranking (derivative HQI, the default without a model, same rows left out) puts the right
 *   mineral first, and reported right when the mixture verdict is `single` with that mineral.
 * A component counts as found when its mineral (substance id) is among the reported components.
 * Timing: `matchMixture` (the CLI/app path: single ranking + mixture fit) on the pack plus the fair RAW spectra
 * not in it (≥ 5,000 references); first query (builds the mixture vectors) and median of later ones.
 *
 * Environment: MIXTURE_SEED (default 2; seed 1 was used to choose the penalty), MIXTURE_CASES (per row, default
 * 200), MIXTURE_PENALTY / MIXTURE_MIN_FRACTION to try other settings, MIXTURE_SKIP_TIMING=1.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir, loadavg } from 'node:os';
import { join, resolve } from 'node:path';
import { CLASSIC_MODEL_ID, CLASSIC_PIPELINE_HASH, CLASSIC_VECTORIZER } from '../src-core/matching/classicAxis.js';
import { fitMixture, MIXTURE_DEFAULTS } from '../src-core/matching/mixture.js';
import { rankSubstances } from '../src-core/matching/rankSubstances.js';
import { prepareVector, scoreAll } from '../src-core/matching/search.js';
import { baselineAls } from '../src-core/preprocess/baselineAls.js';
import { listRruffArchive } from '../src-core/node/data/rruffArchive.js';
import { createLibraryFromPack, defaultPackPath } from '../src-core/node/library/defaultLibrary.js';
import { Library } from '../src-core/node/library/Library.js';
import type { ReferenceVectors } from '../src-core/node/library/Library.js';
import { matchMixture, mixtureQuery, mixtureReferencesOf } from '../src-core/node/library/mixtureLibrary.js';
import type { Spectrum } from '../src-core/spectrum/Spectrum.js';
import { existsSync } from 'node:fs';

const repo = resolve(import.meta.dirname, '..');
const shared = process.env['SPECMATCH_SHARED_DATA'] ?? join(repo, '../shared/data');

export function rng(seed: number): () => number {
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
  return Math.sqrt(-2 * Math.log(1 - r())) * Math.cos(2 * Math.PI * r());
}

/**
 * Signal-to-noise of a library spectrum after the same baseline removal: tallest band over the noise (MAD of the
 * first differences). Spectra without Raman bands (RRUFF holds some: metals such as gold or copper, amorphous
 * phases) cannot be a visible component of a mixture, so the bench only mixes spectra with SNR ≥ MIN_SNR.
 */
const MIN_SNR = 20;
const snrCache = new Map<number, number>();
function snr(s: Spectrum, key: number): number {
  const hit = snrCache.get(key);
  if (hit !== undefined) return hit;
  const base = baselineAls(s.y, { lambda: 1e6, p: 0.005 });
  const c = Array.from(s.y, (v, i) => v - base[i]!);
  const d = c.slice(1).map((v, i) => Math.abs(v - c[i]!)).sort((a, b) => a - b);
  const sigma = (1.4826 * (d[Math.floor(d.length / 2)] ?? 0)) / Math.SQRT2;
  const v = sigma > 0 ? Math.max(...c) / sigma : 0;
  snrCache.set(key, v);
  return v;
}

/** Baseline-corrected, peak-height-1 component resampled on `grid`. */
function component(s: Spectrum, grid: Float64Array): Float64Array {
  const base = baselineAls(s.y, { lambda: 1e6, p: 0.005 });
  const out = new Float64Array(grid.length);
  let j = 0;
  for (let i = 0; i < grid.length; i++) {
    const g = grid[i]!;
    while (j + 1 < s.x.length - 1 && s.x[j + 1]! < g) j++;
    const x0 = s.x[j]!;
    const x1 = s.x[j + 1]!;
    const t = x1 === x0 ? 0 : Math.min(1, Math.max(0, (g - x0) / (x1 - x0)));
    out[i] = (s.y[j]! - base[j]!) * (1 - t) + (s.y[j + 1]! - base[j + 1]!) * t;
  }
  let max = 0;
  for (const v of out) max = Math.max(max, v);
  if (max > 0) for (let i = 0; i < out.length; i++) out[i] = out[i]! / max;
  return out;
}

export function mix(spectra: Spectrum[], weights: number[], r: () => number): Spectrum | null {
  const lo = Math.max(100, ...spectra.map((s) => s.x[0]!));
  const hi = Math.min(1500, ...spectra.map((s) => s.x[s.x.length - 1]!));
  if (hi - lo < 500) return null;
  const n = Math.floor(hi - lo) + 1;
  const grid = Float64Array.from({ length: n }, (_, i) => lo + i);
  const y = new Float64Array(n);
  spectra.forEach((s, k) => {
    const c = component(s, grid);
    for (let i = 0; i < n; i++) y[i] = y[i]! + weights[k]! * c[i]!;
  });
  const hump = 0.3 + 1.7 * r();
  const centre = lo + r() * (hi - lo);
  const width = 300 + 500 * r();
  const slope = (r() - 0.5) * 0.6;
  const noise = 0.01 + 0.01 * r();
  for (let i = 0; i < n; i++) {
    const t = (grid[i]! - lo) / (hi - lo);
    y[i] = y[i]! + hump * Math.exp(-(((grid[i]! - centre) / width) ** 2)) + slope * t + 0.2 + noise * gauss(r);
  }
  return { x: grid, y, meta: { sourceFile: 'synthetic-mixture', format: 'synthetic', xKind: 'raman-shift', originalXUnit: 'cm-1', position: { index: 0, count: 1 }, fields: {}, warnings: [] } };
}

interface Ctx {
  lib: Library;
  refs: ReferenceVectors;
  deriv: { dim: number; count: number; data: Float32Array };
  bySample: Map<string, number[]>;
  substanceSamples: Map<number, Set<string>>;
  rowsBySubstance: Map<number, number[]>;
}

function excludedFor(ctx: Ctx, rows: number[]): Uint8Array {
  const ex = new Uint8Array(ctx.refs.count);
  for (const row of rows) {
    const sid = ctx.refs.sampleIds[row];
    if (sid) for (const r of ctx.bySample.get(sid) ?? []) ex[r] = 1;
    else ex[row] = 1;
  }
  return ex;
}

/** `match`'s single ranking (derivative HQI on classic vectors) with rows left out: rows of the best substances. */
function singleRanking(ctx: Ctx, q: Spectrum, excluded: Uint8Array | undefined, k: number): number[] {
  const { classicVector } = ctxImports;
  const qv = prepareVector('hqi-derivative', classicVector(q.x, q.y));
  const scores = scoreAll('hqi-derivative', ctx.deriv, qv);
  if (excluded) for (let r = 0; r < scores.length; r++) if (excluded[r]) scores[r] = -1;
  return rankSubstances(scores, ctx.refs.refSubstance, ctx.refs.substanceIds.length, k).map((x) => x.ref);
}
let debugRow = '';
export const debugLog: Array<{ row: string; want: number[]; top: number; path: Array<{ r2: number; subs: number[]; fr: number[]; sc: number[] }> }> = [];
function setWant(w: number[]): void {
  const last = debugLog[debugLog.length - 1];
  if (last) last.want = w;
}
const ctxImports = { classicVector: (await import('../src-core/matching/classicAxis.js')).classicVector };

function analyse(ctx: Ctx, q: Spectrum, excluded: Uint8Array | undefined): { verdict: string; substances: number[]; singleTop: number } {
  const { vector, mask } = mixtureQuery(q, CLASSIC_VECTORIZER);
  const extra = singleRanking(ctx, q, excluded, 10);
  const opts = {
    ...(process.env['MIXTURE_PENALTY'] ? { penalty: Number(process.env['MIXTURE_PENALTY']) } : {}),
    ...(process.env['MIXTURE_MIN_FRACTION'] ? { minFraction: Number(process.env['MIXTURE_MIN_FRACTION']) } : {}),
    ...(excluded ? { excludedRows: excluded } : {}),
    extraCandidates: extra,
  };
  const a = fitMixture(vector, mask, mixtureReferencesOf(ctx.refs), opts);
  if (process.env['MIXTURE_DEBUG']) {
    const path = a.bySize;
    debugLog.push({ row: debugRow, want: [] as number[], top: extra[0] === undefined ? -1 : ctx.refs.refSubstance[extra[0]]!, path: path.map((f) => ({ r2: f.r2, subs: f.components.map((c) => c.substance), fr: f.components.map((c) => c.fraction), sc: f.components.map((c) => c.score) })) });
  }
  return { verdict: a.verdict, substances: a.fit.components.map((c) => c.substance), singleTop: ctx.refs.refSubstance[extra[0]!] ?? -1 };
}

/** CPU time of this process in ms (user + system): the machine is shared, so wall time alone says little. */
function cpuMs(): number {
  const u = process.cpuUsage();
  return (u.user + u.system) / 1000;
}

/** Rows to run (MIXTURE_ROWS=b50,b73,o50,o73,t,to,pure,pureother; default all). */
const onlyRows = process.env['MIXTURE_ROWS']?.split(',');
const wantRow = (key: string): boolean => !onlyRows || onlyRows.includes(key);

/**
 * Spectral twins: two substances whose mixture vectors correlate at r > TWIN_R for some pair of their references
 * (garnets, amphiboles, jarosites…). The bench reports a second, clearly labelled figure that accepts a twin of a
 * wanted mineral in its place; the headline figure counts only the right name.
 */
const TWIN_R = 0.98;
const twinCache = new Map<string, boolean>();
function twins(ctx: Ctx, a: number, b: number): boolean {
  if (a === b) return true;
  const key = a < b ? `${a},${b}` : `${b},${a}`;
  const hit = twinCache.get(key);
  if (hit !== undefined) return hit;
  const m = mixtureReferencesOf(ctx.refs);
  const rowsOf = (s: number): number[] => ctx.rowsBySubstance.get(s) ?? [];
  let best = -1;
  for (const x of rowsOf(a))
    for (const y of rowsOf(b)) {
      const u = m.data.subarray(x * m.dim, (x + 1) * m.dim);
      const v = m.data.subarray(y * m.dim, (y + 1) * m.dim);
      let su = 0;
      let sv = 0;
      for (let i = 0; i < m.dim; i++) {
        su += u[i]!;
        sv += v[i]!;
      }
      const mu = su / m.dim;
      const mv = sv / m.dim;
      let uv = 0;
      let uu = 0;
      let vv = 0;
      for (let i = 0; i < m.dim; i++) {
        uv += (u[i]! - mu) * (v[i]! - mv);
        uu += (u[i]! - mu) ** 2;
        vv += (v[i]! - mv) ** 2;
      }
      if (uu > 0 && vv > 0) best = Math.max(best, uv / Math.sqrt(uu * vv));
    }
  const t = best > TWIN_R;
  twinCache.set(key, t);
  return t;
}

function pct(a: number, b: number): string {
  return `${((100 * a) / Math.max(1, b)).toFixed(1)} % (${a}/${b})`;
}

function accuracy(ctx: Ctx, seed: number, cases: number): void {
  const r = rng(seed);
  const n = ctx.refs.count;
  const multiSample = Array.from({ length: n }, (_, i) => i).filter((row) => {
    const sid = ctx.refs.sampleIds[row];
    return sid && (ctx.substanceSamples.get(ctx.refs.refSubstance[row]!)?.size ?? 0) >= 2;
  });
  const pick = (pool: number[], k: number): number[] => {
    for (;;) {
      const rows = Array.from({ length: k }, () => pool[Math.floor(r() * pool.length)]!);
      const subs = new Set(rows.map((x) => ctx.refs.refSubstance[x]));
      const samples = new Set(rows.map((x) => ctx.refs.sampleIds[x] ?? `row${x}`));
      if (subs.size === k && samples.size === k && rows.every((x) => snr(ctx.lib.getSpectrum(ctx.refs.spectrumIds[x]!), x) >= MIN_SNR)) return rows;
    }
  };
  const all = Array.from({ length: n }, (_, i) => i);
  const rowsOut: string[] = [];
  const runRow = (key: string, label: string, weights: number[], pool: number[], leaveOut: boolean): void => {
    if (!wantRow(key)) return;
    debugRow = key;
    let found = 0;
    let foundTwin = 0;
    let exact = 0;
    let total = 0;
    let verdictMixture = 0;
    let ms = 0;
    let cpu = 0;
    while (total < cases) {
      const rows = pick(pool, weights.length);
      const q = mix(rows.map((x) => ctx.lib.getSpectrum(ctx.refs.spectrumIds[x]!)), weights, r);
      if (!q) continue;
      const ex = leaveOut ? excludedFor(ctx, rows) : undefined;
      const t0 = performance.now();
      const c0 = cpuMs();
      const a = analyse(ctx, q, ex);
      ms += performance.now() - t0;
      cpu += cpuMs() - c0;
      total++;
      const want = rows.map((x) => ctx.refs.refSubstance[x]!);
      setWant(want);
      if (want.every((s) => a.substances.includes(s))) found++;
      if (want.every((s) => a.substances.some((g) => twins(ctx, s, g)))) foundTwin++;
      if (want.every((s) => a.substances.includes(s)) && a.substances.length === want.length) exact++;
      if (a.verdict === 'mixture') verdictMixture++;
    }
    rowsOut.push(`| ${label} | ${pct(found, total)} | ${pct(foundTwin, total)} | ${pct(exact, total)} | ${pct(verdictMixture, total)} | ${(ms / total).toFixed(0)} | ${(cpu / total).toFixed(0)} |`);
    console.log(rowsOut[rowsOut.length - 1]);
  };
  console.log(`| case | all components reported (right names) | all reported, a twin (r > ${TWIN_R}) accepted | exactly those | verdict mixture | wall ms/query (fit only) | CPU ms/query |`);
  console.log('|---|---|---|---|---|---|---|');
  runRow('b50', 'binary 50:50, library spectra', [0.5, 0.5], all, false);
  runRow('b73', 'binary 70:30, library spectra', [0.7, 0.3], all, false);
  runRow('o50', 'binary 50:50, other samples', [0.5, 0.5], multiSample, true);
  runRow('o73', 'binary 70:30, other samples', [0.7, 0.3], multiSample, true);
  runRow('t', 'ternary 40:35:25, library spectra', [0.4, 0.35, 0.25], all, false);
  runRow('to', 'ternary 40:35:25, other samples', [0.4, 0.35, 0.25], multiSample, true);
  // Pure library spectra with the same noise and baseline as the mixtures.
  if (wantRow('pure')) {
    debugRow = 'pure';
    let single = 0;
    let total = 0;
    while (total < cases) {
      const [row] = pick(all, 1);
      const q = mix([ctx.lib.getSpectrum(ctx.refs.spectrumIds[row!]!)], [1], r);
      if (!q) continue;
      total++;
      const a = analyse(ctx, q, undefined);
      setWant([ctx.refs.refSubstance[row!]!]);
      if (a.verdict === 'single' && a.substances[0] === ctx.refs.refSubstance[row!]) single++;
    }
    console.log(`| pure library spectrum + noise + baseline: \`single\` with the right mineral | ${pct(single, total)} | | | |`);
  }
  // Pure real spectra of other samples, as measured.
  if (wantRow('pureother')) {
    debugRow = 'pureother';
    let considered = 0;
    let single = 0;
    let tried = 0;
    let verdictMix = 0;
    while (tried < cases) {
      const [row] = pick(multiSample, 1);
      const q = ctx.lib.getSpectrum(ctx.refs.spectrumIds[row!]!);
      if (q.x[q.x.length - 1]! - Math.max(100, q.x[0]!) < 300) continue;
      tried++;
      const ex = excludedFor(ctx, [row!]);
      const a = analyse(ctx, q, ex);
      const want = ctx.refs.refSubstance[row!]!;
      setWant([want]);
      if (a.singleTop !== want) continue;
      considered++;
      if (a.verdict === 'single' && a.substances[0] === want) single++;
      if (a.verdict === 'mixture') verdictMix++;
    }
    if (process.env['MIXTURE_DEBUG']) writeFileSync(process.env['MIXTURE_DEBUG'], JSON.stringify(debugLog));
    console.log(`| pure RAW spectrum of another sample, where match ranks it first (${considered} of ${tried}): \`single\` with the right mineral | ${pct(single, considered)} | | ${pct(verdictMix, considered)} | |`);
  }
}

async function timing(packPath: string, dir: string): Promise<void> {
  const path = join(dir, 'timing.sqlite');
  createLibraryFromPack(packPath, path, { user: 'bench' });
  const lib = Library.open(path, { user: 'bench' });
  try {
    const fair = join(shared, 'rruff/raw/fair_unoriented__Raman_Data_RAW.tar.xz');
    if (existsSync(fair)) await lib.importPaths(listRruffArchive(fair));
    const refs = lib.referenceVectors(CLASSIC_MODEL_ID, CLASSIC_PIPELINE_HASH);
    const r = rng(5);
    const queries = Array.from({ length: 21 }, () => lib.getSpectrum(refs.spectrumIds[Math.floor(r() * refs.count)]!));
    lib.ensureClassicVectors();
    const t0 = performance.now();
    const c0 = cpuMs();
    await matchMixture(lib, queries[0]!);
    const first = performance.now() - t0;
    const firstCpu = cpuMs() - c0;
    const times: number[] = [];
    const cpus: number[] = [];
    for (const q of queries.slice(1)) {
      const t = performance.now();
      const c = cpuMs();
      await matchMixture(lib, q);
      times.push(performance.now() - t);
      cpus.push(cpuMs() - c);
    }
    times.sort((a, b) => a - b);
    cpus.sort((a, b) => a - b);
    const med = times[Math.floor(times.length / 2)]!;
    const medCpu = cpus[Math.floor(cpus.length / 2)]!;
    console.log(`timing: ${lib.referenceVectors(CLASSIC_MODEL_ID, CLASSIC_PIPELINE_HASH).count} references: median ${med.toFixed(0)} ms wall, ${medCpu.toFixed(0)} ms CPU per query (max ${times[times.length - 1]!.toFixed(0)} ms wall, ${cpus[cpus.length - 1]!.toFixed(0)} ms CPU over ${times.length}); first query ${first.toFixed(0)} ms wall, ${firstCpu.toFixed(0)} ms CPU (builds the mixture vectors once)`);
  } finally {
    lib.close();
  }
}

export async function run(): Promise<void> {
  console.log(`mixture bench: load ${loadavg().map((v) => v.toFixed(2)).join(' ')}, defaults ${JSON.stringify(MIXTURE_DEFAULTS)}`);
  if (!existsSync(join(shared, 'rruff'))) {
    console.log(`skipped: ${shared}/rruff is absent (the accuracy rows need real RRUFF spectra)`);
    return;
  }
  const dir = mkdtempSync(join(tmpdir(), 'specmatch-mixture-bench-'));
  try {
    const packPath = defaultPackPath();
    const path = join(dir, 'lib.sqlite');
    createLibraryFromPack(packPath, path, { user: 'bench' });
    const lib = Library.open(path, { user: 'bench' });
    lib.ensureClassicVectors();
    const refs = lib.referenceVectors(CLASSIC_MODEL_ID, CLASSIC_PIPELINE_HASH);
    const t0 = performance.now();
    const c0 = cpuMs();
    mixtureReferencesOf(refs);
    console.log(`library: ${refs.count} references, ${refs.substanceIds.length} substances; mixture vectors built in ${(performance.now() - t0).toFixed(0)} ms wall, ${(cpuMs() - c0).toFixed(0)} ms CPU`);
    const dim = refs.dim - 1;
    const data = new Float32Array(refs.count * dim);
    for (let row = 0; row < refs.count; row++) data.set(prepareVector('hqi-derivative', refs.data.subarray(row * refs.dim, (row + 1) * refs.dim)), row * dim);
    const bySample = new Map<string, number[]>();
    const substanceSamples = new Map<number, Set<string>>();
    for (let row = 0; row < refs.count; row++) {
      const sid = refs.sampleIds[row];
      if (!sid) continue;
      bySample.set(sid, [...(bySample.get(sid) ?? []), row]);
      const s = refs.refSubstance[row]!;
      if (!substanceSamples.has(s)) substanceSamples.set(s, new Set());
      substanceSamples.get(s)!.add(sid);
    }
    const rowsBySubstance = new Map<number, number[]>();
    for (let row = 0; row < refs.count; row++) rowsBySubstance.set(refs.refSubstance[row]!, [...(rowsBySubstance.get(refs.refSubstance[row]!) ?? []), row]);
    const ctx: Ctx = { lib, refs, deriv: { dim, count: refs.count, data }, bySample, substanceSamples, rowsBySubstance };
    const seed = Number(process.env['MIXTURE_SEED'] ?? 2);
    const cases = Number(process.env['MIXTURE_CASES'] ?? 200);
    console.log(`seed ${seed}, ${cases} cases per row`);
    accuracy(ctx, seed, cases);
    lib.close();
    if (process.env['MIXTURE_SKIP_TIMING'] !== '1') await timing(packPath, dir);
    console.log(`load after: ${loadavg().map((v) => v.toFixed(2)).join(' ')}`);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
