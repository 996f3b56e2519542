import type { ErrorInfo } from '../../../src-core/errors.js';
import type { LibraryInfo, MapResult, ModelInfo, PipelineSpec, JobInfo } from '../../../src-core/ipc/contract.js';
import { layoutMap } from '../../../src-core/map/mapLayout.js';
import type { MatchOptions, MatchRequest, MatchResult } from '../../../src-core/matching/types.js';
import type { Spectrum } from '../../../src-core/spectrum/Spectrum.js';
import { SvelteMap } from 'svelte/reactivity';
import { PRESETS } from '../../../src-core/preprocess/presets.js';
import { api, ApiError, unwrap } from '../api/index.js';
import { settings } from './settings.svelte.js';

export type View = 'identify' | 'library' | 'model' | 'instruments' | 'settings';

/** At most this many reference overlays on the chart at once (more turns the plot into noise). */
export const MAX_OVERLAYS = 3;

export interface QueryFile {
  name: string;
  bytes: Uint8Array;
  format: string;
  spectra: Spectrum[];
  warnings: string[];
}

/** The map of the open file: its job (progress, cancel), then its result. */
export interface MapState {
  jobId: string | null;
  result: MapResult | null;
  error: ErrorInfo | null;
  despike: boolean;
  snrMin: number | null;
}

/** A file is shown as a map when its spectra lie on a grid of at least 2 × 2 (a line scan stays a list). */
export function isMap(spectra: readonly Spectrum[]): boolean {
  return spectra.length >= 4 && layoutMap(spectra).kind === 'grid';
}

/** The pipeline the Identify view starts from: the Settings' default preset, or none (the query as read). */
function initialPipeline(): PipelineSpec | null {
  if (!settings.defaultPreset) return null;
  const preset = PRESETS.find((p) => p.name === settings.defaultPreset);
  return preset && preset.pipeline.steps.length > 0
    ? (JSON.parse(JSON.stringify(preset.pipeline)) as PipelineSpec)
    : null;
}

function toError(err: unknown): ErrorInfo {
  if (err instanceof ApiError) return { code: err.code, message: err.message } as ErrorInfo;
  return { code: 'E_INTERNAL', message: err instanceof Error ? err.message : String(err) };
}

/**
 * The app's state: the open query file, the spectrum being identified, its pipeline and matches, the overlays,
 * and what the status bar shows. One instance, shared by every view.
 */
class Session {
  view: View = $state('identify');
  file: QueryFile | null = $state.raw(null);
  selected = $state(0);
  /** Pipeline the user edited; null = the method's defaults (what `specmatch match` uses). */
  pipeline: PipelineSpec | null = $state.raw(initialPipeline());
  result: MatchResult | null = $state.raw(null);
  matching = $state(false);
  /** Counts requests so a slow answer to an older request cannot overwrite a newer one. */
  private matchSeq = 0;
  fileError: ErrorInfo | null = $state(null);
  matchError: ErrorInfo | null = $state(null);
  overlays: number[] = $state([]);
  readonly references = new SvelteMap<number, Spectrum>();
  map: MapState | null = $state.raw(null);
  library: LibraryInfo | null = $state.raw(null);
  model: ModelInfo | null = $state.raw(null);
  readonly jobs = new SvelteMap<string, JobInfo>();
  toast: { text: string; action?: { label: string; run: () => void } } | null = $state.raw(null);

  /** Forget the open file and its matches (another library was opened). */
  reset(): void {
    this.file = null;
    this.result = null;
    this.map = null;
    this.fileError = null;
    this.matchError = null;
    this.overlays = [];
    this.references.clear();
    this.jobs.clear();
  }

  get spectrum(): Spectrum | null {
    return this.file?.spectra[this.selected] ?? null;
  }

  async refreshStatus(): Promise<void> {
    const [lib, model] = await Promise.all([api.libraryInfo({}), api.modelInfo({})]);
    if (lib.ok) this.library = lib.value;
    if (model.ok) this.model = model.value;
  }

  /** Read a file's bytes through the main process (the same readers as the CLI), then match at once. */
  async openFile(name: string, bytes: Uint8Array): Promise<void> {
    this.view = 'identify';
    this.fileError = null;
    this.matchError = null;
    try {
      const read = await unwrap(api.spectrumRead({ name, bytes }));
      this.file = { name, bytes, format: read.format, spectra: read.spectra, warnings: read.warnings };
      this.selected = 0;
      this.result = null;
      this.map = null;
      this.clearOverlays();
      if (isMap(read.spectra)) void this.runMap();
      await this.match();
    } catch (err) {
      // A bad file leaves the previous spectrum and its matches in place: nothing else breaks.
      this.fileError = {
        ...toError(err),
        message: toError(err).message.includes(name) ? toError(err).message : `${name}: ${toError(err).message}`,
      };
    }
  }

  async select(index: number): Promise<void> {
    if (!this.file || index < 0 || index >= this.file.spectra.length) return;
    this.selected = index;
    this.clearOverlays();
    await this.match();
  }

  /** How the view matches (the report is made with the same): method, top K and the panel's pipeline for both sides. */
  matchOptions(): MatchOptions {
    return {
      topK: settings.topK,
      ...(settings.defaultMethod === 'auto' ? {} : { method: settings.defaultMethod }),
      ...(this.pipeline && this.pipeline.steps.length > 0 ? { pipeline: this.pipeline } : {}),
    };
  }

  matchRequest(spectrum: Spectrum): MatchRequest {
    return { spectrum, ...this.matchOptions() };
  }

  async match(): Promise<void> {
    const spectrum = this.spectrum;
    if (!spectrum) return;
    const seq = ++this.matchSeq;
    this.matching = true;
    this.matchError = null;
    try {
      const result = await unwrap(api.matchRun(this.matchRequest(spectrum)));
      if (seq !== this.matchSeq) return;
      this.result = result;
      // Keep overlays of substances still in the list.
      const ids = new Set(result.matches.map((m) => m.spectrumId));
      this.overlays = this.overlays.filter((id) => ids.has(id));
    } catch (err) {
      if (seq !== this.matchSeq) return;
      this.result = null;
      this.matchError = toError(err);
    } finally {
      if (seq === this.matchSeq) this.matching = false;
    }
  }

  /** Identify every pixel of the open map (a job: progress and cancel in the map panel). */
  async runMap(opts: { despike?: boolean; snrMin?: number | null } = {}): Promise<void> {
    const file = this.file;
    if (!file) return;
    const despike = opts.despike ?? this.map?.despike ?? false;
    const snrMin = opts.snrMin === undefined ? (this.map?.snrMin ?? null) : opts.snrMin;
    this.map = { jobId: null, result: null, error: null, despike, snrMin };
    try {
      const job = await unwrap(
        api.mapRun({
          file: { name: file.name, bytes: file.bytes },
          ...(settings.defaultMethod === 'auto' ? {} : { method: settings.defaultMethod }),
          despike,
          ...(snrMin === null ? {} : { snrMin }),
        }),
      );
      if (this.file !== file) return;
      this.map = { ...this.map, jobId: job.id };
      this.onJob(job);
    } catch (err) {
      if (this.file === file) this.map = { ...this.map, error: toError(err) };
    }
  }

  private async loadMapResult(jobId: string): Promise<void> {
    try {
      const result = await unwrap(api.mapResult({ jobId }));
      if (this.map?.jobId === jobId) this.map = { ...this.map, result };
    } catch (err) {
      if (this.map?.jobId === jobId) this.map = { ...this.map, error: toError(err) };
    }
  }

  setPipeline(p: PipelineSpec | null): void {
    this.pipeline = p;
  }

  /** Toggle a reference overlay (the oldest one drops out beyond MAX_OVERLAYS). */
  async toggleOverlay(spectrumId: number): Promise<void> {
    if (this.overlays.includes(spectrumId)) {
      this.overlays = this.overlays.filter((id) => id !== spectrumId);
      return;
    }
    if (!this.references.has(spectrumId)) {
      try {
        const ref = await unwrap(api.librarySpectrum({ spectrumId }));
        this.references.set(spectrumId, ref);
      } catch (err) {
        this.matchError = toError(err);
        return;
      }
    }
    this.overlays = [...this.overlays, spectrumId].slice(-MAX_OVERLAYS);
  }

  clearOverlays(): void {
    this.overlays = [];
  }

  /**
   * Record a job's state. A finished state is final: the HTTP answer that started a short job can arrive after the
   * job's own 'done' event, and must not turn it back into 'running'.
   */
  onJob(job: JobInfo): void {
    const known = this.jobs.get(job.id);
    if (!(known && known.state !== 'running' && job.state === 'running')) this.jobs.set(job.id, job);
    // The map's 'done' event can arrive before the answer that names its job: check the recorded state either way.
    const current = this.jobs.get(job.id)!;
    if (current.kind === 'map' && current.state === 'done' && this.map?.jobId === current.id && !this.map.result) void this.loadMapResult(current.id);
  }

  notify(text: string, action?: { label: string; run: () => void }): void {
    this.toast = action ? { text, action } : { text };
  }
}

export const session = new Session();
