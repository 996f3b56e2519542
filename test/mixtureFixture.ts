import { readFileSync, writeFileSync } from 'node:fs';
import { readSpectra } from '../src-core/formats/readSpectra.js';
import { baselineAls } from '../src-core/preprocess/baselineAls.js';

/**
 * A synthetic mixture of real spectra for the mixture tests (CLI and e2e): each file's baseline is removed (the
 * rruff-processed preset's ALS), it is scaled to peak height 1 on a 1 cm⁻¹ grid from 150 to 1200 cm⁻¹, the parts
 * are summed with `weights` (mixing by peak height) and a new sloped background is added. Written as a two-column
 * text file; returns its path.
 */
export function writeMixture(files: readonly string[], weights: readonly number[], out: string): string {
  const n = 1051;
  const sum = new Float64Array(n);
  files.forEach((path, k) => {
    const s = readSpectra(readFileSync(path), path).spectra[0]!;
    const base = baselineAls(s.y, { lambda: 1e6, p: 0.005 });
    const c = new Float64Array(n);
    let j = 0;
    for (let i = 0; i < n; i++) {
      const g = 150 + i;
      while (j + 2 < s.x.length && s.x[j + 1]! < g) j++;
      const t = Math.min(1, Math.max(0, (g - s.x[j]!) / (s.x[j + 1]! - s.x[j]!)));
      c[i] = (s.y[j]! - base[j]!) * (1 - t) + (s.y[j + 1]! - base[j + 1]!) * t;
    }
    const max = Math.max(...c);
    for (let i = 0; i < n; i++) sum[i] = sum[i]! + (weights[k]! * c[i]!) / max;
  });
  const lines = Array.from(sum, (v, i) => `${150 + i}\t${(v + 0.3 + 0.0004 * i).toFixed(5)}`);
  writeFileSync(out, lines.join('\n') + '\n');
  return out;
}
