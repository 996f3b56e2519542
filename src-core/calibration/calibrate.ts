import { SpecmatchError } from '../errors.js';
import { median } from '../preprocess/robust.js';
import type { Spectrum } from '../spectrum/Spectrum.js';
import { findPeaks } from './peaks.js';
import type { FoundPeak } from './peaks.js';
import { nmToShift, shiftToNm } from './standards.js';
import type { CalibrationStandard } from './standards.js';
import { applyXMap, correctShift, inputShift, minSlope, polyFit } from './xMap.js';
import type { XMap } from './xMap.js';

/** One reference line matched to a found line. */
export interface CalibrationLine {
  /** Reference position in cm⁻¹ Raman shift (for a lamp: converted from its wavelength with the laser). */
  reference: number;
  /** Where it was found, in cm⁻¹ shift on the uncorrected axis (wavelength files converted with the laser). */
  found: number;
  /** reference − corrected(found), cm⁻¹. */
  residual: number;
  /** Lamp line wavelength (nm, air), for lamps only. */
  referenceNm?: number;
  /** Line width (FWHM, cm⁻¹) as found; NaN when its fit failed. */
  fwhm: number;
  /** Which input spectrum (index in the list given) the line came from. */
  file: number;
}

export interface CalibrationFit {
  standard: string;
  lines: CalibrationLine[];
  /** Root mean square of the residuals, cm⁻¹. */
  rms: number;
  accepted: boolean;
  /** Why a fit was refused (absent when accepted). */
  reason?: string;
  map: XMap;
  /** Polynomial degree of the fitted correction. */
  degree: number;
  /** Median FWHM of the matched lines, cm⁻¹: the instrument's spectral resolution. */
  resolutionCm: number | null;
  /** The laser as given and as corrected by a shift standard (cm⁻¹ offset folded into the map). */
  laser: { nominalNm: number | null; correctedNm: number | null };
  /** Every line found in each spectrum (uncorrected shift), for plots. */
  peaks: Array<Array<{ position: number; height: number }>>;
  /** Coarse search result: offset (cm⁻¹) and scale of the best first alignment. */
  search: { offset: number; scale: number };
}

export interface CalibrateOptions {
  /** Laser wavelength (nm); overrides the files' own. Needed for lamp standards and wavelength axes. */
  laserNm?: number;
  /** Largest initial misalignment searched, cm⁻¹. @default 40 (a wavelength axis: 5 nm at the middle) */
  maxOffsetCm?: number;
  /** Refuse a fit whose RMS exceeds this, cm⁻¹. @default 1.0 */
  maxRmsCm?: number;
  /** Force the correction's polynomial degree (0–3); default from the number of lines. */
  degree?: number;
  /**
   * The instrument's current calibration: a shift standard measured on top of a lamp calibration corrects only
   * the laser wavelength (a constant shift) and keeps the lamp's dispersion map.
   */
  base?: XMap | null;
}

interface RefLine {
  shift: number;
  nm?: number;
  weight: number;
}

interface Pair {
  ref: RefLine;
  peak: FoundPeak;
  file: number;
}

function refuse(message: string): never {
  throw new SpecmatchError('E_CALIBRATION', message);
}

/** Reference lines in shift for this laser, with blends (closer than `blend` cm⁻¹) merged to their weighted centre. */
function referenceShifts(std: CalibrationStandard, laserNm: number | null, lo: number, hi: number, blend: number): RefLine[] {
  const raw: RefLine[] = std.lines
    .map((l) => (std.kind === 'lamp' ? { shift: nmToShift(l.position, laserNm!), nm: l.position, weight: l.intensity } : { shift: l.position, weight: l.intensity }))
    .filter((r) => r.shift >= lo && r.shift <= hi)
    .sort((a, b) => a.shift - b.shift);
  const out: RefLine[] = [];
  for (const r of raw) {
    const prev = out[out.length - 1];
    if (prev && r.shift - prev.shift < blend) {
      const w = prev.weight + r.weight;
      prev.shift = (prev.shift * prev.weight + r.shift * r.weight) / w;
      if (prev.nm !== undefined && r.nm !== undefined) prev.nm = shiftToNm(prev.shift, laserNm!);
      prev.weight = w;
    } else out.push({ ...r });
  }
  return out;
}

/**
 * Coarse alignment: the offset d (and scale s about `pivot`) that maximise Σ_ref w·exp(−(s(p−pivot)+pivot+d−r)²/2τ²)
 * over the found lines p — a score that counts how many reference lines sit on a found line, so a wrong starting
 * offset of tens of cm⁻¹ is found again as long as it is within `maxOffset`.
 */
function coarseSearch(found: FoundPeak[], refs: RefLine[], pivot: number, maxOffset: number, tau: number): { offset: number; scale: number } {
  const peaks = found.map((p) => p.position);
  // A line's height counts a little (it breaks ties such as a one-line standard), the number of matches most.
  const hMax = Math.max(...found.map((p) => p.height), 1e-300);
  const hw = found.map((p) => 0.5 + 0.5 * Math.sqrt(p.height / hMax));
  const order = peaks.map((_, i) => i).sort((a, b) => peaks[a]! - peaks[b]!);
  const sortedP = order.map((i) => peaks[i]!);
  const sortedW = order.map((i) => hw[i]!);
  const score = (s: number, d: number): number => {
    let total = 0;
    for (const r of refs) {
      let best = 0;
      // only the peaks within 4τ of r under this alignment (binary search on the sorted positions)
      const from = (r.shift - 4 * tau - d - pivot) / s + pivot;
      let lo = 0;
      let hi = sortedP.length;
      while (lo < hi) {
        const mid = (lo + hi) >> 1;
        if (sortedP[mid]! < from) lo = mid + 1;
        else hi = mid;
      }
      for (let i = lo; i < sortedP.length; i++) {
        const e = pivot + s * (sortedP[i]! - pivot) + d - r.shift;
        if (e > 4 * tau) break;
        const g = sortedW[i]! * Math.exp((-e * e) / (2 * tau * tau));
        if (g > best) best = g;
      }
      total += Math.log1p(r.weight) * best;
    }
    return total;
  };
  let best = { offset: 0, scale: 1, score: -1 };
  const step = Math.max(0.25, tau / 2);
  const scales = refs.length >= 3 ? 4 : 0; // a scale needs lines at both ends
  for (let k = -scales; k <= scales; k++) {
    const s = 1 + k * 0.0025;
    for (let d = -maxOffset; d <= maxOffset + 1e-9; d += step) {
      const v = score(s, d);
      // prefer the smaller correction on ties
      if (v > best.score + 1e-9 || (Math.abs(v - best.score) <= 1e-9 && Math.abs(d) + Math.abs(k) < Math.abs(best.offset) + Math.abs((best.scale - 1) / 0.0025))) best = { offset: d, scale: s, score: v };
    }
  }
  // refine the offset finely around the best
  const s = best.scale;
  for (let d = best.offset - step; d <= best.offset + step + 1e-9; d += step / 10) {
    const v = score(s, d);
    if (v > best.score) best = { offset: d, scale: s, score: v };
  }
  return { offset: best.offset, scale: best.scale };
}

/** Each reference gets its nearest found line under `map` within `tol`; a found line keeps only its closest reference. */
function assign(peaks: FoundPeak[], refs: RefLine[], map: (p: number) => number, tol: number, file: number): Pair[] {
  const byPeak = new Map<FoundPeak, { pair: Pair; err: number }>();
  for (const r of refs) {
    let bestPeak: FoundPeak | undefined;
    let bestErr = tol;
    for (const p of peaks) {
      const e = Math.abs(map(p.position) - r.shift);
      if (e <= bestErr) {
        bestErr = e;
        bestPeak = p;
      }
    }
    if (!bestPeak) continue;
    const prior = byPeak.get(bestPeak);
    if (!prior || bestErr < prior.err) byPeak.set(bestPeak, { pair: { ref: r, peak: bestPeak, file }, err: bestErr });
  }
  return [...byPeak.values()].map((v) => v.pair);
}

function chooseDegree(std: CalibrationStandard, n: number, span: number): number {
  if (std.kind === 'lamp') return n >= 12 && span > 800 ? 3 : n >= 6 ? 2 : n >= 3 ? 1 : 0;
  return n >= 8 ? 2 : n >= 3 ? 1 : 0;
}

interface PolyModel {
  center: number;
  scale: number;
  coefficients: number[];
}

function fitDelta(pairs: Pair[], degree: number, center: number, scale: number): PolyModel | undefined {
  const t = pairs.map((p) => (p.peak.position - center) / scale);
  const v = pairs.map((p) => p.ref.shift - p.peak.position);
  const w = pairs.map((p) => Math.log1p(p.ref.weight));
  const c = polyFit(t, v, degree, w);
  return c ? { center, scale, coefficients: c } : undefined;
}

function evalPoly(m: PolyModel, s: number): number {
  const t = (s - m.center) / m.scale;
  let v = 0;
  for (let k = m.coefficients.length - 1; k >= 0; k--) v = v * t + m.coefficients[k]!;
  return s + v;
}

/**
 * Calibrates an instrument's x axis on spectra of one standard: finds the lines (findPeaks), aligns them to the
 * standard's reference lines with a coarse offset/scale search, then alternates matching (nearest line within a
 * shrinking tolerance, one reference per line) and a weighted polynomial fit of the correction, dropping outliers
 * (over 3 robust σ). The result says per line where it was found and its residual, the RMS, and whether the fit is
 * accepted; a refused fit (too few lines, RMS over `maxRmsCm`, not monotonic) keeps its reason. Throws
 * SpecmatchError E_CALIBRATION only when no fit can be attempted at all (no laser for a lamp, unusable axis).
 */
export function calibrateSpectra(spectra: readonly Spectrum[], std: CalibrationStandard, opts: CalibrateOptions = {}): CalibrationFit {
  if (spectra.length === 0) refuse('no spectrum to calibrate on');
  const base = opts.base ?? null;
  const maxRms = opts.maxRmsCm ?? 1.0;
  const first = spectra[0]!;
  const input = first.meta.xKind;
  if (input !== 'raman-shift' && input !== 'wavelength') refuse(`${first.meta.sourceFile}: x is ${input}, not Raman shift or wavelength: cannot calibrate a Raman axis on it`);
  const laser = opts.laserNm ?? first.meta.laserNm ?? null;
  if ((std.kind === 'lamp' || input === 'wavelength') && !(laser && laser > 0)) {
    refuse(`${first.meta.sourceFile}: the laser wavelength is unknown; give it (--laser NM) to place the ${std.label} lines on a Raman-shift axis`);
  }
  for (const s of spectra) {
    if (s.meta.xKind !== input) refuse(`${s.meta.sourceFile}: x is ${s.meta.xKind} while ${first.meta.sourceFile} is ${input}; calibrate files of one axis together`);
  }
  const axisMap: XMap = base ?? { input, laserNm: input === 'wavelength' ? laser : null, center: 0, scale: 1, coefficients: [0], lo: 0, hi: 0, offset: 0 };
  // Uncorrected shift of each spectrum (and, with a base calibration, its corrected one).
  const shifts = spectra.map((s) => (base ? applyXMap(base, s.x) : Float64Array.from(s.x, (v) => inputShift(axisMap, v))));
  const found = spectra.map((s, i) => findPeaks(shifts[i]!, s.y));
  let lo = Infinity;
  let hi = -Infinity;
  for (const x of shifts) {
    lo = Math.min(lo, x[0]!, x[x.length - 1]!);
    hi = Math.max(hi, x[0]!, x[x.length - 1]!);
  }
  const allPeaks = found.flat();
  const strong = [...allPeaks].sort((a, b) => b.height - a.height).slice(0, 15);
  const widths = strong.map((p) => p.fwhm).filter((w) => Number.isFinite(w) && w > 0);
  const fwhm = widths.length ? median(widths) : 6;
  const maxOffset = opts.maxOffsetCm ?? (input === 'wavelength' && laser ? Math.abs(nmToShift(shiftToNm((lo + hi) / 2, laser) + 5, laser) - (lo + hi) / 2) : 40);
  const refs = referenceShifts(std, std.kind === 'lamp' ? laser : null, lo - maxOffset, hi + maxOffset, Math.max(1, 0.8 * fwhm));
  const tau = Math.max(1.5, fwhm / 3);
  const pivot = (lo + hi) / 2;
  const search = base ? { offset: 0, scale: 1 } : coarseSearch(allPeaks, refs, pivot, maxOffset, tau);
  const empty = (reason: string): CalibrationFit => ({
    standard: std.id,
    lines: [],
    rms: NaN,
    accepted: false,
    reason,
    map: { ...axisMap },
    degree: 0,
    resolutionCm: Number.isFinite(fwhm) ? fwhm : null,
    laser: { nominalNm: laser, correctedNm: laser },
    peaks: found.map((f) => f.map((p) => ({ position: p.position, height: p.height }))),
    search,
  });
  if (refs.length === 0) return empty(`no ${std.label} reference line lies in this spectrum's range (${lo.toFixed(0)}–${hi.toFixed(0)} cm⁻¹${laser ? ` at ${laser} nm` : ''})`);

  let model: PolyModel = { center: pivot, scale: 1, coefficients: [] };
  let current = (p: number): number => pivot + search.scale * (p - pivot) + search.offset;
  let pairs: Pair[] = [];
  let degree = 0;
  const tolerances = [Math.max(3 * tau, 6), Math.max(2 * tau, 4), Math.max(tau, 2.5), Math.max(tau, 2.5)];
  for (const tol of tolerances) {
    pairs = found.flatMap((f, i) => assign(f, refs, current, tol, i));
    if (pairs.length === 0) break;
    const positions = pairs.map((p) => p.peak.position);
    const pl = Math.min(...positions);
    const ph = Math.max(...positions);
    const center = (pl + ph) / 2;
    const scale = Math.max(1, (ph - pl) / 2);
    degree = opts.degree ?? (base ? 0 : chooseDegree(std, new Set(pairs.map((p) => p.ref)).size, ph - pl));
    degree = Math.min(degree, Math.max(0, new Set(pairs.map((p) => p.ref)).size - 1));
    let fitted = fitDelta(pairs, degree, center, scale);
    if (!fitted) break;
    // drop outliers (over 3 robust σ, at least 1 cm⁻¹) and refit once
    const res = pairs.map((p) => p.ref.shift - evalPoly(fitted!, p.peak.position));
    const sigma = 1.4826 * median(res.map((r) => Math.abs(r - median(res))));
    const keep = pairs.filter((_, i) => Math.abs(res[i]!) <= Math.max(3 * sigma, 1));
    if (keep.length >= degree + 1 && keep.length < pairs.length) {
      const refit = fitDelta(keep, degree, center, scale);
      if (refit) {
        fitted = refit;
        pairs = keep;
      }
    }
    model = fitted;
    const m = model;
    current = (p: number): number => evalPoly(m, p);
  }

  // Final degree by leave-one-out cross-validation (the lowest degree within 1 % of the best prediction error),
  // so a dense lamp may take a quintic while a sparse one is not over-fitted across a gap between its lines.
  if (opts.degree === undefined && !base && pairs.length >= 6) {
    const distinct = new Set(pairs.map((p) => p.ref)).size;
    const maxDegree = Math.min(std.kind === 'lamp' ? 5 : 3, Math.floor(distinct / 3));
    const cv: Array<{ degree: number; score: number; fit: PolyModel }> = [];
    for (let d = 1; d <= maxDegree; d++) {
      const full = fitDelta(pairs, d, model.center, model.scale);
      if (!full) continue;
      let sq = 0;
      let ok = true;
      for (let i = 0; i < pairs.length && ok; i++) {
        const rest = pairs.filter((_, j) => j !== i);
        const f = fitDelta(rest, d, model.center, model.scale);
        if (!f) ok = false;
        else sq += (pairs[i]!.ref.shift - evalPoly(f, pairs[i]!.peak.position)) ** 2;
      }
      const positions = pairs.map((p) => p.peak.position);
      const probe: XMap = { input, laserNm: null, center: full.center, scale: full.scale, coefficients: full.coefficients, lo: Math.min(...positions), hi: Math.max(...positions), offset: 0 };
      if (ok && minSlope(probe) > 0) cv.push({ degree: d, score: Math.sqrt(sq / pairs.length), fit: full });
    }
    if (cv.length) {
      const best = Math.min(...cv.map((c) => c.score));
      const chosen = cv.find((c) => c.score <= 1.01 * best)!;
      degree = chosen.degree;
      model = chosen.fit;
    }
  }

  const positions = pairs.map((p) => p.peak.position);
  const map: XMap = base
    ? { ...base, offset: base.offset + (model.coefficients[0] ?? 0) }
    : {
        input,
        laserNm: input === 'wavelength' ? laser : null,
        center: model.center,
        scale: model.scale,
        coefficients: model.coefficients.length ? model.coefficients : [0],
        lo: positions.length ? Math.min(...positions) : lo,
        hi: positions.length ? Math.max(...positions) : hi,
        offset: 0,
      };
  // `found` is reported on the uncorrected shift axis; with a base map the pairs live on the base-corrected one.
  const uncorrected = (p: Pair): number => {
    if (!base) return p.peak.position;
    const s = spectra[p.file]!;
    const xs = shifts[p.file]!;
    const raw = Float64Array.from(s.x, (v) => inputShift(base, v));
    return interpolate(xs, raw, p.peak.position);
  };
  const lines: CalibrationLine[] = pairs
    .map((p) => {
      const corrected = base ? p.peak.position + (model.coefficients[0] ?? 0) : correctShift(map, p.peak.position);
      const line: CalibrationLine = { reference: p.ref.shift, found: uncorrected(p), residual: p.ref.shift - corrected, fwhm: p.peak.fwhm, file: p.file };
      if (p.ref.nm !== undefined) line.referenceNm = p.ref.nm;
      return line;
    })
    .sort((a, b) => a.reference - b.reference || a.file - b.file);
  const rms = lines.length ? Math.sqrt(lines.reduce((s, l) => s + l.residual * l.residual, 0) / lines.length) : NaN;
  const widthsMatched = pairs.map((p) => p.peak.fwhm).filter((w) => Number.isFinite(w) && w > 0);
  const offset = map.offset;
  const result: CalibrationFit = {
    standard: std.id,
    lines,
    rms,
    accepted: true,
    map,
    degree,
    resolutionCm: widthsMatched.length ? median(widthsMatched) : null,
    laser: { nominalNm: laser, correctedNm: laser && offset !== 0 ? Math.round(1e4 / (1 / laser + offset / 1e7)) / 1e4 : laser },
    peaks: found.map((f) => f.map((p) => ({ position: p.position, height: p.height }))),
    search,
  };
  const distinct = new Set(pairs.map((p) => p.ref)).size;
  let reason: string | undefined;
  if (distinct < std.minLines) reason = `only ${distinct} ${std.label} line${distinct === 1 ? '' : 's'} matched (${std.minLines} needed): is this a ${std.label} spectrum${std.kind === 'lamp' ? `, and is the laser ${laser ?? '?'} nm right` : ''}?`;
  else if (!base && minSlope(map) <= 0) reason = `the fitted correction is not monotonic (slope ${minSlope(map).toFixed(3)} between ${map.lo.toFixed(0)} and ${map.hi.toFixed(0)} cm⁻¹): too few or badly placed lines for a degree-${degree} polynomial`;
  else if (!(rms <= maxRms)) reason = `RMS of the residuals ${rms.toFixed(2)} cm⁻¹ is over the limit of ${maxRms} cm⁻¹`;
  if (reason) {
    result.accepted = false;
    result.reason = reason;
  }
  return result;
}

/** Linear interpolation of `ys` at `x` on ascending `xs`. */
function interpolate(xs: Float64Array, ys: Float64Array, x: number): number {
  let lo = 0;
  let hi = xs.length - 1;
  if (x <= xs[lo]!) return ys[lo]!;
  if (x >= xs[hi]!) return ys[hi]!;
  while (hi - lo > 1) {
    const mid = (lo + hi) >> 1;
    if (xs[mid]! <= x) lo = mid;
    else hi = mid;
  }
  const f = (x - xs[lo]!) / (xs[hi]! - xs[lo]!);
  return ys[lo]! + f * (ys[hi]! - ys[lo]!);
}
