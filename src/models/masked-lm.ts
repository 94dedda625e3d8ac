/**
 * A masked-language-model head on a classifier's token encoder, for pretraining on unlabelled
 * text (BERT's recipe): hidden state → Linear → GELU → LayerNorm → logits over the vocabulary
 * through the token embedding's own weights (tied) plus a bias.
 *
 * The classifier is a child module (`encoder.*` in the state dict), so after pretraining its
 * weights are the classifier's, ready for fine-tuning; its pooling and output layer get no
 * gradient here and stay as initialized.
 *
 * ```ts
 * const mlm = new MaskedLanguageModel(classifier);                // classifier: a transformer or bilstm-attention
 * const logits = mlm.predictMasked(maskedIds, positions);        // (N, vocabSize) at N flat positions of (B, T)
 * ```
 */
import { Module } from '../nn/module.js';
import { Linear } from '../nn/linear.js';
import { LayerNorm } from '../nn/layer-norm.js';
import { zeros } from '../ops/creation.js';
import type { Tensor } from '../tensor/tensor.js';
import type { TextClassifier, TokenEncoder } from './classifier.js';

export class MaskedLanguageModel extends Module<[Tensor], Tensor> {
  readonly encoder: TextClassifier & TokenEncoder;
  readonly transform: Linear;
  readonly norm: LayerNorm;
  /** Per-word output bias (vocabSize). */
  readonly outputBias: Tensor;

  constructor(encoder: TextClassifier & TokenEncoder) {
    super();
    this.encoder = this.registerModule('encoder', encoder);
    const embedDim = encoder.embedding.embeddingDim;
    this.transform = this.registerModule('transform', new Linear(encoder.encoderWidth, embedDim));
    this.norm = this.registerModule('norm', new LayerNorm(embedDim));
    this.outputBias = this.registerParameter('output_bias', zeros([encoder.embedding.numEmbeddings]));
  }

  /** Logits over the vocabulary at every position: ids (B, T) → (B, T, V). */
  override forward(ids: Tensor): Tensor {
    return this.vocabularyLogits(this.encoder.encodeTokens(ids)); // (B, T, V)
  }

  /**
   * Logits over the vocabulary at `positions` only — int32 (N), flat indices into ids (B, T) —
   * so the (·, V) product is paid for the masked tokens alone: → (N, V).
   */
  predictMasked(ids: Tensor, positions: Tensor): Tensor {
    const hidden = this.encoder.encodeTokens(ids); // (B, T, W)
    const [batch, time, width] = hidden.shape as [number, number, number];
    return this.vocabularyLogits(hidden.reshape([batch * time, width]).indexSelect(0, positions)); // (N, V)
  }

  /** Frees the head's own weights and leaves the encoder (the classifier) alive, for fine-tuning. */
  disposeHead(): void {
    this.transform.dispose();
    this.norm.dispose();
    this.outputBias.dispose();
  }

  /** (…, W) hidden states → (…, V) logits through the tied embedding. */
  private vocabularyLogits(hidden: Tensor): Tensor {
    const z = this.norm.forward(this.transform.forward(hidden).gelu()); // (…, E)
    return z.matmul(this.encoder.embedding.weight.transpose(0, 1)).add(this.outputBias); // (…, V)
  }
}
