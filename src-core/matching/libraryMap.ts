/**
 * The library's embedding map, the pure parts: nearest neighbours from a library's self-scores, the key a cached
 * map is current for, the chemical group that colours a point, and where a query goes on the map.
 * The projection itself (UMAP, umap-js) runs in `src-core/node/library/libraryMap.ts`.
 */
import { sha256Hex } from '../preprocess/sha256.js';
import { parseElements } from './elements.js';
import type { MatchMethod } from './types.js';

/** The projection's settings, stored with a cached map: a map made with other settings is recomputed. */
export const MAP_PARAMS = { method: 'umap', version: 2, seed: 15, nNeighbors: 15, minDist: 0.1, nEpochs: 200 } as const;
export type MapParams = typeof MAP_PARAMS;

/** Each point's k nearest other points by a similarity score (distance = 1 − score, at least 0), self first. */
export interface NeighbourGraph {
  indices: number[][];
  distances: number[][];
}

/**
 * Row `i`'s k nearest neighbours from its row of similarity scores (higher = more alike): the list starts with `i`
 * itself at distance 0 (as UMAP expects), then the k − 1 best other columns; distance = 1 − score (at least 0, 2 for
 * a non-finite score). Ties keep the lower index.
 */
export function nearestOf(row: ArrayLike<number>, i: number, k: number): { indices: number[]; distances: number[] } {
  const n = row.length;
  const m = Math.max(0, Math.min(k - 1, n - 1));
  const bestJ = new Int32Array(m);
  const bestS = new Float64Array(m);
  let filled = 0;
  for (let j = 0; j < n; j++) {
    if (j === i || m === 0) continue;
    const v = row[j]!;
    const s = Number.isFinite(v) ? v : -Infinity;
    if (filled === m && !(s > bestS[m - 1]!)) continue;
    let p = filled < m ? filled++ : m - 1;
    while (p > 0 && bestS[p - 1]! < s) {
      bestS[p] = bestS[p - 1]!;
      bestJ[p] = bestJ[p - 1]!;
      p--;
    }
    bestS[p] = s;
    bestJ[p] = j;
  }
  const indices = [i];
  const distances = [0];
  for (let p = 0; p < filled; p++) {
    indices.push(bestJ[p]!);
    distances.push(Number.isFinite(bestS[p]!) ? Math.max(0, 1 - bestS[p]!) : 2);
  }
  return { indices, distances };
}

/** Every row's k nearest neighbours (`nearestOf`), one score row at a time. */
export function neighbourGraph(n: number, k: number, scoreRow: (i: number) => ArrayLike<number>): NeighbourGraph {
  const indices: number[][] = [];
  const distances: number[][] = [];
  for (let i = 0; i < n; i++) {
    const r = nearestOf(scoreRow(i), i, k);
    indices.push(r.indices);
    distances.push(r.distances);
  }
  return { indices, distances };
}

/**
 * What a map is current for: the vectors' key (model and pipeline), the projection's settings and the spectrum ids
 * it placed. A cached map whose hash differs (a spectrum added, removed or moved in/out) is stale.
 */
export function mapIdsHash(vectorKey: string, spectrumIds: ArrayLike<number>, params: MapParams = MAP_PARAMS): string {
  let ids = '';
  for (let i = 0; i < spectrumIds.length; i++) ids += `${spectrumIds[i]},`;
  return `${spectrumIds.length}-${sha256Hex(`${vectorKey}|${JSON.stringify(params)}|${ids}`)}`;
}

/** True when a cached map was computed from exactly these ids under these settings. */
export function isMapCurrent(cache: { idsHash: string; params: string } | undefined, vectorKey: string, spectrumIds: ArrayLike<number>, params: MapParams = MAP_PARAMS): boolean {
  return !!cache && cache.params === JSON.stringify(params) && cache.idsHash === mapIdsHash(vectorKey, spectrumIds, params);
}

/** Chemical groups that colour the map, in legend order. */
export const MAP_GROUPS = [
  'silicate',
  'carbonate',
  'sulfate',
  'phosphate, arsenate, vanadate',
  'borate',
  'oxide, hydroxide',
  'sulfide, arsenide',
  'halide',
  'element',
  'organic',
  'other',
] as const;
export type MapGroup = (typeof MAP_GROUPS)[number];

/** One colour per group (colour-blind-safe Okabe–Ito and Tableau tones, readable on white and on dark). */
export const MAP_GROUP_COLORS: Record<MapGroup, string> = {
  silicate: '#0072b2',
  carbonate: '#e69f00',
  sulfate: '#009e73',
  'phosphate, arsenate, vanadate': '#cc79a7',
  borate: '#56b4e9',
  'oxide, hydroxide': '#d55e00',
  'sulfide, arsenide': '#8c564b',
  halide: '#9467bd',
  element: '#f0c400',
  organic: '#17becf',
  other: '#8a8a8a',
};

const METALLOID_ANION = new Set(['As', 'Sb', 'Se', 'Te', 'Bi']);
const HALOGENS = new Set(['F', 'Cl', 'Br', 'I']);

/**
 * A substance's chemical group from its formula's elements (RRUFF's IDEAL CHEMISTRY or a plain formula): the
 * anion group a mineralogist would file it under, checked in the order of the Strunz classes that dominate Raman
 * libraries. No formula: 'other'.
 */
export function substanceGroup(formula: string | null | undefined): MapGroup {
  const el = new Set(parseElements(formula));
  if (el.size === 0) return 'other';
  if (el.size === 1) return 'element';
  const o = el.has('O');
  if (el.has('C') && el.has('H') && !o && el.size <= 4) return 'organic';
  if (el.has('Si') && o) return 'silicate';
  if (el.has('C') && o && el.has('H') && !hasMetal(el)) return 'organic';
  if (el.has('C') && o) return 'carbonate';
  if (el.has('S') && o) return 'sulfate';
  if (o && (el.has('P') || el.has('As') || el.has('V'))) return 'phosphate, arsenate, vanadate';
  if (el.has('B') && o) return 'borate';
  if (!o && (el.has('S') || [...el].some((e) => METALLOID_ANION.has(e)))) return 'sulfide, arsenide';
  if ([...el].some((e) => HALOGENS.has(e)) && !o) return 'halide';
  if (o) return 'oxide, hydroxide';
  return 'other';
}

function hasMetal(el: Set<string>): boolean {
  for (const e of el) if (!['C', 'H', 'O', 'N', 'S', 'P', 'F', 'Cl', 'Br', 'I'].includes(e)) return true;
  return false;
}

/** Where a query goes on the map, and the references it was placed from. */
export interface QueryPlacement {
  x: number;
  y: number;
  /** Indices (into the map's points) of the neighbours used, best first. */
  neighbours: number[];
}

/**
 * Places a query by its nearest references (no new projection: UMAP's transform would move with every query and
 * cost a neighbour search): the score-weighted mean of the positions of its best references that are on the map
 * (weights score², so the nearest dominate), at most `k`, and only those scoring at least `minShare` of the best
 * (a poor fifth match is not a neighbour). Undefined when none is on the map.
 */
export function placeQuery(
  points: ReadonlyArray<{ spectrumId: number; x: number; y: number }>,
  nearest: ReadonlyArray<{ spectrumId: number; score: number }>,
  k = 5,
  minShare = 0.5,
): QueryPlacement | undefined {
  const index = new Map<number, number>();
  points.forEach((p, i) => index.set(p.spectrumId, i));
  const used: number[] = [];
  let sw = 0;
  let sx = 0;
  let sy = 0;
  let best = -Infinity;
  for (const r of nearest) if (index.has(r.spectrumId)) best = Math.max(best, r.score);
  for (const r of [...nearest].sort((a, b) => b.score - a.score)) {
    if (used.length >= k || r.score < minShare * best) break;
    const i = index.get(r.spectrumId);
    if (i === undefined || used.includes(i)) continue;
    const w = Math.max(1e-6, r.score) ** 2;
    used.push(i);
    sw += w;
    sx += w * points[i]!.x;
    sy += w * points[i]!.y;
  }
  if (used.length === 0) return undefined;
  return { x: sx / sw, y: sy / sw, neighbours: used };
}

/** One reference on the map. */
export interface LibraryMapPoint {
  spectrumId: number;
  substanceId: number;
  substance: string;
  sampleId: string | null;
  group: MapGroup;
  x: number;
  y: number;
}

/** The library's 2-D map (the `library:map` job, `specmatch library map`). */
export interface LibraryMap {
  /** The vectors it projects: `${modelId}:${pipelineHash}` (the model's embeddings, or the classic vectors). */
  vectorKey: string;
  /** The scores its neighbourhoods come from. */
  method: MatchMethod;
  params: string;
  computedAt: string;
  /** Read from the library's map cache (not computed by this call). */
  cached: boolean;
  points: LibraryMapPoint[];
}
