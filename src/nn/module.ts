/**
 * `Module`: the base of every layer, as `torch.nn.Module`. A module registers its parameters,
 * buffers and submodules by name, so `namedParameters()` and `stateDict()` give PyTorch's dotted
 * keys (`layers.0.self_attn.in_proj_weight`) and a PyTorch state dict loads unchanged.
 *
 * Parameters are float32 leaf tensors with `requiresGrad`, kept out of every `tidy` scope (a model
 * built inside `tidy` survives it); `dispose()` frees them. Built inside `withHalfWeights`, a
 * module's matrices (parameters of rank ≥ 2: Linear and Embedding weights) are bfloat16/float16
 * instead, frozen (no gradient), 2 bytes per element; vectors (norms, biases) stay float32. `loadStateDict` writes into the
 * existing parameter storage, so optimizers and other holders of the parameter objects see the
 * loaded values.
 *
 * ```ts
 * class Mlp extends Module {
 *   fc1 = this.registerModule('fc1', new Linear(4, 8));
 *   fc2 = this.registerModule('fc2', new Linear(8, 2));
 *   override forward(x: Tensor): Tensor {
 *     return this.fc2.forward(this.fc1.forward(x).relu()); // (B, 2)
 *   }
 * }
 * const m = new Mlp();
 * Object.keys(m.stateDict()); // ['fc1.weight', 'fc1.bias', 'fc2.weight', 'fc2.bias']
 * ```
 */
import '../autograd/grads/index.js';
import { Tensor } from '../tensor/tensor.js';
import { formatShape, shapesEqual } from '../tensor/shape.js';
import { keep } from '../engine/scope.js';
import { noGrad } from '../autograd/apply.js';
import { copy_, isInitSkipped } from './init.js';
import { ENGINE } from '../engine/engine.js';
import { isHalf, type HalfDType } from '../tensor/dtype.js';
import { cast } from '../ops/cast.js';

let halfWeights: HalfDType | null = null;

/**
 * Builds modules whose weight matrices (parameters of rank ≥ 2) are stored in `dtype` (frozen,
 * 2 bytes per element) instead of float32; vectors stay float32. Each float32 matrix a layer
 * allocates is replaced as it is registered, so at most one float32 matrix exists at a time.
 * Inside `withoutInit` the half matrices start at zero (to be overwritten by a checkpoint);
 * otherwise they are the float32 initial values rounded to nearest even.
 *
 * ```ts
 * const model = withHalfWeights('bfloat16', () => withoutInit(() => new LlamaForCausalLM(config)));
 * ```
 */
export function withHalfWeights<T>(dtype: HalfDType, fn: () => T): T {
  const previous = halfWeights;
  halfWeights = dtype;
  try {
    return fn();
  } finally {
    halfWeights = previous;
  }
}

/** A state dict value: a tensor, or raw data as read from a safetensors file. */
export type StateValue = Tensor | { shape: readonly number[]; data: Float32Array | Int32Array };

export interface LoadResult {
  missingKeys: string[];
  unexpectedKeys: string[];
}

export class StateDictError extends Error {
  override name = 'StateDictError';
}

const NAME = /^[^.]+$/;

/** Why a state dict value cannot be copied into `target` (not a Tensor nor `{ shape, data }` of the right kind), or null. */
function stateValueProblem(value: unknown, target: Tensor): string | null {
  if (value instanceof Tensor) return null;
  const what = Array.isArray(value) ? 'an array (nested arrays are not read: pass tensor(values) or { shape, data })' : value === null ? 'null' : typeof value;
  if (typeof value !== 'object' || value === null || Array.isArray(value)) return `expected a Tensor or { shape, data }, got ${what}`;
  const { shape, data } = value as { shape?: unknown; data?: unknown };
  if (!Array.isArray(shape) || !shape.every((d) => Number.isInteger(d) && d >= 0)) return `expected a Tensor or { shape, data } with shape a list of sizes, got shape ${JSON.stringify(shape)}`;
  const kind = target.dtype === 'int32' ? Int32Array : Float32Array;
  if (!(data instanceof kind)) return `expected data as a ${kind.name} (the parameter is ${target.dtype}), got ${Array.isArray(data) ? 'an array' : data === null ? 'null' : (data as object)?.constructor?.name ?? typeof data}`;
  const size = shape.reduce((a: number, b: number) => a * b, 1);
  if (data.length !== size) return `shape ${formatShape(shape)} holds ${size} values, data has ${data.length}`;
  return null;
}

/** `t` as a half-precision weight (t is disposed): zeros inside `withoutInit`, else t rounded. */
function toHalfWeight(t: Tensor, dtype: HalfDType): Tensor {
  let h: Tensor;
  if (isInitSkipped()) {
    t.dispose(); // first, so the half matrix can take its place in the arena
    const storage = ENGINE.allocStorage(t.size, dtype);
    h = new Tensor(storage, t.shape, dtype);
    ENGINE.arena.u16.fill(0, storage.ptr >>> 1, (storage.ptr >>> 1) + t.size);
  } else {
    h = noGrad(() => cast(t, dtype));
  }
  t.dispose();
  return h;
}

/** A module whose forward maps one tensor to one tensor (most layers and task models). */
export type TensorModule = Module<[Tensor], Tensor>;

/**
 * `In` and `Out` type `forward`: a layer of one tensor is a `Module<[Tensor], Tensor>`
 * (`TensorModule`). The defaults let each subclass declare its own signature by overriding
 * `forward`, so `class Mlp extends Module` with `forward(x: Tensor): Tensor` type-checks, and is
 * assignable to `TensorModule` wherever one is asked for.
 */
export class Module<In extends unknown[] = unknown[], Out = unknown> {
  /** True in training mode (dropout active); set with `train()` / `eval()`. */
  training = true;
  private readonly parameterSlots = new Map<string, Tensor | null>();
  private readonly bufferSlots = new Map<string, Tensor | null>();
  private readonly nonPersistent = new Set<string>();
  private readonly moduleSlots = new Map<string, Module | null>();

  /** The computation; every layer overrides it with its own signature. */
  forward(..._args: In): Out {
    throw new Error(`${this.constructor.name}: forward is not implemented`);
  }

  private checkName(kind: string, name: string): void {
    if (!NAME.test(name)) throw new Error(`${this.constructor.name}.${kind}: name must be non-empty and contain no '.', got ${JSON.stringify(name)}`);
    const taken = [this.parameterSlots, this.bufferSlots, this.moduleSlots].some((m) => m.has(name));
    if (taken) throw new Error(`${this.constructor.name}.${kind}: ${JSON.stringify(name)} is already registered`);
  }

  /**
   * Registers a parameter (null keeps the name, as PyTorch's `register_parameter(name, None)`).
   * The tensor becomes a kept, requires-grad leaf; a non-leaf is detached first. Returns it.
   */
  registerParameter(name: string, t: Tensor): Tensor;
  registerParameter(name: string, t: null): null;
  registerParameter(name: string, t: Tensor | null): Tensor | null {
    this.checkName('registerParameter', name);
    if (t === null) {
      this.parameterSlots.set(name, null);
      return null;
    }
    if (isHalf(t.dtype)) {
      // A half-precision weight is frozen storage: kept, never requiring grad.
      const p = t.isLeaf ? t : t.detach();
      keep(p);
      this.parameterSlots.set(name, p);
      return p;
    }
    if (t.dtype !== 'float32') throw new TypeError(`${this.constructor.name}.registerParameter: ${name} must be float32 (or bfloat16/float16), got ${t.dtype}`);
    if (halfWeights !== null && t.rank >= 2) return this.registerParameter(name, toHalfWeight(t, halfWeights));
    const p = t.isLeaf ? t : t.detach();
    keep(p).requiresGrad_(true);
    this.parameterSlots.set(name, p);
    return p;
  }

  /**
   * Registers a buffer: state that is not trained (a positional table, running statistics).
   * Persistent buffers appear in `stateDict()`. Returns it.
   */
  registerBuffer(name: string, t: Tensor, options?: { persistent?: boolean }): Tensor;
  registerBuffer(name: string, t: Tensor | null, options?: { persistent?: boolean }): Tensor | null;
  registerBuffer(name: string, t: Tensor | null, options: { persistent?: boolean } = {}): Tensor | null {
    this.checkName('registerBuffer', name);
    if (t) keep(t);
    this.bufferSlots.set(name, t);
    if (options.persistent === false) this.nonPersistent.add(name);
    return t;
  }

  /** Registers a submodule under `name` (its keys get the prefix `name.`). Returns it. */
  registerModule<M extends Module | null>(name: string, m: M): M {
    this.checkName('registerModule', name);
    this.moduleSlots.set(name, m);
    return m;
  }

  /**
   * Removes a submodule registered under `name` (LoRA's merge takes its adapters out this way);
   * returns it, or null when there is none. Fields that still point at it are the caller's.
   */
  deleteModule(name: string): Module | null {
    const m = this.moduleSlots.get(name) ?? null;
    this.moduleSlots.delete(name);
    return m;
  }

  // ---------------------------------------------------------------- walking

  /** Direct submodules with their names. */
  namedChildren(): [string, Module][] {
    return [...this.moduleSlots].filter((e): e is [string, Module] => e[1] !== null);
  }
  children(): Module[] {
    return this.namedChildren().map(([, m]) => m);
  }

  /** This module ('') and every submodule, depth first, with dotted names (each module once). */
  namedModules(prefix = '', seen = new Set<Module>()): [string, Module][] {
    if (seen.has(this)) return [];
    seen.add(this);
    const out: [string, Module][] = [[prefix, this]];
    for (const [name, m] of this.namedChildren()) out.push(...m.namedModules(prefix ? `${prefix}.${name}` : name, seen));
    return out;
  }
  modules(): Module[] {
    return this.namedModules().map(([, m]) => m);
  }

  /** Parameters with PyTorch's dotted keys, in registration order; a shared parameter appears once. */
  namedParameters(): [string, Tensor][] {
    return this.collect((m) => m.parameterSlots);
  }
  parameters(): Tensor[] {
    return this.namedParameters().map(([, p]) => p);
  }
  namedBuffers(): [string, Tensor][] {
    return this.collect((m) => m.bufferSlots);
  }
  buffers(): Tensor[] {
    return this.namedBuffers().map(([, b]) => b);
  }

  private collect(slots: (m: Module) => Map<string, Tensor | null>): [string, Tensor][] {
    const seen = new Set<Tensor>();
    const out: [string, Tensor][] = [];
    for (const [prefix, m] of this.namedModules()) {
      for (const [name, t] of slots(m)) {
        if (t === null || seen.has(t)) continue;
        seen.add(t);
        out.push([prefix ? `${prefix}.${name}` : name, t]);
      }
    }
    return out;
  }

  /** Number of parameter elements (each shared parameter counted once). */
  numParameters(options: { trainableOnly?: boolean } = {}): number {
    return this.parameters().filter((p) => !options.trainableOnly || p.requiresGrad).reduce((n, p) => n + p.size, 0);
  }

  // ---------------------------------------------------------------- state

  /**
   * Parameters and persistent buffers keyed exactly as PyTorch's `state_dict()` (own entries, then
   * each child's). The values are the module's own tensors, not copies (nothing is allocated, so
   * nothing can leak): they see later updates, and disposing them breaks the module.
   *
   * ```ts
   * saveSafetensors('model.safetensors', model.stateDict());
   * ```
   */
  stateDict(): Record<string, Tensor> {
    const out: Record<string, Tensor> = {};
    this.forEachStateSlot((key, t) => {
      out[key] = t;
    });
    return out;
  }

  private forEachStateSlot(fn: (key: string, t: Tensor) => void, prefix = ''): void {
    for (const [name, t] of this.parameterSlots) if (t) fn(prefix + name, t);
    for (const [name, t] of this.bufferSlots) if (t && !this.nonPersistent.has(name)) fn(prefix + name, t);
    for (const [name, m] of this.moduleSlots) m?.forEachStateSlot(fn, `${prefix}${name}.`);
  }

  /**
   * Copies a state dict into this module's parameters and buffers, in place. Shape mismatches
   * always throw; with `strict` (default) missing and unexpected keys throw too. Everything is
   * checked before anything is written, and one error lists every problem.
   *
   * ```ts
   * const { tensors } = loadSafetensors('model.safetensors');
   * model.loadStateDict(tensors);
   * ```
   */
  loadStateDict(dict: Record<string, StateValue>, options: { strict?: boolean } = {}): LoadResult {
    const strict = options.strict ?? true;
    const targets = new Map<string, Tensor>();
    this.forEachStateSlot((key, t) => targets.set(key, t));
    const missingKeys = [...targets.keys()].filter((k) => !Object.hasOwn(dict, k));
    const unexpectedKeys = Object.keys(dict).filter((k) => !targets.has(k));
    const mismatches: string[] = [];
    for (const [key, target] of targets) {
      if (!Object.hasOwn(dict, key)) continue;
      const source = dict[key]!;
      if (source instanceof Tensor) source.assertAlive('loadStateDict');
      const problem = stateValueProblem(source, target);
      if (problem) {
        mismatches.push(`value for ${key}: ${problem}`);
        continue;
      }
      if (!shapesEqual(source.shape, target.shape)) {
        mismatches.push(`size mismatch for ${key}: copying a tensor of shape ${formatShape(source.shape)} from the state dict, the shape in the current model is ${formatShape(target.shape)}`);
      }
    }
    const problems: string[] = [];
    if (strict && missingKeys.length > 0) problems.push(`Missing key(s) in state_dict: ${missingKeys.map((k) => JSON.stringify(k)).join(', ')}.`);
    if (strict && unexpectedKeys.length > 0) problems.push(`Unexpected key(s) in state_dict: ${unexpectedKeys.map((k) => JSON.stringify(k)).join(', ')}.`);
    problems.push(...mismatches);
    if (problems.length > 0) {
      throw new StateDictError(`Error(s) in loading state_dict for ${this.constructor.name}:\n\t${problems.join('\n\t')}`);
    }
    noGrad(() => {
      for (const [key, target] of targets) {
        if (!Object.hasOwn(dict, key)) continue;
        const source = dict[key]!;
        copy_(target, source instanceof Tensor ? source : source.data);
      }
    });
    return { missingKeys, unexpectedKeys };
  }

  // ---------------------------------------------------------------- modes and lifetime

  /** Sets training mode here and in every submodule. Returns this. */
  train(mode = true): this {
    for (const m of this.modules()) m.training = mode;
    return this;
  }
  /** Evaluation mode (dropout off). Returns this. */
  eval(): this {
    return this.train(false);
  }

  /** Calls `fn` on every submodule, then on this one (PyTorch's order). `m.apply((x) => …)` */
  apply(fn: (m: Module) => void): this {
    for (const child of this.children()) child.apply(fn);
    fn(this);
    return this;
  }

  /** Drops every parameter's gradient (`grad = null`). */
  zeroGrad(): void {
    for (const p of this.parameters()) p.zeroGrad();
  }

  /** Frees parameters, their gradients and buffers. The module cannot be used afterwards. */
  dispose(): void {
    for (const p of this.parameters()) {
      p.zeroGrad();
      p.dispose();
    }
    for (const b of this.buffers()) b.dispose();
  }
}
