/**
 * Payload validators, one per channel. Main (IPC) and the web server run them on every request before any core
 * code sees it: a compromised or buggy renderer can send anything, so shapes, types, lengths and ranges are
 * checked here and a bad payload becomes an E_PARAM error naming the field.
 */
import { SpecmatchError } from '../errors.js';
import { MATCH_METHODS, isMatchMethod } from '../matching/methods.js';
import type { MatchMethod } from '../matching/types.js';
import { validatePipeline } from '../preprocess/pipeline.js';
import type { Spectrum, SpectrumMeta, XKind } from '../spectrum/Spectrum.js';
import type { Channel, FilePayload, PipelineSpec, ReportBatchFile, Req, SubstancePatch } from './contract.js';
import type { InstrumentRule } from '../calibration/profile.js';

const X_KINDS: readonly XKind[] = ['raman-shift', 'wavelength', 'wavenumber', 'other'];
/** Upper bound on points per spectrum crossing the boundary (a map pixel has ~1–10 k; 1 M is far beyond any). */
const MAX_POINTS = 1_000_000;
/** Files per import request; more should be sent as a zip. */
const MAX_FILES = 20_000;

function fail(path: string, why: string): never {
  throw new SpecmatchError('E_PARAM', `invalid request: ${path} ${why}`);
}

function isRecord(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v) && !ArrayBuffer.isView(v);
}

export function obj(v: unknown, path: string): Record<string, unknown> {
  if (!isRecord(v)) fail(path, 'must be an object');
  return v;
}

export function str(v: unknown, path: string, opts: { min?: number; max?: number } = {}): string {
  if (typeof v !== 'string') fail(path, 'must be a string');
  const min = opts.min ?? 0;
  const max = opts.max ?? 10_000;
  if (v.length < min) fail(path, min === 1 ? 'must not be empty' : `must have at least ${min} characters`);
  if (v.length > max) fail(path, `must have at most ${max} characters`);
  return v;
}

export function optStr(v: unknown, path: string, max = 10_000): string | undefined {
  return v === undefined ? undefined : str(v, path, { max });
}

export function nullableStr(v: unknown, path: string, max = 10_000): string | null {
  return v === null ? null : str(v, path, { max });
}

export function int(v: unknown, path: string, min = 0, max = Number.MAX_SAFE_INTEGER): number {
  if (typeof v !== 'number' || !Number.isInteger(v)) fail(path, 'must be an integer');
  if (v < min || v > max) fail(path, `must be between ${min} and ${max}`);
  return v;
}

export function num(v: unknown, path: string): number {
  if (typeof v !== 'number' || !Number.isFinite(v)) fail(path, 'must be a finite number');
  return v;
}

function strArray(v: unknown, path: string, maxItems = 1000): string[] {
  if (!Array.isArray(v)) fail(path, 'must be an array of strings');
  if (v.length > maxItems) fail(path, `must have at most ${maxItems} items`);
  return v.map((s, i) => str(s, `${path}[${i}]`, { max: 1000 }));
}

export function bytes(v: unknown, path: string): Uint8Array {
  if (!(v instanceof Uint8Array)) fail(path, 'must be bytes (Uint8Array)');
  return v;
}

function f64(v: unknown, path: string): Float64Array {
  if (!(v instanceof Float64Array)) fail(path, 'must be a Float64Array');
  if (v.length > MAX_POINTS) fail(path, `must have at most ${MAX_POINTS} points`);
  return v;
}

function none(v: unknown, path: string): Record<string, never> {
  const o = v === undefined || v === null ? {} : obj(v, path);
  if (Object.keys(o).length > 0) fail(path, 'takes no fields');
  return {};
}

export function spectrum(v: unknown, path: string): Spectrum {
  const o = obj(v, path);
  const x = f64(o['x'], `${path}.x`);
  const y = f64(o['y'], `${path}.y`);
  if (x.length !== y.length) fail(path, `has ${x.length} x values and ${y.length} y values`);
  if (x.length < 2) fail(path, 'must have at least 2 points');
  const m = obj(o['meta'], `${path}.meta`);
  const xKind = str(m['xKind'], `${path}.meta.xKind`);
  if (!X_KINDS.includes(xKind as XKind)) fail(`${path}.meta.xKind`, `must be one of ${X_KINDS.join(', ')}`);
  const pos = obj(m['position'], `${path}.meta.position`);
  const fieldsRaw = m['fields'] === undefined ? {} : obj(m['fields'], `${path}.meta.fields`);
  const fields: Record<string, string> = {};
  for (const [k, val] of Object.entries(fieldsRaw)) fields[k] = str(val, `${path}.meta.fields.${k}`, { max: 100_000 });
  const meta: SpectrumMeta = {
    sourceFile: str(m['sourceFile'], `${path}.meta.sourceFile`, { max: 4096 }),
    format: str(m['format'], `${path}.meta.format`, { max: 100 }),
    xKind: xKind as XKind,
    originalXUnit: str(m['originalXUnit'] ?? '', `${path}.meta.originalXUnit`, { max: 100 }),
    position: {
      index: int(pos['index'], `${path}.meta.position.index`),
      count: int(pos['count'], `${path}.meta.position.count`, 1),
    },
    fields,
    warnings: m['warnings'] === undefined ? [] : strArray(m['warnings'], `${path}.meta.warnings`),
  };
  // Optional descriptive fields are copied only when well-typed.
  for (const key of ['substance', 'sampleId', 'instrument', 'date', 'yUnit'] as const) {
    const val = optStr(m[key], `${path}.meta.${key}`, 4096);
    if (val !== undefined) meta[key] = val;
  }
  if (m['laserNm'] !== undefined) meta.laserNm = num(m['laserNm'], `${path}.meta.laserNm`);
  for (const key of ['xUm', 'yUm', 'zUm'] as const)
    if (pos[key] !== undefined) meta.position[key] = num(pos[key], `${path}.meta.position.${key}`);
  for (const key of ['column', 'row'] as const)
    if (pos[key] !== undefined) meta.position[key] = int(pos[key], `${path}.meta.position.${key}`);
  if (pos['label'] !== undefined) meta.position.label = str(pos['label'], `${path}.meta.position.label`, { max: 1000 });
  if (m['calibration'] !== undefined) {
    const c = obj(m['calibration'], `${path}.meta.calibration`);
    meta.calibration = {
      instrument: str(c['instrument'], `${path}.meta.calibration.instrument`, { max: 200 }),
      calibrationId: int(c['calibrationId'], `${path}.meta.calibration.calibrationId`),
      standard: str(c['standard'], `${path}.meta.calibration.standard`, { max: 100 }),
      date: str(c['date'], `${path}.meta.calibration.date`, { max: 100 }),
      rms: num(c['rms'], `${path}.meta.calibration.rms`),
    };
  }
  return { x, y, meta };
}

/** Full validation by the preprocess registry (kinds, params, defaults filled); E_PIPELINE names step and param. */
export function pipelineSpec(v: unknown, _path: string): PipelineSpec {
  return validatePipeline(v);
}

function method(v: unknown): MatchMethod {
  const m = str(v, 'method');
  if (!isMatchMethod(m)) fail('method', `must be one of ${MATCH_METHODS.join(', ')}`);
  return m;
}

function filePayload(v: unknown, path: string): FilePayload {
  const o = obj(v, path);
  return { name: str(o['name'], `${path}.name`, { min: 1, max: 4096 }), bytes: bytes(o['bytes'], `${path}.bytes`) };
}

function exclude(v: unknown, path: string): Array<[number, number]> {
  if (!Array.isArray(v)) fail(path, 'must be an array of [from, to] ranges');
  if (v.length > 100) fail(path, 'must have at most 100 ranges');
  return v.map((r, i) => {
    if (!Array.isArray(r) || r.length !== 2) fail(`${path}[${i}]`, 'must be [from, to]');
    const a = num(r[0], `${path}[${i}][0]`);
    const b = num(r[1], `${path}[${i}][1]`);
    if (!(a < b)) fail(`${path}[${i}]`, 'must have from < to');
    return [a, b] as [number, number];
  });
}

function patch(v: unknown, path: string): SubstancePatch {
  const o = obj(v, path);
  const out: SubstancePatch = {};
  for (const key of Object.keys(o)) {
    if (!['name', 'aliases', 'formula', 'cas', 'tags', 'notes'].includes(key))
      fail(`${path}.${key}`, 'is not an editable field');
  }
  if (o['name'] !== undefined)
    out.name = str(o['name'], `${path}.name`, { min: 1, max: 500 }).trim() || fail(`${path}.name`, 'must not be blank');
  if (o['aliases'] !== undefined) out.aliases = strArray(o['aliases'], `${path}.aliases`);
  if (o['tags'] !== undefined) out.tags = strArray(o['tags'], `${path}.tags`);
  if (o['formula'] !== undefined) out.formula = nullableStr(o['formula'], `${path}.formula`, 1000);
  if (o['cas'] !== undefined) out.cas = nullableStr(o['cas'], `${path}.cas`, 100);
  if (o['notes'] !== undefined) out.notes = nullableStr(o['notes'], `${path}.notes`, 100_000);
  return out;
}

function rules(v: unknown, path: string): InstrumentRule[] {
  if (!Array.isArray(v)) fail(path, 'must be an array');
  if (v.length > 20) fail(path, 'must have at most 20 rules');
  return (v as unknown[]).map((r, i) => {
    const o = obj(r, `${path}[${i}]`);
    return {
      field: str(o['field'], `${path}[${i}].field`, { min: 1, max: 200 }),
      contains: str(o['contains'], `${path}[${i}].contains`, { min: 1, max: 500 }),
    };
  });
}

function laser(v: unknown, path: string): number {
  const n = num(v, path);
  if (!(n > 100 && n < 2000)) fail(path, 'must be a laser wavelength in nm (100–2000)');
  return n;
}

function fitRequest(r: unknown): Req<'calibration:fit'> {
  const o = obj(r, 'request');
  const req: Req<'calibration:fit'> = {
    file: filePayload(o['file'], 'file'),
    standard: str(o['standard'], 'standard', { min: 1, max: 50 }),
  };
  if (o['laserNm'] !== undefined) req.laserNm = laser(o['laserNm'], 'laserNm');
  if (o['instrument'] !== undefined) req.instrument = str(o['instrument'], 'instrument', { min: 1, max: 200 });
  return req;
}

type Validators = { [C in Channel]: (raw: unknown) => Req<C> };

/** One validator per channel; each returns a fresh, well-typed request or throws E_PARAM. */
export const validators: Validators = {
  'app:info': (r) => none(r, 'request'),
  'spectrum:read': (r) => filePayload(r, 'request'),
  'match:run': (r) => {
    const o = obj(r, 'request');
    const req: Req<'match:run'> = { spectrum: spectrum(o['spectrum'], 'spectrum') };
    if (o['method'] !== undefined) req.method = method(o['method']);
    if (o['topK'] !== undefined) req.topK = int(o['topK'], 'topK', 1, 10_000);
    if (o['exclude'] !== undefined) req.exclude = exclude(o['exclude'], 'exclude');
    if (o['pipeline'] !== undefined) req.pipeline = pipelineSpec(o['pipeline'], 'pipeline');
    return req;
  },
  'mixture:run': (r) => {
    const o = obj(r, 'request');
    const req: Req<'mixture:run'> = { spectrum: spectrum(o['spectrum'], 'spectrum') };
    if (o['maxComponents'] !== undefined) req.maxComponents = int(o['maxComponents'], 'maxComponents', 1, 5);
    if (o['exclude'] !== undefined) req.exclude = exclude(o['exclude'], 'exclude');
    if (o['pipeline'] !== undefined) req.pipeline = pipelineSpec(o['pipeline'], 'pipeline');
    return req;
  },
  'mixture:vectors': (r) => {
    const o = obj(r, 'request');
    const req: Req<'mixture:vectors'> = { spectrum: spectrum(o['spectrum'], 'spectrum'), spectrumId: int(o['spectrumId'], 'spectrumId', 1) };
    if (o['pipeline'] !== undefined) req.pipeline = pipelineSpec(o['pipeline'], 'pipeline');
    return req;
  },
  'library:info': (r) => none(r, 'request'),
  'library:list': (r) => {
    const o = r === undefined ? {} : obj(r, 'request');
    const q = optStr(o['query'], 'query', 500);
    return q === undefined ? {} : { query: q };
  },
  'library:get': (r) => ({ substanceId: int(obj(r, 'request')['substanceId'], 'substanceId', 1) }),
  'library:spectrum': (r) => ({ spectrumId: int(obj(r, 'request')['spectrumId'], 'spectrumId', 1) }),
  'library:add': (r) => {
    const o = obj(r, 'request');
    const req: Req<'library:add'> = {
      spectrum: spectrum(o['spectrum'], 'spectrum'),
      name: str(o['name'], 'name', { min: 1, max: 500 }),
    };
    if (req.name.trim() === '') fail('name', 'must not be blank');
    if (o['sourceBytes'] !== undefined) req.sourceBytes = bytes(o['sourceBytes'], 'sourceBytes');
    return req;
  },
  'library:edit': (r) => {
    const o = obj(r, 'request');
    return { substanceId: int(o['substanceId'], 'substanceId', 1), patch: patch(o['patch'], 'patch') };
  },
  'library:remove': (r) => ({ substanceId: int(obj(r, 'request')['substanceId'], 'substanceId', 1) }),
  'library:undoRemove': (r) => ({ undoToken: str(obj(r, 'request')['undoToken'], 'undoToken', { min: 1, max: 200 }) }),
  'library:import': (r) => {
    const o = obj(r, 'request');
    if (!Array.isArray(o['files'])) fail('files', 'must be an array');
    if (o['files'].length === 0) fail('files', 'must not be empty');
    if (o['files'].length > MAX_FILES) fail('files', `must have at most ${MAX_FILES} files (send a zip)`);
    return { files: (o['files'] as unknown[]).map((f, i) => filePayload(f, `files[${i}]`)) };
  },
  'library:reembed': (r) => none(r, 'request'),
  'library:check': (r) => none(r, 'request'),
  'library:findings': (r) => none(r, 'request'),
  'library:dismiss': (r) => {
    const o = obj(r, 'request');
    const key = str(o['key'], 'key', { min: 1, max: 10_000 });
    if (!/^(mislabelled|duplicate|quality|spread):\d+(,\d+)*$/.test(key)) fail('key', 'is not a check finding key');
    if (typeof o['dismissed'] !== 'boolean') fail('dismissed', 'must be true or false');
    return { key, dismissed: o['dismissed'] };
  },
  'library:map': (r) => {
    const o = obj(r, 'request');
    if (o['force'] !== undefined && typeof o['force'] !== 'boolean') fail('force', 'must be true or false');
    return o['force'] === true ? { force: true } : {};
  },
  'library:mapData': (r) => none(r, 'request'),
  'library:merge': (r) => {
    const o = obj(r, 'request');
    if (!Array.isArray(o['fromIds']) || o['fromIds'].length === 0 || o['fromIds'].length > 1000) fail('fromIds', 'must be an array of 1 to 1000 ids');
    return { intoId: int(o['intoId'], 'intoId', 1), fromIds: (o['fromIds'] as unknown[]).map((v, i) => int(v, `fromIds[${i}]`, 1)) };
  },
  'library:moveSpectrum': (r) => {
    const o = obj(r, 'request');
    return { spectrumId: int(o['spectrumId'], 'spectrumId', 1), toSubstanceId: int(o['toSubstanceId'], 'toSubstanceId', 1) };
  },
  'library:removeSpectrum': (r) => ({ spectrumId: int(obj(r, 'request')['spectrumId'], 'spectrumId', 1) }),
  'model:info': (r) => none(r, 'request'),
  'model:select': (r) => ({ modelId: str(obj(r, 'request')['modelId'], 'modelId', { min: 1, max: 200 }) }),
  'model:train': (r) => {
    const o = obj(r, 'request');
    return { epochs: int(o['epochs'], 'epochs', 1, 1000) };
  },
  'job:get': (r) => ({ jobId: str(obj(r, 'request')['jobId'], 'jobId', { min: 1, max: 100 }) }),
  'job:list': (r) => none(r, 'request'),
  'job:cancel': (r) => ({ jobId: str(obj(r, 'request')['jobId'], 'jobId', { min: 1, max: 100 }) }),
  'report:render': (r) => {
    const o = obj(r, 'request');
    const req: Req<'report:render'> = {};
    const given = (['file', 'files', 'mapJobId'] as const).filter((k) => o[k] !== undefined);
    if (given.length !== 1) fail('request', `must give exactly one of file, files and mapJobId${given.length ? ` (got ${given.join(', ')})` : ''}`);
    if (o['file'] !== undefined) {
      req.file = filePayload(o['file'], 'file');
      req.spectrumIndex = int(o['spectrumIndex'], 'spectrumIndex', 0, 1_000_000);
    }
    if (o['files'] !== undefined) {
      const files = o['files'];
      if (!Array.isArray(files) || files.length === 0 || files.length > 10_000) fail('files', 'must be an array of 1 to 10000 files');
      req.files = files.map((f, i) => {
        const file: ReportBatchFile = filePayload(f, `files[${i}]`);
        const spectra = (f as Record<string, unknown>)['spectra'];
        if (spectra !== undefined) {
          if (!Array.isArray(spectra) || spectra.length > 1_000_000) fail(`files[${i}].spectra`, 'must be an array of spectrum indices');
          file.spectra = spectra.map((v, j) => int(v, `files[${i}].spectra[${j}]`, 0, 1_000_000));
        }
        return file;
      });
    }
    if (o['mapJobId'] !== undefined) req.mapJobId = str(o['mapJobId'], 'mapJobId', { min: 1, max: 100 });
    if (o['method'] !== undefined) req.method = method(o['method']);
    if (o['topK'] !== undefined) req.topK = int(o['topK'], 'topK', 1, 100);
    if (o['exclude'] !== undefined) req.exclude = exclude(o['exclude'], 'exclude');
    if (o['pipeline'] !== undefined && o['pipeline'] !== null) req.pipeline = pipelineSpec(o['pipeline'], 'pipeline');
    if (o['mixture'] !== undefined) {
      if (typeof o['mixture'] !== 'boolean') fail('mixture', 'must be true or false');
      req.mixture = o['mixture'];
    }
    for (const key of ['lab', 'analyst', 'notes'] as const) {
      const val = optStr(o[key], key, 10_000);
      if (val !== undefined) req[key] = val;
    }
    return req;
  },
  'instrument:list': (r) => none(r, 'request'),
  'instrument:save': (r) => {
    const o = obj(r, 'request');
    const req: Req<'instrument:save'> = { name: str(o['name'], 'name', { min: 1, max: 200 }) };
    if (o['serial'] !== undefined) req.serial = nullableStr(o['serial'], 'serial', 200);
    if (o['laserNm'] !== undefined) req.laserNm = o['laserNm'] === null ? null : laser(o['laserNm'], 'laserNm');
    if (o['recognise'] !== undefined) req.recognise = rules(o['recognise'], 'recognise');
    return req;
  },
  'calibration:fit': fitRequest,
  'calibration:accept': (r) => {
    const req = fitRequest(r);
    if (req.instrument === undefined) fail('instrument', 'is required to store a calibration');
    return { ...req, instrument: req.instrument };
  },
  'map:run': (r) => {
    const o = obj(r, 'request');
    const req: Req<'map:run'> = { file: filePayload(o['file'], 'file') };
    if (o['method'] !== undefined) req.method = method(o['method']);
    if (o['despike'] !== undefined) {
      if (typeof o['despike'] !== 'boolean') fail('despike', 'must be true or false');
      req.despike = o['despike'];
    }
    if (o['snrMin'] !== undefined) {
      const v = num(o['snrMin'], 'snrMin');
      if (v < 0 || v > 1e6) fail('snrMin', 'must be between 0 and 1000000');
      req.snrMin = v;
    }
    if (o['minScore'] !== undefined) {
      const v = num(o['minScore'], 'minScore');
      if (v < 0 || v > 1) fail('minScore', 'must be between 0 and 1');
      req.minScore = v;
    }
    return req;
  },
  'map:result': (r) => ({ jobId: str(obj(r, 'request')['jobId'], 'jobId', { min: 1, max: 100 }) }),
};

/** Validate a request for a channel whose name arrived as data (server route, IPC channel). */
export function validateRequest<C extends Channel>(channel: C, raw: unknown): Req<C> {
  return validators[channel](raw);
}
