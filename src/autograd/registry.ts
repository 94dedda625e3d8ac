/**
 * Gradients, keyed by kernel name and written with ops, so they run on any backend
 * (tfjs' `registerGradient`). Each entry declares which inputs and outputs its backward reads;
 * only those are kept alive after the forward pass.
 */
import type { KernelAttrs, KernelName } from '../engine/kernels.js';
import type { Tensor } from '../tensor/tensor.js';
import type { TensorMeta } from './node.js';

export interface GradientContext<K extends KernelName> {
  /** Saved inputs (null for inputs not listed in `saveInputs`). */
  inputs: (Tensor | null)[];
  /** Saved outputs (null for outputs not listed in `saveOutputs`). */
  outputs: (Tensor | null)[];
  attrs: KernelAttrs<K>;
  inputMeta: TensorMeta[];
  /** Which inputs need a gradient; skip the work for the others. */
  needsGrad: boolean[];
}

/** Which tensors to keep: fixed, or chosen from the attributes and which inputs need a gradient. */
export type SaveSpec<K extends KernelName> = number[] | ((attrs: KernelAttrs<K>, needsGrad: boolean[]) => number[]);

export interface GradientSpec<K extends KernelName> {
  kernel: K;
  saveInputs?: SaveSpec<K>;
  saveOutputs?: SaveSpec<K>;
  /** Gradients for each input (null where not needed) from gradients of each output (null if none flowed). */
  grad(outputGrads: (Tensor | null)[], ctx: GradientContext<K>): (Tensor | null)[];
}

const registry = new Map<KernelName, GradientSpec<KernelName>>();

/** Kernels whose outputs carry no gradient (masks, indices, in-place updates). */
export const NON_DIFFERENTIABLE: ReadonlySet<KernelName> = new Set<KernelName>([
  'Compare',
  'ArgReduce',
  'AdamWUpdate',
  'ScaleInPlace',
  'CrossEntropyGrad',
  'LayerNormGrad',
  'ScaledDotProductAttentionGrad',
  'UnaryGrad',
]);

export function registerGradient<K extends KernelName>(spec: GradientSpec<K>): void {
  registry.set(spec.kernel, spec as unknown as GradientSpec<KernelName>);
}

export function getGradient(kernel: KernelName): GradientSpec<KernelName> | undefined {
  return registry.get(kernel);
}
