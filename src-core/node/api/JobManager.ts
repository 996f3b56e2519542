import { randomUUID } from 'node:crypto';
import { SpecmatchError, toSpecmatchError } from '../../errors.js';
import { MAX_JOB_FILE_ERRORS } from '../../ipc/contract.js';
import type { ImportFileError, JobInfo, JobKind, TrainEpoch } from '../../ipc/contract.js';

/** Finished jobs kept for job:list and job:get (the oldest are dropped first). */
export const MAX_FINISHED_JOBS = 20;

/** What a running job may report; every call publishes a `job:progress` event (throttled, see below). */
export interface JobContext {
  signal: AbortSignal;
  progress(update: { done?: number; total?: number; phase?: string }): void;
  fileError(error: ImportFileError): void;
  epoch(epoch: TrainEpoch): void;
}

export type JobBody = (ctx: JobContext) => Promise<string>;

/**
 * Long work (import, re-embedding, training) runs as an async job off the request path: the request that starts
 * it returns the job's id at once, progress goes out as `job:progress` events (IPC push in Electron, SSE in web
 * mode; `job:get` polls), and `job:cancel` aborts the job's signal, which the library and engine check between
 * batches. Only one job of a kind runs at a time: a second import while one runs would only fight for SQLite's
 * write lock.
 */
export class JobManager {
  private readonly jobs = new Map<string, { info: JobInfo; controller: AbortController; done: Promise<void> }>();
  private lastEmit = new Map<string, number>();

  /** @param emit receives every state change; progress updates are throttled to one per `throttleMs`. */
  constructor(
    private readonly emit: (info: JobInfo) => void,
    private readonly throttleMs = 100,
  ) {}

  start(kind: JobKind, title: string, body: JobBody): JobInfo {
    for (const j of this.jobs.values()) {
      if (j.info.kind === kind && j.info.state === 'running') {
        throw new SpecmatchError(
          'E_PARAM',
          `a ${kind} job is already running (${j.info.title}); wait for it or cancel it`,
        );
      }
    }
    const info: JobInfo = {
      id: randomUUID(),
      kind,
      state: 'running',
      title,
      done: 0,
      total: 0,
      phase: 'starting',
      fileErrors: [],
      epochs: [],
    };
    const controller = new AbortController();
    const ctx: JobContext = {
      signal: controller.signal,
      progress: (u) => {
        if (u.done !== undefined) info.done = u.done;
        if (u.total !== undefined) info.total = u.total;
        if (u.phase !== undefined) info.phase = u.phase;
        this.publish(info, false);
      },
      // Bounded: the first MAX_JOB_FILE_ERRORS are listed, the rest counted, and updates are throttled like
      // progress, so a 20,000-member import sends kilobytes, not the growing list once per failure.
      fileError: (e) => {
        if (info.fileErrors.length < MAX_JOB_FILE_ERRORS) info.fileErrors.push(e);
        info.fileErrorCount = (info.fileErrorCount ?? 0) + 1;
        this.publish(info, false);
      },
      epoch: (e) => {
        info.epochs.push(e);
        this.publish(info, true);
      },
    };
    const done = (async () => {
      // Let the starting request answer before the body runs its first synchronous stretch.
      await new Promise<void>((r) => setImmediate(r));
      try {
        if (controller.signal.aborted) throw new SpecmatchError('E_CANCELLED', `${title}: cancelled`);
        info.summary = await body(ctx);
        info.state = controller.signal.aborted ? 'cancelled' : 'done';
      } catch (err) {
        const e = toSpecmatchError(err);
        if (controller.signal.aborted || e.code === 'E_CANCELLED') {
          info.state = 'cancelled';
          info.summary ??= 'cancelled';
        } else {
          info.state = 'failed';
          info.error = e.toInfo();
        }
      }
      info.phase = info.state;
      this.publish(info, true);
      this.lastEmit.delete(info.id);
      this.prune();
    })();
    this.jobs.set(info.id, { info, controller, done });
    this.publish(info, true);
    return { ...info };
  }

  get(id: string): JobInfo {
    const j = this.jobs.get(id);
    if (!j) throw new SpecmatchError('E_NOT_FOUND', `no job with id ${id}`);
    return snapshot(j.info);
  }

  list(): JobInfo[] {
    return [...this.jobs.values()].map((j) => snapshot(j.info));
  }

  cancel(id: string): JobInfo {
    const j = this.jobs.get(id);
    if (!j) throw new SpecmatchError('E_NOT_FOUND', `no job with id ${id}`);
    if (j.info.state === 'running') {
      j.info.phase = 'cancelling';
      j.controller.abort();
      this.publish(j.info, true);
    }
    return snapshot(j.info);
  }

  /** Resolves when the job has finished (any state). For shutdown and tests. */
  async settled(id: string): Promise<JobInfo> {
    const j = this.jobs.get(id);
    if (!j) throw new SpecmatchError('E_NOT_FOUND', `no job with id ${id}`);
    await j.done;
    return snapshot(j.info);
  }

  /** Cancel every running job and wait for them (window closing, server stopping). */
  async shutdown(): Promise<void> {
    for (const j of this.jobs.values()) if (j.info.state === 'running') j.controller.abort();
    await Promise.all([...this.jobs.values()].map((j) => j.done));
  }

  /** Drops the oldest finished jobs beyond MAX_FINISHED_JOBS. */
  private prune(): void {
    const finished = [...this.jobs.values()].filter((j) => j.info.state !== 'running');
    for (const j of finished.slice(0, Math.max(0, finished.length - MAX_FINISHED_JOBS))) this.jobs.delete(j.info.id);
  }

  private publish(info: JobInfo, force: boolean): void {
    const now = Date.now();
    if (!force && now - (this.lastEmit.get(info.id) ?? 0) < this.throttleMs) return;
    this.lastEmit.set(info.id, now);
    this.emit(snapshot(info));
  }
}

function snapshot(info: JobInfo): JobInfo {
  return { ...info, fileErrors: [...info.fileErrors], epochs: [...info.epochs] };
}
