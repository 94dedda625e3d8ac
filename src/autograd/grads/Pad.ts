import { registerGradient } from '../registry.js';
import { apply1 } from '../apply.js';

/** Negated padding crops the gradient back to the input (and zero-pads where the input was cropped). */
registerGradient({
  kernel: 'Pad',
  grad([dy], { attrs: { pads } }) {
    return [apply1('Pad', [dy!], { pads: pads.map(([a, b]) => [-a, -b] as [number, number]), value: 0 })];
  },
});
