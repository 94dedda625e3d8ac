import { registerGradient } from '../registry.js';
import { apply1 } from '../apply.js';

/** The mask is a function of (seed, index): dropping the gradient with the same seed applies the same mask and scale. */
registerGradient({
  kernel: 'Dropout',
  grad: ([dy], { attrs }) => [apply1('Dropout', [dy!], attrs)],
});
