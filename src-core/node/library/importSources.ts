import { readdir, realpath, stat } from 'node:fs/promises';
import { basename, join } from 'node:path';
import { crc32 } from 'node:zlib';
import { unzipSync } from 'fflate';
import { SpecmatchError, toSpecmatchError } from '../../errors.js';
import { MAX_FILE_BYTES } from '../../formats/readSpectra.js';
import { readFileBytes } from '../io/readSpectrumFile.js';

/**
 * Expands what a user hands to an import (files, folders, .zip archives such as RRUFF's own downloads) into the
 * list of files to read, and reads them in batches. Zip members are decompressed in memory, a batch at a time,
 * with limits that stop zip bombs: a member's declared size, the total, and the compression ratio.
 */
/** Largest zip read into memory. RRUFF's biggest download (excellent_unoriented.zip) is about 100 MB. */
export const MAX_ZIP_BYTES = 1024 * 1024 * 1024;
/** Largest member (declared uncompressed size). */
export const MAX_ZIP_MEMBER_BYTES = MAX_FILE_BYTES;
/** Largest uncompressed total of one archive. */
export const MAX_ZIP_TOTAL_BYTES = 8 * 1024 * 1024 * 1024;
/** Text spectra deflate 3–10×; ratios above this are a decompression bomb, not a spectrum. */
export const MAX_ZIP_RATIO = 200;

/** Folder nesting walked at most (deeper folders are reported, not walked). */
export const MAX_WALK_DEPTH = 32;
/** Folder entries looked at, in all, per import (a whole disk handed to an import stops here, with a message). */
export const MAX_WALK_ENTRIES = 200_000;

export interface WalkOptions {
  /** Checked at every entry: a cancelled import stops listing at once. */
  signal?: AbortSignal;
  maxDepth?: number;
  maxEntries?: number;
}

export interface ImportLeaf {
  /** Path as given, or `archive.zip!/member` for a zip member. */
  label: string;
  /** File name used for format detection and metadata. */
  name: string;
  path?: string;
  zip?: { path: string; member: string };
}

export interface ExpandResult {
  leaves: ImportLeaf[];
  errors: Array<{ file: string; code: string; message: string }>;
}

function skipName(name: string): boolean {
  const base = name.split('/').pop() ?? name;
  return base === '' || base.startsWith('.') || name.startsWith('__MACOSX/') || name.includes('/__MACOSX/');
}

function isZipName(p: string): boolean {
  return p.toLowerCase().endsWith('.zip');
}

async function listZip(path: string, out: ExpandResult): Promise<void> {
  const bytes = await readFileBytes(path, MAX_ZIP_BYTES);
  let total = 0;
  const members: string[] = [];
  try {
    unzipSync(bytes, {
      filter(f) {
        if (f.name.endsWith('/') || skipName(f.name)) return false;
        const label = `${path}!/${f.name}`;
        if (f.originalSize > MAX_ZIP_MEMBER_BYTES) {
          out.errors.push({ file: label, code: 'E_TOO_LARGE', message: `${label}: member is ${f.originalSize} bytes, over the ${MAX_ZIP_MEMBER_BYTES}-byte limit` });
        } else if (f.size > 0 && f.originalSize / f.size > MAX_ZIP_RATIO) {
          out.errors.push({ file: label, code: 'E_CORRUPT', message: `${label}: compression ratio ${Math.round(f.originalSize / f.size)}:1 is not a spectrum (zip bomb?)` });
        } else if (total + f.originalSize > MAX_ZIP_TOTAL_BYTES) {
          out.errors.push({ file: label, code: 'E_TOO_LARGE', message: `${label}: the archive unpacks to more than ${MAX_ZIP_TOTAL_BYTES} bytes; skipped` });
        } else {
          total += f.originalSize;
          members.push(f.name);
        }
        return false;
      },
    });
  } catch (err) {
    throw new SpecmatchError('E_CORRUPT', `${path}: cannot read as zip: ${(err as Error).message}`, { file: path, cause: err });
  }
  for (const m of members) {
    if (isZipName(m)) {
      out.errors.push({ file: `${path}!/${m}`, code: 'E_UNSUPPORTED', message: `${path}!/${m}: zip inside a zip is not imported; unpack it first` });
      continue;
    }
    out.leaves.push({ label: `${path}!/${m}`, name: basename(m), zip: { path, member: m } });
  }
}

/**
 * Lists every file to import, in a stable order (folders walked in sorted order). Never throws for one bad path.
 * The walk is asynchronous (the event loop, signals and a Cancel button stay live), visits each real folder once
 * (symbolic-link loops such as `l1 -> .` end there), and is bounded in depth and in entries looked at.
 */
export async function expandImportPaths(paths: readonly string[], opts: WalkOptions = {}): Promise<ExpandResult> {
  const out: ExpandResult = { leaves: [], errors: [] };
  const maxDepth = opts.maxDepth ?? MAX_WALK_DEPTH;
  const maxEntries = opts.maxEntries ?? MAX_WALK_ENTRIES;
  const visited = new Set<string>();
  let entries = 0;
  let stopped = false;
  const visit = async (p: string, given: boolean, depth: number): Promise<void> => {
    if (stopped || opts.signal?.aborted) return;
    if (++entries > maxEntries) {
      stopped = true;
      out.errors.push({ file: p, code: 'E_TOO_LARGE', message: `${p}: more than ${maxEntries} folder entries to look at; listing stopped here (import smaller folders one at a time)` });
      return;
    }
    let st;
    try {
      st = await stat(p);
    } catch (err) {
      const code = (err as NodeJS.ErrnoException).code;
      const why = code === 'ENOENT' ? 'no such file or folder' : code === 'ELOOP' ? 'symbolic link loop' : (err as Error).message;
      out.errors.push({ file: p, code: 'E_READ', message: `${p}: cannot read: ${why}` });
      return;
    }
    if (st.isDirectory()) {
      let real: string;
      let names: string[];
      try {
        real = await realpath(p);
        if (visited.has(real)) return; // reached again through a link: already walked
        visited.add(real);
        if (depth >= maxDepth) {
          out.errors.push({ file: p, code: 'E_TOO_LARGE', message: `${p}: folders nested deeper than ${maxDepth} levels are not walked` });
          return;
        }
        names = (await readdir(p)).sort();
      } catch (err) {
        out.errors.push({ file: p, code: 'E_READ', message: `${p}: cannot list folder: ${(err as Error).message}` });
        return;
      }
      for (const n of names) if (!skipName(n)) await visit(join(p, n), false, depth + 1);
      return;
    }
    if (!st.isFile()) {
      if (given) out.errors.push({ file: p, code: 'E_READ', message: `${p}: not a regular file` });
      return;
    }
    if (isZipName(p)) {
      try {
        await listZip(p, out);
      } catch (err) {
        const e = toSpecmatchError(err, { file: p });
        out.errors.push({ file: p, code: e.code, message: e.message });
      }
      return;
    }
    out.leaves.push({ label: p, name: basename(p), path: p });
  };
  for (const p of paths) await visit(p, true, 0);
  return out;
}

/**
 * The CRC-32 of each member as the zip's central directory records it (fflate decompresses without checking it).
 * Names are decoded as fflate decodes them (UTF-8 when flag bit 11 is set, else Latin-1). Empty when the
 * directory cannot be found (fflate then refuses the archive itself).
 */
export function zipCrcs(bytes: Uint8Array): Map<string, number> {
  const out = new Map<string, number>();
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  let eocd = -1;
  for (let i = bytes.length - 22; i >= Math.max(0, bytes.length - 22 - 65535); i--) {
    if (view.getUint32(i, true) === 0x06054b50) {
      eocd = i;
      break;
    }
  }
  if (eocd < 0) return out;
  let count = view.getUint16(eocd + 10, true);
  let offset = view.getUint32(eocd + 16, true);
  if ((offset === 0xffffffff || count === 0xffff) && eocd >= 20 && view.getUint32(eocd - 20, true) === 0x07064b50) {
    const z64 = Number(view.getBigUint64(eocd - 12, true));
    if (z64 + 56 <= bytes.length && view.getUint32(z64, true) === 0x06064b50) {
      count = Number(view.getBigUint64(z64 + 32, true));
      offset = Number(view.getBigUint64(z64 + 48, true));
    }
  }
  const utf8 = new TextDecoder('utf-8');
  const latin1 = new TextDecoder('latin1');
  for (let n = 0, p = offset; n < count && p + 46 <= bytes.length; n++) {
    if (view.getUint32(p, true) !== 0x02014b50) break;
    const flags = view.getUint16(p + 8, true);
    const nameLen = view.getUint16(p + 28, true);
    const extraLen = view.getUint16(p + 30, true);
    const commentLen = view.getUint16(p + 32, true);
    const raw = bytes.subarray(p + 46, p + 46 + nameLen);
    out.set((flags & 0x800 ? utf8 : latin1).decode(raw), view.getUint32(p + 16, true));
    p += 46 + nameLen + extraLen + commentLen;
  }
  return out;
}

/**
 * Reads a batch of leaves: files from disk, zip members by decompressing only that batch's members. Returns bytes
 * or the error per leaf, in order. `zipCache` keeps the archive being imported in memory between batches (only
 * the latest one, so importing several archives holds one at a time).
 */
export async function readLeaves(leaves: readonly ImportLeaf[], zipCache: Map<string, Uint8Array> = new Map()): Promise<Array<Uint8Array | SpecmatchError>> {
  const result: Array<Uint8Array | SpecmatchError> = new Array<Uint8Array | SpecmatchError>(leaves.length);
  const byZip = new Map<string, number[]>();
  for (let i = 0; i < leaves.length; i++) {
    const leaf = leaves[i]!;
    if (leaf.zip) {
      const list = byZip.get(leaf.zip.path) ?? [];
      list.push(i);
      byZip.set(leaf.zip.path, list);
    } else {
      try {
        result[i] = await readFileBytes(leaf.path!);
      } catch (err) {
        result[i] = toSpecmatchError(err, { code: 'E_READ', file: leaf.label });
      }
    }
  }
  for (const [zipPath, idx] of byZip) {
    const wanted = new Set(idx.map((i) => leaves[i]!.zip!.member));
    let files: Record<string, Uint8Array> = {};
    const damaged = new Set<string>();
    let failure: SpecmatchError | undefined;
    try {
      let bytes = zipCache.get(zipPath);
      if (!bytes) {
        zipCache.clear();
        bytes = await readFileBytes(zipPath, MAX_ZIP_BYTES);
        zipCache.set(zipPath, bytes);
      }
      files = unzipSync(bytes, { filter: (f) => wanted.has(f.name) });
      // A damaged member inflates without error into wrong bytes: its checksum is what tells.
      const crcs = zipCrcs(bytes);
      for (const [name, data] of Object.entries(files)) {
        const expected = crcs.get(name);
        if (expected !== undefined && crc32(data) >>> 0 !== expected) {
          delete files[name];
          damaged.add(name);
        }
      }
    } catch (err) {
      failure = new SpecmatchError('E_CORRUPT', `${zipPath}: cannot unpack: ${(err as Error).message}`, { file: zipPath, cause: err });
    }
    for (const i of idx) {
      const leaf = leaves[i]!;
      const data = files[leaf.zip!.member];
      if (data) result[i] = data;
      else if (damaged.has(leaf.zip!.member)) result[i] = new SpecmatchError('E_CORRUPT', `${leaf.label}: checksum mismatch: the archive is damaged (download or copy it again)`, { file: leaf.label });
      else result[i] = failure ?? new SpecmatchError('E_CORRUPT', `${leaf.label}: member missing or unreadable in the archive`, { file: leaf.label });
    }
  }
  return result;
}
