import { assessQuality } from '../preprocess/quality.js';
import type { ReportInput } from './ReportInput.js';

/**
 * CSV and JSON forms of a report (the `--out x.csv|x.json` outputs). The CSV holds one row per query and match
 * rank (a query without matches or with an error gets one row saying so), RFC 4180 quoting.
 */
const CSV_COLUMNS = ['query', 'index', 'sha256', 'format', 'verdict', 'rank', 'substance', 'score', 'gap', 'spectrumId', 'sampleId', 'hqiCorrelation', 'hqiDerivative', 'cosine', 'euclidean', 'method', 'pipelineHash', 'modelId', 'error', 'calibrated', 'exclude'] as const;

function csvCell(v: unknown): string {
  if (v === undefined || v === null) return '';
  const s = typeof v === 'number' ? String(+v.toPrecision(8)) : typeof v === 'string' ? v : JSON.stringify(v);
  return /[",\r\n]/.test(s) || /^\s|\s$/.test(s) ? `"${s.replace(/"/g, '""')}"` : s;
}

export function reportToCsv(input: ReportInput): string {
  const rows: string[] = [CSV_COLUMNS.join(',')];
  const common = {
    method: input.method.method,
    pipelineHash: input.method.pipeline.hash,
    modelId: input.method.model?.id ?? '',
    calibrated: input.method.calibrated,
    exclude: input.method.exclude.map(([a, b]) => `${a}-${b}`).join(' '),
  };
  for (const e of input.entries) {
    const base = { query: e.query.fileName, index: e.query.index, sha256: e.query.sha256, format: e.query.format, ...common };
    const matches = e.result?.matches ?? [];
    if (e.error || matches.length === 0) {
      const r: Record<string, unknown> = { ...base, verdict: e.result?.verdict ?? '', error: e.error ? `${e.error.code}: ${e.error.message}` : '' };
      rows.push(CSV_COLUMNS.map((c) => csvCell(r[c])).join(','));
      continue;
    }
    for (const m of matches) {
      const r: Record<string, unknown> = {
        ...base,
        verdict: e.result?.verdict,
        rank: m.rank,
        substance: m.substance,
        score: m.score,
        gap: m.gap,
        spectrumId: m.spectrumId,
        sampleId: m.sampleId ?? '',
        hqiCorrelation: m.hqi.correlation,
        hqiDerivative: m.hqi.derivative,
        cosine: m.hqi.cosine,
        euclidean: m.hqi.euclidean,
      };
      rows.push(CSV_COLUMNS.map((c) => csvCell(r[c])).join(','));
    }
  }
  return rows.join('\r\n') + '\r\n';
}

/** The JSON report: header, method and one object per query (spectra left out; they are in the query files). */
export function reportToJson(input: ReportInput): string {
  return (
    JSON.stringify(
      {
        title: input.title,
        lab: input.lab ?? null,
        analyst: input.analyst ?? null,
        notes: input.notes ?? null,
        generatedAt: input.generatedAt.toISOString(),
        timeZone: input.timeZone,
        appVersion: input.appVersion,
        method: input.method,
        results: input.entries.map((e) => ({
          query: e.query.fileName,
          index: e.query.index,
          count: e.query.count,
          sha256: e.query.sha256,
          format: e.query.format,
          ...(e.query.spectrum.y.length > 0 ? { snr: roundSnr(assessQuality(e.query.spectrum).snr) } : {}),
          ...(e.error
            ? { error: e.error }
            : {
                verdict: e.result?.verdict ?? null,
                calibrated: e.result?.calibrated ?? null,
                pipelines: (e.result?.vectors ?? []).map((v) => ({ modelId: v.modelId, hash: v.hash, steps: v.pipeline.steps })),
                exclude: e.result?.exclude ?? [],
                matches: e.result?.matches ?? [],
              }),
          ...(e.mixture ? { mixture: { verdict: e.mixture.verdict, components: e.mixture.components, fit: e.mixture.fit, alternatives: e.mixture.alternatives } } : {}),
          ...(e.mixtureError ? { mixtureError: e.mixtureError } : {}),
        })),
      },
      null,
      2,
    ) + '\n'
  );
}

/** SNR for the JSON report: one decimal; null for noiseless data (JSON has no Infinity). */
function roundSnr(snr: number): number | null {
  return Number.isFinite(snr) ? Math.round(snr * 10) / 10 : null;
}
