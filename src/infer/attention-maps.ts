/**
 * What the attention explorer shows for one text: every layer's and head's weights (from the
 * models' explicit, unfused weights path), attention rollout, per-head statistics, and the
 * model's reading of the text (a classifier's probabilities; a language model's probability of
 * each token and its top alternatives). Also mean-pooled embeddings. Used by `POST /v1/attention`,
 * `POST /v1/embeddings` and `attn attention`.
 *
 * ```ts
 * const clf = loadTextClassifier('runs/spam');
 * const view = classifierAttention(clf, 'win a free prize'); // view.attentions[layer][head][i][j]
 * ```
 */
import { noGrad } from '../autograd/apply.js';
import { tidy } from '../engine/scope.js';
import { fromArray } from '../ops/creation.js';
import type { Tensor } from '../tensor/tensor.js';
import type { Tokenizer } from '../text/tokenizer.js';
import type { CausalLanguageModel } from '../generate/generate.js';
import { hasTokenEncoder } from '../models/classifier.js';
import { attentionRollout, attentionStatistics, squareRows, type AttentionStack, type HeadStatistics } from './attention-analysis.js';
import { encodeText, type LoadedTextClassifier, type PredictingClassifier } from './text-classifier.js';

/** A token's probability under the model and the model's most likely tokens at that position. */
export interface TokenProbability {
  probability: number;
  top: { token: string; probability: number }[];
}

export interface AttentionView {
  /** 'encoder': a bare pretrained encoder (a Hugging Face BERT or DistilBERT body), no head to read it. */
  task: 'classification' | 'language-model' | 'encoder';
  /** The tokens, one per row and column ('[CLS]' first when the classifier pools on it). */
  tokens: string[];
  /** [layer][head][query][key], rows summing to 1 (6 decimals). */
  attentions: number[][][][];
  /** Attention rollout (T, T). */
  rollout: number[][];
  statistics: HeadStatistics;
  /** The text had more tokens than the model's context and was cut to it. */
  truncated: boolean;
  /** Classifiers: the probabilities of the classes. */
  probabilities?: Record<string, number>;
  /** Language models: per token, its probability given the tokens before it (null for the first). */
  predictions?: (TokenProbability | null)[];
}

/** Raised for a model that has no self-attention to show (bag of words, BiLSTM) or no encoder to embed with. */
export class NoAttentionError extends Error {
  override name = 'NoAttentionError';
}

/** Per-layer (1, H, T, T) tensors as an `AttentionStack` (row 0 of the batch). */
export function stackOf(maps: Tensor[]): AttentionStack {
  if (maps.length === 0) throw new NoAttentionError('the model returned no attention weights');
  const [, H, T, S] = maps[0]!.shape as [number, number, number, number];
  if (T !== S) throw new RangeError(`attention maps must be square (B, H, T, T), got [${maps[0]!.shape.join(', ')}]`);
  return { heads: H, length: T, layers: maps.map((m) => (m.data() as Float32Array).slice(0, H * T * T)) };
}

/** Most weights a view holds (layers · heads · T²): 8M numbers are ~80 MB of JSON. */
export const MAX_ATTENTION_VALUES = 8 * 1024 * 1024;

function view(task: AttentionView['task'], tokens: string[], stack: AttentionStack, truncated: boolean): AttentionView {
  const T = stack.length;
  const { heads: H } = stack;
  const values = stack.layers.length * H * T * T;
  if (values > MAX_ATTENTION_VALUES) {
    throw new RangeError(`${T} tokens give ${stack.layers.length} layers × ${H} heads × ${T}² = ${values} weights, more than the ${MAX_ATTENTION_VALUES} a view holds; give a shorter text (at most ${Math.floor(Math.sqrt(MAX_ATTENTION_VALUES / (stack.layers.length * H)))} tokens)`);
  }
  const attentions = stack.layers.map((w) => Array.from({ length: H }, (_, h) => squareRows(Array.prototype.slice.call(w, h * T * T, (h + 1) * T * T) as number[], T)));
  return { task, tokens, attentions, rollout: squareRows(attentionRollout(stack), T), statistics: attentionStatistics(stack), truncated };
}

/**
 * A classifier's attention over one text (truncated to its `maxLength`), with its probabilities.
 * Throws `NoAttentionError` for a model without self-attention layers.
 *
 * ```ts
 * const v = classifierAttention(clf, 'free money'); // v.tokens, v.rollout, v.probabilities
 * ```
 */
export function classifierAttention(clf: LoadedTextClassifier<PredictingClassifier, { maxLength: number; type?: string }>, text: string): AttentionView {
  const model = clf.model as typeof clf.model & { attentionMaps?: (ids: Tensor) => Tensor[]; clsToken?: Tensor | null };
  if (typeof model.attentionMaps !== 'function') {
    // A Hugging Face head's config is the model's (clf.config holds maxLength only).
    const type = (model as { config?: { type?: string } }).config?.type ?? clf.config.type ?? 'this';
    throw new NoAttentionError(`a ${type} classifier has no self-attention layers to show`);
  }
  const all = clf.tokenizer.encode(text);
  const ids = encodeText(clf.tokenizer, text, clf.config.maxLength);
  let tokens = all.length === 0 ? ['<empty>'] : clf.tokenizer.tokenize(text).slice(0, ids.length);
  if (model.clsToken) tokens = ['[CLS]', ...tokens];
  model.eval();
  return noGrad(() => tidy(() => {
    const input = fromArray(Int32Array.from(ids), [1, ids.length]); // (1, T)
    const stack = stackOf(model.attentionMaps!(input)); // per layer (1, H, T', T')
    const probs = model.forward(input).softmax(-1).data(); // (1, C)
    const v = view('classification', tokens, stack, all.length > ids.length);
    v.probabilities = Object.fromEntries(clf.labels.map((label, c) => [label, probs[c]!]));
    return v;
  }));
}

/** What `encoderAttention` needs: HF's BertModel and DistilBertModel. */
export interface AttentionEncoder {
  config: { maxPositionEmbeddings: number };
  forward(ids: Tensor, options: { outputAttentions: true }): { attentions: Tensor[] };
  eval(): unknown;
}

/**
 * A bare encoder's attention over one text (a Hugging Face BERT or DistilBERT body, loaded with
 * `loadPretrained`), cut to its positions. The tokens are the tokenizer's, special tokens
 * included ([CLS] … [SEP] for BERT's).
 *
 * ```ts
 * const { model } = loadPretrained('models/bert-base-uncased');
 * const v = encoderAttention(model as BertModel, loadPretrainedTokenizer('models/bert-base-uncased'), 'the cat sat');
 * ```
 */
export function encoderAttention(model: AttentionEncoder, tokenizer: Tokenizer, text: string): AttentionView {
  const all = tokenizer.encode(text);
  if (all.length === 0) throw new RangeError('the text encodes to no tokens');
  const ids = all.slice(0, model.config.maxPositionEmbeddings);
  const tokens = tokenizer.tokenize(text).slice(0, ids.length);
  model.eval();
  return noGrad(() => tidy(() => {
    const input = fromArray(Int32Array.from(ids), [1, ids.length]); // (1, T)
    const { attentions } = model.forward(input, { outputAttentions: true }); // per layer (1, H, T, T)
    return view('encoder', tokens, stackOf(attentions), all.length > ids.length);
  }));
}

/**
 * A language model's attention over one text (cut to its context), with the probability of each
 * token given the ones before it and the `top` (default 5) most likely tokens there.
 *
 * ```ts
 * const v = languageModelAttention(lm.model, lm.tokenizer, 'the cat sat'); // v.predictions[2].probability
 * ```
 */
export function languageModelAttention(model: CausalLanguageModel, tokenizer: Tokenizer, text: string, options: { top?: number } = {}): AttentionView {
  const all = tokenizer.encode(text);
  if (all.length === 0) throw new RangeError('the text encodes to no tokens');
  const ids = all.slice(0, model.config.blockSize);
  const pieces = tokenizer.tokenize(text).slice(0, ids.length);
  const top = options.top ?? 5;
  model.train(false);
  return noGrad(() => tidy(() => {
    const input = fromArray(Int32Array.from(ids), [1, ids.length]); // (1, T)
    const { logits, attentions } = model.forward(input, { returnAttention: true }); // (1, T, V), per layer (1, H, T, T)
    const v = view('language-model', pieces, stackOf(attentions), all.length > ids.length);
    const probs = logits.softmax(-1).data() as Float32Array; // (1, T, V)
    const V = logits.shape[2]!;
    v.predictions = ids.map((id, i) => {
      if (i === 0) return null;
      const row = probs.subarray((i - 1) * V, i * V); // what position i − 1 predicted for token i
      return { probability: row[id]!, top: topTokens(row, top).map((t) => ({ token: tokenizer.decode([t]), probability: row[t]! })) };
    });
    return v;
  }));
}

/** Indices of the k largest values, largest first. */
function topTokens(row: Float32Array, k: number): number[] {
  const best: number[] = [];
  for (let t = 0; t < row.length; t++) {
    if (best.length === k && row[t]! <= row[best[k - 1]!]!) continue;
    let at = best.length === k ? k - 1 : best.length;
    best[at] = t;
    while (at > 0 && row[best[at - 1]!]! < row[t]!) {
      best[at] = best[at - 1]!;
      best[--at] = t;
    }
  }
  return best;
}

/**
 * Mean of hidden states (1, T, C) over the T positions: one vector per text.
 */
function meanRow(hidden: Tensor): number[] {
  return Array.from(hidden.mean(1).data() as Float32Array); // (1, C)
}

/**
 * One embedding per text: the mean over the text's tokens of the model's final hidden states
 * (a language model's last norm before the lm_head; a classifier's encoder output before its
 * pooling). Texts longer than the context are cut to it. Returns the vectors and the tokens used.
 *
 * ```ts
 * const { vectors } = embedTexts({ kind: 'language-model', model, tokenizer }, ['the cat']); // (1, C)
 * ```
 */
export function embedTexts(
  source: { kind: 'classification'; classifier: LoadedTextClassifier } | { kind: 'language-model'; model: CausalLanguageModel & { hiddenStates(ids: Tensor): Tensor }; tokenizer: Tokenizer },
  texts: readonly string[],
): { vectors: number[][]; tokens: number } {
  let tokens = 0;
  const vectors = texts.map((text) => noGrad(() => tidy(() => {
    if (source.kind === 'classification') {
      const { model, tokenizer, config } = source.classifier;
      // A Hugging Face head (GPT-2, Llama, BERT, DistilBERT) has its body's final hidden states instead of a token encoder.
      const head = model as typeof model & { hiddenStates?: (ids: Tensor) => Tensor };
      if (!hasTokenEncoder(model) && typeof head.hiddenStates !== 'function') {
        throw new NoAttentionError(`a ${(model as { config?: { type?: string } }).config?.type ?? config.type} classifier has no token encoder to embed with`);
      }
      model.eval();
      const ids = encodeText(tokenizer, text, config.maxLength);
      tokens += ids.length;
      const input = fromArray(Int32Array.from(ids), [1, ids.length]); // (1, T)
      return meanRow(hasTokenEncoder(model) ? model.encodeTokens(input) : head.hiddenStates!(input)); // (1, T, D)
    }
    const ids = source.tokenizer.encode(text).slice(0, source.model.config.blockSize);
    if (ids.length === 0) throw new RangeError('a text encodes to no tokens');
    tokens += ids.length;
    source.model.train(false);
    return meanRow(source.model.hiddenStates(fromArray(Int32Array.from(ids), [1, ids.length]))); // (1, T, C)
  })));
  return { vectors, tokens };
}
