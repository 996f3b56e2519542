import { describe, expect, it } from 'vitest';
import { SpecmatchError } from '../../errors.js';
import type { Spectrum } from '../../spectrum/Spectrum.js';
import { CHANNELS, EVENTS, listenerName, methodName } from '../contract.js';
import { validateRequest, validators } from '../validate.js';

function spectrum(): Spectrum {
  return {
    x: Float64Array.from([100, 101, 102]),
    y: Float64Array.from([1, 5, 2]),
    meta: {
      sourceFile: 'q.txt',
      format: 'rruff-txt',
      xKind: 'raman-shift',
      originalXUnit: 'cm-1',
      position: { index: 0, count: 1 },
      fields: {},
      warnings: [],
      laserNm: 532,
    },
  };
}

function paramError(fn: () => unknown): SpecmatchError {
  try {
    fn();
  } catch (err) {
    expect(err).toBeInstanceOf(SpecmatchError);
    return err as SpecmatchError;
  }
  throw new Error('expected a SpecmatchError');
}

describe('IPC contract', () => {
  it('has one validator per channel and derives the method and listener names', () => {
    expect(Object.keys(validators).sort()).toEqual([...CHANNELS].sort());
    expect(methodName('library:undoRemove')).toBe('libraryUndoRemove');
    expect(methodName('app:info')).toBe('appInfo');
    expect(listenerName('job:progress')).toBe('onJobProgress');
    expect(new Set(CHANNELS.map(methodName)).size).toBe(CHANNELS.length);
    expect(new Set(EVENTS.map(listenerName)).size).toBe(EVENTS.length);
  });
});

describe('payload validation', () => {
  it('accepts a well-formed match request and copies only known fields', () => {
    const s = spectrum();
    (s.meta as unknown as Record<string, unknown>)['injected'] = 'x';
    const req = validateRequest('match:run', { spectrum: s, method: 'cosine', topK: 5, exclude: [[1300, 1400]] });
    expect(req.method).toBe('cosine');
    expect(req.exclude).toEqual([[1300, 1400]]);
    expect(req.spectrum.meta.laserNm).toBe(532);
    expect('injected' in req.spectrum.meta).toBe(false);
  });

  it('names the offending field', () => {
    expect(
      paramError(() => validateRequest('match:run', { spectrum: { ...spectrum(), x: [1, 2, 3] } })).message,
    ).toContain('spectrum.x must be a Float64Array');
    expect(paramError(() => validateRequest('match:run', { spectrum: spectrum(), method: 'magic' })).message).toMatch(
      /method must be one of/,
    );
    expect(paramError(() => validateRequest('match:run', { spectrum: spectrum(), topK: 0 })).message).toMatch(
      /topK must be between 1/,
    );
    expect(paramError(() => validateRequest('match:run', { spectrum: spectrum(), exclude: [[5, 1]] })).message).toMatch(
      /exclude\[0\] must have from < to/,
    );
    expect(paramError(() => validateRequest('library:get', { substanceId: 1.5 })).message).toMatch(
      /substanceId must be an integer/,
    );
    expect(paramError(() => validateRequest('library:add', { spectrum: spectrum(), name: '   ' })).message).toMatch(
      /name must not be blank/,
    );
    expect(
      paramError(() => validateRequest('library:edit', { substanceId: 3, patch: { owner: 'me' } })).message,
    ).toMatch(/patch.owner is not an editable field/);
    expect(paramError(() => validateRequest('spectrum:read', { name: 'a.spc', bytes: 'AAAA' })).message).toMatch(
      /bytes must be bytes/,
    );
    expect(paramError(() => validateRequest('library:import', { files: [] })).message).toMatch(
      /files must not be empty/,
    );
    expect(paramError(() => validateRequest('app:info', { extra: 1 })).message).toMatch(/takes no fields/);
  });

  it('checks x and y lengths and point counts', () => {
    const s = spectrum();
    expect(
      paramError(() => validateRequest('match:run', { spectrum: { ...s, y: Float64Array.from([1]) } })).message,
    ).toMatch(/3 x values and 1 y values/);
  });

  it('validates pipelines with the preprocess registry (E_PIPELINE naming step and param)', () => {
    const err = paramError(() =>
      validateRequest('match:run', {
        spectrum: spectrum(),
        pipeline: { schemaVersion: 1, steps: [{ kind: 'baseline.als', params: { p: 2 } }] },
      }),
    );
    expect(err.code).toBe('E_PIPELINE');
    expect(err.message).toMatch(/step 0 \(baseline\.als\): param 'p'/);
    const ok = validateRequest('match:run', {
      spectrum: spectrum(),
      pipeline: { schemaVersion: 1, steps: [{ kind: 'baseline.als', params: {} }] },
    });
    expect(ok.pipeline?.steps[0]?.params['lambda']).toBeDefined();
  });
});
