// A tiny language model for Trainer tests (the GPT lives elsewhere): token embedding → dropout →
// linear head, ids (B, T) → logits (B, T, V). Each position sees only its own token (a bigram
// model), which is all the loop and the objective need.
import { Module, Embedding, Linear, Dropout } from '../../src/nn/index.js';
import type { Tensor } from '../../src/tensor/tensor.js';

export interface TinyLmConfig {
  type: 'tiny-lm';
  vocabSize: number;
  dim: number;
  dropout: number;
}

export class TinyLm extends Module {
  readonly wte: Embedding;
  readonly drop: Dropout;
  readonly head: Linear;
  constructor(readonly config: TinyLmConfig) {
    super();
    this.wte = this.registerModule('wte', new Embedding(config.vocabSize, config.dim));
    this.drop = this.registerModule('drop', new Dropout(config.dropout));
    this.head = this.registerModule('head', new Linear(config.dim, config.vocabSize));
  }
  override forward(ids: Tensor): Tensor {
    return this.head.forward(this.drop.forward(this.wte.forward(ids))); // (B, T, V)
  }
}

/** A seeded pseudo-text: runs of repeated tokens, so a bigram model has something to learn. */
export function tokenStream(n: number, vocabSize: number, seed = 1): Uint16Array {
  let s = seed;
  const next = () => ((s = (Math.imul(s, 1103515245) + 12345) >>> 0) / 4294967296);
  const out = new Uint16Array(n);
  let current = 0;
  for (let i = 0; i < n; i++) {
    if (next() < 0.3) current = Math.floor(next() * vocabSize);
    out[i] = current;
  }
  return out;
}
