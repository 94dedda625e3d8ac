/**
 * A node of the autograd graph: one per op application that needs gradients. Output tensors point
 * to their node (`gradFn`); a node points to the nodes (or leaf tensors) of its inputs.
 *
 * Memory: a node keeps the tensors its backward needs ("saved") alive by sharing their storage.
 * It releases them when backward has run through it, or when nothing can reach it any more
 * (its outputs were disposed and no later node refers to it), so a forward pass that never
 * calls backward does not leak.
 */
import type { Tensor } from '../tensor/tensor.js';
import type { DType } from '../tensor/dtype.js';

/** Where a gradient flowing out of a node input goes. */
export interface Edge {
  /** The node that produced the input, or null for a leaf. */
  node: GradNode | null;
  /** Which output of that node the input was. */
  outputIndex: number;
  /** The leaf tensor (requiresGrad, no gradFn) that accumulates `.grad`. */
  leaf: Tensor | null;
}

export interface TensorMeta {
  shape: number[];
  dtype: DType;
}

/** Computes input gradients from output gradients; `null` means "no gradient". */
export type BackwardFn = (outputGrads: (Tensor | null)[], node: GradNode) => (Tensor | null)[];

let nextNodeId = 0;

export class GradNode {
  /** The id the next node will get: nodes made from now on have ids at least this. */
  static get nextId(): number {
    return nextNodeId;
  }
  readonly id = nextNodeId++;
  /** References from live output tensors and from later nodes' edges. */
  private refs = 0;
  private released = false;
  private savedVersions: number[];

  constructor(
    /** The op name, for error messages. */
    readonly name: string,
    /** One per op input; null where the input needs no gradient. */
    readonly edges: (Edge | null)[],
    readonly inputMeta: TensorMeta[],
    readonly outputMeta: TensorMeta[],
    /** Tensors the backward function reads, aliases sharing storage with the originals. */
    readonly saved: Tensor[],
    readonly backwardFn: BackwardFn,
  ) {
    this.savedVersions = saved.map((t) => t.handle.storage.version);
    for (const e of edges) e?.node?.retain();
  }

  retain(): void {
    this.refs++;
  }

  /** Drops one reference; at zero the saved tensors are freed and the inputs' nodes released. */
  unref(): void {
    if (--this.refs > 0) return;
    this.releaseSaved();
    for (const e of this.edges) e?.node?.unref();
  }

  get isReleased(): boolean {
    return this.released;
  }

  releaseSaved(): void {
    if (this.released) return;
    this.released = true;
    for (const t of this.saved) t.dispose();
  }

  /** Throws if backward already freed this node, or a saved tensor was changed in place since. */
  checkUsable(): void {
    if (this.released) {
      throw new Error(
        `backward: the graph through '${this.name}' was already freed by a previous backward(); ` +
          `call backward({ retainGraph: true }) the first time to backpropagate twice`,
      );
    }
    this.saved.forEach((t, i) => {
      if (t.handle.storage.version !== this.savedVersions[i]) {
        throw new Error(
          `backward: a tensor ${JSON.stringify(t.shape)} saved by '${this.name}' was modified in place after it was used; ` +
            `its gradient would be wrong (clone it before modifying)`,
        );
      }
    });
  }
}
