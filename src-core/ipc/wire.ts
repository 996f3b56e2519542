/**
 * JSON encoding of API payloads for the web transport. Electron's structured clone carries typed arrays as they
 * are; JSON does not, so Uint8Array / Float32Array / Float64Array are written as `{"$ta": "f64", "b64": "…"}`
 * (little-endian bytes in base64: exact, and about a third of the size of decimal text) and restored on the other
 * side, so both transports deliver the same values to the same handler table.
 */

const ALPHABET = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/';
const LOOKUP = new Int16Array(128).fill(-1);
for (let i = 0; i < ALPHABET.length; i++) LOOKUP[ALPHABET.charCodeAt(i)] = i;

const ASCII = new TextDecoder('latin1');
const CODES = Uint8Array.from(ALPHABET, (c) => c.charCodeAt(0));
const PAD = '='.charCodeAt(0);

/**
 * RFC 4648 base64 (standard alphabet, padded). Pure so the core can use it in Node and the browser alike: the
 * output is built as ASCII codes in a byte array and decoded once (string concatenation per character is ~100×
 * slower on multi-MB files).
 */
export function toBase64(data: Uint8Array): string {
  const n = data.length;
  const out = new Uint8Array(Math.ceil(n / 3) * 4);
  let o = 0;
  let i = 0;
  for (; i + 2 < n; i += 3) {
    const v = (data[i]! << 16) | (data[i + 1]! << 8) | data[i + 2]!;
    out[o++] = CODES[v >> 18]!;
    out[o++] = CODES[(v >> 12) & 63]!;
    out[o++] = CODES[(v >> 6) & 63]!;
    out[o++] = CODES[v & 63]!;
  }
  if (i < n) {
    const v = (data[i]! << 16) | ((i + 1 < n ? data[i + 1]! : 0) << 8);
    out[o++] = CODES[v >> 18]!;
    out[o++] = CODES[(v >> 12) & 63]!;
    out[o++] = i + 1 < n ? CODES[(v >> 6) & 63]! : PAD;
    out[o] = PAD;
  }
  return ASCII.decode(out);
}

export function fromBase64(text: string): Uint8Array {
  const clean = text.replace(/=+$/, '');
  if (clean.length % 4 === 1) throw new Error('invalid base64 length');
  const out = new Uint8Array(Math.floor((clean.length * 3) / 4));
  let bits = 0;
  let acc = 0;
  let o = 0;
  for (let i = 0; i < clean.length; i++) {
    const c = clean.charCodeAt(i);
    const v = c < 128 ? LOOKUP[c]! : -1;
    if (v < 0) throw new Error(`invalid base64 character at ${i}`);
    acc = (acc << 6) | v;
    bits += 6;
    if (bits >= 8) {
      bits -= 8;
      out[o++] = (acc >> bits) & 0xff;
    }
  }
  return out;
}

type Tag = 'u8' | 'f32' | 'f64';

function bytesOf(view: ArrayBufferView): Uint8Array {
  return new Uint8Array(view.buffer, view.byteOffset, view.byteLength);
}

/** JSON text of a payload, typed arrays tagged. Non-finite numbers become null (JSON has none). */
export function encodeWire(value: unknown): string {
  return JSON.stringify(value, (_key, v: unknown) => {
    if (v instanceof Uint8Array) return { $ta: 'u8', b64: toBase64(v) };
    if (v instanceof Float32Array) return { $ta: 'f32', b64: toBase64(bytesOf(v)) };
    if (v instanceof Float64Array) return { $ta: 'f64', b64: toBase64(bytesOf(v)) };
    return v;
  });
}

/** Inverse of encodeWire. Throws a plain Error on malformed JSON or a malformed tag (callers map it to E_PARAM). */
export function decodeWire(text: string): unknown {
  return JSON.parse(text, (_key, v: unknown) => {
    if (typeof v === 'object' && v !== null && '$ta' in v && 'b64' in v) {
      const { $ta, b64 } = v;
      if (typeof b64 !== 'string') throw new Error('typed array payload without base64 text');
      const raw = fromBase64(b64);
      // Copy into a fresh, aligned buffer: a Float64Array needs an offset that is a multiple of 8.
      const tag = $ta as Tag;
      if (tag === 'u8') return raw;
      const width = tag === 'f32' ? 4 : tag === 'f64' ? 8 : 0;
      if (width === 0) throw new Error(`unknown typed array tag '${String($ta)}'`);
      if (raw.length % width !== 0)
        throw new Error(`typed array of ${raw.length} bytes is not a whole number of ${width}-byte values`);
      const buf = new ArrayBuffer(raw.length);
      new Uint8Array(buf).set(raw);
      return tag === 'f32' ? new Float32Array(buf) : new Float64Array(buf);
    }
    return v;
  });
}
