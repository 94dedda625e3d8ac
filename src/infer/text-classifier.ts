/**
 * A trained text classifier loaded from a run folder, for `attn predict` and `attn eval`: batched
 * prediction with the top classes and the most-attended tokens, and metrics on labelled texts.
 * Nothing here imports the Trainer.
 *
 * ```ts
 * const clf = loadTextClassifier('runs/spam');
 * clf.predict(['WIN A FREE PRIZE NOW'])[0].label; // 'spam'
 * ```
 */
import type { WeightsDtype } from '../models/hf/memory.js';
import { checkTestLabels, type TextExample } from '../data/index.js';
import { LabelEncoder, tokenizerFromJSON, type Tokenizer } from '../text/index.js';
import type { ClassifierConfig, TextClassifier } from '../models/index.js';
import type { EncodedExample } from '../data/batching.js';
import { RunFolderError, type RunFolder } from '../io/run-folder.js';
import { forEachInferenceBatch } from './batches.js';
import { evaluateClassifier, type ClassifierLike } from './classify.js';
import type { Tensor } from '../tensor/tensor.js';
import type { ClassificationMetrics } from './metrics.js';
import { loadRunModel } from './run-model.js';

/**
 * Token ids of a text, truncated to `maxLength`. An empty text becomes one non-padding token (id 1)
 * so it still has a position to pool over, in training and at prediction alike.
 */
export function encodeText(tokenizer: Tokenizer, text: string, maxLength: number): number[] {
  const tokens = tokenizer.encode(text).slice(0, maxLength);
  return tokens.length > 0 ? tokens : [1];
}

/** Labelled texts as token ids and label ids. */
export function encodeExamples(examples: readonly TextExample[], tokenizer: Tokenizer, labels: LabelEncoder, maxLength: number): EncodedExample[] {
  const ids = labels.transform(examples.map((e) => e.label));
  return examples.map((e, i) => ({ ids: encodeText(tokenizer, e.text, maxLength), label: ids[i]! }));
}

export interface Prediction {
  label: string;
  probabilities: Record<string, number>;
  topK: { label: string; probability: number }[];
  /** With `attention`: the tokens the prediction weighted most, highest first. */
  attention?: { token: string; weight: number }[];
  /** Why the label means little, when it does: the text gave the model no tokens to read. */
  warning?: string;
}

/** What prediction needs of a model: ids (B, T) → logits (B, C), with token weights when it has them. */
export interface PredictingClassifier extends ClassifierLike {
  forwardWithAttention(ids: Tensor): { logits: Tensor; tokenWeights: Tensor | null };
  dispose(): void;
}

export interface LoadedClassifierOptions {
  /** The id batches are right-padded with (default 0, attn's models). */
  padId?: number;
  /** Texts per batch at most (default 32; 1 for a Hugging Face decoder head without pad_token_id). */
  maxBatchSize?: number;
  /** How the weight matrices are held (a Hugging Face folder loaded with `weights`; default float32). */
  weightsDtype?: WeightsDtype;
}

/** A trained classifier loaded from a run folder (or a Hugging Face `*ForSequenceClassification` folder). */
export class LoadedTextClassifier<M extends PredictingClassifier = TextClassifier, C extends { maxLength: number } = ClassifierConfig> {
  constructor(
    readonly model: M,
    readonly tokenizer: Tokenizer,
    readonly labels: string[],
    readonly config: C,
    readonly options: LoadedClassifierOptions = {},
  ) {}

  private batchSize(asked: number | undefined): number {
    return Math.min(asked ?? 32, this.options.maxBatchSize ?? Infinity);
  }

  encode(texts: readonly string[]): number[][] {
    return texts.map((t) => encodeText(this.tokenizer, t, this.config.maxLength));
  }

  /**
   * Predicts labels for texts: the `topK` most likely classes, and with `attention` the tokens the
   * prediction weighted most. Texts run in padded batches of `batchSize`, grouped by length.
   */
  predict(texts: readonly string[], options: { topK?: number; attention?: number; batchSize?: number } = {}): Prediction[] {
    if (!Array.isArray(texts)) {
      const given = texts as unknown;
      const one = typeof given === 'string' ? JSON.stringify(given.length > 20 ? `${given.slice(0, 20)}…` : given) : '';
      throw new TypeError(`predict: expected an array of texts, got ${typeof given === 'string' ? `a string (for one text, pass [${one}])` : describeValue(given)}`);
    }
    const bad = texts.findIndex((t) => typeof t !== 'string');
    if (bad >= 0) throw new TypeError(`predict: text ${bad} must be a string, got ${describeValue(texts[bad])}`);
    const topK = Math.max(1, Math.min(options.topK ?? 3, this.labels.length));
    this.model.eval();
    const sequences = this.encode(texts);
    const predictions: Prediction[] = new Array(texts.length);
    forEachInferenceBatch(sequences, this.config.maxLength, this.batchSize(options.batchSize), (ids, batch) => {
      const { logits, tokenWeights } = options.attention ? this.model.forwardWithAttention(ids) : { logits: this.model.forward(ids), tokenWeights: null };
      const probs = logits.softmax(-1).data(); // (B, C)
      const weights = tokenWeights?.data(); // (B, T)
      batch.indices.forEach((index, row) => {
        const rowProbs = probs.subarray(row * this.labels.length, (row + 1) * this.labels.length);
        const rowWeights = weights?.subarray(row * batch.length, (row + 1) * batch.length);
        predictions[index] = this.prediction(texts[index]!, sequences[index]!.length, rowProbs, rowWeights, topK, options.attention ?? 0);
      });
    }, this.options.padId);
    return predictions;
  }

  private prediction(text: string, length: number, probs: ArrayLike<number>, weights: ArrayLike<number> | undefined, topK: number, attention: number): Prediction {
    const probabilities = Object.fromEntries(this.labels.map((l, c) => [l, probs[c]!]));
    const ranked = this.labels.map((label, c) => ({ label, probability: probs[c]! })).sort((a, b) => b.probability - a.probability);
    const prediction: Prediction = { label: ranked[0]!.label, probabilities, topK: ranked.slice(0, topK) };
    if (this.tokenizer.encode(text).length === 0) {
      prediction.warning = text.trim() === '' ? 'the text is empty: the label is what the model guesses for no input' : "none of the text's tokens are in the vocabulary: the label is what the model guesses for no input";
    }
    if (attention > 0 && weights) {
      prediction.attention = this.tokenizer
        .tokenize(text)
        .slice(0, length)
        .map((token, j) => ({ token, weight: weights[j]! }))
        .sort((a, b) => b.weight - a.weight)
        .slice(0, attention);
    }
    return prediction;
  }

  /** Metrics on labelled examples (labels unseen in training are refused). */
  evaluate(examples: TextExample[], source: string): ClassificationMetrics {
    checkTestLabels(this.labels, examples.map((e) => e.label), source);
    const encoder = new LabelEncoder().fit(this.labels);
    return evaluateClassifier(this.model, encodeExamples(examples, this.tokenizer, encoder, this.config.maxLength), this.labels, {
      maxLength: this.config.maxLength, padId: this.options.padId, batchSize: this.batchSize(undefined),
    });
  }

  dispose(): void {
    this.model.dispose();
  }
}

function describeValue(v: unknown): string {
  return v === null ? 'null' : Array.isArray(v) ? 'an array' : typeof v;
}

/** The run folder's tokenizer.json as a tokenizer; a file it cannot read is named in the error (`RunFolderError`). */
export function readRunTokenizer(run: RunFolder): Tokenizer {
  const json = run.readJson('tokenizer', 'tokenizer');
  try {
    return tokenizerFromJSON(json);
  } catch (err) {
    throw new RunFolderError(run.dir, `${run.path('tokenizer')}: not a tokenizer attn can read: ${err instanceof Error ? err.message : String(err)}`);
  }
}

/** Loads `config.json`, `model.safetensors`, `tokenizer.json` and `labels.json` from a run folder (which must hold a classifier). */
export function loadTextClassifier(dir: string): LoadedTextClassifier<TextClassifier, ClassifierConfig> {
  const { model, config, run } = loadRunModel<TextClassifier, ClassifierConfig>(dir, 'classification');
  try {
    const tokenizer = readRunTokenizer(run);
    const labels = run.readJson<string[]>('labels', 'labels');
    if (!Array.isArray(labels) || labels.length !== config.numClasses || labels.some((l) => typeof l !== 'string')) {
      throw new RunFolderError(dir, `${run.path('labels')}: expected a list of ${config.numClasses} class names`);
    }
    return new LoadedTextClassifier(model, tokenizer, labels, config);
  } catch (err) {
    model.dispose();
    throw err;
  }
}
