/**
 * WiRE property sets ("PSET"), the metadata inside the WDF blocks WXIS (instrument state), WXDA (acquisition) and
 * WXCS (calibration state). Layout (as published with Renishaw's WDF documentation): `PSET`, uint32 payload size,
 * then items `uint8 type, uint8 flags, uint16 key, value`. Values by type: `?`/`c` 1 byte, `s` int16, `i`/`w`
 * int32, `r` float32, `q` float64, `l` int64, `t` FILETIME, `u` (UTF-8 text), `b` (binary) and `k` (key name):
 * uint32 length + bytes, `p` nested set: uint32 length + bytes. `k` items give the name of each key id; they may
 * come after the values that use them.
 *
 * Only the top level is read (nested sets are skipped by their length). Metadata is optional, so this never
 * throws: on anything unexpected it returns what it has read so far. Every read is bounds-checked.
 */

const MAX_TEXT = 4096;

/** Top-level scalar properties of the set starting at `start` (its `PSET` magic), by key name. */
export function readPset(bytes: Uint8Array, start: number, length: number): Map<string, string | number> {
  const out = new Map<string, string | number>();
  const end = Math.min(bytes.length, start + length);
  if (start + 8 > end || String.fromCharCode(...bytes.subarray(start, start + 4)) !== 'PSET') return out;
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const stop = Math.min(end, start + 8 + view.getUint32(start + 4, true));
  const values = new Map<number, string | number>();
  const names = new Map<number, string>();
  const utf8 = new TextDecoder('utf-8');
  let p = start + 8;
  while (p + 4 <= stop) {
    const type = String.fromCharCode(bytes[p]!);
    const key = view.getUint16(p + 2, true);
    p += 4;
    const fixed: Record<string, number> = { '?': 1, c: 1, s: 2, i: 4, w: 4, r: 4, q: 8, l: 8, t: 8 };
    const size = fixed[type];
    if (size !== undefined) {
      if (p + size > stop) break;
      if (type === 's') values.set(key, view.getInt16(p, true));
      else if (type === 'i' || type === 'w') values.set(key, view.getInt32(p, true));
      else if (type === 'r') values.set(key, view.getFloat32(p, true));
      else if (type === 'q') values.set(key, view.getFloat64(p, true));
      else if (type === '?' || type === 'c') values.set(key, bytes[p]!);
      p += size;
      continue;
    }
    if (!'ukbp'.includes(type) || p + 4 > stop) break;
    const n = view.getUint32(p, true);
    if (p + 4 + n > stop) break;
    if (type === 'u' || type === 'k') {
      const text = utf8.decode(bytes.subarray(p + 4, p + 4 + Math.min(n, MAX_TEXT))).replace(/\0+$/, '');
      if (type === 'u') values.set(key, text);
      else names.set(key, text);
    }
    p += 4 + n;
  }
  for (const [key, value] of values) {
    const name = names.get(key);
    if (name) out.set(name, value);
  }
  return out;
}
