/**
 * Reverse-mode differentiation: walks the graph from a result back to the leaves in reverse
 * topological order, summing the gradients of tensors used more than once, and accumulates into
 * the leaves' `.grad`. Intermediate gradients are freed as soon as the node that needs them ran,
 * and so are the tensors a node saved (unless `retainGraph`).
 */
import { ENGINE } from '../engine/engine.js';
import { formatShape, shapesEqual } from '../tensor/shape.js';
import type { Tensor } from '../tensor/tensor.js';
import type { GradNode } from './node.js';
import { noGrad } from './apply.js';
import * as ops from '../ops/index.js';

export function backward(root: Tensor, grad: Tensor | undefined, options: { retainGraph?: boolean }): void {
  root.assertAlive('backward');
  if (!root.requiresGrad) {
    throw new Error(`backward: tensor ${formatShape(root.shape)} does not require grad (no input of the ops that made it has requiresGrad)`);
  }
  if (grad === undefined && root.size !== 1) {
    throw new Error(
      `backward: grad can be implicitly created only for a scalar output; got shape ${formatShape(root.shape)}. ` +
        `Pass a gradient of the same shape, e.g. y.backward(onesLike(y)), or reduce first (y.sum().backward())`,
    );
  }
  if (grad !== undefined) {
    grad.assertAlive('backward');
    if (!shapesEqual(grad.shape, root.shape)) {
      throw new Error(`backward: gradient shape ${formatShape(grad.shape)} does not match tensor shape ${formatShape(root.shape)}`);
    }
  }
  const retainGraph = options.retainGraph ?? false;

  ENGINE.startScope();
  const leafGrads = new Map<Tensor, Tensor>();
  const visited: GradNode[] = [];
  try {
    noGrad(() => {
      const seed = grad ? grad.cast('float32') : ops.onesLike(root);
      if (!root.gradFn) {
        leafGrads.set(root, seed);
        return;
      }
      const pending = new Map<GradNode, (Tensor | null)[]>();
      pending.set(root.gradFn, root.gradFn.outputMeta.map((_, i) => (i === root.gradOutputIndex ? seed : null)));
      propagate(pending, leafGrads, { retainGraph, keepAlive: new Set(grad ? [grad] : []), visited });
      // Leaf gradients outlive the scope: accumulate into `.grad` and untrack them.
      // A grad function may hand the same tensor to two inputs (add's dy): never let two leaves share one.
      const assigned = new Set<Tensor>(grad ? [grad] : []);
      for (const [leaf, g] of leafGrads) {
        let total = leaf.grad && !leaf.grad.isDisposed ? leaf.grad.add(g) : g;
        if (assigned.has(total)) total = total.clone();
        assigned.add(total);
        leaf.grad?.dispose();
        ENGINE.untrack(total);
        leaf.grad = total;
      }
    });
  } finally {
    ENGINE.endScope(new Set());
    if (!retainGraph) for (const node of visited) node.releaseSaved();
  }
}

/**
 * The heart of backward: runs the nodes reachable from `pending`'s nodes (those `within` accepts)
 * in reverse topological order, starting from the output gradients in `pending`, and adds what
 * reaches leaves into `leafGrads`. Gradients for nodes outside `within` stay in `pending` (a
 * checkpoint's recomputed graph stops at the tensors it was given). Tensors in `keepAlive` are
 * never freed here (the caller's). Runs under noGrad.
 *
 * Memory: each gradient counts the slots (a node's pending output, a leaf's total) that hold it
 * and is freed when the last one is read; a node's scratch (what its backward made and did not
 * return) dies with the node's own scope; a node's saved tensors are freed right after it ran
 * (unless `retainGraph`). Otherwise backward would hold the gradient of every intermediate and
 * every saved tensor until the end: the forward's memory twice over.
 */
export function propagate(
  pending: Map<GradNode, (Tensor | null)[]>,
  leafGrads: Map<Tensor, Tensor>,
  options: { retainGraph: boolean; keepAlive: ReadonlySet<Tensor>; visited: GradNode[]; within?: (node: GradNode) => boolean },
): void {
  const within = options.within ?? (() => true);
  const order = topologicalOrder([...pending.keys()].filter(within), within);
  options.visited.push(...order);
  const holds = new Map<Tensor, number>();
  const hold = (t: Tensor): void => void holds.set(t, (holds.get(t) ?? 0) + 1);
  const drop = (t: Tensor): void => {
    const n = holds.get(t)! - 1;
    if (n > 0) return void holds.set(t, n);
    holds.delete(t);
    if (!options.keepAlive.has(t)) t.dispose();
  };
  for (const slots of pending.values()) for (const g of slots) if (g) hold(g);
  for (const g of leafGrads.values()) hold(g);
  for (const node of order) {
    const outputGrads = pending.get(node);
    pending.delete(node);
    if (!outputGrads || outputGrads.every((g) => g === null)) continue;
    node.checkUsable();
    ENGINE.startScope();
    let inputGrads: (Tensor | null)[] = [];
    try {
      inputGrads = node.backwardFn(outputGrads, node);
    } finally {
      ENGINE.endScope(new Set(inputGrads.filter((g): g is Tensor => g !== null)));
    }
    // The saved tensors are read only by this node: free them now rather than at the end.
    if (!options.retainGraph) node.releaseSaved();
    node.edges.forEach((edge, i) => {
      const g = inputGrads[i];
      if (!edge || !g) return;
      const expected = node.inputMeta[i]!.shape;
      if (!shapesEqual(g.shape, expected)) {
        throw new Error(`backward: gradient of '${node.name}' input ${i} has shape ${formatShape(g.shape)}, expected ${formatShape(expected)} (internal error)`);
      }
      if (edge.leaf) {
        const prev = leafGrads.get(edge.leaf);
        const total = prev ? prev.add(g) : g;
        hold(total);
        if (prev) drop(prev);
        leafGrads.set(edge.leaf, total);
      } else if (edge.node) {
        let slots = pending.get(edge.node);
        if (!slots) pending.set(edge.node, (slots = edge.node.outputMeta.map(() => null)));
        const prev = slots[edge.outputIndex];
        const total = prev ? prev.add(g) : g;
        hold(total);
        if (prev) drop(prev);
        slots[edge.outputIndex] = total;
      }
    });
    for (const g of outputGrads) if (g) drop(g);
    // Returned gradients that no slot kept (summed into another, or for an input without an edge).
    for (const g of inputGrads) if (g && !holds.has(g) && !options.keepAlive.has(g)) g.dispose();
  }
}

/** Nodes reachable from `roots` through nodes `within` accepts, each after every node that consumes its outputs. */
function topologicalOrder(roots: GradNode[], within: (node: GradNode) => boolean): GradNode[] {
  const consumers = new Map<GradNode, number>();
  const stack = [...roots];
  const seen = new Set<GradNode>(roots);
  while (stack.length > 0) {
    const node = stack.pop()!;
    for (const edge of node.edges) {
      const next = edge?.node;
      if (!next || !within(next)) continue;
      consumers.set(next, (consumers.get(next) ?? 0) + 1);
      if (!seen.has(next)) {
        seen.add(next);
        stack.push(next);
      }
    }
  }
  const order: GradNode[] = [];
  const ready = roots.filter((r) => !consumers.has(r));
  while (ready.length > 0) {
    const node = ready.pop()!;
    order.push(node);
    for (const edge of node.edges) {
      const next = edge?.node;
      if (!next || !within(next)) continue;
      const left = consumers.get(next)! - 1;
      consumers.set(next, left);
      if (left === 0) ready.push(next);
    }
  }
  return order;
}
