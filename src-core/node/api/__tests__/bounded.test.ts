/**
 * Progress channels and requests are bounded: per-file errors capped and throttled, finished jobs pruned, slow
 * event clients dropped, oversized requests refused with a 413 the page can read, bad upload names failing only
 * their own file (and never showing a server path).
 */
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { request } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { zipSync } from 'fflate';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { FIXTURES } from '../../../../test/support.js';
import { MAX_JOB_FILE_ERRORS } from '../../../ipc/contract.js';
import type { ApiResult, JobInfo } from '../../../ipc/contract.js';
import { decodeWire, encodeWire } from '../../../ipc/wire.js';
import { Library } from '../../library/Library.js';
import type { App } from '../createApp.js';
import { createApp } from '../createApp.js';
import { JobManager, MAX_FINISHED_JOBS } from '../JobManager.js';
import { noModels } from '../noModels.js';
import type { WebServer } from '../webServer.js';
import { startWebServer } from '../webServer.js';

describe('JobManager bounds', () => {
  it('5,000 failed files: the first 100 listed, all counted, a handful of small events', async () => {
    let events = 0;
    let bytes = 0;
    const jobs = new JobManager((j) => {
      events++;
      bytes += JSON.stringify(j).length;
    });
    const job = jobs.start('import', 'Importing', async (ctx) => {
      for (let i = 0; i < 5000; i++) ctx.fileError({ file: `m${i}.txt`, code: 'E_UNKNOWN_FORMAT', message: `m${i}.txt: no reader recognises it` });
      await Promise.resolve();
      return 'done';
    });
    const end = await jobs.settled(job.id);
    expect(end.fileErrors).toHaveLength(MAX_JOB_FILE_ERRORS);
    expect(end.fileErrorCount).toBe(5000);
    expect(events).toBeLessThan(10);
    expect(bytes).toBeLessThan(50_000);
  });

  it(`keeps at most ${MAX_FINISHED_JOBS} finished jobs`, async () => {
    const jobs = new JobManager(() => undefined, 0);
    for (let i = 0; i < MAX_FINISHED_JOBS + 15; i++) await jobs.settled(jobs.start('embed', `job ${i}`, () => Promise.resolve('ok')).id);
    const list = jobs.list();
    expect(list).toHaveLength(MAX_FINISHED_JOBS);
    expect(list.at(-1)!.title).toBe(`job ${MAX_FINISHED_JOBS + 14}`);
  });
});

function post(server: WebServer, channel: string, body: string | Buffer, headers: Record<string, string> = {}): Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) => {
    const req = request(
      {
        host: '127.0.0.1',
        port: server.port,
        path: `/api/call/${channel}`,
        method: 'POST',
        // A fresh connection per call: a kept-alive one may be closed by the server at the moment it is reused
        // while the import keeps the event loop busy (ECONNRESET), which is not what these tests are about.
        agent: false,
        headers: { host: `127.0.0.1:${server.port}`, 'content-type': 'application/json', 'x-specmatch-token': server.token, ...headers },
      },
      (res) => {
        let text = '';
        res.setEncoding('utf8').on('data', (d: string) => (text += d));
        res.on('end', () => resolve({ status: res.statusCode ?? 0, body: text }));
      },
    );
    req.on('error', reject);
    req.end(body);
  });
}

async function waitJob(server: WebServer, id: string): Promise<JobInfo> {
  for (;;) {
    const r = decodeWire((await post(server, 'job:get', encodeWire({ jobId: id }))).body) as ApiResult<JobInfo>;
    if (!r.ok) throw new Error(r.error.message);
    if (r.value.state !== 'running') return r.value;
    await new Promise((res) => setTimeout(res, 50));
  }
}

describe('web server bounds', () => {
  let dir: string;
  let app: App;
  let server: WebServer;
  const logs: string[] = [];
  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'specmatch-bounded-'));
    const libPath = join(dir, 'lib.specmatch');
    Library.open(libPath, { create: true }).close();
    app = createApp({ libraryPath: libPath, shell: 'web', models: noModels('none in tests') });
    server = await startWebServer({ port: 0, staticDir: dir, table: app.table, maxBodyBytes: 1024 * 1024, maxEventBacklogBytes: 64 * 1024, log: (l) => logs.push(l) });
    app.setSink(server.emit);
  });
  afterAll(async () => {
    await server.close();
    await app.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('a zip of 2,000 unreadable members: the job counts them, the event stream stays small', async () => {
    let eventBytes = 0;
    const stream = request({ host: '127.0.0.1', port: server.port, path: `/api/events?token=${server.token}`, headers: { host: `127.0.0.1:${server.port}` } }, (res) =>
      res.on('data', (d: Buffer) => (eventBytes += d.length)),
    );
    stream.end();
    await new Promise((r) => setTimeout(r, 100));
    const members: Record<string, Uint8Array> = {};
    for (let i = 0; i < 2000; i++) members[`bad-${i}.txt`] = new TextEncoder().encode(`not a spectrum ${i}`);
    const started = decodeWire((await post(server, 'library:import', encodeWire({ files: [{ name: 'many.zip', bytes: zipSync(members) }] }))).body) as ApiResult<JobInfo>;
    if (!started.ok) throw new Error(started.error.message);
    const end = await waitJob(server, started.value.id);
    await new Promise((r) => setTimeout(r, 100));
    stream.destroy();
    expect(end.fileErrorCount).toBe(2000);
    expect(end.fileErrors).toHaveLength(MAX_JOB_FILE_ERRORS);
    expect(eventBytes).toBeLessThan(500_000); // was about 60 kB per failure, growing: 115 MB for 2,000
  }, 120_000);

  it('a bad upload name fails only its file, and no message shows the server folder', async () => {
    const ok = new Uint8Array(readFileSync(join(FIXTURES, 'rruff', 'Quartz__R060604__Raman__532__0__unoriented__Raman_Data_RAW__31948.txt')));
    const files = [
      { name: 'a', bytes: ok },
      { name: 'a/b.txt', bytes: ok },
      { name: `${'x'.repeat(300)}.txt`, bytes: ok },
      { name: 'good.txt', bytes: ok },
    ];
    const started = decodeWire((await post(server, 'library:import', encodeWire({ files }))).body) as ApiResult<JobInfo>;
    if (!started.ok) throw new Error(started.error.message);
    const end = await waitJob(server, started.value.id);
    expect(end.state).toBe('done');
    expect(end.fileErrors.map((e) => e.message).join('\n')).toMatch(/same name as its folder[\s\S]*too long/);
    expect(JSON.stringify(end)).not.toContain(tmpdir());
    expect(end.summary).toMatch(/^1 spectra imported/);
  }, 120_000);

  it('a body over the limit gets a 413 JSON answer (declared length or not), and the server keeps serving', async () => {
    const big = Buffer.alloc(2 * 1024 * 1024, 0x20);
    const declared = await post(server, 'library:info', big);
    expect(declared.status).toBe(413);
    expect(decodeWire(declared.body)).toMatchObject({ ok: false, error: { code: 'E_TOO_LARGE', message: expect.stringMatching(/over 1 MiB/) as unknown } });
    const chunked = await post(server, 'library:info', big, { 'transfer-encoding': 'chunked' });
    expect(chunked.status).toBe(413);
    expect((await post(server, 'library:info', '{}')).status).toBe(200);
  });

  it('an event client that stops reading is dropped instead of buffered without end', async () => {
    const stream = request({ host: '127.0.0.1', port: server.port, path: `/api/events?token=${server.token}`, headers: { host: `127.0.0.1:${server.port}` } }, (r) => {
      r.pause(); // never reads
    });
    stream.on('error', () => undefined);
    stream.end();
    await new Promise((r) => setTimeout(r, 100));
    const payload = { name: 'x'.repeat(64 * 1024), substances: 0, spectra: 0, embeddings: { modelKey: null, upToDate: 0, stale: 0 } };
    const dropped = (): boolean => logs.some((l) => /event client fell \d+ bytes behind and was dropped/.test(l));
    for (let i = 0; i < 1000 && !dropped(); i++) {
      server.emit('library:changed', payload);
      await new Promise((r) => setImmediate(r));
    }
    stream.destroy();
    expect(dropped()).toBe(true);
  }, 30_000);
});
