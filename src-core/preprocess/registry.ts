import { SpecmatchError } from '../errors.js';
import type { Spectrum } from '../spectrum/Spectrum.js';
import { BASELINE_AIRPLS_DEFAULTS, baselineAirpls } from './baselineAirpls.js';
import { BASELINE_ALS_DEFAULTS, baselineAls } from './baselineAls.js';
import { BASELINE_ARPLS_DEFAULTS, baselineArpls } from './baselineArpls.js';
import { BASELINE_IMODPOLY_DEFAULTS, baselineImodpoly } from './baselineImodpoly.js';
import { baselineRubberband } from './baselineRubberband.js';
import { CROP_DEFAULTS, crop } from './crop.js';
import { broadenGaussian } from './broaden.js';
import { DESPIKE_SHOULDER_DEFAULTS, despikeShoulder } from './despikeShoulder.js';
import { DESPIKE_WHITAKER_HAYES_DEFAULTS, despikeWhitakerHayes } from './despikeWhitakerHayes.js';
import type { NormalizeMethod } from './normalize.js';
import { normalize } from './normalize.js';
import { resampleCubic } from './resampleCubic.js';
import { linearAxis, resampleLinear } from './resampleLinear.js';
import { SMOOTH_SAVITZKY_GOLAY_DEFAULTS, smoothSavitzkyGolay } from './smoothSavitzkyGolay.js';
import { SMOOTH_WHITTAKER_DEFAULTS, smoothWhittaker } from './smoothWhittaker.js';

/** A parameter value as it appears in pipeline JSON. */
export type ParamValue = number | string | boolean;
export type StepParams = Readonly<Record<string, ParamValue>>;

/** Declarative description of one parameter: enough to validate it and to build a form for it in the UI. */
export interface ParamSpec {
  name: string;
  type: 'number' | 'integer' | 'boolean' | 'enum';
  default: ParamValue;
  description: string;
  /** Inclusive bounds for number/integer (exclusive when minExclusive / maxExclusive). */
  min?: number;
  max?: number;
  minExclusive?: boolean;
  maxExclusive?: boolean;
  /** Integer must be odd (Savitzky–Golay windows). */
  odd?: boolean;
  /** Allowed values of an enum. */
  values?: readonly string[];
  /** Unit shown beside the field (cm⁻¹, points, …). */
  unit?: string;
}

/** A parameter that failed validation: `param` names it so the pipeline error can say which step and which param. */
export class StepParamError extends SpecmatchError {
  readonly kind: string;
  readonly param: string;
  readonly reason: string;
  constructor(kind: string, param: string, reason: string) {
    super('E_PIPELINE', `${kind}: param '${param}' ${reason}`);
    this.kind = kind;
    this.param = param;
    this.reason = reason;
  }
}

export interface StepDefinition {
  kind: string;
  label: string;
  description: string;
  params: readonly ParamSpec[];
  /** Every param with its default. */
  defaults: StepParams;
  /** Returns the params with defaults filled; throws StepParamError (E_PIPELINE) naming the bad or unknown param. */
  validate(params: Readonly<Record<string, unknown>>): StepParams;
  /** Pure: returns a new spectrum (new arrays, copied meta) and never mutates its input. Params must be validated. */
  apply(spectrum: Spectrum, params: StepParams): Spectrum;
}

interface StepSpec {
  kind: string;
  label: string;
  description: string;
  params: readonly ParamSpec[];
  /** Checks between params (window > polyorder, from < to): returns [param, reason] when they clash. */
  check?: (p: StepParams) => [string, string] | undefined;
  apply(s: Spectrum, p: StepParams): Spectrum;
}

const num = (p: StepParams, name: string): number => p[name] as number;
const str = (p: StepParams, name: string): string => p[name] as string;

/** New spectrum with new y (and optionally x); meta copied so later edits to one never show in the other. */
function withData(s: Spectrum, y: Float64Array, x: Float64Array = Float64Array.from(s.x)): Spectrum {
  return {
    x,
    y,
    meta: { ...s.meta, position: { ...s.meta.position }, fields: { ...s.meta.fields }, warnings: [...s.meta.warnings] },
  };
}

function subtract(y: ArrayLike<number>, baseline: Float64Array): Float64Array {
  const out = new Float64Array(y.length);
  for (let i = 0; i < y.length; i++) out[i] = y[i]! - baseline[i]!;
  return out;
}

/**
 * Outside-the-range policy 'hold-edge' of axis.resample: axis points before the first measured x (after the last)
 * take the value at the first (last) axis point inside the measured range. A spectrum with no axis point inside its
 * range holds its measured end values instead (the first one before it, the last one after it).
 */
function holdEdges(x: Float64Array, measured: Float64Array, grid: Float64Array, y: Float64Array): void {
  const n = x.length;
  let first = -1;
  let last = -1;
  if (n > 0) {
    for (let i = 0; i < grid.length; i++) {
      if (grid[i]! >= x[0]! && grid[i]! <= x[n - 1]!) {
        if (first < 0) first = i;
        last = i;
      }
    }
  }
  if (first < 0) {
    // No axis point inside the measured range (a narrow spectrum between two axis points, or one beside the axis):
    // the measured end values are held on each side.
    if (n === 0) throw new SpecmatchError('E_PIPELINE', 'the spectrum has no points to resample');
    for (let i = 0; i < y.length; i++) y[i] = grid[i]! < x[0]! ? measured[0]! : measured[n - 1]!;
    return;
  }
  for (let i = 0; i < first; i++) y[i] = y[first]!;
  for (let i = last + 1; i < y.length; i++) y[i] = y[last]!;
}

/** Mean spacing of x: the Savitzky–Golay derivative is per x unit (cm⁻¹) on an evenly spaced axis. */
function meanSpacing(x: Float64Array): number {
  const n = x.length;
  return n > 1 && x[n - 1]! > x[0]! ? (x[n - 1]! - x[0]!) / (n - 1) : 1;
}

const lambdaSpec = (def: number): ParamSpec => ({
  name: 'lambda',
  type: 'number',
  default: def,
  min: 0,
  minExclusive: true,
  description: 'smoothness penalty λ (larger: stiffer)',
});
/** Savitzky–Golay window, shared by the smoother and the derivative. */
const sgWindowSpec = (def: number): ParamSpec => ({
  name: 'window',
  type: 'integer',
  default: def,
  min: 3,
  max: 10001,
  odd: true,
  unit: 'points',
  description: 'window length (odd)',
});
const orderSpec = (def: number): ParamSpec => ({
  name: 'differenceOrder',
  type: 'integer',
  default: def,
  min: 1,
  max: 3,
  description: 'order of the difference penalty',
});
const iterSpec = (def: number): ParamSpec => ({
  name: 'maxIterations',
  type: 'integer',
  default: def,
  min: 1,
  max: 1000,
  description: 'reweighting iterations at most',
});
const interpSpec: ParamSpec = {
  name: 'method',
  type: 'enum',
  default: 'linear',
  values: ['linear', 'cubic'],
  description: 'interpolation: linear, or natural cubic spline',
};

function sgCheck(p: StepParams): [string, string] | undefined {
  return num(p, 'polyorder') >= num(p, 'window')
    ? ['polyorder', `must be less than window (${num(p, 'window')}), got ${num(p, 'polyorder')}`]
    : undefined;
}

function normalizeStep(method: NormalizeMethod, label: string, description: string): StepSpec {
  return {
    kind: `normalize.${method}`,
    label,
    description,
    params: [],
    apply: (s) => withData(s, normalize(s.x, s.y, method)),
  };
}

const SPECS: readonly StepSpec[] = [
  {
    kind: 'axis.crop',
    label: 'Crop',
    description: 'keep the points with from ≤ x ≤ to',
    params: [
      { name: 'from', type: 'number', default: CROP_DEFAULTS.from, unit: 'cm⁻¹', description: 'lowest x kept' },
      { name: 'to', type: 'number', default: CROP_DEFAULTS.to, unit: 'cm⁻¹', description: 'highest x kept' },
    ],
    check: (p) =>
      num(p, 'from') < num(p, 'to')
        ? undefined
        : ['to', `must be greater than from (${num(p, 'from')}), got ${num(p, 'to')}`],
    apply: (s, p) => {
      const r = crop(s.x, s.y, { from: num(p, 'from'), to: num(p, 'to') });
      return withData(s, r.y, r.x);
    },
  },
  {
    kind: 'axis.resample',
    label: 'Resample',
    description:
      'interpolate onto an evenly spaced axis from…to with a fixed number of points (a vector axis); outside the measured range 0, or the edge held',
    params: [
      { name: 'from', type: 'number', default: 100, unit: 'cm⁻¹', description: 'first point of the axis' },
      { name: 'to', type: 'number', default: 1800, unit: 'cm⁻¹', description: 'last point of the axis' },
      {
        name: 'points',
        type: 'integer',
        default: 1701,
        min: 2,
        max: 1_000_000,
        unit: 'points',
        description: 'number of points',
      },
      interpSpec,
      {
        name: 'outside',
        type: 'enum',
        default: 'zero',
        values: ['zero', 'hold-edge'],
        description:
          'axis points outside the measured range: 0 (no signal measured), or hold-edge: the value at the nearest axis point inside the range (no false step on a raw spectrum that sits on a baseline)',
      },
    ],
    check: (p) =>
      num(p, 'from') < num(p, 'to')
        ? undefined
        : ['to', `must be greater than from (${num(p, 'from')}), got ${num(p, 'to')}`],
    apply: (s, p) => {
      const grid = linearAxis(num(p, 'from'), num(p, 'to'), num(p, 'points'));
      const y = str(p, 'method') === 'cubic' ? resampleCubic(s.x, s.y, grid) : resampleLinear(s.x, s.y, grid);
      if (str(p, 'outside') === 'hold-edge') holdEdges(s.x, s.y, grid, y);
      return withData(s, y, grid);
    },
  },
  {
    kind: 'axis.regrid',
    label: 'Regrid',
    description:
      "interpolate onto an evenly spaced axis with a given step over the spectrum's own range (multiples of the step, like Open Specy's conform_spec)",
    params: [
      {
        name: 'step',
        type: 'number',
        default: 1,
        min: 0,
        minExclusive: true,
        unit: 'cm⁻¹',
        description: 'spacing of the new axis',
      },
      interpSpec,
    ],
    apply: (s, p) => {
      const step = num(p, 'step');
      const n = s.x.length;
      if (n < 2) throw new SpecmatchError('E_PIPELINE', `regrid needs at least 2 points, the spectrum has ${n}`);
      const from = Math.ceil(s.x[0]! / step);
      const to = Math.floor(s.x[n - 1]! / step);
      if (to - from + 1 < 2)
        throw new SpecmatchError(
          'E_PIPELINE',
          `a step of ${step} leaves fewer than 2 points in ${s.x[0]} … ${s.x[n - 1]}`,
        );
      const grid = Float64Array.from({ length: to - from + 1 }, (_, i) => (from + i) * step);
      const y = str(p, 'method') === 'cubic' ? resampleCubic(s.x, s.y, grid) : resampleLinear(s.x, s.y, grid);
      return withData(s, y, grid);
    },
  },
  {
    kind: 'despike.whitakerHayes',
    label: 'Despike (Whitaker–Hayes)',
    description: 'cosmic-ray removal by the modified z-score of first differences (Whitaker & Hayes 2018)',
    params: [
      {
        name: 'threshold',
        type: 'number',
        default: DESPIKE_WHITAKER_HAYES_DEFAULTS.threshold,
        min: 0,
        minExclusive: true,
        description: 'modified z-score above which a difference is a spike',
      },
      {
        name: 'window',
        type: 'integer',
        default: DESPIKE_WHITAKER_HAYES_DEFAULTS.window,
        min: 1,
        max: 100,
        unit: 'points',
        description: 'half-width of the neighbourhood averaged into a spike',
      },
    ],
    apply: (s, p) =>
      withData(s, despikeWhitakerHayes(s.y, { threshold: num(p, 'threshold'), window: num(p, 'window') })),
  },
  {
    kind: 'despike.shoulder',
    label: 'Despike (shoulder test)',
    description:
      'removes 1–3 pixel spikes, keeps bands: a band still falls one pixel further out on both sides, a spike does not',
    params: [
      {
        name: 'threshold',
        type: 'number',
        default: DESPIKE_SHOULDER_DEFAULTS.threshold,
        min: 0,
        minExclusive: true,
        description: 'rise above the neighbours, in noise σ, to be a candidate',
      },
      {
        name: 'maxWidth',
        type: 'integer',
        default: DESPIKE_SHOULDER_DEFAULTS.maxWidth,
        min: 1,
        max: 10,
        unit: 'points',
        description: 'widest spike',
      },
      {
        name: 'shoulderRatio',
        type: 'number',
        default: DESPIKE_SHOULDER_DEFAULTS.shoulderRatio,
        min: 0,
        minExclusive: true,
        max: 1,
        description: 'shoulder fall (fraction of the rise) that marks a band',
      },
      {
        name: 'maxPasses',
        type: 'integer',
        default: DESPIKE_SHOULDER_DEFAULTS.maxPasses,
        min: 1,
        max: 20,
        description: 'scans over the spectrum',
      },
    ],
    apply: (s, p) =>
      withData(
        s,
        despikeShoulder(s.y, {
          threshold: num(p, 'threshold'),
          maxWidth: num(p, 'maxWidth'),
          shoulderRatio: num(p, 'shoulderRatio'),
          maxPasses: num(p, 'maxPasses'),
        }),
      ),
  },
  {
    kind: 'smooth.savitzkyGolay',
    label: 'Smooth (Savitzky–Golay)',
    description: 'local least-squares polynomial smoothing (Savitzky & Golay 1964)',
    params: [
      sgWindowSpec(SMOOTH_SAVITZKY_GOLAY_DEFAULTS.window),
      {
        name: 'polyorder',
        type: 'integer',
        default: SMOOTH_SAVITZKY_GOLAY_DEFAULTS.polyorder,
        min: 0,
        max: 12,
        description: 'polynomial degree (< window)',
      },
      {
        name: 'edge',
        type: 'enum',
        default: 'interp',
        values: ['interp', 'nearest'],
        description:
          "the half-window at each end: interp fits the first / last full window (scipy's mode 'interp'); nearest repeats the end value beyond the edge (scipy's mode 'nearest')",
      },
    ],
    check: sgCheck,
    apply: (s, p) =>
      withData(
        s,
        smoothSavitzkyGolay(s.y, {
          window: num(p, 'window'),
          polyorder: num(p, 'polyorder'),
          edge: str(p, 'edge') === 'nearest' ? 'nearest' : 'interp',
        }),
      ),
  },
  {
    kind: 'resolution.broaden',
    label: 'Match resolution (Gaussian broadening)',
    description:
      'broadens a spectrum recorded at a finer resolution to a coarser instrument’s (kernel FWHM √(to² − from²)); the resolutions are the instruments’ calibration line widths',
    params: [
      {
        name: 'from',
        type: 'number',
        default: 4,
        min: 0,
        max: 200,
        unit: 'cm⁻¹',
        description: 'resolution (FWHM) of this spectrum',
      },
      {
        name: 'to',
        type: 'number',
        default: 8,
        min: 0,
        max: 200,
        unit: 'cm⁻¹',
        description: 'resolution (FWHM) to broaden to',
      },
    ],
    check: (p) =>
      num(p, 'to') < num(p, 'from')
        ? ['to', `must be at least 'from' (${num(p, 'from')}): broadening cannot sharpen`]
        : undefined,
    apply: (s, p) => withData(s, broadenGaussian(s.x, s.y, num(p, 'from'), num(p, 'to'))),
  },
  {
    kind: 'smooth.whittaker',
    label: 'Smooth (Whittaker)',
    description: 'penalised least-squares smoother (Eilers 2003), banded O(n) solve',
    params: [lambdaSpec(SMOOTH_WHITTAKER_DEFAULTS.lambda), orderSpec(SMOOTH_WHITTAKER_DEFAULTS.differenceOrder)],
    apply: (s, p) =>
      withData(s, smoothWhittaker(s.y, { lambda: num(p, 'lambda'), differenceOrder: num(p, 'differenceOrder') })),
  },
  {
    kind: 'derivative',
    label: 'Derivative (Savitzky–Golay)',
    description:
      'first or second derivative per cm⁻¹ by a Savitzky–Golay filter; optionally its absolute value (Open Specy)',
    params: [
      { name: 'order', type: 'integer', default: 1, min: 1, max: 2, description: 'derivative order' },
      sgWindowSpec(11),
      {
        name: 'polyorder',
        type: 'integer',
        default: 3,
        min: 1,
        max: 12,
        description: 'polynomial degree (≥ order, < window)',
      },
      { name: 'absolute', type: 'boolean', default: false, description: 'take the absolute value of the derivative' },
    ],
    check: (p) =>
      sgCheck(p) ??
      (num(p, 'polyorder') < num(p, 'order')
        ? ['polyorder', `must be at least the derivative order (${num(p, 'order')})`]
        : undefined),
    apply: (s, p) => {
      const d = smoothSavitzkyGolay(s.y, {
        window: num(p, 'window'),
        polyorder: num(p, 'polyorder'),
        derivative: num(p, 'order'),
        delta: meanSpacing(s.x),
      });
      if (p['absolute'] === true) for (let i = 0; i < d.length; i++) d[i] = Math.abs(d[i]!);
      return withData(s, d);
    },
  },
  {
    kind: 'baseline.als',
    label: 'Baseline (ALS)',
    description: 'asymmetric least squares (Eilers & Boelens 2005), subtracted',
    params: [
      lambdaSpec(BASELINE_ALS_DEFAULTS.lambda),
      {
        name: 'p',
        type: 'number',
        default: BASELINE_ALS_DEFAULTS.p,
        min: 0,
        max: 1,
        minExclusive: true,
        maxExclusive: true,
        description: 'asymmetry: weight of points above the baseline',
      },
      orderSpec(BASELINE_ALS_DEFAULTS.differenceOrder),
      iterSpec(BASELINE_ALS_DEFAULTS.maxIterations),
    ],
    apply: (s, p) =>
      withData(
        s,
        subtract(
          s.y,
          baselineAls(s.y, {
            lambda: num(p, 'lambda'),
            p: num(p, 'p'),
            differenceOrder: num(p, 'differenceOrder'),
            maxIterations: num(p, 'maxIterations'),
          }),
        ),
      ),
  },
  {
    kind: 'baseline.arpls',
    label: 'Baseline (arPLS)',
    description: 'asymmetrically reweighted penalised least squares (Baek et al. 2015), subtracted',
    params: [
      lambdaSpec(BASELINE_ARPLS_DEFAULTS.lambda),
      {
        name: 'ratio',
        type: 'number',
        default: BASELINE_ARPLS_DEFAULTS.ratio,
        min: 0,
        minExclusive: true,
        description: 'stop when the relative weight change is below this',
      },
      orderSpec(BASELINE_ARPLS_DEFAULTS.differenceOrder),
      iterSpec(BASELINE_ARPLS_DEFAULTS.maxIterations),
    ],
    apply: (s, p) =>
      withData(
        s,
        subtract(
          s.y,
          baselineArpls(s.y, {
            lambda: num(p, 'lambda'),
            ratio: num(p, 'ratio'),
            differenceOrder: num(p, 'differenceOrder'),
            maxIterations: num(p, 'maxIterations'),
          }),
        ),
      ),
  },
  {
    kind: 'baseline.airpls',
    label: 'Baseline (airPLS)',
    description: 'adaptive iteratively reweighted penalised least squares (Zhang et al. 2010), subtracted',
    params: [
      lambdaSpec(BASELINE_AIRPLS_DEFAULTS.lambda),
      orderSpec(BASELINE_AIRPLS_DEFAULTS.differenceOrder),
      {
        name: 'tolerance',
        type: 'number',
        default: BASELINE_AIRPLS_DEFAULTS.tolerance,
        min: 0,
        minExclusive: true,
        description: 'stop when the negative residual is below this fraction of Σ|y|',
      },
      iterSpec(BASELINE_AIRPLS_DEFAULTS.maxIterations),
    ],
    apply: (s, p) =>
      withData(
        s,
        subtract(
          s.y,
          baselineAirpls(s.y, {
            lambda: num(p, 'lambda'),
            differenceOrder: num(p, 'differenceOrder'),
            tolerance: num(p, 'tolerance'),
            maxIterations: num(p, 'maxIterations'),
          }),
        ),
      ),
  },
  {
    kind: 'baseline.imodpoly',
    label: 'Baseline (IModPoly)',
    description: 'improved modified polynomial fit (Zhao et al. 2007), subtracted',
    params: [
      {
        name: 'polyorder',
        type: 'integer',
        default: BASELINE_IMODPOLY_DEFAULTS.polyorder,
        min: 0,
        max: 15,
        description: 'polynomial degree',
      },
      {
        name: 'tolerance',
        type: 'number',
        default: BASELINE_IMODPOLY_DEFAULTS.tolerance,
        min: 0,
        minExclusive: true,
        description: 'stop when the relative change of DEV is below this',
      },
      {
        name: 'maxIterations',
        type: 'integer',
        default: BASELINE_IMODPOLY_DEFAULTS.maxIterations,
        min: 1,
        max: 10000,
        description: 'iterations at most',
      },
    ],
    apply: (s, p) =>
      withData(
        s,
        subtract(
          s.y,
          baselineImodpoly(s.x, s.y, {
            polyorder: num(p, 'polyorder'),
            tolerance: num(p, 'tolerance'),
            maxIterations: num(p, 'maxIterations'),
          }),
        ),
      ),
  },
  {
    kind: 'baseline.rubberband',
    label: 'Baseline (rubberband)',
    description: 'lower convex hull, subtracted',
    params: [],
    apply: (s) => withData(s, subtract(s.y, baselineRubberband(s.x, s.y))),
  },
  normalizeStep('max', 'Normalize (max)', 'divide by the largest |y|: tallest band = 1'),
  normalizeStep('minmax', 'Normalize (min–max)', 'scale to span [0, 1]'),
  normalizeStep('vector', 'Normalize (vector)', 'divide by the Euclidean norm: ‖y‖₂ = 1'),
  normalizeStep('area', 'Normalize (area)', 'divide by ∫|y| dx: unit area'),
  normalizeStep('snv', 'Normalize (SNV)', 'standard normal variate: mean 0, standard deviation 1'),
];

function validateValue(kind: string, spec: ParamSpec, v: unknown): ParamValue {
  const fail = (reason: string): never => {
    throw new StepParamError(kind, spec.name, `${reason}, got ${JSON.stringify(v) ?? String(v)}`);
  };
  switch (spec.type) {
    case 'boolean':
      return typeof v === 'boolean' ? v : fail('must be true or false');
    case 'enum':
      return typeof v === 'string' && (spec.values ?? []).includes(v)
        ? v
        : fail(`must be one of ${(spec.values ?? []).map((x) => `'${x}'`).join(', ')}`);
    case 'number':
    case 'integer': {
      if (typeof v !== 'number' || !Number.isFinite(v)) fail('must be a finite number');
      const x = v as number;
      if (spec.type === 'integer' && !Number.isInteger(x)) fail('must be an integer');
      if (spec.min !== undefined && (spec.minExclusive ? !(x > spec.min) : !(x >= spec.min)))
        fail(`must be ${spec.minExclusive ? '>' : '≥'} ${spec.min}`);
      if (spec.max !== undefined && (spec.maxExclusive ? !(x < spec.max) : !(x <= spec.max)))
        fail(`must be ${spec.maxExclusive ? '<' : '≤'} ${spec.max}`);
      if (spec.odd === true && x % 2 === 0) fail('must be odd');
      return x === 0 ? 0 : x; // -0 → 0, so the canonical JSON does not depend on the sign of zero
    }
  }
}

function define(spec: StepSpec): StepDefinition {
  const defaults: Record<string, ParamValue> = {};
  for (const p of spec.params) defaults[p.name] = p.default;
  return {
    kind: spec.kind,
    label: spec.label,
    description: spec.description,
    params: spec.params,
    defaults: Object.freeze(defaults),
    validate(params) {
      if (typeof params !== 'object' || params === null || Array.isArray(params)) {
        throw new SpecmatchError('E_PIPELINE', `${spec.kind}: params must be an object`);
      }
      const known = new Set(spec.params.map((p) => p.name));
      for (const name of Object.keys(params)) {
        if (!known.has(name)) {
          throw new StepParamError(
            spec.kind,
            name,
            `is unknown (${known.size === 0 ? 'this step takes no params' : `known: ${[...known].join(', ')}`})`,
          );
        }
      }
      const out: Record<string, ParamValue> = {};
      for (const p of spec.params)
        out[p.name] = params[p.name] === undefined ? p.default : validateValue(spec.kind, p, params[p.name]);
      const clash = spec.check?.(out);
      if (clash) throw new StepParamError(spec.kind, clash[0], clash[1]);
      return out;
    },
    apply: (s, p) => spec.apply(s, p),
  };
}

/** Every preprocessing step by kind. The order is the order a UI lists them in (axis, despike, smooth, baseline, normalize). */
export const stepRegistry: ReadonlyMap<string, StepDefinition> = new Map(SPECS.map((s) => [s.kind, define(s)]));

/** The definition of a kind, or an E_PIPELINE error listing the known kinds. */
export function getStep(kind: string): StepDefinition {
  const def = stepRegistry.get(kind);
  if (def === undefined)
    throw new SpecmatchError(
      'E_PIPELINE',
      `unknown step kind '${kind}'; known kinds: ${[...stepRegistry.keys()].join(', ')}`,
    );
  return def;
}
