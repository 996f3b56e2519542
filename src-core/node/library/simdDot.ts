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

/** Queries per call of the block kernels: one pass over a row serves this many queries (fewer memory reads). */
export const QUERY_BLOCK = 4;

/**
 * The block form of `dots`/`l1w`: QUERY_BLOCK queries stored one after the other (`rowBytes` apart from `q`) against
 * every row; out[(r·QUERY_BLOCK + j)] = term summed over row r for query j. Each 16-byte chunk of a row is loaded once
 * for all the queries. `weighted` adds the w parameter (the L1 head); otherwise dot products.
 */
function blockKernel(weighted: boolean): number[] {
  const B = QUERY_BLOCK;
  const p = weighted ? { q: 0, w: 1, m: 2, rows: 3, rowBytes: 4, out: 5 } : { q: 0, w: -1, m: 1, rows: 2, rowBytes: 3, out: 4 };
  const nParams = weighted ? 6 : 5;
  const r = nParams;
  const i = nParams + 1;
  const qj = (j: number): number => nParams + 2 + j; // i32 locals: start of query j
  const acc = (j: number): number => nParams + 2 + B + j; // v128 locals
  const v = nParams + 2 + 2 * B;
  const wv = v + 1;
  const code: number[] = [0x02, ...uleb(2 + B), I32, ...uleb(B + 2), V128];
  for (let j = 0; j < B; j++) code.push(...get(p.q), ...i32c(j), ...get(p.rowBytes), 0x6c, 0x6a, ...set(qj(j))); // qj = q + j·rowBytes
  code.push(
    0x02, 0x40, 0x03, 0x40, // block, loop (rows)
    ...get(r), ...get(p.rows), 0x4f, 0x0d, 0x01,
  );
  for (let j = 0; j < B; j++) code.push(...simd(0x0c), ...new Array<number>(16).fill(0), ...set(acc(j)));
  code.push(...i32c(0), ...set(i), 0x02, 0x40, 0x03, 0x40, ...get(i), ...get(p.rowBytes), 0x4f, 0x0d, 0x01);
  code.push(...get(p.m), ...get(i), 0x6a, ...load, ...set(v));
  if (weighted) code.push(...get(p.w), ...get(i), 0x6a, ...load, ...set(wv));
  for (let j = 0; j < B; j++) {
    code.push(...get(acc(j)), ...get(qj(j)), ...get(i), 0x6a, ...load);
    if (weighted) code.push(...get(v), ...simd(F32X4_SUB), ...simd(F32X4_ABS), ...get(wv), ...simd(F32X4_MUL));
    else code.push(...get(v), ...simd(F32X4_MUL));
    code.push(...simd(F32X4_ADD), ...set(acc(j)));
  }
  code.push(...get(i), ...i32c(16), 0x6a, ...set(i), 0x0c, 0x00, 0x0b, 0x0b);
  for (let j = 0; j < B; j++) {
    // f32.store at out + (r·B + j)·4: base out + r·B·4, constant offset j·4
    code.push(...get(p.out), ...get(r), ...i32c(B * 4), 0x6c, 0x6a);
    code.push(...get(acc(j)), ...simd(F32X4_EXTRACT), 0x00);
    for (let lane = 1; lane < 4; lane++) code.push(...get(acc(j)), ...simd(F32X4_EXTRACT), lane, 0x92);
    code.push(0x38, 0x02, ...uleb(j * 4));
  }
  code.push(...get(p.m), ...get(p.rowBytes), 0x6a, ...set(p.m), ...get(r), ...i32c(1), 0x6a, ...set(r), 0x0c, 0x00, 0x0b, 0x0b, 0x0b);
  return code;
}
const DOTS_BLOCK = blockKernel(false);
const L1W_BLOCK = blockKernel(true);

const MODULE = new Uint8Array([
  0x00, 0x61, 0x73, 0x6d, 0x01, 0x00, 0x00, 0x00,
  ...section(1, [0x02, 0x60, 0x05, I32, I32, I32, I32, I32, 0x00, 0x60, 0x06, I32, I32, I32, I32, I32, I32, 0x00]),
  ...section(2, [0x01, ...str('env'), ...str('memory'), 0x02, 0x00, 0x01]),
  ...section(3, [0x04, 0x00, 0x01, 0x00, 0x01]),
  ...section(7, [0x04, ...str('dots'), 0x00, 0x00, ...str('l1w'), 0x00, 0x01, ...str('dotsBlock'), 0x00, 0x02, ...str('l1wBlock'), 0x00, 0x03]),
  ...section(10, [0x04, ...uleb(DOTS.length), ...DOTS, ...uleb(L1W.length), ...L1W, ...uleb(DOTS_BLOCK.length), ...DOTS_BLOCK, ...uleb(L1W_BLOCK.length), ...L1W_BLOCK]),
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
  private readonly dotsBlock: (q: number, m: number, rows: number, rowBytes: number, out: number) => void;
  private readonly l1wBlock: (q: number, w: number, m: number, rows: number, rowBytes: number, out: number) => void;
  /** Queries one block call set may hold (0: only the one-query methods). */
  readonly batch: number;
  private readonly batchOffset: number;
  private readonly batchQueries: Float32Array;
  private readonly batchOutOffset: number;
  private readonly batchOut: Float32Array;

  /** `batch` > 0 reserves room for that many queries (rounded up to QUERY_BLOCK) for `dotsMany`/`weightedL1Many`. */
  constructor(count: number, dim: number, batch = 0) {
    const mod = module();
    if (!mod) throw new Error('WebAssembly SIMD is not available');
    this.count = count;
    this.dim = padTo4(dim);
    this.batch = batch > 0 ? Math.ceil(batch / QUERY_BLOCK) * QUERY_BLOCK : 0;
    const floats = count * this.dim + 2 * this.dim + count + this.batch * (this.dim + count);
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
    this.dotsBlock = instance.exports['dotsBlock'] as (q: number, m: number, rows: number, rowBytes: number, out: number) => void;
    this.l1wBlock = instance.exports['l1wBlock'] as (q: number, w: number, m: number, rows: number, rowBytes: number, out: number) => void;
    this.batchOffset = this.weightsOffset + this.dim * 4;
    this.batchQueries = new Float32Array(memory.buffer, this.batchOffset, this.batch * this.dim);
    this.batchOutOffset = this.batchOffset + this.batch * this.dim * 4;
    this.batchOut = new Float32Array(memory.buffer, this.batchOutOffset, this.batch * count);
  }

  /**
   * One kernel pass over the rows for many queries: queries go in blocks of QUERY_BLOCK (a short last block is padded
   * with zero queries), rows in tiles of ROW_TILE so a tile stays in cache while every block of queries reads it.
   * Returns one array of raw sums (count values) per query.
   */
  private many(queries: readonly ArrayLike<number>[], weighted: boolean): Float32Array[] {
    if (this.batch === 0) throw new Error('SimdMatrix was created without room for a batch of queries');
    const results: Float32Array[] = [];
    const rowBytes = this.dim * 4;
    const ROW_TILE = 256;
    for (let start = 0; start < queries.length; start += this.batch) {
      const n = Math.min(this.batch, queries.length - start);
      const blocks = Math.ceil(n / QUERY_BLOCK);
      this.batchQueries.fill(0, 0, blocks * QUERY_BLOCK * this.dim);
      for (let j = 0; j < n; j++) {
        const q = queries[start + j]!;
        const len = Math.min(q.length, this.dim);
        const off = j * this.dim;
        for (let i = 0; i < len; i++) this.batchQueries[off + i] = q[i]!;
      }
      for (let r0 = 0; r0 < this.count; r0 += ROW_TILE) {
        const rows = Math.min(ROW_TILE, this.count - r0);
        for (let b = 0; b < blocks; b++) {
          const q = this.batchOffset + b * QUERY_BLOCK * rowBytes;
          const out = this.batchOutOffset + (b * QUERY_BLOCK * this.count + r0 * QUERY_BLOCK) * 4;
          if (weighted) this.l1wBlock(q, this.weightsOffset, r0 * rowBytes, rows, rowBytes, out);
          else this.dotsBlock(q, r0 * rowBytes, rows, rowBytes, out);
        }
      }
      for (let j = 0; j < n; j++) {
        const b = Math.floor(j / QUERY_BLOCK);
        const lane = j % QUERY_BLOCK;
        const base = b * QUERY_BLOCK * this.count + lane;
        const res = new Float32Array(this.count);
        for (let r = 0; r < this.count; r++) res[r] = this.batchOut[base + r * QUERY_BLOCK]!;
        results.push(res);
      }
    }
    return results;
  }

  /** `dotAll` for many queries at once (needs `batch` > 0): one array of dot products per query. */
  dotsMany(queries: readonly ArrayLike<number>[]): Float32Array[] {
    return this.many(queries, false);
  }

  /** `weightedL1All` for many queries at once (needs `batch` > 0). */
  weightedL1Many(queries: readonly ArrayLike<number>[], w: ArrayLike<number>): Float32Array[] {
    this.weights.fill(0);
    for (let i = 0; i < Math.min(w.length, this.dim); i++) this.weights[i] = w[i]!;
    return this.many(queries, true);
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
