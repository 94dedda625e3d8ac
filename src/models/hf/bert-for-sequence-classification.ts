/**
 * `BertForSequenceClassification` as Hugging Face's modeling_bert.py: the BERT body (`bert.*`,
 * with its pooler) → dropout (`classifier_dropout`, else `hidden_dropout_prob`) → `classifier`, a
 * Linear with bias from the pooled [CLS] state to the class logits.
 *
 *   ids → bert (attention mask: ids ≠ padTokenId) → pooler: tanh(dense(hidden[:, 0])) (B, C) → dropout → classifier → (B, classes)
 *
 * A body loaded without a pooler (a BertForMaskedLM save) gets a fresh one, initialized as HF does.
 *
 * ```ts
 * const { model: bert } = loadPretrained('models/bert-base-uncased');
 * const clf = BertForSequenceClassification.fromBody(bert as BertModel, { numClasses: 2 });
 * clf.forward(ids); // (B, T) int32 → (B, 2)
 * ```
 */
import { Linear } from '../../nn/linear.js';
import { Dropout } from '../../nn/dropout.js';
import { normal_, zeros_ } from '../../nn/init.js';
import type { Tensor } from '../../tensor/tensor.js';
import { ModelConfigError } from '../config-fields.js';
import { BertModel, type BertConfig } from './bert.js';
import { checkIds, configRecord, FirstTokenClassifier, parseHeadFields, type SequenceClassificationFields } from './sequence-classification.js';

export interface BertForSequenceClassificationConfig extends SequenceClassificationFields {
  type: 'bert-for-sequence-classification';
  /** The body's config (as loadPretrained builds from config.json); its pooler is always on here. */
  body: BertConfig;
  /** HF's `classifier_dropout` (null in config.json: hidden_dropout_prob). */
  classifierDropout: number;
}

const BERT_INTS = ['vocabSize', 'hiddenSize', 'numHiddenLayers', 'numAttentionHeads', 'intermediateSize', 'maxPositionEmbeddings', 'typeVocabSize'] as const;

/** Validates the config (config.json of a run folder); errors name `source` and the field. */
export function parseBertForSequenceClassificationConfig(value: unknown, source = 'BertForSequenceClassification config'): BertForSequenceClassificationConfig {
  const record = configRecord(value, source, 'bert-for-sequence-classification');
  const body = record.body as Record<string, unknown> | undefined;
  if (typeof body !== 'object' || body === null || body.type !== 'bert') throw new ModelConfigError(source, 'body', `must be a BERT config ({ type: 'bert', … }), got ${JSON.stringify(body)?.slice(0, 60)}`);
  for (const f of BERT_INTS) if (!(Number.isSafeInteger(body[f]) && (body[f] as number) > 0)) throw new ModelConfigError(source, `body.${f}`, `must be a positive integer, got ${JSON.stringify(body[f])}`);
  for (const f of ['hiddenDropoutProb', 'attentionProbsDropoutProb'] as const) if (!(typeof body[f] === 'number' && body[f] >= 0 && body[f] < 1)) throw new ModelConfigError(source, `body.${f}`, `must be a number in [0, 1), got ${JSON.stringify(body[f])}`);
  if (!['gelu', 'gelu_new', 'relu'].includes(body.hiddenAct as string)) throw new ModelConfigError(source, 'body.hiddenAct', `must be gelu, gelu_new or relu, got ${JSON.stringify(body.hiddenAct)}`);
  if (!(typeof body.layerNormEps === 'number' && body.layerNormEps > 0)) throw new ModelConfigError(source, 'body.layerNormEps', `must be a positive number, got ${JSON.stringify(body.layerNormEps)}`);
  const p = record.classifierDropout;
  if (!(typeof p === 'number' && p >= 0 && p < 1)) throw new ModelConfigError(source, 'classifierDropout', `must be a number in [0, 1), got ${JSON.stringify(p)}`);
  const head = parseHeadFields(record, source, body.maxPositionEmbeddings as number);
  return { type: 'bert-for-sequence-classification', body: { ...(body as unknown as BertConfig), pooler: true, padTokenId: head.padTokenId }, classifierDropout: p, ...head };
}

export class BertForSequenceClassification extends FirstTokenClassifier {
  readonly config: BertForSequenceClassificationConfig;
  readonly bert: BertModel;
  readonly dropout: Dropout;
  readonly classifier: Linear;

  /** A fresh model, or the head on `body` (a loaded BertModel with its pooler, used as is). */
  constructor(config: BertForSequenceClassificationConfig, body?: BertModel) {
    super();
    this.config = parseBertForSequenceClassificationConfig(config);
    if (body && !body.pooler) throw new Error('BertForSequenceClassification: the body has no pooler; use fromBody, which adds one');
    this.bert = this.registerModule('bert', body ?? new BertModel(this.config.body));
    this.dropout = this.registerModule('dropout', new Dropout(this.config.classifierDropout));
    this.classifier = this.registerModule('classifier', new Linear(this.config.body.hiddenSize, this.config.numClasses)); // (classes, C)
    normal_(this.classifier.weight, 0, 0.02); // HF's _init_weights: N(0, initializer_range), bias 0
    zeros_(this.classifier.bias!);
  }

  /**
   * The head on a loaded BertModel (taken over: do not use it afterwards). Without a pooler the
   * body's weights are copied into a new model whose pooler is fresh (HF's init).
   *
   * ```ts
   * BertForSequenceClassification.fromBody(bert, { numClasses: 3, classifierDropout: 0.1 });
   * ```
   */
  static fromBody(bert: BertModel, options: { numClasses: number; classifierDropout?: number | null; maxLength?: number }): BertForSequenceClassification {
    const body = { ...bert.config, pooler: true };
    const config: BertForSequenceClassificationConfig = {
      type: 'bert-for-sequence-classification', body, numClasses: options.numClasses, vocabSize: body.vocabSize,
      maxLength: options.maxLength ?? body.maxPositionEmbeddings, padTokenId: body.padTokenId, classifierDropout: options.classifierDropout ?? body.hiddenDropoutProb,
    };
    if (bert.pooler) return new BertForSequenceClassification(config, bert);
    const model = new BertForSequenceClassification(config);
    model.bert.loadStateDict(bert.stateDict(), { strict: false });
    bert.dispose();
    return model;
  }

  hiddenStates(ids: Tensor): Tensor {
    checkIds('BertForSequenceClassification.hiddenStates', ids, this.config.maxLength);
    return this.bert.forward(ids, { attentionMask: ids.ne(this.config.padTokenId) }).lastHiddenState; // (B, T, C)
  }

  protected run(ids: Tensor, outputAttentions: boolean): { logits: Tensor; attentions: Tensor[] } {
    checkIds('BertForSequenceClassification.forward', ids, this.config.maxLength);
    const attentionMask = ids.ne(this.config.padTokenId); // (B, T)
    const { poolerOutput, attentions } = this.bert.forward(ids, { attentionMask, outputAttentions }); // (B, C), per layer (B, H, T, T)
    return { logits: this.classifier.forward(this.dropout.forward(poolerOutput!)), attentions }; // (B, classes)
  }
}
