import { registerGradient } from '../registry.js';
import { sumToShape } from './util.js';

registerGradient({
  kernel: 'BroadcastTo',
  grad: ([dy], { inputMeta }) => [sumToShape(dy!, inputMeta[0]!.shape)],
});
