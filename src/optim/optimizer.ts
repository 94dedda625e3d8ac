/**
 * The optimizer base: parameter groups with their hyperparameters, per-parameter state, `step()`
 * under `noGrad` in a `tidy` scope (an update never leaks a tensor), and state dicts for an exact
 * resume. Parameters are updated in place, so the model keeps the same tensor objects.
 */
import { Tensor } from '../tensor/tensor.js';
import { formatShape, shapesEqual } from '../tensor/shape.js';
import { keep, tidy } from '../engine/scope.js';
import { noGrad } from '../autograd/apply.js';
import { zeros } from '../ops/creation.js';

/** A group of parameters with its own hyperparameters (`lr`, …). */
export type ParamGroup<O> = O & { params: Tensor[] };
/** Tensors, or groups `{ params, ...overrides }` as PyTorch's param groups. */
export type ParamsInput<O> = Iterable<Tensor> | Array<{ params: Iterable<Tensor> } & Partial<O>>;
/** Per-parameter state: tensors (moments) and numbers (step counts). */
export type ParamState = Record<string, Tensor | number | null>;

export interface OptimizerStateDict<O, S extends ParamState = ParamState> {
  /** One entry per parameter, in group order (null: no step taken for it yet). */
  state: (S | null)[];
  /** Hyperparameters of each group; `params` are indices into `state`. */
  paramGroups: (O & { params: number[] })[];
}

export abstract class Optimizer<O extends { lr: number }, S extends ParamState = ParamState> {
  readonly defaults: O;
  readonly paramGroups: ParamGroup<O>[] = [];
  protected readonly state = new Map<Tensor, S>();
  private readonly name: string;

  constructor(name: string, params: ParamsInput<O>, defaults: O) {
    this.name = name;
    this.defaults = defaults;
    const list = [...(params as Iterable<Tensor | ({ params: Iterable<Tensor> } & Partial<O>)>)];
    if (list.length === 0) throw new Error(`${name}: got an empty parameter list`);
    if (list.every((p) => p instanceof Tensor)) this.addParamGroup({ params: list as Tensor[] } as { params: Tensor[] } & Partial<O>);
    else for (const g of list) this.addParamGroup(g as { params: Iterable<Tensor> } & Partial<O>);
  }

  /** Adds a group; missing hyperparameters come from the defaults. */
  addParamGroup(group: { params: Iterable<Tensor> } & Partial<O>): void {
    const params = [...group.params];
    const seen = new Set(this.paramGroups.flatMap((g) => g.params));
    for (const p of params) {
      if (!(p instanceof Tensor)) throw new TypeError(`${this.name}: params must be Tensors, got ${typeof p}`);
      if (p.dtype !== 'float32') throw new TypeError(`${this.name}: can only optimize float32 tensors, got ${p.dtype} ${formatShape(p.shape)}`);
      if (!p.isLeaf) throw new Error(`${this.name}: can't optimize a non-leaf tensor ${formatShape(p.shape)}`);
      if (seen.has(p)) throw new Error(`${this.name}: a parameter ${formatShape(p.shape)} appears in more than one group (or twice)`);
      seen.add(p);
    }
    const full = { ...this.defaults, ...group, params } as ParamGroup<O>;
    this.validate(full);
    this.paramGroups.push(full);
  }

  /** Throws on bad hyperparameters (each optimizer checks its own). */
  protected abstract validate(group: O): void;
  /** Updates one parameter in place from its gradient; runs under noGrad inside tidy. */
  protected abstract update(param: Tensor, grad: Tensor, group: ParamGroup<O>): void;

  /**
   * Updates the parameters of one group that have a gradient (in the group's order); runs under
   * noGrad inside tidy. By default `update` on each; an optimizer with a kernel over many
   * parameters at once overrides it.
   */
  protected updateGroup(params: readonly Tensor[], group: ParamGroup<O>): void {
    for (const p of params) this.update(p, p.grad!, group);
  }

  /** One update of every parameter that has a gradient. */
  step(): void {
    noGrad(() =>
      tidy(() => {
        for (const group of this.paramGroups) {
          const live: Tensor[] = [];
          for (const p of group.params) {
            if (!p.grad) continue;
            p.assertAlive(`${this.name}.step`);
            live.push(p);
          }
          if (live.length > 0) this.updateGroup(live, group);
        }
      }),
    );
  }

  /** Drops the gradients of every parameter (`grad = null`). */
  zeroGrad(): void {
    for (const g of this.paramGroups) for (const p of g.params) p.zeroGrad();
  }

  /** Kept zeros shaped like `p` for new state. */
  protected stateZeros(p: Tensor): Tensor {
    return keep(zeros(p.shape));
  }

  /**
   * The state as plain data: the state tensors are the optimizer's own (not copies), and
   * everything else is JSON-able. Save the tensors (e.g. safetensors) and the rest (JSON).
   */
  stateDict(): OptimizerStateDict<O, S> {
    let index = 0;
    const state: (S | null)[] = [];
    const paramGroups = this.paramGroups.map((g) => {
      const { params, ...options } = g;
      return { ...(structuredClone(options) as unknown as O), params: params.map((p) => {
        state.push(this.state.has(p) ? { ...this.state.get(p)! } : null);
        return index++;
      }) };
    });
    return { state, paramGroups };
  }

  /**
   * Restores hyperparameters and state (copied: the dict's tensors can be disposed afterwards).
   * Groups and parameter shapes must match this optimizer's; one error lists every mismatch.
   */
  loadStateDict(dict: OptimizerStateDict<O, S>): void {
    const problems: string[] = [];
    if (!dict || !Array.isArray(dict.paramGroups) || !Array.isArray(dict.state)) {
      throw new Error(`${this.name}.loadStateDict: expected { state: [...], paramGroups: [...] }`);
    }
    if (dict.paramGroups.length !== this.paramGroups.length) {
      problems.push(`the state dict has ${dict.paramGroups.length} param groups, the optimizer ${this.paramGroups.length}`);
    }
    this.paramGroups.forEach((g, i) => {
      const saved = dict.paramGroups[i];
      if (saved && saved.params.length !== g.params.length) problems.push(`group ${i} has ${saved.params.length} params in the state dict, ${g.params.length} in the optimizer`);
    });
    const loaded = new Map<Tensor, S>();
    dict.paramGroups.forEach((saved, gi) => {
      saved.params.forEach((index, j) => {
        const p = this.paramGroups[gi]?.params[j];
        const entry = dict.state[index];
        if (!p || !entry) return;
        for (const [key, v] of Object.entries(entry)) {
          if (v instanceof Tensor && !shapesEqual(v.shape, p.shape)) {
            problems.push(`state ${index}.${key} has shape ${formatShape(v.shape)}, the parameter ${formatShape(p.shape)}`);
          }
        }
        loaded.set(p, entry);
      });
    });
    if (problems.length > 0) throw new Error(`${this.name}.loadStateDict: the state dict does not match this optimizer:\n\t${problems.join('\n\t')}`);
    for (const old of this.state.values()) for (const v of Object.values(old)) if (v instanceof Tensor) v.dispose();
    this.state.clear();
    for (const [p, entry] of loaded) {
      const copy = {} as Record<string, Tensor | number | null>;
      for (const [key, v] of Object.entries(entry)) copy[key] = v instanceof Tensor ? keep(noGrad(() => v.clone())) : v;
      this.state.set(p, copy as S);
    }
    this.paramGroups.forEach((g, i) => {
      const { params: _ignored, ...options } = dict.paramGroups[i]!;
      Object.assign(g, structuredClone(options));
    });
  }

  /** Frees the state tensors (the parameters belong to the model). */
  dispose(): void {
    for (const s of this.state.values()) for (const v of Object.values(s)) if (v instanceof Tensor) v.dispose();
    this.state.clear();
  }
}
