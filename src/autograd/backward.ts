/**
 * Reverse-mode differentiation: walks the graph from a result back to the leaves in reverse
 * topological order, summing the gradients of tensors used more than once, and accumulates into
 * the leaves' `.grad`. Intermediate gradients are freed as soon as the node that needs them ran.
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
      const order = topologicalOrder(root.gradFn);
      visited.push(...order);
      const pending = new Map<GradNode, (Tensor | null)[]>();
      pending.set(root.gradFn, root.gradFn.outputMeta.map((_, i) => (i === root.gradOutputIndex ? seed : null)));
      for (const node of order) {
        const outputGrads = pending.get(node);
        pending.delete(node);
        if (!outputGrads || outputGrads.every((g) => g === null)) continue;
        node.checkUsable();
        const inputGrads = node.backwardFn(outputGrads, node);
        node.edges.forEach((edge, i) => {
          const g = inputGrads[i];
          if (!edge || !g) return;
          const expected = node.inputMeta[i]!.shape;
          if (!shapesEqual(g.shape, expected)) {
            throw new Error(`backward: gradient of '${node.name}' input ${i} has shape ${formatShape(g.shape)}, expected ${formatShape(expected)} (internal error)`);
          }
          if (edge.leaf) {
            const prev = leafGrads.get(edge.leaf);
            leafGrads.set(edge.leaf, prev ? prev.add(g) : g);
          } else if (edge.node) {
            let slots = pending.get(edge.node);
            if (!slots) pending.set(edge.node, (slots = edge.node.outputMeta.map(() => null)));
            const prev = slots[edge.outputIndex];
            slots[edge.outputIndex] = prev ? prev.add(g) : g;
          }
        });
      }
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

/** Nodes reachable from `root`, each after every node that consumes its outputs. */
function topologicalOrder(root: GradNode): GradNode[] {
  const consumers = new Map<GradNode, number>();
  const stack = [root];
  const seen = new Set<GradNode>([root]);
  while (stack.length > 0) {
    const node = stack.pop()!;
    for (const edge of node.edges) {
      const next = edge?.node;
      if (!next) continue;
      consumers.set(next, (consumers.get(next) ?? 0) + 1);
      if (!seen.has(next)) {
        seen.add(next);
        stack.push(next);
      }
    }
  }
  const order: GradNode[] = [];
  const ready = [root];
  while (ready.length > 0) {
    const node = ready.pop()!;
    order.push(node);
    for (const edge of node.edges) {
      const next = edge?.node;
      if (!next) continue;
      const left = consumers.get(next)! - 1;
      consumers.set(next, left);
      if (left === 0) ready.push(next);
    }
  }
  return order;
}
