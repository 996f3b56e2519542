/**
 * Dot products (classic methods) and weighted L1 distances (the Siamese head) of one query with every row of a
 * matrix, in WebAssembly SIMD (f32x4), the inner loops of the library search. Four lanes per instruction make it several times faster than the scalar JavaScript loop on the same
 * data (measured in bench/library.bench.ts). The module is assembled here from its bytes (no build step, no
 * binary file): `dots(q, m, rows, rowBytes, out)` and `l1w(q, w, m, rows, rowBytes, out)` over an imported memory.
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

const set = (i: number): number[] => [0x21, i];
const get = (i: number): number[] => [0x20, i];
const i32c = (v: number): number[] => [0x41, v]; // small non-negative constants only
const simd = (op: number): number[] => [0xfd, ...uleb(op)];
const load = [...simd(0x00), 0x02, 0x00]; // v128.load align=4 offset=0
const F32X4_ABS = 0xe0;
const F32X4_ADD = 0xe4;
const F32X4_SUB = 0xe5;
const F32X4_MUL = 0xe6;
const F32X4_EXTRACT = 0x1f;

/**
 * A row loop: for each row r, acc = Σ over 4-float chunks of `term(i)`, out[r] = sum of acc's lanes, m += rowBytes.
 * Locals: m, rows, rowBytes, out are parameters (indices given); r, i (i32) and acc (v128) follow the parameters.
 */
function rowLoop(p: { m: number; rows: number; rowBytes: number; out: number; r: number; i: number; acc: number }, term: number[]): number[] {
  return [
    0x02, 0x40, // block
    0x03, 0x40, // loop (rows)
    ...get(p.r), ...get(p.rows), 0x4f, 0x0d, 0x01, // if r >= rows: break
    ...simd(0x0c), ...new Array<number>(16).fill(0), ...set(p.acc), // acc = 0
    ...i32c(0), ...set(p.i), // i = 0
    0x02, 0x40, 0x03, 0x40, // block, loop (columns)
    ...get(p.i), ...get(p.rowBytes), 0x4f, 0x0d, 0x01, // if i >= rowBytes: break
    ...get(p.acc), ...term, ...simd(F32X4_ADD), ...set(p.acc),
    ...get(p.i), ...i32c(16), 0x6a, ...set(p.i),
    0x0c, 0x00, // continue
    0x0b, 0x0b, // end loop, end block
    ...get(p.out), ...get(p.r), ...i32c(2), 0x74, 0x6a, // &out[r]
    ...get(p.acc), ...simd(F32X4_EXTRACT), 0x00,
    ...get(p.acc), ...simd(F32X4_EXTRACT), 0x01, 0x92,
    ...get(p.acc), ...simd(F32X4_EXTRACT), 0x02, 0x92,
    ...get(p.acc), ...simd(F32X4_EXTRACT), 0x03, 0x92,
    0x38, 0x02, 0x00, // f32.store
    ...get(p.m), ...get(p.rowBytes), 0x6a, ...set(p.m), // m += rowBytes
    ...get(p.r), ...i32c(1), 0x6a, ...set(p.r), // r++
    0x0c, 0x00,
    0x0b, 0x0b, // end loop, end block
    0x0b, // end function
  ];
}

const LOCALS = [0x02, 0x02, I32, 0x01, V128]; // 2 × i32, 1 × v128
// dots(q, m, rows, rowBytes, out): Σ q·m
const DOTS = [...LOCALS, ...rowLoop({ m: 1, rows: 2, rowBytes: 3, out: 4, r: 5, i: 6, acc: 7 }, [...get(0), ...get(6), 0x6a, ...load, ...get(1), ...get(6), 0x6a, ...load, ...simd(F32X4_MUL)])];
// l1w(q, w, m, rows, rowBytes, out): Σ w·|q − m| (the Siamese L1 head before its bias and sigmoid)
const L1W = [
  ...LOCALS,
  ...rowLoop({ m: 2, rows: 3, rowBytes: 4, out: 5, r: 6, i: 7, acc: 8 }, [
    ...get(0), ...get(7), 0x6a, ...load,
    ...get(2), ...get(7), 0x6a, ...load,
    ...simd(F32X4_SUB), ...simd(F32X4_ABS),
    ...get(1), ...get(7), 0x6a, ...load,
    ...simd(F32X4_MUL),
  ]),
];

const MODULE = new Uint8Array([
  0x00, 0x61, 0x73, 0x6d, 0x01, 0x00, 0x00, 0x00,
  ...section(1, [0x02, 0x60, 0x05, I32, I32, I32, I32, I32, 0x00, 0x60, 0x06, I32, I32, I32, I32, I32, I32, 0x00]),
  ...section(2, [0x01, ...str('env'), ...str('memory'), 0x02, 0x00, 0x01]),
  ...section(3, [0x02, 0x00, 0x01]),
  ...section(7, [0x02, ...str('dots'), 0x00, 0x00, ...str('l1w'), 0x00, 0x01]),
  ...section(10, [0x02, ...uleb(DOTS.length), ...DOTS, ...uleb(L1W.length), ...L1W]),
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
  private readonly l1w: (q: number, w: number, m: number, rows: number, rowBytes: number, out: number) => void;
  private readonly queryOffset: number;
  private readonly outOffset: number;
  private readonly weights: Float32Array;
  private readonly weightsOffset: number;

  constructor(count: number, dim: number) {
    const mod = module();
    if (!mod) throw new Error('WebAssembly SIMD is not available');
    this.count = count;
    this.dim = padTo4(dim);
    const floats = count * this.dim + 2 * this.dim + count;
    const memory = new wasm!.Memory({ initial: Math.max(1, Math.ceil((floats * 4) / 65536)) });
    const instance = new wasm!.Instance(mod, { env: { memory } });
    this.dots = instance.exports['dots'] as (q: number, m: number, rows: number, rowBytes: number, out: number) => void;
    this.l1w = instance.exports['l1w'] as (q: number, w: number, m: number, rows: number, rowBytes: number, out: number) => void;
    this.data = new Float32Array(memory.buffer, 0, count * this.dim);
    this.queryOffset = count * this.dim * 4;
    this.query = new Float32Array(memory.buffer, this.queryOffset, this.dim);
    this.outOffset = this.queryOffset + this.dim * 4;
    this.out = new Float32Array(memory.buffer, this.outOffset, count);
    this.weightsOffset = this.outOffset + count * 4;
    this.weights = new Float32Array(memory.buffer, this.weightsOffset, this.dim);
  }

  private setQuery(query: ArrayLike<number>): void {
    this.query.fill(0);
    for (let i = 0; i < Math.min(query.length, this.dim); i++) this.query[i] = query[i]!;
  }

  /** Σ_k w_k·|query_k − row_k| for every row (padding: weights 0); a new array. */
  weightedL1All(query: ArrayLike<number>, w: ArrayLike<number>): Float32Array {
    this.setQuery(query);
    this.weights.fill(0);
    for (let i = 0; i < Math.min(w.length, this.dim); i++) this.weights[i] = w[i]!;
    this.l1w(this.queryOffset, this.weightsOffset, 0, this.count, this.dim * 4, this.outOffset);
    return Float32Array.from(this.out);
  }

  /** Dot product of `query` (unpadded or padded length) with every row; a new array. */
  dotAll(query: ArrayLike<number>): Float32Array {
    this.setQuery(query);
    this.dots(this.queryOffset, 0, this.count, this.dim * 4, this.outOffset);
    return Float32Array.from(this.out);
  }
}
