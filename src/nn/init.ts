/**
 * `nn.init`: in-place initializers named and defined as `torch.nn.init`, drawing from attn's seeded
 * generator (`manualSeed` makes them reproducible), plus `copy_`, the in-place write that
 * `loadStateDict` and the optimizers use.
 *
 * "In place" means the tensor's own storage is overwritten: every alias (a `stateDict()` view, an
 * optimizer holding the parameter) sees the new values. Each write bumps the storage version, so
 * backward refuses to use a saved tensor that was modified after the forward pass.
 *
 * ```ts
 * const w = zeros([64, 32]);
 * init.xavierUniform_(w);                 // U(−a, a), a = √(6 / (32 + 64))
 * init.kaimingUniform_(w, { a: Math.sqrt(5) }); // what nn.Linear does
 * ```
 */
import { ENGINE } from '../engine/engine.js';
import type { Tensor } from '../tensor/tensor.js';
import { globalGenerator, type Generator } from '../tensor/random.js';
import { formatShape, shapesEqual } from '../tensor/shape.js';
import { bytesPerElement, isHalf } from '../tensor/dtype.js';
import { floatsToHalf } from '../tensor/half.js';

export type Nonlinearity = 'linear' | 'conv1d' | 'conv2d' | 'sigmoid' | 'tanh' | 'relu' | 'leaky_relu' | 'selu';
export interface InitOptions {
  /** Defaults to attn's global generator. */
  generator?: Generator;
}

/** Writes `fill(i)` for every element of `t`, in place. */
function fillWith(op: string, t: Tensor, fill: (i: number) => number): Tensor {
  t.assertAlive(op);
  if (t.dtype !== 'float32') throw new TypeError(`${op}: expected a float32 tensor, got ${t.dtype} ${formatShape(t.shape)}`);
  const values = new Float32Array(t.size);
  for (let i = 0; i < values.length; i++) values[i] = fill(i);
  // Take the view only now: any allocation in between could have grown (and detached) the arena.
  ENGINE.view(t.handle.storage.ptr, t.size, t.dtype).set(values);
  t.handle.storage.version++;
  return t;
}

/**
 * Copies `source` (a tensor or a typed array with as many elements) into `target`'s storage, in
 * place (PyTorch's `target.copy_(source)` without broadcasting). int32 sources are converted when
 * the target is float32. A bfloat16/float16 target takes float values rounded to nearest even, or
 * its raw bits as a `Uint16Array` (how a checkpoint's half weights are written unchanged).
 * Returns target.
 *
 * ```ts
 * copy_(param, loaded); // everyone holding `param` now sees the loaded values
 * ```
 */
export function copy_(target: Tensor, source: Tensor | Float32Array | Int32Array | Uint16Array): Tensor {
  target.assertAlive('copy_');
  if (source instanceof Float32Array || source instanceof Int32Array || source instanceof Uint16Array) {
    if (source.length !== target.size) {
      throw new Error(`copy_: ${source.length} values cannot fill a tensor of shape ${formatShape(target.shape)} (${target.size} elements)`);
    }
    if (source instanceof Uint16Array && !isHalf(target.dtype)) {
      throw new TypeError(`copy_: raw 16-bit values fill only a bfloat16/float16 tensor, the target is ${target.dtype} ${formatShape(target.shape)}`);
    }
  } else {
    source.assertAlive('copy_');
    if (!shapesEqual(source.shape, target.shape)) {
      throw new Error(`copy_: source shape ${formatShape(source.shape)} does not match target shape ${formatShape(target.shape)}`);
    }
    if (source.handle.storage === target.handle.storage) return target;
    if (source.dtype === target.dtype) {
      // The same dtype: one move inside the arena, no JavaScript copy of the values.
      const bytes = bytesPerElement(target.dtype);
      const words = bytes === 2 ? ENGINE.arena.u16 : ENGINE.arena.i32;
      const shift = bytes === 2 ? 1 : 2;
      const from = source.handle.storage.ptr >>> shift;
      words.copyWithin(target.handle.storage.ptr >>> shift, from, from + source.size);
      target.handle.storage.version++;
      return target;
    }
  }
  if (isHalf(target.dtype)) {
    const ptr = target.handle.storage.ptr >>> 1;
    let bits: Uint16Array;
    if (source instanceof Uint16Array) bits = source;
    else {
      const values = source instanceof Float32Array || source instanceof Int32Array ? source : source.data();
      bits = floatsToHalf(values instanceof Float32Array ? values : Float32Array.from(values), target.dtype) as Uint16Array;
    }
    // Take the view only now: any allocation in between could have grown (and detached) the arena.
    ENGINE.arena.u16.set(bits, ptr);
    target.handle.storage.version++;
    return target;
  }
  if (source instanceof Uint16Array) throw new Error('copy_: unreachable'); // refused above for a non-half target
  const values = source instanceof Float32Array || source instanceof Int32Array ? source : source.data();
  const view = ENGINE.view(target.handle.storage.ptr, target.size, target.dtype);
  if (target.dtype === 'float32' || (values instanceof Int32Array && target.dtype === 'int32')) view.set(values);
  else for (let i = 0; i < values.length; i++) view[i] = target.dtype === 'bool' ? (values[i] ? 1 : 0) : Math.trunc(values[i]!);
  target.handle.storage.version++;
  return target;
}

/** PyTorch's `_calculate_fan_in_and_fan_out`: dim 1 is fan in, dim 0 fan out, times the receptive field. */
export function calculateFanInAndFanOut(t: Tensor): [fanIn: number, fanOut: number] {
  if (t.rank < 2) {
    throw new Error(`init: fan in and fan out cannot be computed for a tensor with fewer than 2 dims, got ${formatShape(t.shape)}`);
  }
  const receptive = t.shape.slice(2).reduce((a, b) => a * b, 1);
  return [t.shape[1]! * receptive, t.shape[0]! * receptive];
}

/** `torch.nn.init.calculate_gain`: the recommended gain for a nonlinearity. `calculateGain('relu')` is √2. */
export function calculateGain(nonlinearity: Nonlinearity, param?: number): number {
  switch (nonlinearity) {
    case 'linear': case 'conv1d': case 'conv2d': case 'sigmoid': return 1;
    case 'tanh': return 5 / 3;
    case 'relu': return Math.SQRT2;
    case 'leaky_relu': {
      const slope = param ?? 0.01;
      return Math.sqrt(2 / (1 + slope * slope));
    }
    case 'selu': return 3 / 4;
    default: throw new Error(`calculateGain: unsupported nonlinearity ${JSON.stringify(nonlinearity)}`);
  }
}

let skipDepth = 0;

/** True inside `withoutInit` (the random initializers are no-ops). */
export function isInitSkipped(): boolean {
  return skipDepth > 0;
}

/**
 * Runs `fn` with the random initializers (uniform_, normal_ and the xavier/kaiming ones built on
 * them) turned into no-ops, as Hugging Face's `no_init_weights` when loading a checkpoint: a
 * module built inside keeps its freshly allocated values (zeros; constant_/ones_/zeros_ still
 * apply) and draws nothing from the generator. Only for weights that are overwritten at once —
 * random init of a large model costs far more than reading its checkpoint.
 *
 * ```ts
 * const model = withoutInit(() => new GPT(config)); // then loadStateDict / copy_ every parameter
 * ```
 */
export function withoutInit<T>(fn: () => T): T {
  skipDepth++;
  try {
    return fn();
  } finally {
    skipDepth--;
  }
}

/** Fills with U(a, b). `uniform_(t, -0.1, 0.1)` */
export function uniform_(t: Tensor, a = 0, b = 1, options: InitOptions = {}): Tensor {
  if (skipDepth > 0) return t;
  const g = options.generator ?? globalGenerator;
  return fillWith('uniform_', t, () => a + (b - a) * g.nextFloat());
}

/** Fills with N(mean, std²). `normal_(t, 0, 0.02)` */
export function normal_(t: Tensor, mean = 0, std = 1, options: InitOptions = {}): Tensor {
  if (skipDepth > 0) return t;
  const g = options.generator ?? globalGenerator;
  return fillWith('normal_', t, () => mean + std * g.nextNormal());
}

/** Fills with `value`. `constant_(t, 0.5)` */
export const constant_ = (t: Tensor, value: number): Tensor => fillWith('constant_', t, () => value);
/** `zeros_(bias)` */
export const zeros_ = (t: Tensor): Tensor => constant_(t, 0);
/** `ones_(weight)` */
export const ones_ = (t: Tensor): Tensor => constant_(t, 1);

/** Glorot: U(−a, a) with a = gain·√(6 / (fanIn + fanOut)). `xavierUniform_(w)` */
export function xavierUniform_(t: Tensor, gain = 1, options: InitOptions = {}): Tensor {
  const [fanIn, fanOut] = calculateFanInAndFanOut(t);
  const a = gain * Math.sqrt(6 / (fanIn + fanOut));
  return uniform_(t, -a, a, options);
}

/** Glorot: N(0, std²) with std = gain·√(2 / (fanIn + fanOut)). `xavierNormal_(w)` */
export function xavierNormal_(t: Tensor, gain = 1, options: InitOptions = {}): Tensor {
  const [fanIn, fanOut] = calculateFanInAndFanOut(t);
  return normal_(t, 0, gain * Math.sqrt(2 / (fanIn + fanOut)), options);
}

export interface KaimingOptions extends InitOptions {
  /** Negative slope of the leaky ReLU after this layer (default 0). */
  a?: number;
  mode?: 'fan_in' | 'fan_out';
  nonlinearity?: Nonlinearity;
}

function kaimingStd(t: Tensor, options: KaimingOptions): number {
  const [fanIn, fanOut] = calculateFanInAndFanOut(t);
  const fan = (options.mode ?? 'fan_in') === 'fan_in' ? fanIn : fanOut;
  return calculateGain(options.nonlinearity ?? 'leaky_relu', options.a ?? 0) / Math.sqrt(fan);
}

/** He: U(−b, b) with b = gain·√(3 / fan). `kaimingUniform_(w, { a: Math.sqrt(5) })` is nn.Linear's init. */
export function kaimingUniform_(t: Tensor, options: KaimingOptions = {}): Tensor {
  const bound = Math.sqrt(3) * kaimingStd(t, options);
  return uniform_(t, -bound, bound, options);
}

/** He: N(0, std²) with std = gain / √fan. `kaimingNormal_(w, { nonlinearity: 'relu' })` */
export function kaimingNormal_(t: Tensor, options: KaimingOptions = {}): Tensor {
  return normal_(t, 0, kaimingStd(t, options), options);
}
