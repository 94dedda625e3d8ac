import { registerGradient } from '../registry.js';
import * as ops from '../../ops/index.js';
import { sumToShape } from './util.js';

/**
 * For y = op(A)·op(B): dA and dB are matrix products of dy with the other operand, with the
 * transposes chosen so no explicit transpose is materialized; broadcast batch dims are summed.
 */
registerGradient({
  kernel: 'MatMul',
  saveInputs: [0, 1],
  grad([dy], { inputs: [a, b], attrs: { transA, transB }, inputMeta, needsGrad }) {
    const g = dy!;
    const A = a!;
    const B = b!;
    let da = null;
    let db = null;
    if (needsGrad[0]) {
      da = !transA
        ? ops.matmul(g, B, { transB: !transB }) // dA = dy·op(B)ᵀ
        : ops.matmul(B, g, { transA: transB, transB: true }); // dA = (dy·op(B)ᵀ)ᵀ = op(B)·dyᵀ
    }
    if (needsGrad[1]) {
      db = !transB
        ? ops.matmul(A, g, { transA: !transA }) // dB = op(A)ᵀ·dy
        : ops.matmul(g, A, { transA: true, transB: transA }); // dB = (op(A)ᵀ·dy)ᵀ = dyᵀ·op(A)
    }
    return [da && sumToShape(da, inputMeta[0]!.shape), db && sumToShape(db, inputMeta[1]!.shape)];
  },
});
