/**
 * Import worker: parses files sent by ParsePool (parsePool.ts) off the main thread. Messages in:
 * `{ id, label, name, bytes, nameOverride }`; out: `{ id, parsed }` with the spectra's arrays transferred.
 */
import { parentPort } from 'node:worker_threads';
import { parseImportFile } from './parseImportFile.js';

interface Job {
  id: number;
  label: string;
  name: string;
  bytes: Uint8Array;
  nameOverride?: string;
}

parentPort?.on('message', (job: Job) => {
  const parsed = parseImportFile(job.label, job.name, job.bytes, job.nameOverride);
  const transfer: ArrayBuffer[] = [];
  for (const it of parsed.items) {
    transfer.push(it.spectrum.x.buffer as ArrayBuffer, it.spectrum.y.buffer as ArrayBuffer);
    if (it.classic) transfer.push(it.classic.buffer as ArrayBuffer);
  }
  parentPort!.postMessage({ id: job.id, parsed }, transfer);
});
