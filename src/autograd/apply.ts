/**
 * The bridge from ops to kernels: runs a kernel through the engine, wraps its outputs as tensors and,
 * when gradients are wanted, records the autograd node with the tensors its backward needs.
 */
import { ENGINE } from '../engine/engine.js';
import type { KernelAttrs, KernelInputs, KernelName, TensorInfo } from '../engine/kernels.js';
import { Tensor } from '../tensor/tensor.js';
import { GradNode, type BackwardFn, type Edge, type TensorMeta } from './node.js';
import { getGradient, NON_DIFFERENTIABLE } from './registry.js';

/** True when gradients are being recorded (not inside `noGrad`). */
export function isGradEnabled(): boolean {
  return ENGINE.gradEnabled;
}

/** Runs `fn` without recording gradients (inference, optimizer updates). */
export function noGrad<T>(fn: () => T): T {
  const previous = ENGINE.gradEnabled;
  ENGINE.gradEnabled = false;
  try {
    return fn();
  } finally {
    ENGINE.gradEnabled = previous;
  }
}

/** Sets gradient recording on or off; returns the previous setting. */
export function setGradEnabled(enabled: boolean): boolean {
  const previous = ENGINE.gradEnabled;
  ENGINE.gradEnabled = enabled;
  return previous;
}

/** A tensor-side alias that shares storage, used to keep a saved tensor alive for backward. */
function saveAlias(t: Tensor): Tensor {
  t.handle.storage.retain();
  return new Tensor(t.handle.storage, t.shape, t.dtype, { tracked: false });
}

function edgeOf(t: Tensor | null): Edge | null {
  if (!t || !t.requiresGrad) return null;
  return t.gradFn ? { node: t.gradFn, outputIndex: t.gradOutputIndex, leaf: null } : { node: null, outputIndex: 0, leaf: t };
}

const metaOf = (t: Tensor | null): TensorMeta => (t ? { shape: [...t.shape], dtype: t.dtype } : { shape: [], dtype: 'float32' });

/**
 * Observers of op inputs, innermost last: `checkpoint` runs its function without recording and
 * learns here which tensors that need gradients (parameters, captured activations) it read.
 */
const inputObservers: ((inputs: readonly (Tensor | null)[]) => void)[] = [];

/** Runs `fn` with `observer` called on the inputs of every op it runs (nested observers all see them). */
export function observeInputs<T>(observer: (inputs: readonly (Tensor | null)[]) => void, fn: () => T): T {
  inputObservers.push(observer);
  try {
    return fn();
  } finally {
    inputObservers.pop();
  }
}

function notifyObservers(inputs: readonly (Tensor | null)[]): void {
  for (const observe of inputObservers) observe(inputs);
}

/** Whether any input needs a gradient and recording is on. */
export function needsGrad(inputs: readonly (Tensor | null)[]): boolean {
  return ENGINE.gradEnabled && inputs.some((t) => t !== null && t.requiresGrad);
}

/**
 * Runs kernel `name` on `inputs` and records it for autograd. `opName` names the public op in errors.
 */
export function applyKernel<K extends KernelName>(
  name: K,
  inputs: readonly (Tensor | null)[],
  attrs: KernelAttrs<K>,
  opName: string = name,
): Tensor[] {
  if (inputObservers.length > 0) notifyObservers(inputs);
  const infos = inputs.map((t) => (t ? t.infoFor(opName) : null)) as unknown as KernelInputs<K>;
  const results = ENGINE.runKernel(name, infos, attrs);
  const outputs = results.map(({ info, storage }) => new Tensor(storage, info.shape, info.dtype));
  if (!needsGrad(inputs) || NON_DIFFERENTIABLE.has(name)) return outputs;

  const spec = getGradient(name);
  if (!spec) throw new Error(`${opName}: no gradient is registered for kernel '${name}'`);
  const needs = inputs.map((t) => t !== null && t.requiresGrad);
  const pick = (s: typeof spec.saveInputs): Set<number> => new Set(typeof s === 'function' ? s(attrs, needs) : (s ?? []));
  const saveInputs = pick(spec.saveInputs);
  const saveOutputs = pick(spec.saveOutputs);
  const savedInputs = inputs.map((t, i) => (t && saveInputs.has(i) ? saveAlias(t) : null));
  const savedOutputs = outputs.map((t, i) => (saveOutputs.has(i) ? saveAlias(t) : null));
  const inputMeta = inputs.map(metaOf);
  const backwardFn: BackwardFn = (grads) =>
    spec.grad(grads, { inputs: savedInputs, outputs: savedOutputs, attrs, inputMeta, needsGrad: needs });
  const saved = [...savedInputs, ...savedOutputs].filter((t): t is Tensor => t !== null);
  attachNode(opName, inputs, outputs, saved, backwardFn, inputMeta);
  return outputs;
}

/**
 * Records a node with a hand-written backward (for ops that are not kernels, such as views).
 * Outputs that are float get `requiresGrad` and point to the node.
 */
export function recordOp(
  opName: string,
  inputs: readonly (Tensor | null)[],
  outputs: readonly Tensor[],
  backwardFn: BackwardFn,
  saved: Tensor[] = [],
): void {
  if (inputObservers.length > 0) notifyObservers(inputs);
  if (!needsGrad(inputs)) return;
  attachNode(opName, inputs, outputs, saved.map(saveAlias), backwardFn, inputs.map(metaOf));
}

function attachNode(
  opName: string,
  inputs: readonly (Tensor | null)[],
  outputs: readonly Tensor[],
  saved: Tensor[],
  backwardFn: BackwardFn,
  inputMeta: TensorMeta[],
): void {
  const node = new GradNode(opName, inputs.map(edgeOf), inputMeta, outputs.map(metaOf), saved, backwardFn);
  let attached = 0;
  outputs.forEach((t, i) => {
    if (t.dtype !== 'float32') return;
    t.requiresGrad = true;
    t.gradFn = node;
    t.gradOutputIndex = i;
    node.retain();
    attached++;
  });
  if (attached === 0) node.releaseSaved();
}

/** Convenience for single-output kernels. */
export function apply1<K extends KernelName>(name: K, inputs: readonly (Tensor | null)[], attrs: KernelAttrs<K>, opName?: string): Tensor {
  return applyKernel(name, inputs, attrs, opName)[0]!;
}

export type { TensorInfo };
