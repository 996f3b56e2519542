/**
 * Fuzz test of every registered reader, through the real registry (`readSpectra`), on every fixture file: truncated,
 * mutated (byte flips, insertions, deletions), emptied, cut after the header, with huge declared counts, and random
 * bytes behind a real magic header. Each case must either return spectra (x finite and ascending, y finite, equal
 * lengths, at least one point) or throw a SpecmatchError whose message names the file; never another exception, never a hang.
 *
 * Deterministic: every random choice comes from a PRNG seeded by the file's relative path, so a failure names a
 * case that reproduces. Sources: ../shared/data/vendor (all formats), a few rruff/sample files, and the in-repo
 * fixtures (test/fixtures/**), which keep the test meaningful where ../shared/data is absent.
 */
import { closeSync, ftruncateSync, mkdtempSync, openSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, relative } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { makeRng } from '../../engine/random.js';
import { SpecmatchError } from '../../errors.js';
import { readSpectrumFile } from '../../node/io/readSpectrumFile.js';
import { MAX_FILE_BYTES, formatReaders, readSpectra } from '../readSpectra.js';
import { FIXTURES, HAS_SHARED_DATA, SHARED_DATA, sharedPath, walkFiles } from '../../../test/support.js';

/** A case slower than this is reported as a failure (a hang or super-linear parse), generous for a loaded machine. */
const CASE_LIMIT_MS = 5_000;
/** Files above this size get only truncations and the header cases (a full mutated parse of a big file is slow). */
const FULL_MUTATION_MAX_BYTES = 600_000;
/** Fixture files larger than this are skipped (none of the format fixtures is; guards against future bulk data). */
const MAX_SOURCE_BYTES = 4_000_000;
/** Readers owned by the text-format area: for these even the wrapped non-typed exception is a failure. */
const STRICT_FORMATS = new Set(['rruff-txt', 'delimited-text', 'text-map', 'openspecy', 'agilent-asp', 'rod']);

/** FNV-1a hash of a string (seed per file, independent of the order files are listed in). */
function hash(s: string): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < s.length; i++) h = Math.imul(h ^ s.charCodeAt(i), 0x01000193);
  return h >>> 0;
}

interface Source {
  /** Path relative to its root, used in case names and as the seed. */
  rel: string;
  bytes: Uint8Array;
}

function isFixture(path: string): boolean {
  const base = path.split(/[\\/]/).pop() ?? '';
  return !/^(LICENSE|CREDITS|README|EXPECTED)/i.test(base) && !base.endsWith('.md') && statSync(path).size <= MAX_SOURCE_BYTES;
}

function loadSources(): { group: string; sources: Source[] }[] {
  const groups = new Map<string, Source[]>();
  const add = (group: string, root: string, path: string): void => {
    const list = groups.get(group) ?? [];
    list.push({ rel: relative(root, path).split('\\').join('/'), bytes: new Uint8Array(readFileSync(path)) });
    groups.set(group, list);
  };
  if (HAS_SHARED_DATA) {
    const vendor = sharedPath('vendor');
    for (const p of walkFiles(vendor).filter(isFixture)) add(`vendor/${relative(vendor, p).split(/[\\/]/)[0]}`, SHARED_DATA, p);
    const sample = walkFiles(sharedPath('rruff/sample')).filter((p) => p.endsWith('.txt'));
    // A handful of RRUFF files: the broken-line edge case plus an evenly spread pick.
    const picks = [sample.find((p) => p.includes('Hydromagnesite__R220007') && p.includes('RAW')), ...sample.filter((_, i) => i % 60 === 0)];
    for (const p of picks) if (p) add('rruff/sample', SHARED_DATA, p);
  }
  for (const p of walkFiles(FIXTURES).filter(isFixture)) add(`fixtures/${relative(FIXTURES, p).split(/[\\/]/)[0]}`, FIXTURES, p);
  return [...groups.entries()].sort(([a], [b]) => a.localeCompare(b)).map(([group, sources]) => ({ group, sources }));
}

interface Case {
  name: string;
  bytes: Uint8Array;
}

function looksText(b: Uint8Array): boolean {
  const n = Math.min(b.length, 2048);
  for (let i = 0; i < n; i++) if (b[i] === 0) return false;
  return true;
}

/** Every mutation of one source file. */
function casesFor(src: Source): Case[] {
  const rnd = makeRng(hash(src.rel));
  const int = (n: number): number => Math.floor(rnd() * n);
  const b = src.bytes;
  const n = b.length;
  const out: Case[] = [];
  const push = (kind: string, bytes: Uint8Array): void => {
    out.push({ name: `fuzz/${kind}/${src.rel}`, bytes });
  };

  // Truncations at fixed and random lengths.
  const lengths = new Set<number>([1, 2, 3, 4, 7, 8, 16, 31, 64, 128, 255, 512, 1024, 4096, n >> 1, n - 1]);
  // Without ../shared/data only the in-repo fixtures are left: mutate each of them more so the run stays in the
  // thousands of cases.
  const extra = HAS_SHARED_DATA ? 0 : 16;
  for (let k = 0; k < 4 + extra; k++) lengths.add(1 + int(Math.max(1, n - 1)));
  for (const len of [...lengths].filter((l) => l > 0 && l < n).sort((a, c) => a - c)) push(`trunc${len}`, b.subarray(0, len));

  const text = looksText(b);
  // Header only: cut where the data start (text: first line starting with a number after line 1; binary: 512 B).
  if (text) {
    const s = new TextDecoder('latin1').decode(b);
    const m = /\r?\n\s*[-+.\d]/.exec(s);
    if (m && m.index > 0) push('header-only', b.subarray(0, m.index + 1));
  }
  // Random bytes behind the file's real first 16 bytes (its magic).
  const magic = new Uint8Array(16 + 2048);
  magic.set(b.subarray(0, Math.min(16, n)));
  for (let i = Math.min(16, n); i < magic.length; i++) magic[i] = int(256);
  push('magic-random', magic);

  // Huge declared counts: binary: 32-bit fields in the header set to huge values; text: the first integer inflated.
  if (!text) {
    for (let k = 0; k < 4 + extra; k++) {
      const c = b.slice();
      const off = 4 * int(Math.max(1, Math.min(n, 1024) / 4 - 1));
      if (off + 4 <= n) {
        new DataView(c.buffer).setUint32(off, k % 2 === 0 ? 0x7fffffff : 0xffffffff, true);
        push(`huge-u32@${off}`, c);
      }
    }
  } else {
    const s = new TextDecoder('latin1').decode(b);
    const m = /\d+/.exec(s);
    if (m) {
      const inflated = s.slice(0, m.index) + '999999999999' + s.slice(m.index + m[0].length);
      push('huge-count', Uint8Array.from(inflated, (ch) => ch.charCodeAt(0) & 0xff));
    }
  }

  if (n <= FULL_MUTATION_MAX_BYTES) {
    // Random byte changes (1 to 16 bytes), an insertion and a deletion.
    for (let k = 0; k < 4 + extra; k++) {
      const c = b.slice();
      const flips = 1 + int(16);
      for (let f = 0; f < flips; f++) c[int(n)] = int(256);
      push(`flip${k}`, c);
    }
    const at = int(n);
    const ins = Uint8Array.from({ length: 1 + int(32) }, () => int(256));
    const inserted = new Uint8Array(n + ins.length);
    inserted.set(b.subarray(0, at));
    inserted.set(ins, at);
    inserted.set(b.subarray(at), at + ins.length);
    push(`insert@${at}`, inserted);
    const from = int(n);
    const del = Math.min(1 + int(64), n - from);
    const deleted = new Uint8Array(n - del);
    deleted.set(b.subarray(0, from));
    deleted.set(b.subarray(from + del), from);
    push(`delete@${from}`, deleted);
  }
  return out;
}

/** Cases not tied to one fixture: empty files under every extension, pure noise, long runs of one byte. */
function globalCases(): Case[] {
  const rnd = makeRng(12345);
  const exts = [...new Set(formatReaders.flatMap((r) => r.extensions))].sort();
  const out: Case[] = exts.map((e) => ({ name: `fuzz/empty/file.${e}`, bytes: new Uint8Array(0) }));
  for (let k = 0; k < 8; k++) {
    const bytes = Uint8Array.from({ length: 1 + Math.floor(rnd() * 8192) }, () => Math.floor(rnd() * 256));
    out.push({ name: `fuzz/noise${k}/file.${exts[k % exts.length]}`, bytes });
  }
  out.push({ name: 'fuzz/zeros/file.spc', bytes: new Uint8Array(65536) });
  out.push({ name: 'fuzz/spaces/file.txt', bytes: new Uint8Array(65536).fill(0x20) });
  out.push({ name: 'fuzz/newlines/file.csv', bytes: new Uint8Array(65536).fill(0x0a) });
  out.push({ name: 'fuzz/digits/file.csv', bytes: new Uint8Array(65536).fill(0x31) });
  out.push({ name: 'fuzz/one-huge-line/file.txt', bytes: new TextEncoder().encode(Array.from({ length: 20000 }, (_, i) => String(i)).join(',')) });
  return out;
}

const labelToId = new Map(formatReaders.map((r) => [r.label, r.id]));

interface Stats {
  cases: number;
  parsed: number;
  errors: Map<string, number>;
  wrapped: Map<string, number>;
  /** Spectra returned with zero points, by reader, and one case that does it. */
  empty: Map<string, number>;
  emptyExample?: string;
  slowest: { name: string; ms: number }[];
  totalMs: number;
}
const stats: Stats = { cases: 0, parsed: 0, errors: new Map(), wrapped: new Map(), empty: new Map(), slowest: [], totalMs: 0 };

/** Run one case; returns a failure description or undefined. */
function runCase(c: Case): string | undefined {
  const t0 = performance.now();
  let failure: string | undefined;
  try {
    const r = readSpectra(c.bytes, c.name);
    stats.parsed++;
    if (r.spectra.length === 0) failure = 'returned no spectrum without an error';
    for (const s of r.spectra) {
      if (failure) break;
      if (s.x.length !== s.y.length) failure = `x has ${s.x.length} values, y ${s.y.length}`;
      else if (s.x.length === 0) {
        // Reported for every reader; a failure for the text readers (readSpectra does not yet turn it into E_EMPTY).
        stats.empty.set(r.format, (stats.empty.get(r.format) ?? 0) + 1);
        stats.emptyExample ??= c.name;
        if (STRICT_FORMATS.has(r.format)) failure = 'returned a spectrum with no points (should be E_EMPTY)';
      }
      for (let i = 0; i < s.x.length && !failure; i++) {
        if (!Number.isFinite(s.x[i]!) || !Number.isFinite(s.y[i]!)) failure = `non-finite point ${i}`;
        else if (i > 0 && s.x[i]! < s.x[i - 1]!) failure = `x descends at ${i}`;
      }
    }
  } catch (err) {
    if (!(err instanceof SpecmatchError)) failure = `threw ${err instanceof Error ? `${err.name}: ${err.message}` : String(err)}`;
    else {
      stats.errors.set(err.code, (stats.errors.get(err.code) ?? 0) + 1);
      if (!err.message.includes(c.name)) failure = `error message does not name the file: ${err.message}`;
      const cause: unknown = err.cause;
      if (cause !== undefined && !(cause instanceof SpecmatchError)) {
        const id = (err.format && labelToId.get(err.format)) ?? err.format ?? '?';
        stats.wrapped.set(id, (stats.wrapped.get(id) ?? 0) + 1);
        if (STRICT_FORMATS.has(id)) failure = `untyped exception inside ${id}: ${cause instanceof Error ? cause.message : typeof cause}`;
      }
    }
  }
  const ms = performance.now() - t0;
  stats.cases++;
  stats.totalMs += ms;
  stats.slowest.push({ name: c.name, ms });
  stats.slowest.sort((a, b) => b.ms - a.ms);
  stats.slowest.length = Math.min(stats.slowest.length, 5);
  if (!failure && ms > CASE_LIMIT_MS) failure = `took ${ms.toFixed(0)} ms (limit ${CASE_LIMIT_MS})`;
  return failure;
}

const groups = loadSources();

describe('fuzz: every reader through readSpectra answers spectra or a typed error', () => {
  for (const { group, sources } of groups) {
    it(`${group}: ${sources.length} file${sources.length === 1 ? '' : 's'}`, () => {
      const failures: string[] = [];
      let n = 0;
      for (const src of sources) {
        for (const c of casesFor(src)) {
          n++;
          const f = runCase(c);
          if (f) failures.push(`${c.name}: ${f}`);
        }
      }
      expect(n).toBeGreaterThan(0);
      expect(failures.slice(0, 20)).toEqual([]);
    }, 300_000);
  }

  it('empty files, noise and degenerate inputs', () => {
    const failures = globalCases()
      .map((c) => [c.name, runCase(c)] as const)
      .filter(([, f]) => f !== undefined)
      .map(([name, f]) => `${name}: ${f}`);
    expect(failures).toEqual([]);
    // An empty file is E_EMPTY whatever its extension.
    expect(() => readSpectra(new Uint8Array(0), 'x.spc')).toThrow(expect.objectContaining({ code: 'E_EMPTY' }) as Error);
  });

  it('ran thousands of cases', () => {
    // About 9,900 cases with ../shared/data, about 2,000 from the in-repo fixtures alone.
    expect(stats.cases).toBeGreaterThan(HAS_SHARED_DATA ? 5000 : 1000);
  });

  afterAll(() => {
    const fmt = (m: Map<string, number>): string => [...m.entries()].map(([k, v]) => `${k} ${v}`).join(', ') || 'none';
    process.stderr.write(
      `[fuzz] ${stats.cases} cases in ${(stats.totalMs / 1000).toFixed(1)} s: ${stats.parsed} parsed, errors by code: ${fmt(stats.errors)}\n` +
        `[fuzz] untyped exceptions wrapped by readSpectra, by reader: ${fmt(stats.wrapped)}\n` +
        `[fuzz] spectra returned with no points, by reader: ${fmt(stats.empty)}${stats.emptyExample ? ` (e.g. ${stats.emptyExample})` : ''}\n` +
        `[fuzz] slowest: ${stats.slowest.map((s) => `${s.name} ${s.ms.toFixed(0)} ms`).join('; ')}\n`,
    );
  });
});

describe('size limit', () => {
  it('refuses a file over MAX_FILE_BYTES before reading it (sparse file)', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'specmatch-fuzz-'));
    try {
      const path = join(dir, 'huge.wdf');
      const fd = openSync(path, 'w');
      ftruncateSync(fd, MAX_FILE_BYTES + 1); // sparse: no data blocks are written
      closeSync(fd);
      const before = process.memoryUsage().arrayBuffers;
      await expect(readSpectrumFile(path)).rejects.toMatchObject({ code: 'E_TOO_LARGE', file: path });
      await expect(readSpectrumFile(path)).rejects.toThrow(`over the ${MAX_FILE_BYTES}-byte limit`);
      // Nothing near the file's size was allocated.
      expect(process.memoryUsage().arrayBuffers - before).toBeLessThan(32 * 1024 * 1024);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
