import * as tf from '@tensorflow/tfjs';

/**
 * Kernels the tfjs wasm backend (4.22) lacks or runs slowly for training, written as compositions of the
 * backend's own kernels (no JavaScript loops over tensor data):
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
      runKernel('PadV2', b, { x }, { paddings: [[0, 0], [top, Math.max(0, needH - h - top)], [left, Math.max(0, needW - w - left)], [0, 0]], constantValue: 0 } as unknown as tf.NamedAttrMap),
    );
    const xT = keep(runKernel('Transpose', b, { x: padded }, { perm: [3, 1, 2, 0] }));
    const dyT = keep(runKernel('Transpose', b, { x: dy }, { perm: [1, 2, 0, 3] }));
    const conv = keep(runKernel('Conv2D', b, { x: xT, filter: dyT }, { strides: [1, 1], pad: 'valid', dataFormat: 'NHWC', dilations: [sh, sw] } as unknown as tf.NamedAttrMap));
    const [ci, , , co] = conv.shape as [number, number, number, number];
    const sliced = keep(runKernel('Slice', b, { x: conv }, { begin: [0, 0, 0, 0], size: [ci, fh, fw, co] }));
    return runKernel('Transpose', b, { x: sliced }, { perm: [1, 2, 0, 3] });
  } finally {
    for (const t of temps) b.disposeData(t.dataId);
  }
}

export function registerWasmTrainingKernels(): void {
  if (registered) return;
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
