/**
 * Float arrays as BLOBs: little-endian float32 (every supported platform is little-endian). Float32 keeps about
 * seven significant digits, as many as RRUFF and vendor text exports write.
 */
export function floatBlob(values: ArrayLike<number>): Buffer {
  const f = values instanceof Float32Array ? values : Float32Array.from(values);
  return Buffer.from(f.buffer, f.byteOffset, f.byteLength);
}

/** A copy of the BLOB's values (BLOB buffers need not be 4-byte aligned). */
export function blobFloats(blob: Uint8Array): Float32Array {
  const out = new Float32Array(blob.byteLength >>> 2);
  new Uint8Array(out.buffer).set(blob.subarray(0, out.length * 4));
  return out;
}

export function blobFloat64(blob: Uint8Array): Float64Array {
  return Float64Array.from(blobFloats(blob));
}
