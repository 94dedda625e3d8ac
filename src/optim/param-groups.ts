/**
 * Parameter groups for weight decay, as nanoGPT's `configure_optimizers` with one change the
 * language-model issue asks for: decay only the weights of matrix products (2-D or more), never
 * biases, norm weights or embeddings (token and learned position tables) — nanoGPT decays its
 * 2-D embedding too. A table tied to an output layer is still the embedding's and is not decayed.
 *
 * ```ts
 * const { decay, noDecay } = weightDecayGroups(model);
 * const opt = new AdamW([{ params: decay.map(([, p]) => p), weightDecay: 0.1 }, { params: noDecay.map(([, p]) => p), weightDecay: 0 }]);
 * ```
 */
import type { Tensor } from '../tensor/tensor.js';
import type { Module } from '../nn/module.js';
import { Embedding } from '../nn/embedding.js';
import { PositionalEmbedding } from '../nn/positional.js';
import { LayerNorm } from '../nn/layer-norm.js';

export interface WeightDecayGroups {
  /** [name, parameter] of the matrix weights, in `namedParameters()` order. */
  decay: [string, Tensor][];
  /** Biases, norm weights, embeddings and other parameters under 2-D. */
  noDecay: [string, Tensor][];
}

/** True for modules whose parameters are never decayed: embeddings and norms (LayerNorm, RMSNorm, …). */
function isUndecayedModule(m: Module): boolean {
  return m instanceof Embedding || m instanceof PositionalEmbedding || m instanceof LayerNorm || /Norm$/.test(m.constructor.name);
}

/** Splits `model`'s trainable parameters into those to decay and those not to; see the module comment. */
export function weightDecayGroups(model: Module): WeightDecayGroups {
  const undecayed = new Set<Tensor>();
  for (const m of model.modules()) if (isUndecayedModule(m)) for (const p of m.parameters()) undecayed.add(p);
  const groups: WeightDecayGroups = { decay: [], noDecay: [] };
  for (const [name, p] of model.namedParameters()) {
    if (!p.requiresGrad) continue;
    (p.rank >= 2 && !undecayed.has(p) ? groups.decay : groups.noDecay).push([name, p]);
  }
  return groups;
}

/**
 * AdamW-ready groups: `{ params, weightDecay }` for the decayed weights and `{ params, weightDecay: 0 }`
 * for the rest; an empty group is left out.
 *
 * ```ts
 * const opt = new AdamW(decayParamGroups(model, 0.1), { lr: 6e-4, betas: [0.9, 0.95] });
 * ```
 */
export function decayParamGroups(model: Module, weightDecay: number): { params: Tensor[]; weightDecay: number }[] {
  const { decay, noDecay } = weightDecayGroups(model);
  return [
    { params: decay.map(([, p]) => p), weightDecay },
    { params: noDecay.map(([, p]) => p), weightDecay: 0 },
  ].filter((g) => g.params.length > 0);
}
