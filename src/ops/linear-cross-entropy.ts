/**
 * Cross-entropy of a linear layer's output, `crossEntropy(x Wᵀ + b, targets)`, computed in row
 * chunks so that at most `chunkSize × V` logits exist at once (a language model's head: V is the
 * vocabulary, and the full (N, V) logits plus their gradient are the largest tensors of a step).
 * The forward runs chunk by chunk without recording; the backward recomputes each chunk's logits,
 * takes their gradient from the fused `CrossEntropyGrad` kernel and accumulates dx, dW and db.
 */
import { noGrad, recordOp } from '../autograd/apply.js';
import { apply1 } from '../autograd/apply.js';
import { tidy } from '../engine/scope.js';
import { ENGINE } from '../engine/engine.js';
import type { Tensor } from '../tensor/tensor.js';
import { formatShape, ShapeError } from '../tensor/shape.js';
import { crossEntropy } from './cross-entropy.js';
import { checkIndices } from './indexing.js';
import { matmul } from './matmul.js';
import { cat, narrow } from './shape.js';
import { full, scalar } from './creation.js';
import { isHalf } from '../tensor/dtype.js';

export interface LinearCrossEntropyOptions {
  /** Bias (V) added to the logits. */
  bias?: Tensor | null;
  /** Rows of logits computed at once (default 1024): peak extra memory is about 2 · chunkSize · V floats. */
  chunkSize?: number;
  /** Targets equal to this are skipped (default -100, as PyTorch). */
  ignoreIndex?: number;
  /** ε in [0, 1): mixes the target with a uniform distribution. */
  labelSmoothing?: number;
  /** 'mean' (default) averages over the non-ignored targets; 'sum' adds them. */
  reduction?: 'mean' | 'sum';
}

/**
 * `crossEntropy(linear(x, weight, bias), targets)` for x (N, d), weight (V, d), int32 targets (N),
 * without holding more than `chunkSize` rows of logits (forward or backward). Gradients flow to x,
 * weight and bias; a weight shared with an embedding (tied lm_head) gets both gradients summed. A
 * bfloat16/float16 weight (frozen) is multiplied in place, in float32.
 *
 * ```ts
 * const loss = linearCrossEntropy(hidden.reshape([-1, C]), wte.weight, targets.reshape([-1]), { chunkSize: 256 });
 * loss.backward();
 * ```
 */
export function linearCrossEntropy(x: Tensor, weight: Tensor, targets: Tensor, options: LinearCrossEntropyOptions = {}): Tensor {
  const op = 'linearCrossEntropy';
  const bias = options.bias ?? null;
  const ignoreIndex = options.ignoreIndex ?? -100;
  const labelSmoothing = options.labelSmoothing ?? 0;
  const reduction = options.reduction ?? 'mean';
  const chunkSize = options.chunkSize ?? 1024;
  x.assertAlive(op);
  weight.assertAlive(op);
  targets.assertAlive(op);
  bias?.assertAlive(op);
  if (reduction !== 'mean' && reduction !== 'sum') throw new Error(`${op}: reduction must be 'mean' or 'sum', got '${reduction}'`);
  if (!(Number.isInteger(chunkSize) && chunkSize >= 1)) throw new RangeError(`${op}: chunkSize must be a positive integer, got ${chunkSize}`);
  if (!(labelSmoothing >= 0 && labelSmoothing < 1)) throw new RangeError(`${op}: labelSmoothing must be in [0, 1), got ${labelSmoothing}`);
  if (x.rank !== 2 || x.dtype !== 'float32') throw new ShapeError(`${op}: x must be float32 (N, d), got ${x.dtype} ${formatShape(x.shape)}`);
  // A frozen bfloat16/float16 weight (an lm_head under LoRA) is read in place by the products below.
  if (weight.rank !== 2 || !(weight.dtype === 'float32' || isHalf(weight.dtype)) || weight.shape[1] !== x.shape[1]) {
    throw new ShapeError(`${op}: weight must be float32 or bfloat16/float16 (V, ${x.shape[1]}) to match x ${formatShape(x.shape)}, got ${weight.dtype} ${formatShape(weight.shape)}`);
  }
  const [N, d] = x.shape as [number, number];
  const V = weight.shape[0]!;
  if (bias && (bias.rank !== 1 || bias.shape[0] !== V)) throw new ShapeError(`${op}: bias must be (${V}) to match weight ${formatShape(weight.shape)}, got ${formatShape(bias.shape)}`);
  if (targets.dtype !== 'int32' || targets.rank !== 1 || targets.shape[0] !== N) {
    throw new ShapeError(`${op}: targets must be int32 (${N}) to match x ${formatShape(x.shape)}, got ${targets.dtype} ${formatShape(targets.shape)}`);
  }
  checkIndices(op, targets, V, `${V} classes (weight ${formatShape(weight.shape)})`, ignoreIndex);
  const ids = ENGINE.view(targets.handle.storage.ptr, N, 'int32');
  let counted = 0;
  for (let i = 0; i < N; i++) if (ids[i] !== ignoreIndex) counted++;
  const attrs = { ignoreIndex, labelSmoothing };

  const chunkLogits = (xs: Tensor, w: Tensor, b: Tensor | null, start: number, rows: number): { xc: Tensor; logits: Tensor } => {
    const xc = rows === N ? xs : narrow(xs, 0, start, rows); // (rows, d)
    let logits = matmul(xc, w, { transB: true }); // (rows, V)
    if (b) logits = logits.add(b); // (rows, V)
    return { xc, logits };
  };

  let total = 0;
  noGrad(() => {
    for (let start = 0; start < N; start += chunkSize) {
      const rows = Math.min(chunkSize, N - start);
      total += tidy(() => {
        const { logits } = chunkLogits(x, weight, bias, start, rows);
        const tc = rows === N ? targets : narrow(targets, 0, start, rows); // (rows)
        return crossEntropy(logits, tc, { ignoreIndex, labelSmoothing, reduction: 'sum' }).item();
      });
    }
  });
  // PyTorch gives NaN when every target is ignored (0/0); so do we.
  const out = scalar(reduction === 'mean' ? total / counted : total);

  const wantsWeight = weight.requiresGrad;
  const wantsBias = bias?.requiresGrad ?? false;
  recordOp(
    op,
    [x, weight, bias],
    [out],
    ([dloss], node) => {
      const [xs, w, ts] = node.saved as [Tensor, Tensor, Tensor];
      const b = bias ? node.saved[3]! : null;
      // d(loss)/d(row loss): dloss for 'sum', dloss / counted for 'mean'.
      const scale = reduction === 'mean' ? dloss!.div(counted) : dloss!; // ()
      const dxParts: Tensor[] = [];
      let dW: Tensor | null = null; // (V, d)
      let db: Tensor | null = null; // (V)
      for (let start = 0; start < N; start += chunkSize) {
        const rows = Math.min(chunkSize, N - start);
        const step = tidy(() => {
          const { xc, logits } = chunkLogits(xs, w, b, start, rows);
          const tc = rows === N ? ts : narrow(ts, 0, start, rows); // (rows)
          const dRows = full([rows], 1).mul(scale); // (rows)
          const dlogits = apply1('CrossEntropyGrad', [logits, tc, dRows], attrs, op); // (rows, V)
          logits.dispose();
          const dxc = matmul(dlogits, w); // (rows, d)
          const part = wantsWeight ? matmul(dlogits, xc, { transA: true }) : null; // (V, d)
          let dW2 = part; // (V, d)
          if (part && dW) {
            // dW += part in place: dW.add(part) would hold three (V, d) tensors at once.
            accumulate(dW, part);
            part.dispose();
            dW2 = dW;
          }
          const partB = wantsBias ? dlogits.sum(0) : null; // (V)
          const db2 = partB && db ? db.add(partB) : partB; // (V)
          return { dxc, dW: dW2, db: db2 };
        });
        if (db && step.db !== db) db.dispose();
        dxParts.push(step.dxc);
        dW = step.dW;
        db = step.db;
      }
      if (scale !== dloss) scale.dispose();
      const dx = dxParts.length === 1 ? dxParts[0]! : cat(dxParts, 0); // (N, d)
      if (dxParts.length > 1) for (const p of dxParts) p.dispose();
      return [dx, dW, db];
    },
    bias ? [x, weight, targets, bias] : [x, weight, targets],
  );
  return out;
}

/** acc += part elementwise, in place; both float32 of one shape, synchronous storage (our own fresh tensors). */
function accumulate(acc: Tensor, part: Tensor): void {
  const a = ENGINE.view(acc.handle.storage.ptr, acc.size, 'float32');
  const b = ENGINE.view(part.handle.storage.ptr, part.size, 'float32');
  for (let i = 0; i < a.length; i++) a[i]! += b[i]!;
  acc.handle.storage.version++;
}
