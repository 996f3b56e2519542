import { randomBytes, timingSafeEqual } from 'node:crypto';
import { readFile, stat } from 'node:fs/promises';
import type { IncomingMessage, Server, ServerResponse } from 'node:http';
import { createServer } from 'node:http';
import { extname, join, resolve, sep } from 'node:path';
import { SpecmatchError, toSpecmatchError } from '../../errors.js';
import type { ApiEvents, EventName } from '../../ipc/contract.js';
import { decodeWire, encodeWire } from '../../ipc/wire.js';
import type { EventSink } from './AppBackend.js';
import type { HandlerTable } from './handlers.js';
import { dispatch } from './handlers.js';

export interface WebServerOptions {
  /** TCP port on 127.0.0.1; 0 picks a free one. */
  port: number;
  /** Folder of the built renderer (index.html and assets). */
  staticDir: string;
  table: HandlerTable;
  /** Per-launch secret; a random 32-byte one by default. */
  token?: string;
  /** Largest request body accepted (files travel inside it as base64). @default DEFAULT_MAX_BODY_BYTES */
  maxBodyBytes?: number;
  /** Event bytes a page may leave unread before it is dropped (it reconnects and reloads). @default 4 MiB */
  maxEventBacklogBytes?: number;
  log?: (line: string) => void;
}

export interface WebServer {
  /** The address to open, token included. */
  url: string;
  port: number;
  token: string;
  /** Push an event to every connected page (SSE). */
  emit: EventSink;
  close(): Promise<void>;
}

const HOST = '127.0.0.1';
/**
 * Largest request body: 256 MiB, well under V8's longest string (about 512 MiB), so no accepted body can fail to
 * decode; larger imports go as a zip or through the CLI.
 */
export const DEFAULT_MAX_BODY_BYTES = 256 * 1024 * 1024;
/** Header the renderer's HTTP client sends the token in (SSE, which cannot set headers, uses ?token=). */
export const TOKEN_HEADER = 'x-specmatch-token';

const MIME: Record<string, string> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
  '.ico': 'image/x-icon',
  '.woff2': 'font/woff2',
  '.json': 'application/json',
  '.wasm': 'application/wasm',
};

/**
 * The same CSP as the Electron window (electron/security.ts uses it): own scripts only, no eval, no remote
 * anything, not framable; the only frame allowed is the report preview's blob: PDF.
 */
export const WEB_CSP =
  "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data: blob:; font-src 'self'; connect-src 'self'; frame-src blob:; object-src 'none'; base-uri 'none'; form-action 'none'; frame-ancestors 'none'";

function sameSecret(a: string, b: string): boolean {
  const ab = Buffer.from(a);
  const bb = Buffer.from(b);
  return ab.length === bb.length && timingSafeEqual(ab, bb);
}

/**
 * Serves the prebuilt renderer and the handler table over HTTP on 127.0.0.1 only. Three checks keep other pages
 * and other users of the machine out:
 * - Host must be 127.0.0.1:PORT or localhost:PORT (a DNS-rebinding page arrives under its own host name);
 * - Origin, when the browser sends one, must be this server's own (a cross-site page's fetch carries its origin);
 * - every API call carries the per-launch token (another local user cannot read it from our stdout).
 */
export async function startWebServer(opts: WebServerOptions): Promise<WebServer> {
  const token = opts.token ?? randomBytes(32).toString('base64url');
  const maxBody = opts.maxBodyBytes ?? DEFAULT_MAX_BODY_BYTES;
  const maxBacklog = opts.maxEventBacklogBytes ?? 4 * 1024 * 1024;
  const staticRoot = resolve(opts.staticDir);
  const log = opts.log ?? (() => undefined);
  const clients = new Set<ServerResponse>();
  let port = opts.port;

  const allowedHosts = (): string[] => [`${HOST}:${port}`, `localhost:${port}`];
  const allowedOrigins = (): string[] => allowedHosts().map((h) => `http://${h}`);

  const send = (res: ServerResponse, status: number, body: string, type = 'text/plain; charset=utf-8'): void => {
    res.writeHead(status, {
      'content-type': type,
      'cache-control': 'no-store',
      'x-content-type-options': 'nosniff',
      'referrer-policy': 'no-referrer',
    });
    res.end(body);
  };

  const tooLarge = (): SpecmatchError =>
    new SpecmatchError(
      'E_TOO_LARGE',
      `the request is over ${Math.round(maxBody / (1024 * 1024))} MiB: import large sets as a zip, or with the CLI (specmatch library import)`,
    );

  /**
   * A refusal the page can read: the answer is sent while the rest of the body is read and dropped (closing the
   * connection mid-upload makes the browser report "cannot reach the server" instead).
   */
  const refuse = (req: IncomingMessage, res: ServerResponse, status: number, e: SpecmatchError): void => {
    res.writeHead(status, { 'content-type': 'application/json', 'cache-control': 'no-store', connection: 'close' });
    res.end(encodeWire({ ok: false, error: e.toInfo() }));
    req.resume();
  };

  /** The body as text, or null when it is over the limit (the caller refuses it). Never throws for its size. */
  const readBody = (req: IncomingMessage): Promise<string | null> =>
    new Promise((resolveBody, reject) => {
      const chunks: Buffer[] = [];
      let size = 0;
      let over = false;
      req.on('data', (c: Buffer) => {
        if (over) return; // drained, not kept
        size += c.length;
        if (size > maxBody) {
          over = true;
          chunks.length = 0;
          resolveBody(null);
          return;
        }
        chunks.push(c);
      });
      req.on('end', () => {
        if (over) return;
        try {
          resolveBody(Buffer.concat(chunks).toString('utf8'));
        } catch (err) {
          reject(toSpecmatchError(err, { code: 'E_TOO_LARGE' }));
        }
      });
      req.on('error', reject);
    });

  const serveStatic = async (pathname: string, res: ServerResponse): Promise<void> => {
    let rel: string;
    try {
      rel = decodeURIComponent(pathname);
    } catch {
      send(res, 400, 'bad path');
      return;
    }
    if (rel === '/' || rel === '') rel = '/index.html';
    const file = resolve(join(staticRoot, rel));
    if (file !== staticRoot && !file.startsWith(staticRoot + sep)) {
      send(res, 404, 'not found');
      return;
    }
    try {
      const st = await stat(file);
      if (!st.isFile()) throw new Error('not a file');
      const body = await readFile(file);
      const type = MIME[extname(file).toLowerCase()] ?? 'application/octet-stream';
      const headers: Record<string, string> = {
        'content-type': type,
        'x-content-type-options': 'nosniff',
        'referrer-policy': 'no-referrer',
        'cache-control': rel.startsWith('/assets/') ? 'public, max-age=31536000, immutable' : 'no-store',
      };
      if (type.startsWith('text/html')) {
        headers['content-security-policy'] = WEB_CSP;
        headers['x-frame-options'] = 'DENY';
      }
      res.writeHead(200, headers);
      res.end(body);
    } catch {
      send(res, 404, 'not found');
    }
  };

  const server: Server = createServer((req, res) => {
    void (async () => {
      const host = req.headers.host ?? '';
      if (!allowedHosts().includes(host)) {
        send(res, 421, 'wrong host: open the address Specmatch printed');
        return;
      }
      const origin = req.headers.origin;
      if (origin !== undefined && !allowedOrigins().includes(origin)) {
        send(res, 403, 'cross-origin requests are refused');
        return;
      }
      const url = new URL(req.url ?? '/', `http://${host}`);
      if (!url.pathname.startsWith('/api/')) {
        if (req.method !== 'GET' && req.method !== 'HEAD') {
          send(res, 405, 'method not allowed');
          return;
        }
        await serveStatic(url.pathname, res);
        return;
      }
      // API: token required.
      const given =
        url.pathname === '/api/events'
          ? (url.searchParams.get('token') ?? '')
          : String(req.headers[TOKEN_HEADER] ?? '');
      if (!sameSecret(given, token)) {
        send(res, 401, 'missing or wrong token: open the address Specmatch printed');
        return;
      }
      if (url.pathname === '/api/events' && req.method === 'GET') {
        res.writeHead(200, {
          'content-type': 'text/event-stream',
          'cache-control': 'no-store',
          connection: 'keep-alive',
          'x-content-type-options': 'nosniff',
        });
        res.write(': connected\n\n');
        clients.add(res);
        req.on('close', () => clients.delete(res));
        return;
      }
      const m = /^\/api\/call\/([a-zA-Z]+:[a-zA-Z]+)$/.exec(url.pathname);
      if (!m || req.method !== 'POST') {
        send(res, 404, 'no such API route');
        return;
      }
      // A simple (form-encodable) POST could come from any page without preflight: demand JSON.
      if (!(req.headers['content-type'] ?? '').startsWith('application/json')) {
        send(res, 415, 'content-type must be application/json');
        return;
      }
      // Refused before a byte is read when the declared length is over the limit.
      const declared = Number(req.headers['content-length'] ?? NaN);
      if (Number.isFinite(declared) && declared > maxBody) {
        refuse(req, res, 413, tooLarge());
        return;
      }
      let payload: unknown;
      try {
        const body = await readBody(req);
        if (body === null) {
          refuse(req, res, 413, tooLarge());
          return;
        }
        payload = decodeWire(body);
      } catch (err) {
        const e =
          err instanceof SpecmatchError
            ? err
            : new SpecmatchError('E_PARAM', `invalid request body: ${(err as Error).message}`);
        send(res, 200, encodeWire({ ok: false, error: e.toInfo() }), 'application/json');
        return;
      }
      const result = await dispatch(opts.table, m[1]!, payload, log);
      send(res, 200, encodeWire(result), 'application/json');
    })().catch((err: unknown) => {
      log(`web: ${(err as Error).stack ?? String(err)}`);
      if (!res.headersSent) send(res, 500, 'internal error');
      else res.end();
    });
  });

  await new Promise<void>((resolveListen, reject) => {
    server.once('error', (err: NodeJS.ErrnoException) =>
      reject(
        new SpecmatchError(
          'E_PARAM',
          err.code === 'EADDRINUSE'
            ? `port ${opts.port} on ${HOST} is already in use: pick another with --port`
            : `cannot listen on ${HOST}:${opts.port}: ${err.message}`,
          { cause: err },
        ),
      ),
    );
    server.listen(opts.port, HOST, () => resolveListen());
  });
  const addr = server.address();
  if (addr && typeof addr === 'object') port = addr.port;

  const heartbeat = setInterval(() => {
    for (const c of clients) c.write(': keep-alive\n\n');
  }, 15_000);
  heartbeat.unref();

  // A page that does not read its events (a stalled tab, a slow link) would make the server buffer every frame:
  // past the backlog limit it is dropped; its EventSource reconnects and the page asks for the current state.
  const emit: EventSink = <E extends EventName>(event: E, payload: ApiEvents[E]) => {
    const frame = `event: ${event}\ndata: ${encodeWire(payload)}\n\n`;
    for (const c of clients) {
      const behind = c.writableLength;
      if (behind > maxBacklog) {
        clients.delete(c);
        c.destroy();
        log(`web: an event client fell ${behind} bytes behind and was dropped`);
        continue;
      }
      c.write(frame);
    }
  };

  return {
    url: `http://${HOST}:${port}/?token=${token}`,
    port,
    token,
    emit,
    close: async () => {
      clearInterval(heartbeat);
      for (const c of clients) c.end();
      clients.clear();
      const closed = new Promise<void>((r) => server.close(() => r()));
      server.closeAllConnections();
      await closed;
    },
  };
}
