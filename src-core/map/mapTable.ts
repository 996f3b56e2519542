import type { Spectrum } from '../spectrum/Spectrum.js';
import type { PhaseMap } from './phaseMap.js';

/** One pixel of the CSV/JSON outputs: position as in the file (µm), or the pixel's column and row without positions. */
export interface MapRow {
  x: number;
  y: number;
  substance: string | null;
  score: number;
  verdict: string;
}

/**
 * Per-spectrum rows in file order. `substance` is the top substance whatever the verdict (the verdict says how
 * sure it is); null when the spectrum was not matched (low signal, error).
 */
export function mapRows(map: PhaseMap, spectra: readonly Spectrum[]): MapRow[] {
  return map.results.map((r, i) => {
    const pos = spectra[i]!.meta.position;
    const p = map.layout.pixelOf[i]!;
    const x = map.layout.positions && Number.isFinite(pos.xUm) ? pos.xUm! : p % map.layout.width;
    const y = map.layout.positions && Number.isFinite(pos.yUm) ? pos.yUm! : Math.floor(p / map.layout.width);
    return { x, y, substance: r.substance, score: Math.round(r.score * 1e4) / 1e4, verdict: r.verdict };
  });
}

function csvCell(v: string): string {
  return /[",\n\r]/.test(v) ? `"${v.replace(/"/g, '""')}"` : v;
}

/** CSV with header `x,y,substance,score,verdict`. */
export function mapCsv(rows: readonly MapRow[]): string {
  const lines = ['x,y,substance,score,verdict'];
  for (const r of rows) lines.push([String(r.x), String(r.y), csvCell(r.substance ?? ''), r.score.toFixed(4), r.verdict].join(','));
  return `${lines.join('\n')}\n`;
}

/** JSON lines `{"x","y","substance","score","verdict"}`. */
export function mapJsonLines(rows: readonly MapRow[]): string {
  return rows.map((r) => JSON.stringify({ x: r.x, y: r.y, substance: r.substance, score: r.score, verdict: r.verdict })).join('\n') + '\n';
}
