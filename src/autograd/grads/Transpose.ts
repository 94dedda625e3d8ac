import { registerGradient } from '../registry.js';
import * as ops from '../../ops/index.js';

/** Permute back with the inverse permutation. */
registerGradient({
  kernel: 'Transpose',
  grad([dy], { attrs: { perm } }) {
    const inverse = new Array<number>(perm.length);
    perm.forEach((p, i) => (inverse[p] = i));
    return [ops.permute(dy!, inverse)];
  },
});
