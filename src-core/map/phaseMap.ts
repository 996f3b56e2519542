import type { Verdict } from '../matching/types.js';
import type { MapLayout } from './mapLayout.js';
import type { Rgb } from './raster.js';

/** One spectrum's identification in a map. */
export interface PixelResult {
  /** Top substance, null when the spectrum could not be matched at all. */
  substance: string | null;
  score: number;
  /** Library spectrum of the top substance's best reference (for overlays). */
  spectrumId?: number;
  /** The match verdict; 'low-signal' when the signal-to-noise mask left it out, 'error' when it could not be matched. */
  verdict: Verdict | 'low-signal' | 'error';
  /** Why it is 'error' or 'low-signal'. */
  reason?: string;
}

export interface Phase {
  substance: string;
  colour: Rgb;
  pixels: number;
  /** pixels / spectra in the map. */
  fraction: number;
  /** Mean score of its pixels. */
  meanScore: number;
}

export interface PhaseMap {
  layout: MapLayout;
  /** Per spectrum (file order). */
  results: PixelResult[];
  /** Per spectrum: index into `phases`, −1 unidentified (no-match, under the minimum score, error), −2 masked (low signal). */
  phaseOf: Int32Array;
  /** Substances found, most pixels first. */
  phases: Phase[];
  unidentified: number;
  lowSignal: number;
  /** The minimum score a pixel needs to be assigned (0 when only the verdict decides). */
  minScore: number;
}

export const UNIDENTIFIED_COLOUR: Rgb = [190, 190, 190];
export const LOW_SIGNAL_COLOUR: Rgb = [90, 90, 90];
export const EMPTY_COLOUR: Rgb = [255, 255, 255];

/**
 * Phase colours: twelve well separated hues (chosen to stay distinct from the greys of unidentified and masked
 * pixels and from each other for common colour-vision deficiencies as far as twelve allow), then golden-angle hues.
 */
const PALETTE: readonly Rgb[] = [
  [31, 119, 180],
  [230, 120, 20],
  [44, 160, 44],
  [214, 39, 40],
  [148, 103, 189],
  [23, 190, 207],
  [188, 189, 34],
  [227, 119, 194],
  [140, 86, 75],
  [0, 90, 60],
  [255, 200, 0],
  [0, 0, 140],
];

function hslToRgb(h: number, s: number, l: number): Rgb {
  const f = (n: number): number => {
    const k = (n + h / 30) % 12;
    const a = s * Math.min(l, 1 - l);
    return Math.round(255 * (l - a * Math.max(-1, Math.min(k - 3, 9 - k, 1))));
  };
  return [f(0), f(8), f(4)];
}

/** Colour of the i-th phase (by pixel count). */
export function phaseColour(i: number): Rgb {
  if (i < PALETTE.length) return PALETTE[i]!;
  return hslToRgb((i * 137.508) % 360, 0.65, 0.45);
}

/**
 * Assigns each pixel to its top substance when the verdict is 'match' or 'ambiguous' and the score reaches
 * `minScore`; 'no-match' pixels, those under the minimum score and unmatched ones are unidentified (grey); pixels
 * the signal-to-noise mask left out are 'low signal' (dark grey). Phases are ordered by pixel count.
 */
export function buildPhaseMap(layout: MapLayout, results: PixelResult[], opts: { minScore?: number } = {}): PhaseMap {
  const minScore = opts.minScore ?? 0;
  const counts = new Map<string, { pixels: number; score: number }>();
  const assigned: (string | null)[] = results.map((r) => {
    if (r.verdict === 'low-signal' || r.verdict === 'error' || r.verdict === 'no-match' || r.substance === null || r.score < minScore) return null;
    const c = counts.get(r.substance) ?? { pixels: 0, score: 0 };
    c.pixels++;
    c.score += r.score;
    counts.set(r.substance, c);
    return r.substance;
  });
  const n = results.length;
  const names = [...counts.entries()].sort((a, b) => b[1].pixels - a[1].pixels || a[0].localeCompare(b[0]));
  const phases: Phase[] = names.map(([substance, c], i) => ({ substance, colour: phaseColour(i), pixels: c.pixels, fraction: n === 0 ? 0 : c.pixels / n, meanScore: c.score / c.pixels }));
  const index = new Map(phases.map((p, i) => [p.substance, i]));
  const phaseOf = new Int32Array(n);
  let unidentified = 0;
  let lowSignal = 0;
  for (let i = 0; i < n; i++) {
    const a = assigned[i];
    if (results[i]!.verdict === 'low-signal') {
      phaseOf[i] = -2;
      lowSignal++;
    } else if (a === null || a === undefined) {
      phaseOf[i] = -1;
      unidentified++;
    } else phaseOf[i] = index.get(a)!;
  }
  return { layout, results, phaseOf, phases, unidentified, lowSignal, minScore };
}

/** Colour of each image pixel (RGB triplets, width × height × 3): phase colour, greys, white where no spectrum. */
export function phaseImageRgb(map: PhaseMap): Uint8Array {
  const { width, height, spectrumAt } = map.layout;
  const out = new Uint8Array(width * height * 3);
  for (let p = 0; p < width * height; p++) {
    const s = spectrumAt[p]!;
    const ph = s < 0 ? -3 : map.phaseOf[s]!;
    const c = ph >= 0 ? map.phases[ph]!.colour : ph === -1 ? UNIDENTIFIED_COLOUR : ph === -2 ? LOW_SIGNAL_COLOUR : EMPTY_COLOUR;
    out.set(c, p * 3);
  }
  return out;
}

/** Human summary lines: substances with pixel counts and fractions, then unidentified and masked pixels. */
export function summaryLines(map: PhaseMap): string[] {
  const n = map.results.length;
  const pct = (k: number): string => `${((100 * k) / Math.max(1, n)).toFixed(1)} %`;
  const w = Math.max(12, ...map.phases.map((p) => p.substance.length));
  const lines = [`${n} spectra, ${map.layout.width} × ${map.layout.height} pixels (${map.layout.kind}); ${map.phases.length} substance${map.phases.length === 1 ? '' : 's'} found`];
  for (const p of map.phases) lines.push(`  ${p.substance.padEnd(w)}  ${String(p.pixels).padStart(7)} px  ${pct(p.pixels).padStart(7)}  mean score ${p.meanScore.toFixed(3)}`);
  lines.push(`  ${'unidentified'.padEnd(w)}  ${String(map.unidentified).padStart(7)} px  ${pct(map.unidentified).padStart(7)}`);
  if (map.lowSignal > 0) lines.push(`  ${'low signal'.padEnd(w)}  ${String(map.lowSignal).padStart(7)} px  ${pct(map.lowSignal).padStart(7)}`);
  const errors = map.results.filter((r) => r.verdict === 'error');
  if (errors.length > 0) lines.push(`  ${errors.length} of the unidentified could not be matched: ${errors[0]!.reason ?? 'unknown reason'}`);
  return lines;
}
