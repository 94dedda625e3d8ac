import { registerGradient } from '../registry.js';
import * as ops from '../../ops/index.js';
import { sumToShape } from './util.js';

/** Gradients of broadcast arithmetic, summed back to each operand's shape. */
registerGradient({
  kernel: 'Binary',
  saveInputs: [0, 1],
  saveOutputs: [0],
  grad([dy], { inputs: [a, b], outputs: [y], attrs: { op }, inputMeta, needsGrad }) {
    const g = dy!;
    const x = a!;
    const z = b!;
    let da: ReturnType<typeof ops.add> | null = null;
    let db: ReturnType<typeof ops.add> | null = null;
    switch (op) {
      case 'add':
        da = g;
        db = g;
        break;
      case 'sub':
        da = g;
        db = needsGrad[1] ? g.neg() : null;
        break;
      case 'mul':
        da = needsGrad[0] ? g.mul(z) : null;
        db = needsGrad[1] ? g.mul(x) : null;
        break;
      case 'div':
        da = needsGrad[0] ? g.div(z) : null;
        db = needsGrad[1] ? g.mul(x).div(z.square()).neg() : null;
        break;
      case 'pow':
        // d/da aᵇ = b·aᵇ⁻¹, taken as 0 where b = 0 (else 0·0⁻¹ = NaN at a = 0);
        // d/db aᵇ = aᵇ·ln a, taken as 0 where a = 0 (both PyTorch's convention).
        da = needsGrad[0] ? ops.where(z.eq(0), 0, g.mul(z).mul(x.pow(z.sub(1)))) : null;
        db = needsGrad[1] ? ops.where(x.eq(0), 0, g.mul(y!).mul(x.log())) : null;
        break;
      case 'maximum':
      case 'minimum': {
        // The winner takes the gradient; ties split it evenly (PyTorch).
        const wins = op === 'maximum' ? x.gt(z) : x.lt(z);
        const share = ops.where(wins, 1, ops.where(x.eq(z), 0.5, 0));
        da = needsGrad[0] ? g.mul(share) : null;
        db = needsGrad[1] ? g.mul(share.neg().add(1)) : null;
        break;
      }
    }
    return [da && sumToShape(da, inputMeta[0]!.shape), db && sumToShape(db, inputMeta[1]!.shape)];
  },
});
