import { createHash } from 'node:crypto';
import type { EmbeddingModel } from '../../engine/EmbeddingModel.js';
import { phaseImagePng } from '../../map/phaseFigure.js';
import type { Pipeline } from '../../preprocess/pipeline.js';
import type { ReportInput } from '../../report/ReportInput.js';
import type { Library } from '../library/Library.js';
import type { IdentifiedMap } from '../map/identifyMap.js';
import { reportMethod } from './createReport.js';

export function mapFileSha256(bytes: Uint8Array): string {
  return createHash('sha256').update(bytes).digest('hex');
}

/** The map file and how it was identified (the options given to identifyMap). */
export interface MapReportSource {
  fileName: string;
  /** SHA-256 (hex) of the file's bytes (mapFileSha256). */
  sha256: string;
  format: string;
  identified: IdentifiedMap;
  pipeline?: Pipeline;
  despike?: boolean;
  snrMin?: number;
}

export interface MapReportOptions {
  library: Library;
  model?: EmbeddingModel | null;
  appVersion: string;
  title?: string;
  lab?: string;
  analyst?: string;
  notes?: string;
  timeZone?: string;
  now?: Date;
}

/**
 * A map report from an identified map (`specmatch map --out OUT.pdf` and the app's map Export report…, both after
 * identifyMap, so nothing is matched again): the phase image as `specmatch map` draws it, its phases with pixel
 * counts and fractions, and the method section of every report (pipeline, model, library). One renderer:
 * renderReportPdf.
 */
export function createMapReport(src: MapReportSource, opts: MapReportOptions): ReportInput {
  const { map } = src.identified;
  const errors = map.results.filter((r) => r.verdict === 'error');
  const method = reportMethod(opts.library, src.identified.method === 'siamese' || src.identified.method === 'fused' ? (opts.model ?? null) : null, { method: src.identified.method, ...(src.pipeline ? { pipeline: src.pipeline } : {}) }, undefined);
  return {
    title: opts.title ?? 'Raman map identification report',
    ...(opts.lab ? { lab: opts.lab } : {}),
    ...(opts.analyst ? { analyst: opts.analyst } : {}),
    ...(opts.notes ? { notes: opts.notes } : {}),
    generatedAt: opts.now ?? new Date(),
    timeZone: opts.timeZone ?? Intl.DateTimeFormat().resolvedOptions().timeZone ?? 'UTC',
    appVersion: opts.appVersion,
    topN: 1,
    method,
    entries: [],
    map: {
      fileName: src.fileName,
      sha256: src.sha256,
      format: src.format,
      spectra: map.results.length,
      width: map.layout.width,
      height: map.layout.height,
      kind: map.layout.kind,
      ...(map.layout.stepUm ? { stepUm: map.layout.stepUm } : {}),
      ...(map.layout.rangeUm ? { rangeUm: map.layout.rangeUm } : {}),
      image: phaseImagePng(map),
      phases: map.phases.map((p) => ({ substance: p.substance, colour: [p.colour[0], p.colour[1], p.colour[2]], pixels: p.pixels, fraction: p.fraction, meanScore: p.meanScore })),
      unidentified: map.unidentified,
      lowSignal: map.lowSignal,
      errors: errors.length,
      ...(errors[0]?.reason ? { firstError: errors[0].reason } : {}),
      minScore: map.minScore,
      despike: src.despike === true,
      spikes: src.identified.spikes,
      ...(src.snrMin === undefined ? {} : { snrMin: src.snrMin }),
    },
  };
}
