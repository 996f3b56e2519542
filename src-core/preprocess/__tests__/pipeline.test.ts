import { describe, expect, it } from 'vitest';
import { specmatchErrorOf } from '../../../test/support.js';
import type { Spectrum } from '../../spectrum/Spectrum.js';
import type { Pipeline } from '../pipeline.js';
import { canonicalPipelineJson, pipelineHash, runPipeline, validatePipeline } from '../pipeline.js';
import { getPreset, PRESETS } from '../presets.js';
import { getStep, stepRegistry } from '../registry.js';

function synthetic(n = 400): Spectrum {
  const x = Float64Array.from({ length: n }, (_, i) => 100 + i * 2);
  const y = Float64Array.from(
    x,
    (v, i) =>
      1000 +
      0.5 * v +
      800 * Math.exp(-0.5 * ((v - 500) / 6) ** 2) +
      300 / (1 + ((v - 700) / 5) ** 2) +
      5 * Math.sin(i * 1.7),
  );
  return {
    x,
    y,
    meta: {
      sourceFile: 'synthetic.txt',
      format: 'test',
      xKind: 'raman-shift',
      originalXUnit: 'cm-1',
      position: { index: 0, count: 1 },
      fields: { a: '1' },
      warnings: ['w'],
    },
  };
}

describe('validatePipeline', () => {
  it('fills defaults and keeps given params', () => {
    const p = validatePipeline({
      schemaVersion: 1,
      steps: [{ kind: 'baseline.als', params: { lambda: 1e6 } }, { kind: 'normalize.snv' }],
    });
    expect(p.steps[0]).toEqual({
      kind: 'baseline.als',
      params: { lambda: 1e6, p: 0.01, differenceOrder: 2, maxIterations: 20 },
    });
    expect(p.steps[1]).toEqual({ kind: 'normalize.snv', params: {} });
  });

  it.each([
    [
      { schemaVersion: 1, steps: [{ kind: 'baseline.magic' }] },
      /step 0: unknown kind 'baseline\.magic'; known kinds: .*baseline\.als/,
    ],
    [
      { schemaVersion: 1, steps: [{ kind: 'normalize.max' }, { kind: 'baseline.als', params: { p: 1.5 } }] },
      /^step 1 \(baseline\.als\): param 'p' must be < 1, got 1\.5$/,
    ],
    [
      { schemaVersion: 1, steps: [{ kind: 'baseline.als', params: { lambda: '1e6' } }] },
      /step 0 \(baseline\.als\): param 'lambda' must be a finite number, got "1e6"/,
    ],
    [
      { schemaVersion: 1, steps: [{ kind: 'baseline.als', params: { lamda: 5 } }] },
      /step 0 \(baseline\.als\): param 'lamda' is unknown \(known: lambda, p, differenceOrder, maxIterations\)/,
    ],
    [
      { schemaVersion: 1, steps: [{ kind: 'smooth.savitzkyGolay', params: { window: 10 } }] },
      /param 'window' must be odd, got 10/,
    ],
    [
      { schemaVersion: 1, steps: [{ kind: 'smooth.savitzkyGolay', params: { window: 5, polyorder: 5 } }] },
      /param 'polyorder' must be less than window \(5\), got 5/,
    ],
    [
      { schemaVersion: 1, steps: [{ kind: 'axis.crop', params: { from: 900, to: 100 } }] },
      /step 0 \(axis\.crop\): param 'to' must be greater than from/,
    ],
    [
      { schemaVersion: 1, steps: [{ kind: 'axis.resample', params: { method: 'quintic' } }] },
      /param 'method' must be one of 'linear', 'cubic', got "quintic"/,
    ],
    [
      { schemaVersion: 1, steps: [{ kind: 'derivative', params: { absolute: 'yes' } }] },
      /param 'absolute' must be true or false/,
    ],
    [
      { schemaVersion: 1, steps: [{ kind: 'baseline.als', params: { maxIterations: 2.5 } }] },
      /param 'maxIterations' must be an integer, got 2\.5/,
    ],
    [{ schemaVersion: 2, steps: [] }, /unsupported pipeline schemaVersion 2/],
    [{ steps: [] }, /unsupported pipeline schemaVersion undefined/],
    [{ schemaVersion: 1, steps: {} }, /"steps" must be an array/],
    [{ schemaVersion: 1, steps: [], name: 'x' }, /unknown pipeline field 'name'/],
    [{ schemaVersion: 1, steps: [{ kind: 'normalize.max', param: {} }] }, /step 0: unknown field 'param'/],
    [[], /must be a JSON object/],
    [null, /must be a JSON object/],
  ])('rejects %j', (json, message) => {
    const err = specmatchErrorOf(() => validatePipeline(json));
    expect(err.code).toBe('E_PIPELINE');
    expect(err.message).toMatch(message);
  });

  it('every registered step validates its own defaults and documents each param', () => {
    for (const [kind, def] of stepRegistry) {
      expect(def.kind).toBe(kind);
      expect(def.validate({})).toEqual(def.defaults);
      expect(def.label.length).toBeGreaterThan(0);
      for (const p of def.params) expect(p.description.length).toBeGreaterThan(0);
    }
    expect(() => getStep('nope')).toThrow(/unknown step kind 'nope'/);
  });
});

describe('canonical JSON and hash', () => {
  it('does not depend on key order, number spelling, the sign of zero or omitted defaults', () => {
    const a: Pipeline = {
      schemaVersion: 1,
      steps: [
        { kind: 'baseline.als', params: { p: 0.01, lambda: 1e6 } },
        { kind: 'axis.crop', params: { from: -0, to: 2000 } },
      ],
    };
    const b = JSON.parse(
      '{"steps":[{"params":{"lambda":1000000,"maxIterations":20,"differenceOrder":2},"kind":"baseline.als"},{"kind":"axis.crop","params":{"to":2000.0,"from":0}}],"schemaVersion":1}',
    ) as Pipeline;
    expect(canonicalPipelineJson(a)).toBe(canonicalPipelineJson(b));
    expect(pipelineHash(a)).toBe(pipelineHash(b));
    expect(pipelineHash(a)).toMatch(/^[0-9a-f]{64}$/);
    expect(canonicalPipelineJson(a)).toBe(
      '{"schemaVersion":1,"steps":[{"kind":"baseline.als","params":{"differenceOrder":2,"lambda":1000000,"maxIterations":20,"p":0.01}},{"kind":"axis.crop","params":{"from":0,"to":2000}}]}',
    );
  });

  it('changes when a param, the order of steps or a step changes', () => {
    const base = getPreset('classic-search').pipeline;
    const h = pipelineHash(base);
    const changed = structuredClone(base);
    changed.steps[2]!.params['lambda'] = 1e6;
    expect(pipelineHash(changed)).not.toBe(h);
    expect(pipelineHash({ schemaVersion: 1, steps: [...base.steps].reverse() })).not.toBe(h);
    expect(pipelineHash({ schemaVersion: 1, steps: base.steps.slice(1) })).not.toBe(h);
  });

  it('round-trips every preset through JSON with the same hash', () => {
    for (const preset of PRESETS) {
      const text = canonicalPipelineJson(preset.pipeline);
      const back = validatePipeline(JSON.parse(text));
      expect(canonicalPipelineJson(back)).toBe(text);
      expect(pipelineHash(back)).toBe(pipelineHash(preset.pipeline));
    }
  });
});

describe('presets', () => {
  it('has the named presets, each valid, and names them all when one is unknown', () => {
    const names = PRESETS.map((p) => p.name);
    expect(names).toEqual(
      expect.arrayContaining(['raw', 'rruff-processed', 'liu2017-als', 'openspecy-derivative', 'classic-search']),
    );
    expect(new Set(names).size).toBe(names.length);
    for (const p of PRESETS) expect(() => validatePipeline(p.pipeline)).not.toThrow();
    expect(getPreset('raw').pipeline.steps).toEqual([]);
    const err = specmatchErrorOf(() => getPreset('fancy'));
    expect(err.code).toBe('E_PIPELINE');
    expect(err.message).toContain(names.join(', '));
  });

  it('getPreset returns a copy that callers may edit', () => {
    const p = getPreset('classic-search');
    p.pipeline.steps.pop();
    expect(getPreset('classic-search').pipeline.steps.length).toBe(p.pipeline.steps.length + 1);
  });
});

describe('runPipeline', () => {
  it('never mutates its input and returns every intermediate, for every preset and every step kind', () => {
    const s = synthetic();
    const x0 = Float64Array.from(s.x);
    const y0 = Float64Array.from(s.y);
    const meta0 = structuredClone(s.meta);
    const pipelines = [
      ...PRESETS.map((p) => p.pipeline),
      {
        schemaVersion: 1 as const,
        steps: [...stepRegistry.keys()]
          .filter((k) => !k.startsWith('normalize') && k !== 'derivative')
          .map((kind) => ({ kind, params: {} })),
      },
    ];
    for (const p of pipelines) {
      const run = runPipeline(s, p);
      expect(run.intermediates.map((i) => i.kind)).toEqual(p.steps.map((st) => st.kind));
      if (p.steps.length > 0) expect(run.intermediates[run.intermediates.length - 1]!.spectrum).toBe(run.result);
      expect(run.result.x).not.toBe(s.x);
      expect(run.result.y).not.toBe(s.y);
      run.result.meta.warnings.push('edited');
      run.result.meta.fields['b'] = '2';
    }
    expect(s.x).toEqual(x0);
    expect(s.y).toEqual(y0);
    expect(s.meta).toEqual(meta0);
  });

  it('applies the steps in order: crop then resample gives the resampled axis', () => {
    const run = runPipeline(synthetic(), {
      schemaVersion: 1,
      steps: [
        { kind: 'axis.crop', params: { from: 300, to: 600 } },
        { kind: 'axis.resample', params: { from: 300, to: 600, points: 31 } },
      ],
    });
    expect(run.intermediates[0]!.spectrum.x[0]).toBe(300);
    expect(run.intermediates[0]!.spectrum.x.length).toBe(151);
    expect(Array.from(run.result.x)).toEqual(Array.from({ length: 31 }, (_, i) => 300 + i * 10));
  });

  it('reports a step that cannot process this spectrum with E_PIPELINE naming the file and the step', () => {
    const err = specmatchErrorOf(() =>
      runPipeline(synthetic(), {
        schemaVersion: 1,
        steps: [
          { kind: 'normalize.max', params: {} },
          { kind: 'axis.crop', params: { from: 5000, to: 6000 } },
        ],
      }),
    );
    expect(err.code).toBe('E_PIPELINE');
    expect(err.message).toMatch(
      /^synthetic\.txt: step 1 \(axis\.crop\) failed: crop 5000 … 6000 leaves no points \(the spectrum covers 100 … 898\)/,
    );
  });

  it('validates pipelines that did not come through validatePipeline', () => {
    const err = specmatchErrorOf(() =>
      runPipeline(synthetic(), { schemaVersion: 1, steps: [{ kind: 'baseline.als', params: { p: -1 } }] }),
    );
    expect(err.message).toMatch(/step 0 \(baseline\.als\): param 'p' must be > 0/);
  });
});
