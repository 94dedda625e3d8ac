/**
 * A `*ForSequenceClassification` head on a loaded pretrained body, whichever its architecture.
 *
 * ```ts
 * const clf = forSequenceClassification(loadPretrained('models/bert-base-uncased'), { numClasses: 2 });
 * ```
 */
import type { LoadedPretrained } from './load-pretrained.js';
import type { GPT } from '../gpt.js';
import type { LlamaForCausalLM } from './llama.js';
import type { BertModel } from './bert.js';
import type { DistilBertModel } from './distilbert.js';
import { GPT2ForSequenceClassification } from './gpt2-for-sequence-classification.js';
import { LlamaForSequenceClassification } from './llama-for-sequence-classification.js';
import { BertForSequenceClassification } from './bert-for-sequence-classification.js';
import { DistilBertForSequenceClassification } from './distilbert-for-sequence-classification.js';

export type SequenceClassifier = GPT2ForSequenceClassification | LlamaForSequenceClassification | BertForSequenceClassification | DistilBertForSequenceClassification;

export interface SequenceClassifierOptions {
  numClasses: number;
  /** The id read as padding in the decoders (default 0, what attn's batches pad with); BERT uses its config's pad_token_id. */
  padTokenId?: number;
  /** Longest sequence (default: the body's position limit). */
  maxLength?: number;
  /** BERT's `classifier_dropout` / DistilBERT's `seq_classif_dropout` (default: HF's). */
  dropout?: number;
}

/**
 * The head for `loaded`'s architecture (gpt2, llama/qwen2, bert, distilbert), taking over its body: the
 * loaded model must not be used afterwards.
 *
 * ```ts
 * const lm = loadPretrained('models/gpt2');
 * const clf = forSequenceClassification(lm, { numClasses: 4, padTokenId: 50256 }); // GPT2ForSequenceClassification
 * ```
 */
export function forSequenceClassification(loaded: LoadedPretrained, options: SequenceClassifierOptions): SequenceClassifier {
  switch (loaded.architecture) {
    case 'gpt2':
      return GPT2ForSequenceClassification.fromBody(loaded.model as GPT, options);
    case 'llama':
      return LlamaForSequenceClassification.fromBody(loaded.model as LlamaForCausalLM, options);
    case 'bert':
      return BertForSequenceClassification.fromBody(loaded.model as BertModel, { numClasses: options.numClasses, maxLength: options.maxLength, classifierDropout: options.dropout });
    case 'distilbert':
      return DistilBertForSequenceClassification.fromBody(loaded.model as DistilBertModel, { numClasses: options.numClasses, maxLength: options.maxLength, seqClassifDropout: options.dropout });
    default:
      throw new Error(`forSequenceClassification: no classification head for ${(loaded as { architecture: string }).architecture} (attn has one for gpt2, llama, bert, distilbert)`);
  }
}
