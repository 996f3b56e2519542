/**
 * The app's own overhead: what the web transport and the handler table add around matching. Prints the time of
 * `spectrum:read` + `match:run` over HTTP (the web mode's path; Electron's IPC skips only the JSON coding) against
 * a library of the RRUFF fixtures and against one built from the bundled pack, and the wire codec on a 5 MB file.
 * Run: npm run bench -- app
 */
import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { ApiResult, ReadSpectraResult } from '../src-core/ipc/contract.js';
import { decodeWire, encodeWire } from '../src-core/ipc/wire.js';
import type { MatchResult } from '../src-core/matching/types.js';
import { createApp } from '../src-core/node/api/createApp.js';
import { noModels } from '../src-core/node/api/noModels.js';
import { startWebServer } from '../src-core/node/api/webServer.js';
import { createLibraryFromPack, defaultPackPath } from '../src-core/node/library/defaultLibrary.js';
import { Library } from '../src-core/node/library/Library.js';

const FIX = join(import.meta.dirname, '../test/fixtures/rruff');
const QUERY = 'Quartz__R060604__Raman__532__0__unoriented__Raman_Data_RAW__31948.txt';

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.floor(s.length / 2)]!;
}

async function timeLibrary(label: string, libPath: string): Promise<void> {
  const app = createApp({ libraryPath: libPath, shell: 'web', models: noModels('bench: classic methods') });
  const server = await startWebServer({ port: 0, staticDir: tmpdir(), table: app.table });
  const call = async <T>(channel: string, payload: unknown): Promise<T> => {
    const res = await fetch(`http://127.0.0.1:${server.port}/api/call/${channel}`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'x-specmatch-token': server.token },
      body: encodeWire(payload),
    });
    const r = decodeWire(await res.text()) as ApiResult<T>;
    if (!r.ok) throw new Error(r.error.message);
    return r.value;
  };
  const bytes = new Uint8Array(readFileSync(join(FIX, QUERY)));
  const times: number[] = [];
  let top = '';
  for (let i = 0; i < 30; i++) {
    const t0 = performance.now();
    const read = await call<ReadSpectraResult>('spectrum:read', { name: QUERY, bytes });
    const m = await call<MatchResult>('match:run', { spectrum: read.spectra[0] });
    times.push(performance.now() - t0);
    top = m.matches[0]?.substance ?? '';
  }
  const listTimes: number[] = [];
  let listed = 0;
  for (let i = 0; i < 3; i++) {
    const t0 = performance.now();
    listed = (await call<{ items: unknown[] }>('library:list', {})).items.length;
    listTimes.push(performance.now() - t0);
  }
  const info = app.backend.libraryInfo();
  console.log(`${label}: library list of ${listed} of ${info.substances} substances with thumbnails over HTTP: cold ${listTimes[0]!.toFixed(0)} ms, warm ${listTimes[2]!.toFixed(0)} ms`);
  console.log(
    `${label}: ${info.spectra} reference spectra, open file + match over HTTP: median ${median(times.slice(5)).toFixed(1)} ms (first ${times[0]!.toFixed(1)} ms), top match ${top}`,
  );
  await server.close();
  await app.close();
}

export async function run(): Promise<void> {
  const dir = mkdtempSync(join(tmpdir(), 'specmatch-bench-app-'));
  try {
    const small = join(dir, 'fixtures.specmatch');
    const lib = Library.open(small, { create: true });
    await lib.importPaths(
      readdirSync(FIX)
        .filter((f) => f.endsWith('.txt') && f !== QUERY)
        .map((f) => join(FIX, f)),
    );
    lib.close();
    await timeLibrary('fixture library', small);
    const big = join(dir, 'pack.specmatch');
    const t0 = performance.now();
    createLibraryFromPack(defaultPackPath(), big);
    console.log(`default library created from the pack in ${((performance.now() - t0) / 1000).toFixed(1)} s`);
    await timeLibrary('bundled RRUFF pack', big);

    const file = new Uint8Array(5 * 1024 * 1024).map((_, i) => (i * 2654435761) >>> 24);
    const t1 = performance.now();
    const text = encodeWire({ name: 'big.wdf', bytes: file });
    const t2 = performance.now();
    decodeWire(text);
    const t3 = performance.now();
    console.log(`wire codec, 5 MiB file: encode ${(t2 - t1).toFixed(0)} ms, decode ${(t3 - t2).toFixed(0)} ms`);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
