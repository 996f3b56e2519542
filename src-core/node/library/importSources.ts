import { readdirSync, statSync } from 'node:fs';
import { basename, join } from 'node:path';
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

/** Lists every file to import, in a stable order (folders walked in sorted order). Never throws for one bad path. */
export async function expandImportPaths(paths: readonly string[]): Promise<ExpandResult> {
  const out: ExpandResult = { leaves: [], errors: [] };
  const visit = async (p: string, given: boolean): Promise<void> => {
    let st;
    try {
      st = statSync(p);
    } catch (err) {
      const code = (err as NodeJS.ErrnoException).code;
      out.errors.push({ file: p, code: 'E_READ', message: `${p}: cannot read: ${code === 'ENOENT' ? 'no such file or folder' : (err as Error).message}` });
      return;
    }
    if (st.isDirectory()) {
      let names: string[];
      try {
        names = readdirSync(p).sort();
      } catch (err) {
        out.errors.push({ file: p, code: 'E_READ', message: `${p}: cannot list folder: ${(err as Error).message}` });
        return;
      }
      for (const n of names) if (!skipName(n)) await visit(join(p, n), false);
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
  for (const p of paths) await visit(p, true);
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
    let failure: SpecmatchError | undefined;
    try {
      let bytes = zipCache.get(zipPath);
      if (!bytes) {
        zipCache.clear();
        bytes = await readFileBytes(zipPath, MAX_ZIP_BYTES);
        zipCache.set(zipPath, bytes);
      }
      files = unzipSync(bytes, { filter: (f) => wanted.has(f.name) });
    } catch (err) {
      failure = new SpecmatchError('E_CORRUPT', `${zipPath}: cannot unpack: ${(err as Error).message}`, { file: zipPath, cause: err });
    }
    for (const i of idx) {
      const leaf = leaves[i]!;
      const data = files[leaf.zip!.member];
      if (data) result[i] = data;
      else result[i] = failure ?? new SpecmatchError('E_CORRUPT', `${leaf.label}: member missing or unreadable in the archive`, { file: leaf.label });
    }
  }
  return result;
}
