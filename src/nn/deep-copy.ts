/** `deepCopy`: PyTorch's `copy.deepcopy` for modules. */
import { Tensor } from '../tensor/tensor.js';
import { keep } from '../engine/scope.js';
import { noGrad } from '../autograd/apply.js';
import { Module } from './module.js';

/**
 * A deep copy of a module (PyTorch's `copy.deepcopy`): same class, same configuration, its own
 * copies of every parameter and buffer (kept, same `requiresGrad`, no gradient). Used by
 * `TransformerEncoder` to stack copies of one layer.
 *
 * ```ts
 * const twin = deepCopy(layer);
 * ```
 */
export function deepCopy<M extends Module>(module: M): M {
  const memo = new Map<unknown, unknown>();
  const copy = (v: unknown): unknown => {
    if (v === null || typeof v !== 'object') return v; // numbers, strings, functions: shared
    if (memo.has(v)) return memo.get(v);
    if (v instanceof Tensor) {
      const c = keep(noGrad(() => v.clone()));
      c.requiresGrad = v.requiresGrad;
      memo.set(v, c);
      return c;
    }
    if (v instanceof Map) {
      const out = new Map();
      memo.set(v, out);
      for (const [k, x] of v) out.set(k, copy(x));
      return out;
    }
    if (v instanceof Set) {
      const out = new Set();
      memo.set(v, out);
      for (const x of v) out.add(copy(x));
      return out;
    }
    if (Array.isArray(v)) {
      const out: unknown[] = [];
      memo.set(v, out);
      for (const x of v) out.push(copy(x));
      return out;
    }
    if (ArrayBuffer.isView(v)) return (v as unknown as Float32Array).slice();
    if (v instanceof Module || Object.getPrototypeOf(v) === Object.prototype) {
      const out = Object.create(Object.getPrototypeOf(v)) as object;
      memo.set(v, out);
      for (const key of Reflect.ownKeys(v)) {
        const desc = Object.getOwnPropertyDescriptor(v, key)!;
        if ('value' in desc) desc.value = copy(desc.value);
        Object.defineProperty(out, key, desc);
      }
      return out;
    }
    return v; // other objects (a Generator, …) are shared, as they are not state of the module
  };
  return copy(module) as M;
}
