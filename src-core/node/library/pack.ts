import { gunzipSync, gzipSync } from 'node:zlib';
import { SpecmatchError } from '../../errors.js';
import type { SpectrumMeta } from '../../spectrum/Spectrum.js';

/**
 * The bundled reference pack (resources/library/rruff-default-v1.pack.gz): a compact, versioned container from
 * which a user's default library is created. Layout, gzip-compressed:
 *
 *   "SMPK" | u32 LE version | u32 LE header length | header JSON (UTF-8) | payload
 *
 * The header lists substances and spectra (identity, metadata, point count, y range). The payload holds, per
 * spectrum in header order, x then y as zigzag LEB128 varints:
 *   x: rounded to 0.001 cm⁻¹, second differences (RRUFF axes are nearly regular, so these are tiny)
 *   y: quantised to 16 bits of [yMin, yMax], first differences
 * x keeps 0.001 cm⁻¹ (RRUFF text has 3–4 decimals); y keeps 1/65535 of its range, far below RRUFF's noise.
 * Optionally, after the varints: the spectra's embeddings under one model key (`header.embeddings`), float32 LE,
 * spectrum after spectrum, so a default library created from the pack is matchable with that model at once.
 */
export const PACK_MAGIC = 'SMPK';
export const PACK_VERSION = 1;

export interface PackSubstance {
  name: string;
  formula: string | null;
}

export interface PackSpectrum {
  /** Index into `substances`. */
  s: number;
  /** SHA-256 of the original file's bytes and the spectrum's index in it (the library identity). */
  sha: string;
  index: number;
  points: number;
  yMin: number;
  yMax: number;
  meta: SpectrumMeta;
}

export interface PackEmbeddings {
  modelId: string;
  pipelineHash: string;
  dim: number;
}

export interface PackHeader {
  format: 'specmatch-pack';
  version: number;
  name: string;
  created: string;
  /** Where the spectra come from and how to cite them. */
  source: string;
  substances: PackSubstance[];
  spectra: PackSpectrum[];
  embeddings?: PackEmbeddings;
}

export interface PackEntry {
  substance: PackSubstance;
  sha: string;
  index: number;
  x: ArrayLike<number>;
  y: ArrayLike<number>;
  meta: SpectrumMeta;
  /** Embedding under `embeddings` of encodePack's options (all entries or none). */
  embedding?: Float32Array;
}

class VarintWriter {
  private buf = new Uint8Array(1 << 20);
  length = 0;
  write(v: number): void {
    // zigzag: small magnitudes of either sign become small unsigned numbers
    let u = v >= 0 ? v * 2 : -v * 2 - 1;
    if (this.length + 10 > this.buf.length) {
      const g = new Uint8Array(this.buf.length * 2);
      g.set(this.buf);
      this.buf = g;
    }
    while (u >= 0x80) {
      this.buf[this.length++] = (u % 0x80) | 0x80;
      u = Math.floor(u / 0x80);
    }
    this.buf[this.length++] = u;
  }
  bytes(): Uint8Array {
    return this.buf.subarray(0, this.length);
  }
}

export function encodePack(meta: { name: string; source: string; created?: string; embeddings?: PackEmbeddings }, entries: readonly PackEntry[]): Uint8Array {
  const substances: PackSubstance[] = [];
  const subIndex = new Map<string, number>();
  const spectra: PackSpectrum[] = [];
  const w = new VarintWriter();
  for (const e of entries) {
    let s = subIndex.get(e.substance.name);
    if (s === undefined) {
      s = substances.length;
      subIndex.set(e.substance.name, s);
      substances.push(e.substance);
    }
    const n = Math.min(e.x.length, e.y.length);
    let yMin = Infinity;
    let yMax = -Infinity;
    for (let i = 0; i < n; i++) {
      yMin = Math.min(yMin, e.y[i]!);
      yMax = Math.max(yMax, e.y[i]!);
    }
    if (n === 0) yMin = yMax = 0;
    let prevX = 0;
    let prevDx = 0;
    for (let i = 0; i < n; i++) {
      const xq = Math.round(e.x[i]! * 1000);
      const dx = xq - prevX;
      w.write(dx - prevDx);
      prevX = xq;
      prevDx = dx;
    }
    const span = yMax - yMin;
    let prevY = 0;
    for (let i = 0; i < n; i++) {
      const yq = span > 0 ? Math.round(((e.y[i]! - yMin) / span) * 65535) : 0;
      w.write(yq - prevY);
      prevY = yq;
    }
    spectra.push({ s, sha: e.sha, index: e.index, points: n, yMin, yMax, meta: e.meta });
  }
  const header: PackHeader = {
    format: 'specmatch-pack',
    version: PACK_VERSION,
    name: meta.name,
    created: meta.created ?? new Date().toISOString(),
    source: meta.source,
    substances,
    spectra,
    ...(meta.embeddings ? { embeddings: meta.embeddings } : {}),
  };
  const headerBytes = new TextEncoder().encode(JSON.stringify(header));
  let payload = w.bytes();
  if (meta.embeddings) {
    const dim = meta.embeddings.dim;
    const block = new Float32Array(entries.length * dim);
    entries.forEach((e, i) => {
      if (!e.embedding || e.embedding.length !== dim) throw new RangeError(`entry ${i} has no embedding of size ${dim}`);
      block.set(e.embedding, i * dim);
    });
    const joined = new Uint8Array(payload.length + block.byteLength);
    joined.set(payload);
    joined.set(new Uint8Array(block.buffer), payload.length);
    payload = joined;
  }
  const out = new Uint8Array(12 + headerBytes.length + payload.length);
  out.set(new TextEncoder().encode(PACK_MAGIC), 0);
  const dv = new DataView(out.buffer);
  dv.setUint32(4, PACK_VERSION, true);
  dv.setUint32(8, headerBytes.length, true);
  out.set(headerBytes, 12);
  out.set(payload, 12 + headerBytes.length);
  return gzipSync(out, { level: 9 });
}

export interface DecodedPackSpectrum extends PackSpectrum {
  x: Float64Array;
  y: Float64Array;
  embedding?: Float32Array;
}

/** Decodes a pack file's bytes. Throws E_CORRUPT (naming `file`) on anything malformed. */
export function decodePack(gz: Uint8Array, file: string): { header: PackHeader; spectra: DecodedPackSpectrum[] } {
  const bad = (why: string): SpecmatchError => new SpecmatchError('E_CORRUPT', `${file}: not a valid Specmatch pack: ${why}`, { file });
  let raw: Uint8Array;
  try {
    raw = gunzipSync(gz, { maxOutputLength: 512 * 1024 * 1024 });
  } catch (err) {
    throw bad(`gzip: ${(err as Error).message}`);
  }
  if (raw.length < 12 || new TextDecoder().decode(raw.subarray(0, 4)) !== PACK_MAGIC) throw bad('no SMPK signature');
  const dv = new DataView(raw.buffer, raw.byteOffset, raw.byteLength);
  const version = dv.getUint32(4, true);
  if (version !== PACK_VERSION) throw bad(`version ${version}, this Specmatch reads ${PACK_VERSION}`);
  const hlen = dv.getUint32(8, true);
  if (12 + hlen > raw.length) throw bad('truncated header');
  let header: PackHeader;
  try {
    header = JSON.parse(new TextDecoder().decode(raw.subarray(12, 12 + hlen))) as PackHeader;
  } catch (err) {
    throw bad(`header: ${(err as Error).message}`);
  }
  if (header.format !== 'specmatch-pack' || !Array.isArray(header.spectra) || !Array.isArray(header.substances)) throw bad('header fields missing');
  const p = raw.subarray(12 + hlen);
  let pos = 0;
  const read = (): number => {
    let u = 0;
    let mul = 1;
    for (;;) {
      if (pos >= p.length) throw bad('truncated payload');
      const b = p[pos++]!;
      u += (b & 0x7f) * mul;
      if (b < 0x80) break;
      mul *= 0x80;
      if (mul > 2 ** 49) throw bad('varint overflow');
    }
    return u % 2 === 0 ? u / 2 : -(u + 1) / 2;
  };
  const spectra: DecodedPackSpectrum[] = [];
  for (const s of header.spectra) {
    if (!Number.isInteger(s.points) || s.points < 0 || s.points > p.length) throw bad('bad point count');
    if (!header.substances[s.s]) throw bad(`spectrum refers to substance ${s.s}`);
    const x = new Float64Array(s.points);
    const y = new Float64Array(s.points);
    let xq = 0;
    let dx = 0;
    for (let i = 0; i < s.points; i++) {
      dx += read();
      xq += dx;
      x[i] = xq / 1000;
    }
    const span = s.yMax - s.yMin;
    let yq = 0;
    for (let i = 0; i < s.points; i++) {
      yq += read();
      y[i] = s.yMin + (yq / 65535) * span;
    }
    spectra.push({ ...s, x, y });
  }
  const emb = header.embeddings;
  if (emb) {
    if (!Number.isInteger(emb.dim) || emb.dim <= 0) throw bad('bad embedding size');
    const bytes = spectra.length * emb.dim * 4;
    if (p.length - pos !== bytes) throw bad(`embedding block holds ${p.length - pos} bytes, expected ${bytes}`);
    const block = new Float32Array(spectra.length * emb.dim);
    new Uint8Array(block.buffer).set(p.subarray(pos));
    spectra.forEach((s, i) => (s.embedding = block.subarray(i * emb.dim, (i + 1) * emb.dim)));
    pos = p.length;
  }
  if (pos !== p.length) throw bad('trailing bytes after the last spectrum');
  return { header, spectra };
}
