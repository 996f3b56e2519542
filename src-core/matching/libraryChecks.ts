/**
 * Library checks: entries that would mislead a match. Pure: the node side (src-core/node/library/checkLibrary.ts)
 * loads the vectors and scores, this module decides what is a finding and words its evidence.
 *
 * - mislabelled: a reference whose nearest references all belong to one other substance, while its own substance's
 *   other spectra score clearly lower;
 * - duplicate: identical x/y data (any names), or a near-identical spectrum under another name;
 * - quality: low signal-to-noise, clipped tops, cosmic-ray spikes, too few points, a narrow range, x in nm;
 * - spread: a substance whose spectra disagree with each other.
 */

export type CheckKind = 'mislabelled' | 'duplicate' | 'quality' | 'spread';
export const CHECK_KINDS: readonly CheckKind[] = ['mislabelled', 'duplicate', 'quality', 'spread'];

export interface LibraryFinding {
  /** Stable key of the finding (kind + spectrum ids): what a dismissal is stored under. */
  key: string;
  kind: CheckKind;
  spectrumIds: number[];
  /** Substance names of those spectra, verbatim as stored, in the same order. */
  substances: string[];
  substanceIds: number[];
  evidence: string;
  /** Strength of the finding, higher = more certain / more severe (not comparable across kinds). */
  score: number;
  /** For a likely mislabelled spectrum: the substance its neighbours belong to. */
  suggested?: { substanceId: number; name: string };
  /** Set when a user dismissed this finding (kept in the library). */
  dismissed?: boolean;
}

export interface CheckThresholds {
  /** Mislabelled: the nearest reference (another substance's) scores at least this … */
  mislabelNear: number;
  /** … while the best of its own substance's other spectra scores at most this (far from its own substance) … */
  mislabelOwnMax: number;
  /** … and every reference within this of the nearest belongs to that same other substance. */
  mislabelBand: number;
  /** Near-duplicate: correlation HQI (classic axis, baseline included) at least this … */
  duplicateScore: number;
  /** … and derivative HQI of the same pair at least this (featureless humps correlate without being copies). */
  duplicateDerivative: number;
  /** Spread: a substance whose least similar pair scores below this (by the default method). */
  spreadScore: number;
  /** Quality: SNR below this. */
  minSnr: number;
  minPoints: number;
  /** Quality: x range narrower than this (cm⁻¹). */
  minRange: number;
}

/**
 * Defaults measured on the bundled RRUFF library with the fused default method of siamese-rruff-v3 (bench/
 * checks.bench.ts, docs/results/library-checks.md); the classic-only default (derivative HQI) has its own
 * mislabelling and spread levels in CLASSIC_CHECK_THRESHOLDS.
 */
export const DEFAULT_CHECK_THRESHOLDS: CheckThresholds = {
  mislabelNear: 0.3,
  mislabelOwnMax: 0.2,
  mislabelBand: 0.03,
  duplicateScore: 0.99,
  duplicateDerivative: 0.8,
  spreadScore: 0.05,
  minSnr: 10,
  minPoints: 200,
  minRange: 500,
};

/** Mislabelling and spread levels for derivative HQI (r², higher for the same substance than the fused score). */
export const CLASSIC_CHECK_THRESHOLDS: Partial<CheckThresholds> = { mislabelNear: 0.6, mislabelOwnMax: 0.35, spreadScore: 0.3 };

/** Per-spectrum quality figures the checks judge (see src-core/preprocess/quality.ts). */
export interface SpectrumQualityFacts {
  snr: number;
  saturated: boolean;
  spikes: number;
  points: number;
  xMin: number;
  xMax: number;
  xKind: string;
  laserNm: number | null;
}

/** The references in the order of the score rows. */
export interface CheckReferences {
  count: number;
  spectrumIds: ArrayLike<number>;
  /** Dense substance index per row. */
  refSubstance: ArrayLike<number>;
  substanceIds: readonly number[];
  substanceNames: readonly string[];
  sampleIds: ReadonlyArray<string | null>;
}

export function findingKey(kind: CheckKind, spectrumIds: readonly number[]): string {
  return `${kind}:${[...spectrumIds].sort((a, b) => a - b).join(',')}`;
}

function fmt(v: number): string {
  return v.toFixed(3);
}

/** What one row's score vector says about that reference: its nearest references and its own substance. */
interface Neighbourhood {
  /** Nearest other rows, best first. */
  top: Array<{ row: number; score: number }>;
  /** Best score to another spectrum of its own substance, or −∞ when it has none. */
  bestOwn: number;
  ownRow: number;
  ownCount: number;
}

function neighbourhood(i: number, scores: ArrayLike<number>, refs: CheckReferences, k: number): Neighbourhood {
  const own = refs.refSubstance[i]!;
  const top: Array<{ row: number; score: number }> = [];
  let bestOwn = -Infinity;
  let ownRow = -1;
  let ownCount = 0;
  for (let j = 0; j < refs.count; j++) {
    if (j === i) continue;
    const s = scores[j]!;
    if (refs.refSubstance[j] === own) {
      ownCount++;
      if (s > bestOwn) {
        bestOwn = s;
        ownRow = j;
      }
    }
    if (top.length < k || s > top[top.length - 1]!.score) {
      let p = top.length < k ? top.length : k - 1;
      if (top.length < k) top.push({ row: j, score: s });
      while (p > 0 && top[p - 1]!.score < s) {
        top[p] = top[p - 1]!;
        p--;
      }
      top[p] = { row: j, score: s };
    }
  }
  return { top, bestOwn, ownRow, ownCount };
}

function sampleText(refs: CheckReferences, row: number): string {
  const s = refs.sampleIds[row];
  return s ? ` (${s})` : '';
}

export interface SelfScoreSource {
  /** Method whose scores these are (named in the evidence). */
  method: string;
  refs: CheckReferences;
  scoreRow: (i: number) => ArrayLike<number>;
}

export interface CheckInput {
  /** Scores by the default matching method: mislabelled and spread. */
  primary: SelfScoreSource;
  /** Scores of the duplicate measure (correlation HQI on the classic axis): near-duplicates. */
  duplicates: SelfScoreSource;
  /** Derivative HQI rows over the same references as `duplicates`: confirms a near-duplicate. */
  duplicateConfirm: (i: number) => ArrayLike<number>;
  /** Groups of spectrum ids whose stored x/y data are byte-identical. */
  identical: ReadonlyArray<readonly number[]>;
  quality: ReadonlyMap<number, SpectrumQualityFacts>;
  /** spectrum id → [substance id, substance name] for every spectrum (for the identical groups and quality). */
  substanceOf: ReadonlyMap<number, readonly [number, string]>;
  thresholds?: Partial<CheckThresholds>;
  onProgress?(done: number, total: number): void;
  /** Filled, when given, with spectrum id → whether its nearest reference is of its own substance. */
  nearestIsOwn?: Map<number, boolean>;
  /** Awaited every few dozen rows: lets a server's event loop breathe, and may throw to cancel. */
  pause?(): Promise<void>;
}

/** Runs every check. Findings are sorted by kind, then score (highest first). */
export async function runLibraryChecks(input: CheckInput): Promise<LibraryFinding[]> {
  const t = { ...DEFAULT_CHECK_THRESHOLDS, ...input.thresholds };
  const out: LibraryFinding[] = [];
  const p = input.primary;
  const refs = p.refs;
  const d = input.duplicates;
  const dupRowOf = new Map<number, number>();
  for (let r = 0; r < d.refs.count; r++) dupRowOf.set(d.refs.spectrumIds[r]!, r);
  const total = refs.count + d.refs.count;
  // Spread: the least similar pair within each substance.
  const worstPair = new Map<number, { a: number; b: number; score: number; pairs: number; sum: number }>();
  for (let i = 0; i < refs.count; i++) {
    const scores = p.scoreRow(i);
    const nb = neighbourhood(i, scores, refs, 8);
    const own = refs.refSubstance[i]!;
    // Spread bookkeeping (each pair once: j > i).
    for (let j = i + 1; j < refs.count; j++) {
      if (refs.refSubstance[j] !== own) continue;
      const s = scores[j]!;
      const w = worstPair.get(own);
      if (!w) worstPair.set(own, { a: i, b: j, score: s, pairs: 1, sum: s });
      else {
        w.pairs++;
        w.sum += s;
        if (s < w.score) Object.assign(w, { a: i, b: j, score: s });
      }
    }
    // Mislabelled: the nearest references (all within mislabelBand of the best) are of one other substance, and its
    // own substance's other spectra score far lower.
    const first = nb.top[0];
    if (first) input.nearestIsOwn?.set(refs.spectrumIds[i]!, refs.refSubstance[first.row] === own);
    if (first && nb.ownCount > 0) {
      const other = refs.refSubstance[first.row]!;
      const near = nb.top.filter((n) => n.score >= first.score - t.mislabelBand);
      const allOther = other !== own && near.every((n) => refs.refSubstance[n.row] === other);
      if (allOther && first.score >= t.mislabelNear && nb.bestOwn <= t.mislabelOwnMax) {
        const sid = refs.spectrumIds[i]!;
        const otherName = refs.substanceNames[other]!;
        const ownName = refs.substanceNames[own]!;
        const otherCount = nb.top.filter((n) => refs.refSubstance[n.row] === other).length;
        out.push({
          key: findingKey('mislabelled', [sid]),
          kind: 'mislabelled',
          spectrumIds: [sid],
          substances: [ownName],
          substanceIds: [refs.substanceIds[own]!],
          evidence:
            `nearest reference${near.length > 1 ? `s (${near.length})` : ''} by ${p.method} ${near.length > 1 ? 'are all' : 'is'} ${otherName}: ${fmt(first.score)}${sampleText(refs, first.row)}` +
            `${otherCount > near.length ? `, ${otherCount} of its ${nb.top.length} nearest` : ''}; ` +
            `the best of ${ownName}'s ${nb.ownCount} other spectr${nb.ownCount === 1 ? 'um' : 'a'} scores ${fmt(nb.bestOwn)}${sampleText(refs, nb.ownRow)}`,
          score: Number((first.score - nb.bestOwn).toFixed(4)),
          suggested: { substanceId: refs.substanceIds[other]!, name: otherName },
        });
      }
    }
    input.onProgress?.(i + 1, total);
    if (input.pause && i % 32 === 31) await input.pause();
  }
  for (const [sub, w] of worstPair) {
    if (w.score >= t.spreadScore) continue;
    const a = refs.spectrumIds[w.a]!;
    const b = refs.spectrumIds[w.b]!;
    const name = refs.substanceNames[sub]!;
    out.push({
      key: findingKey('spread', [a, b]),
      kind: 'spread',
      spectrumIds: [a, b],
      substances: [name, name],
      substanceIds: [refs.substanceIds[sub]!, refs.substanceIds[sub]!],
      evidence: `two spectra of ${name}${sampleText(refs, w.a)}${sampleText(refs, w.b)} score ${fmt(w.score)} against each other (${p.method}); mean of its ${w.pairs} pair${w.pairs === 1 ? '' : 's'} ${fmt(w.sum / w.pairs)}`,
      score: Number((1 - w.score).toFixed(4)),
    });
  }
  // Duplicates: identical data, then near-identical spectra under another name.
  const seen = new Set<string>();
  for (const group of input.identical) {
    if (group.length < 2) continue;
    const ids = [...group].sort((a, b) => a - b);
    const key = findingKey('duplicate', ids);
    seen.add(key);
    const subs = ids.map((id): readonly [number, string] => input.substanceOf.get(id) ?? [0, '?']);
    out.push({
      key,
      kind: 'duplicate',
      spectrumIds: ids,
      substances: subs.map((s) => s[1]),
      substanceIds: subs.map((s) => s[0]),
      evidence: `identical x/y data in ${ids.length} spectra${new Set(subs.map((s) => s[1])).size > 1 ? ' under different names' : ' of the same substance'}`,
      score: 1,
    });
  }
  for (let i = 0; i < d.refs.count; i++) {
    const scores = d.scoreRow(i);
    let confirm: ArrayLike<number> | null = null;
    const own = d.refs.refSubstance[i]!;
    const ownName = d.refs.substanceNames[own]!;
    for (let j = i + 1; j < d.refs.count; j++) {
      const s = scores[j]!;
      if (s < t.duplicateScore) continue;
      const other = d.refs.refSubstance[j]!;
      if (other === own || d.refs.substanceNames[other] === ownName) continue;
      confirm ??= input.duplicateConfirm(i);
      const dv = confirm[j]!;
      if (dv < t.duplicateDerivative) continue;
      const ids = [d.refs.spectrumIds[i]!, d.refs.spectrumIds[j]!];
      const key = findingKey('duplicate', ids);
      if (seen.has(key)) continue;
      seen.add(key);
      out.push({
        key,
        kind: 'duplicate',
        spectrumIds: ids,
        substances: [ownName, d.refs.substanceNames[other]!],
        substanceIds: [d.refs.substanceIds[own]!, d.refs.substanceIds[other]!],
        evidence: `near-identical spectra under two names: ${d.method} ${fmt(s)}, derivative HQI ${fmt(dv)}${sampleText(d.refs, i)}${sampleText(d.refs, j)}`,
        score: Number(s.toFixed(4)),
      });
    }
    input.onProgress?.(refs.count + i + 1, total);
    if (input.pause && i % 64 === 63) await input.pause();
  }
  // Quality.
  for (const [id, q] of input.quality) {
    const problems: string[] = [];
    let severity = 0;
    if (q.xKind === 'wavelength') {
      problems.push(`x axis in nm without a laser wavelength`);
      severity += 1;
    }
    if (q.snr < t.minSnr) {
      problems.push(`SNR ${q.snr.toFixed(1)} (below ${t.minSnr})`);
      severity += 1 - q.snr / t.minSnr;
    }
    if (q.saturated) {
      problems.push('clipped top (saturated detector)');
      severity += 1;
    }
    if (q.spikes > 0) {
      problems.push(`${q.spikes} cosmic-ray spike${q.spikes === 1 ? '' : 's'}`);
      severity += Math.min(1, 0.25 * q.spikes);
    }
    if (q.points < t.minPoints) {
      problems.push(`${q.points} points (fewer than ${t.minPoints})`);
      severity += 0.5;
    }
    const range = q.xMax - q.xMin;
    if (range < t.minRange) {
      problems.push(`range ${q.xMin.toFixed(0)}–${q.xMax.toFixed(0)} (${range.toFixed(0)} cm⁻¹, narrower than ${t.minRange})`);
      severity += 0.5;
    }
    if (problems.length === 0) continue;
    const sub: readonly [number, string] = input.substanceOf.get(id) ?? [0, '?'];
    out.push({
      key: findingKey('quality', [id]),
      kind: 'quality',
      spectrumIds: [id],
      substances: [sub[1]],
      substanceIds: [sub[0]],
      evidence: problems.join('; '),
      score: Number(severity.toFixed(4)),
    });
  }
  const order = new Map(CHECK_KINDS.map((k, i) => [k, i]));
  out.sort((a, b) => order.get(a.kind)! - order.get(b.kind)! || b.score - a.score || a.key.localeCompare(b.key));
  return out;
}

/** The `--json` line of a finding: exactly kind, spectrumIds, substances, evidence, score. */
export function findingJson(f: LibraryFinding): { kind: CheckKind; spectrumIds: number[]; substances: string[]; evidence: string; score: number } {
  return { kind: f.kind, spectrumIds: f.spectrumIds, substances: f.substances, evidence: f.evidence, score: f.score };
}
