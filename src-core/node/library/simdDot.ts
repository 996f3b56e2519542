/**
 * Dot products of one query with every row of a matrix, in WebAssembly SIMD (f32x4), the inner loop of the library
 * search. Four lanes per instruction make it several times faster than the scalar JavaScript loop on the same
 * data (measured in bench/library.bench.ts). The module is assembled here from its bytes (no build step, no
 * binary file): one function `dots(q, m, rows, rowBytes, out)` over an imported memory.
 *
 * Rows are padded to a multiple of 4 floats with zeros, which changes no dot product. The matrix lives in the
 * WebAssembly memory itself (`data` is a view of it), so there is a single copy.
 */

const I32 = 0x7f;
const V128 = 0x7b;

function uleb(n: number): number[] {
  const out: number[] = [];
  do {
    let b = n & 0x7f;
    n >>>= 7;
    if (n !== 0) b |= 0x80;
    out.push(b);
  } while (n !== 0);
  return out;
}

function section(id: number, body: number[]): number[] {
  return [id, ...uleb(body.length), ...body];
}

function str(s: string): number[] {
  return [...uleb(s.length), ...Array.from(s, (c) => c.charCodeAt(0))];
}

// Locals: 0 q, 1 m, 2 rows, 3 rowBytes, 4 out (params); 5 r, 6 i (i32); 7 acc (v128).
const get = (i: number): number[] => [0x20, i];
const set = (i: number): number[] => [0x21, i];
const i32c = (v: number): number[] => [0x41, v]; // small non-negative constants only
const simd = (op: number): number[] => [0xfd, ...uleb(op)];
const load = [...simd(0x00), 0x02, 0x00]; // v128.load align=4 offset=0
const F32X4_ADD = 0xe4;
const F32X4_MUL = 0xe6;
const F32X4_EXTRACT = 0x1f;

const body = [
  0x02, 0x02, I32, 0x01, V128, // locals: 2 × i32, 1 × v128
  0x02, 0x40, // block
  0x03, 0x40, // loop (rows)
  ...get(5), ...get(2), 0x4f, 0x0d, 0x01, // if r >= rows: break
  ...simd(0x0c), ...new Array<number>(16).fill(0), ...set(7), // acc = 0
  ...i32c(0), ...set(6), // i = 0
  0x02, 0x40, 0x03, 0x40, // block, loop (columns)
  ...get(6), ...get(3), 0x4f, 0x0d, 0x01, // if i >= rowBytes: break
  ...get(7),
  ...get(0), ...get(6), 0x6a, ...load,
  ...get(1), ...get(6), 0x6a, ...load,
  ...simd(F32X4_MUL), ...simd(F32X4_ADD), ...set(7),
  ...get(6), ...i32c(16), 0x6a, ...set(6),
  0x0c, 0x00, // continue
  0x0b, 0x0b, // end loop, end block
  ...get(4), ...get(5), ...i32c(2), 0x74, 0x6a, // &out[r]
  ...get(7), ...simd(F32X4_EXTRACT), 0x00,
  ...get(7), ...simd(F32X4_EXTRACT), 0x01, 0x92,
  ...get(7), ...simd(F32X4_EXTRACT), 0x02, 0x92,
  ...get(7), ...simd(F32X4_EXTRACT), 0x03, 0x92,
  0x38, 0x02, 0x00, // f32.store
  ...get(1), ...get(3), 0x6a, ...set(1), // m += rowBytes
  ...get(5), ...i32c(1), 0x6a, ...set(5), // r++
  0x0c, 0x00,
  0x0b, 0x0b, // end loop, end block
  0x0b, // end function
];

const MODULE = new Uint8Array([
  0x00, 0x61, 0x73, 0x6d, 0x01, 0x00, 0x00, 0x00,
  ...section(1, [0x01, 0x60, 0x05, I32, I32, I32, I32, I32, 0x00]),
  ...section(2, [0x01, ...str('env'), ...str('memory'), 0x02, 0x00, 0x01]),
  ...section(3, [0x01, 0x00]),
  ...section(7, [0x01, ...str('dots'), 0x00, 0x00]),
  ...section(10, [0x01, ...uleb(body.length), ...body]),
]);

/** The part of the WebAssembly JS API used here (the Node layer's type set does not declare its values). */
interface WasmApi {
  validate(bytes: Uint8Array): boolean;
  Module: new (bytes: Uint8Array) => object;
  Instance: new (module: object, imports: Record<string, Record<string, unknown>>) => { exports: Record<string, unknown> };
  Memory: new (descriptor: { initial: number }) => { buffer: ArrayBuffer };
}
const wasm = (globalThis as unknown as { WebAssembly?: WasmApi }).WebAssembly;

let compiled: object | null | undefined;
function module(): object | null {
  if (compiled === undefined) {
    try {
      compiled = wasm && wasm.validate(MODULE) ? new wasm.Module(MODULE) : null;
    } catch {
      compiled = null;
    }
  }
  return compiled;
}

/** True when this runtime runs WebAssembly SIMD (Node ≥ 16, current browsers). */
export function simdAvailable(): boolean {
  return module() !== null;
}

export const padTo4 = (n: number): number => (n + 3) & ~3;

/** A row-major matrix in WebAssembly memory, rows padded to a multiple of 4 floats, plus room for a query. */
export class SimdMatrix {
  readonly count: number;
  /** Padded row length. */
  readonly dim: number;
  /** count × dim, a view of the WebAssembly memory: fill rows here. */
  readonly data: Float32Array;
  private readonly query: Float32Array;
  private readonly out: Float32Array;
  private readonly dots: (q: number, m: number, rows: number, rowBytes: number, out: number) => void;
  private readonly queryOffset: number;
  private readonly outOffset: number;

  constructor(count: number, dim: number) {
    const mod = module();
    if (!mod) throw new Error('WebAssembly SIMD is not available');
    this.count = count;
    this.dim = padTo4(dim);
    const floats = count * this.dim + this.dim + count;
    const memory = new wasm!.Memory({ initial: Math.max(1, Math.ceil((floats * 4) / 65536)) });
    const instance = new wasm!.Instance(mod, { env: { memory } });
    this.dots = instance.exports['dots'] as (q: number, m: number, rows: number, rowBytes: number, out: number) => void;
    this.data = new Float32Array(memory.buffer, 0, count * this.dim);
    this.queryOffset = count * this.dim * 4;
    this.query = new Float32Array(memory.buffer, this.queryOffset, this.dim);
    this.outOffset = this.queryOffset + this.dim * 4;
    this.out = new Float32Array(memory.buffer, this.outOffset, count);
  }

  /** Dot product of `query` (unpadded or padded length) with every row; a new array. */
  dotAll(query: ArrayLike<number>): Float32Array {
    this.query.fill(0);
    for (let i = 0; i < Math.min(query.length, this.dim); i++) this.query[i] = query[i]!;
    this.dots(this.queryOffset, 0, this.count, this.dim * 4, this.outOffset);
    return Float32Array.from(this.out);
  }
}
