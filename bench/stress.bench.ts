/**
 * Reliability under load (docs/notes/reliability.md):
 * 1. Six writers: six `specmatch library import` processes into one new library at once, twice (12 runs, 100
 *    synthetic files each; the second round finds every file present): how many failed, and the spectra held.
 * 2. A web import of a zip of 20,000 unreadable members (every one fails): peak resident memory of the server
 *    process, bytes sent on the event stream, and the time to the job's end.
 * Run: npm run bench -- stress
 */
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { request } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { zipSync } from 'fflate';
import type { ApiResult, JobInfo } from '../src-core/ipc/contract.js';
import { decodeWire, encodeWire } from '../src-core/ipc/wire.js';
import { createApp } from '../src-core/node/api/createApp.js';
import { noModels } from '../src-core/node/api/noModels.js';
import { startWebServer } from '../src-core/node/api/webServer.js';
import { Library } from '../src-core/node/library/Library.js';
import { writeSyntheticSet } from '../src-core/node/library/__tests__/synthetic.js';

const BIN = join(import.meta.dirname, '../bin/specmatch.js');
const WRITERS = 6;
const ROUNDS = 2;
const FILES_PER_WRITER = 100;
const MEMBERS = 20_000;

function importRun(lib: string, dir: string): Promise<{ code: number | null; stderr: string }> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, [BIN, 'library', 'import', '--no-embed', '--library', lib, dir], {
      env: { ...process.env, SPECMATCH_NO_MODEL: '1', SPECMATCH_IMPORT_WORKERS: '0' },
      stdio: ['ignore', 'ignore', 'pipe'],
    });
    let stderr = '';
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    child.on('exit', (code) => resolve({ code, stderr }));
  });
}

async function sixWriters(root: string): Promise<void> {
  const sets = Array.from({ length: WRITERS }, (_, w) => {
    const dir = join(root, `set-${w}`);
    writeSyntheticSet(dir, FILES_PER_WRITER / 2, 2, 1000 * (w + 1));
    return dir;
  });
  const lib = join(root, 'six.specmatch');
  let failed = 0;
  const errors = new Set<string>();
  const t0 = performance.now();
  for (let round = 0; round < ROUNDS; round++) {
    const runs = await Promise.all(sets.map((dir) => importRun(lib, dir)));
    for (const r of runs) {
      if (r.code !== 0) {
        failed++;
        errors.add(r.stderr.trim().split('\n').at(-1) ?? '');
      }
    }
  }
  const seconds = (performance.now() - t0) / 1000;
  const l = Library.open(lib, { readonly: true });
  const held = l.info().spectra;
  l.close();
  console.log(`  six writers: ${WRITERS * ROUNDS} import runs (${WRITERS} at once, ${ROUNDS} rounds, ${FILES_PER_WRITER} files each): ${failed} failed, ${held} of ${WRITERS * FILES_PER_WRITER} spectra held, ${seconds.toFixed(1)} s`);
  for (const e of errors) console.log(`    failure: ${e}`);
}

async function unreadableZip(root: string): Promise<void> {
  const libPath = join(root, 'web.specmatch');
  Library.open(libPath, { create: true }).close();
  const app = createApp({ libraryPath: libPath, shell: 'web', models: noModels('bench') });
  const server = await startWebServer({ port: 0, staticDir: tmpdir(), table: app.table });
  app.setSink(server.emit);
  let eventBytes = 0;
  const events = request({ host: '127.0.0.1', port: server.port, path: `/api/events?token=${server.token}`, headers: { host: `127.0.0.1:${server.port}` } }, (res) =>
    res.on('data', (d: Buffer) => (eventBytes += d.length)),
  );
  events.end();
  await new Promise((r) => setTimeout(r, 100));
  const members: Record<string, Uint8Array> = {};
  for (let i = 0; i < MEMBERS; i++) members[`unreadable-${i}.txt`] = new TextEncoder().encode(`no spectrum here ${i}`);
  const zip = zipSync(members);
  // A poll may meet a keep-alive connection the busy server has just closed (ECONNRESET): asked again, as a
  // browser does.
  const call = async <T>(channel: string, payload: unknown, attempt = 0): Promise<T> => {
    let res: Response;
    try {
      res = await fetch(`http://127.0.0.1:${server.port}/api/call/${channel}`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'x-specmatch-token': server.token },
      body: encodeWire(payload),
      });
    } catch (err) {
      if (attempt >= 3 || channel === 'library:import') throw err;
      resets++;
      return call<T>(channel, payload, attempt + 1);
    }
    const r = decodeWire(await res.text()) as ApiResult<T>;
    if (!r.ok) throw new Error(r.error.message);
    return r.value;
  };
  let resets = 0;
  const rssBefore = process.memoryUsage().rss;
  let peak = rssBefore;
  const sampler = setInterval(() => (peak = Math.max(peak, process.memoryUsage().rss)), 20);
  const t0 = performance.now();
  let job = await call<JobInfo>('library:import', { files: [{ name: 'unreadable.zip', bytes: zip }] });
  while (job.state === 'running') {
    await new Promise((r) => setTimeout(r, 100));
    job = await call<JobInfo>('job:get', { jobId: job.id });
  }
  const seconds = (performance.now() - t0) / 1000;
  await new Promise((r) => setTimeout(r, 200));
  clearInterval(sampler);
  const list = await call<JobInfo[]>('job:list', {});
  events.destroy();
  await server.close();
  await app.close();
  const mib = (b: number): string => (b / (1024 * 1024)).toFixed(0);
  console.log(
    `  web import of a zip of ${MEMBERS} unreadable members (${(zip.length / 1024).toFixed(0)} kB): ${job.state}, ${job.fileErrorCount ?? job.fileErrors.length} files failed (${job.fileErrors.length} listed), ${seconds.toFixed(1)} s; ` +
      `event stream ${(eventBytes / 1024).toFixed(0)} kB${resets ? ` (${resets} poll${resets === 1 ? '' : 's'} asked again after a reset)` : ''}; job:list ${(encodeWire(list).length / 1024).toFixed(0)} kB; peak RSS ${mib(peak)} MiB (${mib(rssBefore)} MiB before)`,
  );
}

export async function run(): Promise<void> {
  const root = mkdtempSync(join(tmpdir(), 'specmatch-stress-'));
  try {
    await sixWriters(root);
    await unreadableZip(root);
  } finally {
    rmSync(root, { recursive: true, force: true });
  }
}
