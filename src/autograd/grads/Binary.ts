import { registerGradient } from '../registry.js';
import * as ops from '../../ops/index.js';
import { sumToShape } from './util.js';

/** Gradients of broadcast arithmetic, summed back to each operand's shape. */
registerGradient({
  kernel: 'Binary',
  // Only what each op's gradient reads: add and sub read nothing (a GPT block's residual and bias
  // adds kept ~100 MiB per block at GPT-2 small's 4 × 512 for nothing), mul the other operand.
  saveInputs: ({ op }, needs) => {
    if (op === 'add' || op === 'sub') return [];
    if (op === 'mul') return [...(needs[1] ? [0] : []), ...(needs[0] ? [1] : [])];
    if (op === 'div') return [1];
    return [0, 1];
  },
  saveOutputs: ({ op }, needs) => ((op === 'div' && needs[1]) || (op === 'pow' && needs[1]) ? [0] : []),
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
        // −g·((a/b)/b) as PyTorch, not −g·a/b²: b² overflows for |b| > 1.8e19 (a = b = 3e38 gave -0).
        db = needsGrad[1] ? g.mul(y!.div(z)).neg() : null;
        break;
      case 'pow':
        // d/da aᵇ = b·aᵇ⁻¹, taken as 0 where b = 0 (else 0·0⁻¹ = NaN at a = 0);
        // d/db aᵇ = aᵇ·ln a, taken as 0 where a = 0 (both PyTorch's convention).
        // g·(b·aᵇ⁻¹) in PyTorch's order: b·aᵇ⁻¹ may overflow to inf where (g·b)·aᵇ⁻¹ would not.
        da = needsGrad[0] ? ops.where(z.eq(0), 0, g.mul(z.mul(x.pow(z.sub(1))))) : null;
        db = needsGrad[1] ? ops.where(x.eq(0), 0, g.mul(y!).mul(x.log())) : null;
        break;
      case 'maximum':
      case 'minimum': {
        // The winner takes the gradient; ties split it evenly; where either is NaN, both get it
        // (PyTorch: each side's gradient is zeroed only where it strictly loses).
        const tie = ops.where(x.eq(z), 0.5, 1);
        const aLoses = op === 'maximum' ? x.lt(z) : x.gt(z);
        const bLoses = op === 'maximum' ? x.gt(z) : x.lt(z);
        da = needsGrad[0] ? g.mul(ops.where(aLoses, 0, tie)) : null;
        db = needsGrad[1] ? g.mul(ops.where(bLoses, 0, tie)) : null;
        break;
      }
    }
    return [da && sumToShape(da, inputMeta[0]!.shape), db && sumToShape(db, inputMeta[1]!.shape)];
  },
});
