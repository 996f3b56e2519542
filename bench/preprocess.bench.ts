/**
 * Preprocessing speed: ms per spectrum of 2,500 points for each step (registry defaults) and each preset
 * (classic-search first), then `specmatch preprocess` on 500 files in one process, process start included.
 *
 *   npm run bench -- preprocess
 *
 * Spectra are synthetic (bands on a fluorescence background with noise, seeded) so the numbers do not depend on
 * which data are at hand; the CLI part writes 500 such files to a temporary folder and deletes it afterwards.
 */
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { runPipeline } from '../src-core/preprocess/pipeline.js';
import { getPreset, PRESETS } from '../src-core/preprocess/presets.js';

/** The preset timed first and in detail (the search preset with a baseline step). */
const FIRST_PRESET = 'classic-search';
import { stepRegistry } from '../src-core/preprocess/registry.js';
import type { Spectrum } from '../src-core/spectrum/Spectrum.js';

const POINTS = 2500;

function syntheticSpectrum(seed: number): Spectrum {
  let a = seed >>> 0;
  const rand = (): number => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = Math.imul(a ^ (a >>> 15), a | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
  const x = Float64Array.from({ length: POINTS }, (_, i) => 100 + (i * 1700) / (POINTS - 1));
  const centres = Array.from({ length: 8 }, () => 150 + rand() * 1600);
  const y = Float64Array.from(x, (v) => {
    let s = 2000 + 1500 * Math.exp(-(v - 100) / 700);
    for (const [k, c] of centres.entries()) s += 3000 / (k + 1) / (1 + ((v - c) / 5) ** 2);
    return s + 20 * (rand() - 0.5);
  });
  return {
    x,
    y,
    meta: {
      sourceFile: `synthetic-${seed}.txt`,
      format: 'bench',
      xKind: 'raman-shift',
      originalXUnit: 'cm-1',
      position: { index: 0, count: 1 },
      fields: {},
      warnings: [],
    },
  };
}

/**
 * ms per call: median over 5 rounds (each ≥ ~200 ms after a warm-up) of wall time and of this process's CPU time
 * (user + system). On a shared machine the CPU figure is the one that measures the code; wall time adds waiting.
 */
function msPerCall(fn: () => void): { wall: number; cpu: number } {
  for (let i = 0; i < 10; i++) fn();
  const wall: number[] = [];
  const cpu: number[] = [];
  for (let r = 0; r < 5; r++) {
    let calls = 0;
    const c0 = process.cpuUsage();
    const t0 = performance.now();
    let t = t0;
    while (t - t0 < 200) {
      fn();
      calls++;
      t = performance.now();
    }
    const c = process.cpuUsage(c0);
    wall.push((t - t0) / calls);
    cpu.push((c.user + c.system) / 1000 / calls);
  }
  const med = (a: number[]): number => a.sort((p, q) => p - q)[2]!;
  return { wall: med(wall), cpu: med(cpu) };
}

const fmt = (m: { wall: number; cpu: number }): string => `${m.cpu.toFixed(3)} | ${m.wall.toFixed(3)}`;

/**
 * CPU seconds (user + system) of this process's waited-for children, from /proc/self/stat (Linux; fields 16–17,
 * cutime and cstime, in clock ticks of 1/100 s). undefined elsewhere.
 */
function childrenCpuSeconds(): number | undefined {
  if (!existsSync('/proc/self/stat')) return undefined;
  const stat = readFileSync('/proc/self/stat', 'utf8');
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  return (Number(fields[13]) + Number(fields[14])) / 100;
}

export async function run(): Promise<void> {
  const spectra = Array.from({ length: 16 }, (_, i) => syntheticSpectrum(i + 1));
  let k = 0;
  const next = (): Spectrum => spectra[k++ % spectra.length]!;
  const { loadavg, cpus } = await import('node:os');
  console.log(
    `ms per spectrum of ${POINTS} points (median of 5 rounds), node ${process.version}, ${cpus().length} CPUs, load average ${loadavg()[0]!.toFixed(1)}`,
  );
  console.log('| step (defaults) | CPU ms | wall ms |\n|---|---|---|');
  for (const [kind, def] of stepRegistry) {
    const params = def.defaults;
    console.log(`| ${kind} | ${fmt(msPerCall(() => void def.apply(next(), params)))} |`);
  }
  console.log('\n| preset | steps | CPU ms | wall ms |\n|---|---|---|---|');
  const ordered = [getPreset(FIRST_PRESET), ...PRESETS.filter((p) => p.name !== FIRST_PRESET)];
  for (const preset of ordered) {
    const ms = msPerCall(() => void runPipeline(next(), preset.pipeline));
    console.log(
      `| ${preset.name} | ${preset.pipeline.steps.map((s) => s.kind).join(' → ') || '—'} | ${fmt(ms)} |`,
    );
  }

  // CLI: 500 files through one `specmatch preprocess` process, wall time from spawn to exit.
  const dir = mkdtempSync(join(tmpdir(), 'specmatch-bench-preprocess-'));
  try {
    const files: string[] = [];
    for (let i = 0; i < 500; i++) {
      const s = syntheticSpectrum(1000 + i);
      const f = join(dir, `s${i}.txt`);
      writeFileSync(f, Array.from(s.x, (v, j) => `${v.toFixed(4)}, ${s.y[j]!.toFixed(4)}`).join('\n') + '\n');
      files.push(f);
    }
    const bin = join(dirname(fileURLToPath(import.meta.url)), '../bin/specmatch.js');
    for (const preset of [FIRST_PRESET, 'rruff-processed']) {
      const c0 = childrenCpuSeconds();
      const t0 = performance.now();
      const r = spawnSync(process.execPath, [bin, 'preprocess', '--preset', preset, '--json', ...files], {
        encoding: 'utf8',
        maxBuffer: 1024 * 1024 * 1024,
      });
      const s = (performance.now() - t0) / 1000;
      const c1 = childrenCpuSeconds();
      const cpu = c0 === undefined || c1 === undefined ? '' : `, ${(c1 - c0).toFixed(2)} s CPU`;
      const lines = r.stdout.split('\n').filter((l) => l.startsWith('{"file"') && l.includes('"y"')).length;
      console.log(
        `\nCLI: specmatch preprocess --preset ${preset} --json <500 files of ${POINTS} points>: ${s.toFixed(2)} s wall${cpu} (exit ${r.status}, ${lines} spectra out)`,
      );
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
