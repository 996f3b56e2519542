import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { FIXTURES } from './support.js';

const RRUFF_DIR = join(FIXTURES, 'rruff');
/** The Quartz sample the e2e library leaves out (e2e/support/paths.ts HELD_OUT_QUARTZ). */
const HELD_OUT_QUARTZ = join(RRUFF_DIR, 'Quartz__R060604__Raman__532__0__unoriented__Raman_Data_RAW__31948.txt');

/**
 * A small map as a LabSpec text map export (first line the axis after two tabs, then X, Y and the intensities), made
 * at test time from the RRUFF fixtures: Quartz (the held-out sample) top left, Calcite a band on the right, Rutile
 * a block bottom left, Baryte elsewhere; 16 × 10 pixels of 2 µm, 600 points, a little noise. Returns its path.
 * Used by the CLI map test and the e2e map spec (in-repo fixtures only: no ../shared/data needed).
 */
export function writeMapFile(): string {
  const read = (name: string): { x: number[]; y: number[] } => {
    const x: number[] = [];
    const y: number[] = [];
    for (const line of readFileSync(name, 'utf8').split(/\r?\n/)) {
      const m = /^\s*([-+\d.eE]+)\s*,\s*([-+\d.eE]+)/.exec(line);
      if (m) {
        x.push(Number(m[1]));
        y.push(Number(m[2]));
      }
    }
    return { x, y };
  };
  const src = {
    Quartz: read(HELD_OUT_QUARTZ),
    Calcite: read(join(RRUFF_DIR, 'Calcite__R050009__Raman__532__0__unoriented__Raman_Data_RAW__21026.txt')),
    Rutile: read(join(RRUFF_DIR, 'Rutile__R050417__Raman__532__0__unoriented__Raman_Data_RAW__30435.txt')),
    Baryte: read(join(RRUFF_DIR, 'Baryte__R050375__Raman__532__0__unoriented__Raman_Data_RAW__29656.txt')),
  };
  const axis = Array.from({ length: 600 }, (_, i) => 160 + (i * 1120) / 599);
  const at = (s: { x: number[]; y: number[] }, a: number): number => {
    let j = 0;
    while (j + 2 < s.x.length && s.x[j + 1]! < a) j++;
    const t = (a - s.x[j]!) / (s.x[j + 1]! - s.x[j]!);
    return s.y[j]! + Math.min(1, Math.max(0, t)) * (s.y[j + 1]! - s.y[j]!);
  };
  let seed = 3;
  const rnd = (): number => ((seed = (seed * 1103515245 + 12345) % 2 ** 31) / 2 ** 31);
  const width = 16;
  const height = 10;
  const lines = ['#Title=\tsynthetic map from RRUFF fixtures', `\t\t${axis.map((a) => a.toFixed(2)).join('\t')}`];
  for (let row = 0; row < height; row++) {
    for (let col = 0; col < width; col++) {
      const u = col / width;
      const v = row / height;
      const m = u >= 0.75 ? 'Calcite' : u < 0.4 && v < 0.4 ? 'Quartz' : u >= 0.08 && u < 0.3 && v >= 0.6 ? 'Rutile' : 'Baryte';
      const s = src[m];
      const scale = 0.7 + 0.6 * rnd();
      const ys = axis.map((a) => (at(s, a) * scale + 30 * (rnd() - 0.5)).toFixed(1));
      lines.push(`${col * 2}\t${row * 2}\t${ys.join('\t')}`);
    }
  }
  const dir = mkdtempSync(join(tmpdir(), 'specmatch-e2e-map-'));
  const path = join(dir, 'synthetic_map_16x10.txt');
  writeFileSync(path, lines.join('\n') + '\n');
  return path;
}
