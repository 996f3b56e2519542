import * as tf from '@tensorflow/tfjs';

/**
 * Kernels the tfjs wasm backend (4.22) lacks or runs slowly for training, written as compositions of the
 * backend's own kernels, except the max-pool gradient, a loop over the heap (see maxPoolGradPairs):
 *
 * - `Conv2DBackpropFilter` (missing): the filter gradient of a stride-s convolution is itself a convolution,
 *   dW[a,b,ci,co] = Σ_{n,i,j} x̃[n, i·s+a, j·s+b, ci] · dy[n,i,j,co] with x̃ the zero-padded input. Read with the
 *   input channel ci as the batch axis, the batch n as the channel axis and dy as a (dilated by s) filter, that is a
 *   forward Conv2D of transpose(x̃, [3,1,2,0]) with transpose(dy, [1,2,0,3]), whose output [Ci, fh, fw, Co] is
 *   transposed back to the filter layout [fh, fw, Ci, Co] (the standard identity behind every framework's
 *   weight-gradient kernel; see Dumoulin & Visin 2016, "A guide to convolution arithmetic", §4).
 * - `Tile` (slow for the broadcast case): BatchNorm's gradient tiles per-channel vectors over the batch; when every
 *   tiled axis has size 1 the tile is a broadcast, computed as Fill(0) + x with the backend's broadcasting Add.
 *   Other tiles keep the original kernel.
 *
 * Must be called after the wasm backend is initialised (the original Tile kernel's setup has run by then).
 */
let registered = false;

type WasmBackend = tf.KernelBackend & { disposeData(dataId: tf.DataId, force?: boolean): boolean };
/** The two members of tfjs-backend-wasm's BackendWasm that its own JavaScript kernels use to work on the heap. */
type WasmHeapBackend = WasmBackend & {
  makeOutput(shape: number[], dtype: tf.DataType): tf.TensorInfo;
  typedArrayFromHeap(t: tf.TensorInfo): Float32Array | Int32Array | Uint8Array;
};

function runKernel(name: string, backend: WasmBackend, inputs: tf.NamedTensorInfoMap, attrs: tf.NamedAttrMap): tf.TensorInfo {
  const config = tf.getKernel(name, 'wasm');
  if (!config) throw new Error(`wasm backend has no '${name}' kernel`);
  return config.kernelFunc({ inputs, backend, attrs }) as tf.TensorInfo;
}

function conv2DBackpropFilter({ inputs, backend, attrs }: { inputs: tf.NamedTensorInfoMap; backend: tf.KernelBackend; attrs?: tf.NamedAttrMap }): tf.TensorInfo {
  const b = backend as WasmBackend;
  const x = inputs['x']!;
  const dy = inputs['dy']!;
  const a = attrs as unknown as {
    strides: [number, number] | number;
    pad: 'valid' | 'same' | number | tf.backend_util.ExplicitPadding;
    dataFormat: 'NHWC' | 'NCHW';
    dimRoundingMode?: 'floor' | 'round' | 'ceil';
    filterShape: [number, number, number, number];
  };
  if (a.dataFormat === 'NCHW') throw new Error('Conv2DBackpropFilter on wasm supports NHWC only');
  const info = tf.backend_util.computeConv2DInfo(x.shape as [number, number, number, number], a.filterShape, a.strides, 1, a.pad, a.dimRoundingMode);
  const { filterHeight: fh, filterWidth: fw, strideHeight: sh, strideWidth: sw, outHeight: oh, outWidth: ow, inHeight: h, inWidth: w } = info;
  const needH = (oh - 1) * sh + fh;
  const needW = (ow - 1) * sw + fw;
  const top = info.padInfo.top;
  const left = info.padInfo.left;
  const temps: tf.TensorInfo[] = [];
  const keep = (t: tf.TensorInfo): tf.TensorInfo => (temps.push(t), t);
  try {
    const padded = keep(
      runKernel('PadV2', b, { x }, { paddings: [[0, 0], [top, Math.max(0, needH - h - top)], [left, Math.max(0, needW - w - left)], [0, 0]], constantValue: 0 }),
    );
    const xT = keep(runKernel('Transpose', b, { x: padded }, { perm: [3, 1, 2, 0] }));
    const dyT = keep(runKernel('Transpose', b, { x: dy }, { perm: [1, 2, 0, 3] }));
    const conv = keep(runKernel('Conv2D', b, { x: xT, filter: dyT }, { strides: [1, 1], pad: 'valid', dataFormat: 'NHWC', dilations: [sh, sw] }));
    const [ci, , , co] = conv.shape as [number, number, number, number];
    const sliced = keep(runKernel('Slice', b, { x: conv }, { begin: [0, 0, 0, 0], size: [ci, fh, fw, co] }));
    return runKernel('Transpose', b, { x: sliced }, { perm: [1, 2, 0, 3] });
  } finally {
    for (const t of temps) b.disposeData(t.dataId);
  }
}

/**
 * Input gradient of a stride-1 convolution as a forward convolution: dx[i] = Σ_a dy[i + top − a] · W[a], i.e. dy
 * zero-padded by (f − 1 − top) before and enough after, convolved ('valid') with the filter reversed in space and
 * with its in/out channels swapped. The wasm backend's own Conv2DBackpropInput is a plain loop, about 10× slower
 * than its XNNPACK forward convolution; strided convolutions keep the original kernel.
 */
function conv2DBackpropInputViaConv(
  original: tf.KernelFunc,
): (args: { inputs: tf.NamedTensorInfoMap; backend: tf.KernelBackend; attrs?: tf.NamedAttrMap }) => tf.TensorInfo | tf.TensorInfo[] {
  return ({ inputs, backend, attrs }) => {
    const b = backend as WasmBackend;
    const dy = inputs['dy']!;
    const filter = inputs['filter']!;
    const a = attrs as unknown as {
      strides: [number, number] | number;
      pad: 'valid' | 'same' | number | tf.backend_util.ExplicitPadding;
      dataFormat: 'NHWC' | 'NCHW';
      dimRoundingMode?: 'floor' | 'round' | 'ceil';
      inputShape: [number, number, number, number];
    };
    const info = tf.backend_util.computeConv2DInfo(a.inputShape, filter.shape as [number, number, number, number], a.strides, 1, a.pad, a.dimRoundingMode);
    if (a.dataFormat === 'NCHW' || info.strideHeight !== 1 || info.strideWidth !== 1) return original({ inputs, backend, attrs: attrs ?? {} });
    const { filterHeight: fh, filterWidth: fw, inHeight: h, inWidth: w, outHeight: oh, outWidth: ow } = info;
    const top = fh - 1 - info.padInfo.top;
    const left = fw - 1 - info.padInfo.left;
    const bottom = h + fh - 1 - oh - top;
    const right = w + fw - 1 - ow - left;
    if (top < 0 || left < 0 || bottom < 0 || right < 0) return original({ inputs, backend, attrs: attrs ?? {} });
    const temps: tf.TensorInfo[] = [];
    const keep = (t: tf.TensorInfo): tf.TensorInfo => (temps.push(t), t);
    try {
      const padded = keep(runKernel('PadV2', b, { x: dy }, { paddings: [[0, 0], [top, bottom], [left, right], [0, 0]], constantValue: 0 }));
      const swapped = keep(runKernel('Transpose', b, { x: filter }, { perm: [0, 1, 3, 2] }));
      const flipped = keep(runKernel('Reverse', b, { x: swapped }, { dims: [0, 1] }));
      return runKernel('Conv2D', b, { x: padded, filter: flipped }, { strides: [1, 1], pad: 'valid', dataFormat: 'NHWC', dilations: [1, 1] });
    } finally {
      for (const t of temps) b.disposeData(t.dataId);
    }
  };
}

/**
 * Gradient of a 1 × 2, stride 1 × 2, 'valid' max pool (what MaxPooling1D(2) becomes): the gradient goes to the first
 * maximum of each pair, as in tfjs' reference kernel (ties go left). Any other pool keeps the original (loop)
 * kernel. This one kernel is a plain loop over the backend's heap (`typedArrayFromHeap`, as the wasm backend's own
 * JavaScript kernels do): the composition of element-wise kernels it replaces (compare, two selects, a concat) cost
 * nine passes and five temporaries, and was the largest single cost of a training step (89 of 427 ms at batch 64 in a tf.profile of one step on the loaded machine).
 */
function maxPoolGradPairs(
  original: tf.KernelFunc,
): (args: { inputs: tf.NamedTensorInfoMap; backend: tf.KernelBackend; attrs?: tf.NamedAttrMap }) => tf.TensorInfo | tf.TensorInfo[] {
  return ({ inputs, backend, attrs }) => {
    const b = backend as WasmHeapBackend;
    const dy = inputs['dy']!;
    const x = inputs['input']!;
    const a = attrs as unknown as { filterSize: [number, number] | number; strides: [number, number] | number; pad: unknown };
    const fs = Array.isArray(a.filterSize) ? a.filterSize : [a.filterSize, a.filterSize];
    const st = Array.isArray(a.strides) ? a.strides : [a.strides, a.strides];
    const [n, hh, ww, c] = x.shape as [number, number, number, number];
    if (fs[0] !== 1 || fs[1] !== 2 || st[0] !== 1 || st[1] !== 2 || a.pad !== 'valid' || ww % 2 !== 0 || x.dtype !== 'float32' || dy.dtype !== 'float32') {
      return original({ inputs, backend, attrs: attrs ?? {} });
    }
    // Allocate first: growing the wasm memory detaches views taken before.
    const out = b.makeOutput(x.shape, 'float32');
    const xv = b.typedArrayFromHeap(x) as Float32Array;
    const gv = b.typedArrayFromHeap(dy) as Float32Array;
    const ov = b.typedArrayFromHeap(out) as Float32Array;
    const cells = n * hh * (ww / 2);
    for (let r = 0; r < cells; r++) {
      const i0 = 2 * r * c;
      const i1 = i0 + c;
      const g0 = r * c;
      for (let k = 0; k < c; k++) {
        const g = gv[g0 + k]!;
        if (xv[i0 + k]! >= xv[i1 + k]!) {
          ov[i0 + k] = g;
          ov[i1 + k] = 0;
        } else {
          ov[i0 + k] = 0;
          ov[i1 + k] = g;
        }
      }
    }
    return out;
  };
}

export function registerWasmTrainingKernels(): void {
  if (registered) return;
  const originalPoolGrad = tf.getKernel('MaxPoolGrad', 'wasm');
  if (originalPoolGrad) {
    tf.unregisterKernel('MaxPoolGrad', 'wasm');
    tf.registerKernel({ kernelName: 'MaxPoolGrad', backendName: 'wasm', kernelFunc: maxPoolGradPairs(originalPoolGrad.kernelFunc) as tf.KernelFunc });
  }
  const originalInput = tf.getKernel('Conv2DBackpropInput', 'wasm');
  if (originalInput) {
    tf.unregisterKernel('Conv2DBackpropInput', 'wasm');
    tf.registerKernel({ kernelName: 'Conv2DBackpropInput', backendName: 'wasm', kernelFunc: conv2DBackpropInputViaConv(originalInput.kernelFunc) as tf.KernelFunc });
  }
  if (!tf.getKernel('Conv2DBackpropFilter', 'wasm')) {
    tf.registerKernel({ kernelName: 'Conv2DBackpropFilter', backendName: 'wasm', kernelFunc: conv2DBackpropFilter as tf.KernelFunc });
  }
  const originalTile = tf.getKernel('Tile', 'wasm');
  if (originalTile) {
    const slowTile = originalTile.kernelFunc;
    tf.unregisterKernel('Tile', 'wasm');
    tf.registerKernel({
      kernelName: 'Tile',
      backendName: 'wasm',
      kernelFunc: ({ inputs, backend, attrs }) => {
        const x = inputs['x']!;
        const reps = (attrs as { reps: number[] }).reps;
        const broadcast = x.dtype === 'float32' && x.shape.every((d, i) => d === 1 || reps[i] === 1);
        if (!broadcast) return slowTile({ inputs, backend, attrs });
        const b = backend as WasmBackend;
        const shape = x.shape.map((d, i) => d * reps[i]!);
        const zeros = runKernel('Fill', b, {}, { shape, value: 0, dtype: 'float32' });
        try {
          return runKernel('Add', b, { a: zeros, b: x }, {});
        } finally {
          b.disposeData(zeros.dataId);
        }
      },
    });
  }
  registered = true;
}
