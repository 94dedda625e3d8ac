/** Containers: `Sequential` (keys `0.…`, `1.…`) and `ModuleList`. */
import type { Tensor } from '../tensor/tensor.js';
import { Module } from './module.js';

/**
 * Runs modules one after another; each must take and return one tensor.
 *
 * ```ts
 * const mlp = new Sequential(new Linear(4, 8), new ReLU(), new Linear(8, 2));
 * mlp.forward(x); // (B, 4) → (B, 2); keys '0.weight', '0.bias', '2.weight', '2.bias'
 * ```
 */
export class Sequential extends Module {
  private readonly items: Module[] = [];
  constructor(...modules: Module[]) {
    super();
    for (const m of modules) this.append(m);
  }
  append(m: Module): this {
    this.registerModule(String(this.items.length), m);
    this.items.push(m);
    return this;
  }
  get length(): number {
    return this.items.length;
  }
  /** The i-th module (negative counts from the end). */
  at(i: number): Module {
    const m = this.items[i < 0 ? i + this.items.length : i];
    if (!m) throw new RangeError(`Sequential.at: index ${i} is out of range for ${this.items.length} modules`);
    return m;
  }
  [Symbol.iterator](): Iterator<Module> {
    return this.items[Symbol.iterator]();
  }
  override forward(x: Tensor): Tensor {
    let y = x;
    for (const m of this.items) y = m.forward(y) as Tensor;
    return y;
  }
}

/**
 * A list of submodules registered as `0`, `1`, … (no forward of its own).
 *
 * ```ts
 * const layers = new ModuleList(Array.from({ length: 2 }, () => new Linear(8, 8)));
 * for (const layer of layers) x = layer.forward(x);
 * ```
 */
export class ModuleList<M extends Module = Module> extends Module {
  private readonly items: M[] = [];
  constructor(modules: Iterable<M> = []) {
    super();
    for (const m of modules) this.append(m);
  }
  append(m: M): this {
    this.registerModule(String(this.items.length), m);
    this.items.push(m);
    return this;
  }
  get length(): number {
    return this.items.length;
  }
  at(i: number): M {
    const m = this.items[i < 0 ? i + this.items.length : i];
    if (!m) throw new RangeError(`ModuleList.at: index ${i} is out of range for ${this.items.length} modules`);
    return m;
  }
  [Symbol.iterator](): Iterator<M> {
    return this.items[Symbol.iterator]();
  }
}
