/**
 * `bow`: bag-of-words logistic regression, the baseline every run is compared with. The logits are
 * the sum over a text's tokens of a per-word class-score row divided by √(number of tokens), plus
 * a bias: a linear model on length-normalized word counts, trained by the same Trainer.
 *
 * ```ts
 * const model = new BowClassifier({ type: 'bow', vocabSize: 20000, numClasses: 2, maxLength: 256 });
 * const logits = model.forward(ids); // (B, T) → (B, 2)
 * ```
 */
import { Embedding } from '../nn/embedding.js';
import { zeros_ } from '../nn/init.js';
import { zeros } from '../ops/creation.js';
import type { Tensor } from '../tensor/tensor.js';
import type { BowConfig } from './config.js';
import { realTokens, TextClassifier } from './classifier.js';

export class BowClassifier extends TextClassifier {
  readonly config: BowConfig;
  readonly scores: Embedding;
  readonly bias: Tensor;

  constructor(config: BowConfig) {
    super();
    this.config = config;
    // Padding (id 0) scores nothing and learns nothing.
    this.scores = this.registerModule('scores', new Embedding(config.vocabSize, config.numClasses, { paddingIdx: 0 }));
    // A linear model starts from zero (uniform prediction), not from Embedding's N(0, 1).
    zeros_(this.scores.weight);
    this.bias = this.registerParameter('bias', zeros([config.numClasses]));
  }

  forward(ids: Tensor): Tensor {
    return this.forwardWithAttention(ids).logits;
  }

  forwardWithAttention(ids: Tensor): { logits: Tensor; tokenWeights: Tensor | null } {
    const real = realTokens(ids).float(); // (B, T)
    // √n keeps long and short texts on one scale without drowning either (n would, 1 would not).
    const norm = real.sum(1, true).maximum(1).sqrt(); // (B, 1)
    const perToken = this.scores.forward(ids); // (B, T, C)
    const logits = perToken.sum(1).div(norm).add(this.bias); // (B, C)
    // A token's weight: the size of its push towards the predicted class, normalized per row.
    const predicted = logits.argmax(-1, true).unsqueeze(1).expand([-1, ids.shape[1]!, 1]); // (B, T, 1)
    const push = perToken.gather(2, predicted).squeeze(2).maximum(0).mul(real); // (B, T)
    const tokenWeights = push.div(push.sum(1, true).maximum(1e-12)); // (B, T)
    return { logits, tokenWeights };
  }
}
