import { describe, expect, it } from 'vitest';
import { decodeWire, encodeWire, fromBase64, toBase64 } from '../wire.js';

describe('wire codec', () => {
  it('base64 agrees with Node’s for every length remainder and random bytes', () => {
    for (const n of [0, 1, 2, 3, 4, 5, 255, 1000, 70_001]) {
      const bytes = Uint8Array.from({ length: n }, (_, i) => (i * 7919 + n) & 255);
      const b64 = toBase64(bytes);
      expect(b64).toBe(Buffer.from(bytes).toString('base64'));
      expect(fromBase64(b64)).toEqual(bytes);
    }
  });

  it('refuses malformed base64', () => {
    expect(() => fromBase64('ab$d')).toThrow(/invalid base64 character/);
    expect(() => fromBase64('abcde')).toThrow(/length/);
  });

  it('round-trips typed arrays exactly inside nested payloads', () => {
    const x = Float64Array.from([100.5, 101.25, -0, 1e-300, Math.PI]);
    const payload = {
      spectrum: { x, y: new Float32Array([1.5, 2.25]), meta: { name: 'Ca₂SiO₄ · α' } },
      bytes: new Uint8Array([0, 255, 7]),
      list: [1, 'a'],
    };
    const back = decodeWire(encodeWire(payload)) as typeof payload;
    expect(back.spectrum.x).toBeInstanceOf(Float64Array);
    expect(Array.from(back.spectrum.x)).toEqual(Array.from(x));
    expect(Object.is(back.spectrum.x[2], -0)).toBe(true);
    expect(back.spectrum.y).toBeInstanceOf(Float32Array);
    expect(Array.from(back.spectrum.y)).toEqual([1.5, 2.25]);
    expect(back.bytes).toEqual(new Uint8Array([0, 255, 7]));
    expect(back.spectrum.meta.name).toBe('Ca₂SiO₄ · α');
    expect(back.list).toEqual([1, 'a']);
  });

  it('encodes a view of a larger buffer by its own bytes only', () => {
    const big = new Float64Array([1, 2, 3, 4]);
    const view = big.subarray(1, 3);
    expect(Array.from(decodeWire(encodeWire(view)) as Float64Array)).toEqual([2, 3]);
  });

  it('rejects a typed array whose byte count does not fit its type', () => {
    expect(() => decodeWire(JSON.stringify({ $ta: 'f64', b64: toBase64(new Uint8Array(7)) }))).toThrow(/whole number/);
    expect(() => decodeWire(JSON.stringify({ $ta: 'i32', b64: '' }))).toThrow(/unknown typed array tag/);
  });
});
