import { mkdtempSync, readFileSync, readdirSync, rmSync } from 'node:fs';
import { request } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { FIXTURES } from '../../../../test/support.js';
import type { ApiResult, JobInfo, LibraryInfo, ReadSpectraResult } from '../../../ipc/contract.js';
import type { MatchResult } from '../../../matching/types.js';
import { decodeWire, encodeWire } from '../../../ipc/wire.js';
import { Library } from '../../library/Library.js';
import type { App } from '../createApp.js';
import { createApp } from '../createApp.js';
import { safeRelative } from '../LibraryBackend.js';
import { noModels } from '../noModels.js';
import type { WebServer } from '../webServer.js';
import { startWebServer } from '../webServer.js';

const RRUFF = join(FIXTURES, 'rruff');
const HELD_OUT = 'Quartz__R060604__Raman__532__0__unoriented__Raman_Data_RAW__31948.txt';

interface Answer {
  status: number;
  body: string;
}

/** node:http rather than fetch: the tests must send Host and Origin headers a browser would never let a page forge. */
function call(
  server: WebServer,
  path: string,
  opts: { method?: string; headers?: Record<string, string>; body?: string } = {},
): Promise<Answer> {
  return new Promise((resolve, reject) => {
    const req = request(
      {
        host: '127.0.0.1',
        port: server.port,
        path,
        method: opts.method ?? 'GET',
        headers: { host: `127.0.0.1:${server.port}`, ...opts.headers },
      },
      (res) => {
        let body = '';
        res.setEncoding('utf8').on('data', (d: string) => (body += d));
        res.on('end', () => resolve({ status: res.statusCode ?? 0, body }));
      },
    );
    req.on('error', reject);
    if (opts.body !== undefined) req.write(opts.body);
    req.end();
  });
}

async function api<T>(server: WebServer, channel: string, payload: unknown): Promise<ApiResult<T>> {
  const a = await call(server, `/api/call/${channel}`, {
    method: 'POST',
    headers: {
      'content-type': 'application/json',
      'x-specmatch-token': server.token,
      origin: `http://127.0.0.1:${server.port}`,
    },
    body: encodeWire(payload),
  });
  expect(a.status).toBe(200);
  return decodeWire(a.body) as ApiResult<T>;
}

describe('web server over the handler table', () => {
  let dir: string;
  let app: App;
  let server: WebServer;

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'specmatch-web-test-'));
    const libPath = join(dir, 'lib.specmatch');
    const lib = Library.open(libPath, { create: true });
    await lib.importPaths(
      readdirSync(RRUFF)
        .filter((f) => f.endsWith('.txt') && f !== HELD_OUT)
        .map((f) => join(RRUFF, f)),
    );
    lib.close();
    app = createApp({ libraryPath: libPath, shell: 'web', models: noModels('none in tests') });
    const staticDir = join(dir, 'static');
    const { mkdirSync, writeFileSync } = await import('node:fs');
    mkdirSync(staticDir);
    writeFileSync(join(staticDir, 'index.html'), '<!doctype html><title>t</title>');
    writeFileSync(join(dir, 'secret.txt'), 'outside');
    server = await startWebServer({ port: 0, staticDir, table: app.table, token: 'test-token-1234' });
    app.setSink(server.emit);
  });

  afterAll(async () => {
    await server.close();
    await app.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('prints a loopback URL with the token', () => {
    expect(server.url).toBe(`http://127.0.0.1:${server.port}/?token=test-token-1234`);
  });

  it('serves the renderer with a strict CSP, and nothing outside its folder', async () => {
    const page = await call(server, '/');
    expect(page.status).toBe(200);
    expect(page.body).toContain('<title>t</title>');
    expect((await call(server, '/../secret.txt')).status).toBe(404);
    expect((await call(server, '/%2e%2e/secret.txt')).status).toBe(404);
  });

  it('refuses foreign Host (DNS rebinding), foreign Origin, a missing token and non-JSON posts', async () => {
    expect((await call(server, '/', { headers: { host: `evil.example:${server.port}` } })).status).toBe(421);
    const post = (headers: Record<string, string>): Promise<Answer> =>
      call(server, '/api/call/library:info', {
        method: 'POST',
        headers: { 'content-type': 'application/json', ...headers },
        body: '{}',
      });
    expect((await post({ 'x-specmatch-token': server.token, origin: 'http://evil.example' })).status).toBe(403);
    expect((await post({})).status).toBe(401);
    expect((await post({ 'x-specmatch-token': 'wrong-token-0000' })).status).toBe(401);
    expect(
      (
        await call(server, '/api/call/library:info', {
          method: 'POST',
          headers: { 'content-type': 'text/plain', 'x-specmatch-token': server.token },
          body: '{}',
        })
      ).status,
    ).toBe(415);
    expect((await call(server, `/api/events?token=nope`)).status).toBe(401);
  });

  it('answers bad requests as typed errors', async () => {
    const unknown = await api(server, 'library:destroy', {});
    expect(unknown).toEqual({ ok: false, error: { code: 'E_PARAM', message: "unknown channel 'library:destroy'" } });
    const bad = await api(server, 'library:get', { substanceId: 'one' });
    expect(bad.ok).toBe(false);
    const missing = await api(server, 'library:get', { substanceId: 999 });
    expect(missing.ok === false && missing.error.code).toBe('E_NOT_FOUND');
  });

  it('reads a file sent as bytes and matches it: the held-out Quartz ranks Quartz first', async () => {
    const info = await api<LibraryInfo>(server, 'library:info', {});
    expect(info.ok && info.value.spectra).toBe(11);
    const read = await api<ReadSpectraResult>(server, 'spectrum:read', {
      name: HELD_OUT,
      bytes: new Uint8Array(readFileSync(join(RRUFF, HELD_OUT))),
    });
    if (!read.ok) throw new Error(read.error.message);
    expect(read.value.spectra[0]!.x).toBeInstanceOf(Float64Array);
    const match = await api<MatchResult>(server, 'match:run', { spectrum: read.value.spectra[0], topK: 3 });
    if (!match.ok) throw new Error(match.error.message);
    expect(match.value.matches[0]!.substance).toBe('Quartz');
    expect(match.value.matches).toHaveLength(3);
    const corrupt = await api(server, 'spectrum:read', { name: 'broken.spc', bytes: new Uint8Array([1, 2, 3]) });
    expect(corrupt.ok === false && corrupt.error.message).toContain('broken.spc');
  });

  it('imports files sent as bytes as a job, with progress events over SSE and per-file errors', async () => {
    const frames: string[] = [];
    const events = request(
      {
        host: '127.0.0.1',
        port: server.port,
        path: `/api/events?token=${server.token}`,
        headers: { host: `127.0.0.1:${server.port}` },
      },
      (res) => {
        res.setEncoding('utf8').on('data', (d: string) => frames.push(d));
      },
    );
    events.end();
    await new Promise((r) => setTimeout(r, 100));
    const started = await api<JobInfo>(server, 'library:import', {
      files: [
        { name: `folder/${HELD_OUT}`, bytes: new Uint8Array(readFileSync(join(RRUFF, HELD_OUT))) },
        { name: '../../escape/broken.txt', bytes: new TextEncoder().encode('not a spectrum') },
      ],
    });
    if (!started.ok) throw new Error(started.error.message);
    expect(started.value.state).toBe('running');
    let job = started.value;
    for (let i = 0; i < 100 && job.state === 'running'; i++) {
      await new Promise((r) => setTimeout(r, 50));
      const g = await api<JobInfo>(server, 'job:get', { jobId: job.id });
      if (g.ok) job = g.value;
    }
    expect(job.state).toBe('done');
    expect(job.summary).toMatch(/^1 spectra imported from 2 files/);
    expect(job.fileErrors.map((e) => e.file)).toEqual(['escape/broken.txt']);
    await new Promise((r) => setTimeout(r, 100));
    events.destroy();
    const text = frames.join('');
    expect(text).toContain('event: job:progress');
    expect(text).toContain('event: library:changed');
    const last = text
      .split('\n\n')
      .filter((f) => f.startsWith('event: job:progress'))
      .at(-1)!;
    expect((decodeWire(last.split('data: ')[1]!) as JobInfo).state).toBe('done');
  });
});

describe('safeRelative', () => {
  it('keeps names inside the import folder and unique', () => {
    const used = new Set<string>();
    expect(safeRelative('../../etc/passwd', used)).toBe('etc/passwd');
    expect(safeRelative('C:\\data\\a.txt', used)).toBe('C_/data/a.txt');
    expect(safeRelative('/abs/a.txt', used)).toBe('abs/a.txt');
    expect(safeRelative('abs/a.txt', used)).toBe('abs/a (2).txt');
    expect(safeRelative('..', used)).toBe('file');
  });
});
