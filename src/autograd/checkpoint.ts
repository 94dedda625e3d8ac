/**
 * Activation checkpointing, as `torch.utils.checkpoint` with `use_reentrant=False`: the forward
 * runs `fn` without recording, so none of its intermediates are kept; the backward runs `fn`
 * again with recording on and backpropagates through that fresh graph, which is freed at once.
 * Memory for a stack of checkpointed blocks: each block's input, plus one block's graph at a time
 * during backward; the price is a second forward of every checkpointed block.
 *
 * Traps handled here:
 * - Dropout (and anything else drawing from the global generator) must draw the same numbers on
 *   recomputation: the generator's state is saved before the forward, restored for the
 *   recomputation, and the stream is put back afterwards, so the rest of training is unchanged.
 * - Tensors `fn` reads without taking them as arguments (parameters, masks captured by a closure)
 *   still get their gradients: the forward observes every op's inputs and records those needing
 *   gradients as inputs of the checkpoint node.
 * - The recomputed graph stops at the checkpoint's inputs: its backward walks only the nodes made
 *   during the recomputation, and hands the gradients at its border back to the outer backward.
 *
 * Contract (as PyTorch's): `fn` is deterministic given its inputs and the generator state, reads
 * tensors that are still alive and unchanged at backward time (arguments are saved by the
 * checkpoint; captured tensors are not — pass a tensor as an argument if a `tidy` may dispose it
 * first), and does not depend on the training mode changing between forward and backward.
 */
import { ENGINE } from '../engine/engine.js';
import { tidy } from '../engine/scope.js';
import { globalGenerator } from '../tensor/random.js';
import { formatShape, shapesEqual } from '../tensor/shape.js';
import type { Tensor } from '../tensor/tensor.js';
import { noGrad, observeInputs, recordOp, setGradEnabled } from './apply.js';
import { propagate } from './backward.js';
import { GradNode } from './node.js';

/** What a checkpointed function may return: one tensor or an array of tensors. */
export type CheckpointOutput = Tensor | readonly Tensor[];

/**
 * Runs `fn(...inputs)` keeping none of its intermediates for backward; the backward pass
 * recomputes them (same dropout masks) and backpropagates through the recomputation. Gradients
 * reach `inputs` and every tensor `fn` reads that requires grad (its module's parameters).
 * Without gradient recording (`noGrad`, inference) it is just `fn(...inputs)`.
 *
 * ```ts
 * for (const block of blocks) x = checkpoint((h) => block.forward(h), x); // (B, T, C)
 * model.loss(ids, targets).backward(); // each block runs again, one at a time
 * ```
 */
export function checkpoint<R extends CheckpointOutput>(fn: (...inputs: Tensor[]) => R, ...inputs: Tensor[]): R {
  inputs.forEach((t, i) => t.assertAlive(`checkpoint: input ${i}`));
  if (!ENGINE.gradEnabled) return fn(...inputs);

  const rngState = globalGenerator.getState();
  const captured = new Set<Tensor>();
  // Fresh aliases as arguments: whatever needs a gradient that the forward sees is then captured.
  const raw = tidy(() =>
    noGrad(() =>
      observeInputs(
        (seen) => {
          for (const t of seen) if (t && t.requiresGrad) captured.add(t);
        },
        () => fn(...inputs.map((t) => t.detach())),
      ),
    ),
  );
  const single = !Array.isArray(raw);
  // An output that is not new (an argument or a captured tensor returned as is) gets its own alias,
  // so that the checkpoint's node never overwrites another tensor's autograd state.
  const outputs = (single ? [raw as Tensor] : [...(raw as readonly Tensor[])]).map((t) => (t.requiresGrad || inputs.includes(t) ? t.detach() : t));
  const implicit = [...captured];
  const all = [...inputs, ...implicit];
  if (!all.some((t) => t.requiresGrad)) return (single ? outputs[0] : outputs) as unknown as R;

  const needs = inputs.map((t) => t.requiresGrad);
  // Where each captured tensor's gradient arrives in the recomputed graph's border.
  const implicitEdges = implicit.map((t) => ({ leaf: t.gradFn ? null : t, node: t.gradFn, outputIndex: t.gradOutputIndex }));
  const versions = implicit.map((t) => t.handle.storage.version);
  const outputMeta = outputs.map((t) => [...t.shape]);

  recordOp(
    'checkpoint',
    all,
    outputs,
    (outputGrads, node) => {
      implicit.forEach((t, i) => {
        if (t.handle.storage.version !== versions[i]) {
          throw new Error(
            `checkpoint: a tensor ${formatShape(t.shape)} read by the checkpointed function was modified in place between the forward and backward; ` +
              `the recomputation would differ (do not update parameters before backward)`,
          );
        }
      });
      const saved = node.saved.slice(0, inputs.length);
      return recompute(fn, saved, needs, implicit, implicitEdges, outputMeta, outputGrads, rngState);
    },
    inputs,
  );
  return (single ? outputs[0] : outputs) as unknown as R;
}

function recompute(
  fn: (...inputs: Tensor[]) => CheckpointOutput,
  saved: Tensor[],
  needs: boolean[],
  implicit: Tensor[],
  implicitEdges: { leaf: Tensor | null; node: GradNode | null; outputIndex: number }[],
  outputMeta: number[][],
  outputGrads: (Tensor | null)[],
  rngState: number[],
): (Tensor | null)[] {
  // Results are created inside the caller's (backward's per-node) scope; the rest is freed here.
  ENGINE.startScope();
  const results: (Tensor | null)[] = [];
  try {
    const leaves = saved.map((s, i) => {
      const leaf = s.detach(); // a new leaf sharing the saved storage
      if (needs[i]) leaf.requiresGrad = true;
      return leaf;
    });
    const firstNode = GradNode.nextId;
    const streamNow = globalGenerator.getState();
    globalGenerator.setState(rngState);
    const previous = setGradEnabled(true);
    let raw: CheckpointOutput;
    try {
      raw = fn(...leaves);
    } finally {
      setGradEnabled(previous);
      globalGenerator.setState(streamNow);
    }
    const outs = Array.isArray(raw) ? [...(raw as readonly Tensor[])] : [raw as Tensor];
    if (outs.length !== outputMeta.length || outs.some((o, i) => !shapesEqual(o.shape, outputMeta[i]!))) {
      throw new Error(
        `checkpoint: the recomputation returned ${outs.map((o) => formatShape(o.shape)).join(', ')}, the forward ${outputMeta.map((s) => formatShape(s)).join(', ')}; ` +
          'the checkpointed function must compute the same thing both times',
      );
    }
    const inside = (node: GradNode): boolean => node.id >= firstNode;
    const pending = new Map<GradNode, (Tensor | null)[]>();
    const leafGrads = new Map<Tensor, Tensor>();
    noGrad(() => {
      outs.forEach((o, i) => {
        const g = outputGrads[i];
        if (!g || !o.requiresGrad) return;
        if (!o.gradFn) {
          const prev = leafGrads.get(o);
          leafGrads.set(o, prev ? prev.add(g) : g);
          return;
        }
        let slots = pending.get(o.gradFn);
        if (!slots) pending.set(o.gradFn, (slots = o.gradFn.outputMeta.map(() => null)));
        const prev = slots[o.gradOutputIndex];
        slots[o.gradOutputIndex] = prev ? prev.add(g) : g;
      });
      const visited: GradNode[] = [];
      try {
        // The outer backward's gradients are its own to free (one may feed another of its nodes too).
        const outer = new Set(outputGrads.filter((g): g is Tensor => g !== null));
        propagate(pending, leafGrads, { retainGraph: false, keepAlive: outer, visited, within: inside });
      } finally {
        for (const n of visited) n.releaseSaved(); // the recomputed graph is used once
      }
    });
    for (const leaf of leaves) results.push(leafGrads.get(leaf) ?? null);
    implicitEdges.forEach((edge, i) => {
      const g = edge.leaf ? leafGrads.get(edge.leaf) : edge.node ? pending.get(edge.node)?.[edge.outputIndex] : null;
      results.push(g && shapesEqual(g.shape, implicit[i]!.shape) ? g : null);
    });
  } finally {
    // Frees the recomputed tensors (and with them what is left of their graph); keeps the gradients.
    ENGINE.endScope(new Set(results.filter((g): g is Tensor => g !== null)));
  }
  return results;
}
