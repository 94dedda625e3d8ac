import { registerGradient } from '../registry.js';
import { apply1 } from '../apply.js';

/** Pad the gradient with zeros back to the input's extent. */
registerGradient({
  kernel: 'Slice',
  grad([dy], { attrs: { begin, size }, inputMeta }) {
    const shape = inputMeta[0]!.shape;
    const pads = shape.map((d, i) => [begin[i]!, d - begin[i]! - size[i]!] as [number, number]);
    return [apply1('Pad', [dy!], { pads, value: 0 })];
  },
});
