/**
 * Band evidence for a match: which bands of the query a reference explains (a reference band within a tolerance)
 * and which it does not, so an analyst sees why a reference matched and what it leaves over. Bands are found by
 * the same peak finder as calibration lines (`src-core/calibration/peaks.ts`).
 */
import { findPeaks } from '../calibration/peaks.js';

export interface EvidenceBand {
  /** Band position in cm⁻¹ (sub-pixel). */
  position: number;
  /** Prominence relative to the spectrum's strongest band (0–1]. */
  relHeight: number;
}

export interface BandEvidence {
  /** Largest distance between a query band and the reference band that explains it, cm⁻¹. */
  tolerance: number;
  /** Query bands with a reference band within the tolerance (nearest one; each reference band used once). */
  explained: Array<EvidenceBand & { reference: number }>;
  /** Query bands no reference band explains. */
  unexplained: EvidenceBand[];
  /** Reference bands no query band matches (expected but absent from the query). */
  absent: EvidenceBand[];
  /** Share of the query's band intensity explained: Σ relHeight(explained) / Σ relHeight(all query bands). */
  explainedShare: number;
}

export interface BandEvidenceOptions {
  /** @default 10 (cm⁻¹; RRUFF references are sampled at 1–2 cm⁻¹ with a few cm⁻¹ resolution) */
  tolerance?: number;
  /** Bands weaker than this share of the strongest are ignored. @default 0.05 */
  minRelHeight?: number;
  /** Smallest prominence in noise σ. @default 6 (as for calibration lines) */
  minSnr?: number;
  /** At most this many bands per spectrum, the strongest. @default 30 */
  maxBands?: number;
}

interface XY {
  x: ArrayLike<number>;
  y: ArrayLike<number>;
}

/** A spectrum's bands: findPeaks, strongest first cut at `minRelHeight`, returned by position. */
export function spectrumBands(s: XY, opts: BandEvidenceOptions = {}): EvidenceBand[] {
  const peaks = findPeaks(s.x, s.y, { minSnr: opts.minSnr ?? 6, maxPeaks: opts.maxBands ?? 30 });
  let top = 0;
  for (const p of peaks) top = Math.max(top, p.height);
  if (!(top > 0)) return [];
  const min = opts.minRelHeight ?? 0.05;
  return peaks.map((p) => ({ position: p.position, relHeight: p.height / top })).filter((b) => b.relHeight >= min);
}

/**
 * Pairs the query's bands with the reference's, strongest query band first, each to the nearest unused reference
 * band within the tolerance. Only the x range both spectra cover counts: a reference band outside the query's
 * range is not "absent", and the other way round.
 */
export function bandEvidence(query: XY, reference: XY, opts: BandEvidenceOptions = {}): BandEvidence {
  const tolerance = opts.tolerance ?? 10;
  const lo = Math.max(first(query.x), first(reference.x)) - tolerance;
  const hi = Math.min(last(query.x), last(reference.x)) + tolerance;
  const inside = (b: EvidenceBand): boolean => b.position >= lo && b.position <= hi;
  const q = spectrumBands(query, opts).filter(inside);
  const r = spectrumBands(reference, opts).filter(inside);
  const used = new Set<number>();
  const explained: BandEvidence['explained'] = [];
  const unexplained: EvidenceBand[] = [];
  for (const b of [...q].sort((a, c) => c.relHeight - a.relHeight)) {
    let best = -1;
    let bestD = Infinity;
    r.forEach((c, j) => {
      const d = Math.abs(c.position - b.position);
      if (!used.has(j) && d <= tolerance && d < bestD) {
        best = j;
        bestD = d;
      }
    });
    if (best >= 0) {
      used.add(best);
      explained.push({ ...b, reference: r[best]!.position });
    } else unexplained.push(b);
  }
  const byPos = <T extends EvidenceBand>(a: T, c: T): number => a.position - c.position;
  const total = q.reduce((s, b) => s + b.relHeight, 0);
  const got = explained.reduce((s, b) => s + b.relHeight, 0);
  return {
    tolerance,
    explained: explained.sort(byPos),
    unexplained: unexplained.sort(byPos),
    absent: r.filter((_, j) => !used.has(j)).sort(byPos),
    explainedShare: total > 0 ? got / total : 0,
  };
}

function first(x: ArrayLike<number>): number {
  return x.length ? Math.min(x[0]!, x[x.length - 1]!) : 0;
}
function last(x: ArrayLike<number>): number {
  return x.length ? Math.max(x[0]!, x[x.length - 1]!) : 0;
}
