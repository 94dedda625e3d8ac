import { registerGradient } from '../registry.js';

/** Only float → float casts are recorded (others produce integer outputs); the gradient passes through. */
registerGradient({
  kernel: 'Cast',
  grad: ([dy]) => [dy!],
});
