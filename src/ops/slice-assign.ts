/** In-place slice assignment (kernel `SliceAssign`): the KV cache's append, without autograd. */
import { ENGINE } from '../engine/engine.js';
import type { Tensor } from '../tensor/tensor.js';
import { formatShape, normalizeAxis, ShapeError } from '../tensor/shape.js';

/**
 * Writes `src` into `dst` in place at offset `start` along `axis`:
 * `dst[…, start : start + src.shape[axis], …] = src` (PyTorch's `dst.narrow(axis, start, n).copy_(src)`).
 * The other dims and the dtype must match. Not differentiable: refused when either tensor requires
 * grad (write into a buffer of your own, e.g. a `KVCache`). Bumps dst's version, so a backward that
 * saved dst before the write reports it.
 *
 * ```ts
 * const cache = zeros([1, 2, 16, 8]);            // (B, H, Tmax, D)
 * sliceAssign_(cache, kNew, 2, 5);               // kNew (1, 2, 3, 8) lands in rows 5..7
 * ```
 */
export function sliceAssign_(dst: Tensor, src: Tensor, axis: number, start: number): Tensor {
  dst.assertAlive('sliceAssign_');
  src.assertAlive('sliceAssign_');
  if (dst.requiresGrad || (src.requiresGrad && ENGINE.gradEnabled)) {
    throw new Error(
      `sliceAssign_: in-place writes are not differentiable, but ${dst.requiresGrad ? `dst ${formatShape(dst.shape)}` : `src ${formatShape(src.shape)}`} requires grad ` +
        '(detach() it, or run under noGrad())',
    );
  }
  if (dst.dtype !== src.dtype) throw new TypeError(`sliceAssign_: dst is ${dst.dtype} but src is ${src.dtype}`);
  const ax = normalizeAxis('sliceAssign_', axis, dst.rank);
  const rows = src.shape[ax] ?? 0;
  if (src.rank !== dst.rank || dst.shape.some((n, d) => d !== ax && n !== src.shape[d])) {
    throw new ShapeError(`sliceAssign_: src ${formatShape(src.shape)} must match dst ${formatShape(dst.shape)} in every dim but axis ${ax}`);
  }
  if (!Number.isInteger(start) || start < 0 || start + rows > dst.shape[ax]!) {
    throw new RangeError(
      `sliceAssign_: src ${formatShape(src.shape)} at start ${start} along axis ${ax} needs rows ${start}..${start + rows - 1}, but dst ${formatShape(dst.shape)} has ${dst.shape[ax]}`,
    );
  }
  if (src.size > 0) ENGINE.runKernel('SliceAssign', [dst.infoFor('sliceAssign_'), src.infoFor('sliceAssign_')], { axis: ax, start });
  dst.handle.storage.version++;
  return dst;
}
