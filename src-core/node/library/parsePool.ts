import { existsSync } from 'node:fs';
import { availableParallelism } from 'node:os';
import { fileURLToPath } from 'node:url';
import { Worker } from 'node:worker_threads';
import type { ParsedFile } from './parseImportFile.js';

/**
 * Worker threads that parse import files in parallel (parsing is most of an import's CPU time). Used by
 * Library.importPaths for large imports when the built worker script exists (dist/; the TypeScript sources run by
 * tsx or Vitest parse on the main thread). `SPECMATCH_IMPORT_WORKERS=N` sets the count, 0 turns workers off.
 */
export class ParsePool {
  private readonly workers: Worker[];
  private readonly waiting = new Map<number, { resolve(p: ParsedFile): void; reject(e: Error): void }>();
  private nextId = 0;
  private failure: Error | null = null;

  private constructor(count: number, url: URL) {
    this.workers = Array.from({ length: count }, () => {
      const w = new Worker(url);
      w.on('message', (m: { id: number; parsed: ParsedFile }) => {
        const job = this.waiting.get(m.id);
        this.waiting.delete(m.id);
        job?.resolve(m.parsed);
      });
      w.on('error', (err) => this.fail(err));
      w.on('exit', (code) => code !== 0 && this.fail(new Error(`import worker exited with code ${code}`)));
      return w;
    });
  }

  /** A pool, or null when workers are off, unavailable (sources run without a build) or not worth it. */
  static create(files: number): ParsePool | null {
    const env = process.env['SPECMATCH_IMPORT_WORKERS'];
    const wanted = env === undefined ? Math.min(4, availableParallelism()) : Number(env);
    if (!Number.isInteger(wanted) || wanted < 1 || files < 64) return null;
    const url = new URL('./parseWorker.js', import.meta.url);
    if (!import.meta.url.endsWith('.js') || !existsSync(fileURLToPath(url))) return null;
    return new ParsePool(wanted, url);
  }

  private fail(err: Error): void {
    this.failure ??= err;
    for (const job of this.waiting.values()) job.reject(err);
    this.waiting.clear();
  }

  parse(label: string, name: string, bytes: Uint8Array, nameOverride: string | undefined): Promise<ParsedFile> {
    if (this.failure) return Promise.reject(this.failure);
    const id = this.nextId++;
    const worker = this.workers[id % this.workers.length]!;
    return new Promise<ParsedFile>((resolve, reject) => {
      this.waiting.set(id, { resolve, reject });
      worker.postMessage({ id, label, name, bytes, ...(nameOverride === undefined ? {} : { nameOverride }) });
    });
  }

  async close(): Promise<void> {
    await Promise.all(this.workers.map((w) => w.terminate()));
  }
}
