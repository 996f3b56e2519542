import { zlibSync } from 'fflate';
import { GLYPH_DATA_BASE64, GLYPH_HEIGHT, GLYPHS } from './bitmapFont.js';

/** An RGB colour, 0–255 per channel. */
export type Rgb = readonly [number, number, number];

/**
 * A small RGBA image to draw map figures into (filled rectangles and text), written out as PNG by `encodePng`.
 * Pure: runs in the CLI, the report writer and the renderer alike.
 */
export class Raster {
  readonly data: Uint8Array;
  constructor(
    readonly width: number,
    readonly height: number,
    background: Rgb = [255, 255, 255],
  ) {
    this.data = new Uint8Array(width * height * 4);
    this.fillRect(0, 0, width, height, background);
  }

  fillRect(x: number, y: number, w: number, h: number, c: Rgb): void {
    const x0 = Math.max(0, Math.floor(x));
    const y0 = Math.max(0, Math.floor(y));
    const x1 = Math.min(this.width, Math.floor(x + w));
    const y1 = Math.min(this.height, Math.floor(y + h));
    for (let yy = y0; yy < y1; yy++) {
      for (let xx = x0; xx < x1; xx++) {
        const o = (yy * this.width + xx) * 4;
        this.data[o] = c[0];
        this.data[o + 1] = c[1];
        this.data[o + 2] = c[2];
        this.data[o + 3] = 255;
      }
    }
  }

  /** A one-pixel rectangle outline. */
  strokeRect(x: number, y: number, w: number, h: number, c: Rgb): void {
    this.fillRect(x, y, w, 1, c);
    this.fillRect(x, y + h - 1, w, 1, c);
    this.fillRect(x, y, 1, h, c);
    this.fillRect(x + w - 1, y, 1, h, c);
  }

  /** Draws text with its top at y (line height TEXT_HEIGHT); returns the advance width. */
  text(x: number, y: number, s: string, c: Rgb = [0, 0, 0]): number {
    let pen = Math.round(x);
    const top = Math.round(y);
    const data = glyphData();
    for (const ch of s) {
      const g = glyph(ch);
      const [, w, advance, offset] = g;
      for (let gy = 0; gy < GLYPH_HEIGHT; gy++) {
        const yy = top + gy;
        if (yy < 0 || yy >= this.height) continue;
        for (let gx = 0; gx < w; gx++) {
          const a = data[offset + gy * w + gx]!;
          const xx = pen + gx;
          if (a === 0 || xx < 0 || xx >= this.width) continue;
          const o = (yy * this.width + xx) * 4;
          for (let k = 0; k < 3; k++) this.data[o + k] = Math.round((this.data[o + k]! * (255 - a) + c[k]! * a) / 255);
        }
      }
      pen += advance;
    }
    return pen - Math.round(x);
  }
}

/** Height of a line of text drawn by Raster.text, pixels. */
export const TEXT_HEIGHT = GLYPH_HEIGHT;

/** Width in pixels of `s` as Raster.text draws it. */
export function textWidth(s: string): number {
  let w = 0;
  for (const ch of s) w += glyph(ch)[2];
  return w;
}

let decoded: Uint8Array | undefined;
function glyphData(): Uint8Array {
  if (!decoded) {
    // Base64 decoded by hand: the pure core has no atob/Buffer.
    const alphabet = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/';
    const s = GLYPH_DATA_BASE64.replace(/=+$/, '');
    decoded = new Uint8Array(Math.floor((s.length * 3) / 4));
    let bits = 0;
    let acc = 0;
    let o = 0;
    for (const ch of s) {
      acc = (acc << 6) | alphabet.indexOf(ch);
      bits += 6;
      if (bits >= 8) {
        bits -= 8;
        decoded[o++] = (acc >> bits) & 0xff;
      }
    }
  }
  return decoded;
}

let byChar: Map<string, readonly [string, number, number, number]> | undefined;
function glyph(ch: string): readonly [string, number, number, number] {
  if (!byChar) byChar = new Map(GLYPHS.map((g) => [g[0], g]));
  return byChar.get(ch) ?? byChar.get(ch.normalize('NFD')[0] ?? '?') ?? byChar.get('?')!;
}

let crcTable: Uint32Array | undefined;
function crc32(bytes: Uint8Array, start: number, end: number): number {
  if (!crcTable) {
    crcTable = new Uint32Array(256);
    for (let n = 0; n < 256; n++) {
      let c = n;
      for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
      crcTable[n] = c >>> 0;
    }
  }
  let c = 0xffffffff;
  for (let i = start; i < end; i++) c = crcTable[(c ^ bytes[i]!) & 0xff]! ^ (c >>> 8);
  return (c ^ 0xffffffff) >>> 0;
}

/** PNG (RGB, 8 bits, no interlace; filter 0 on every row) of a raster: signature, IHDR, one IDAT, IEND. */
export function encodePng(r: Raster): Uint8Array {
  const stride = r.width * 3 + 1;
  const raw = new Uint8Array(stride * r.height);
  for (let y = 0; y < r.height; y++) {
    raw[y * stride] = 0;
    for (let x = 0; x < r.width; x++) {
      const i = (y * r.width + x) * 4;
      const o = y * stride + 1 + x * 3;
      raw[o] = r.data[i]!;
      raw[o + 1] = r.data[i + 1]!;
      raw[o + 2] = r.data[i + 2]!;
    }
  }
  const idat = zlibSync(raw, { level: 6 });
  const ihdr = new Uint8Array(13);
  const dv = new DataView(ihdr.buffer);
  dv.setUint32(0, r.width);
  dv.setUint32(4, r.height);
  ihdr.set([8, 2, 0, 0, 0], 8);
  const chunks: [string, Uint8Array][] = [
    ['IHDR', ihdr],
    ['IDAT', idat],
    ['IEND', new Uint8Array(0)],
  ];
  const total = 8 + chunks.reduce((s, [, d]) => s + 12 + d.length, 0);
  const out = new Uint8Array(total);
  out.set([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a], 0);
  const ov = new DataView(out.buffer);
  let p = 8;
  for (const [type, d] of chunks) {
    ov.setUint32(p, d.length);
    for (let k = 0; k < 4; k++) out[p + 4 + k] = type.charCodeAt(k);
    out.set(d, p + 8);
    ov.setUint32(p + 8 + d.length, crc32(out, p + 4, p + 8 + d.length));
    p += 12 + d.length;
  }
  return out;
}
