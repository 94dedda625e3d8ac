/**
 * The model worker's answers to the explorer's requests (`attention`, `embed`): the library's
 * `classifierAttention` / `languageModelAttention` / `embedTexts` over a served model. Returns
 * the value, or the reason the request cannot be answered (sent as a 400).
 *
 * ```ts
 * const answer = analyse({ type: 'attention', id: 1, model: 'spam', text: 'hi' }, classifier, null);
 * ```
 */
import { classifierAttention, embedTexts, languageModelAttention, NoAttentionError } from '../infer/attention-maps.js';
import type { LoadedTextClassifier, PredictingClassifier } from '../infer/text-classifier.js';
import type { CausalLanguageModel } from '../generate/generate.js';
import type { Tokenizer } from '../text/tokenizer.js';
import type { Tensor } from '../tensor/tensor.js';
import type { AnalysisRequest } from './protocol.js';

type LanguageModel = { model: CausalLanguageModel; tokenizer: Tokenizer };

export function analyse(msg: AnalysisRequest, served: LoadedTextClassifier<PredictingClassifier, { maxLength: number }> | null, lm: LanguageModel | null): { value: unknown } | { error: string } {
  // Run folders' classifiers and Hugging Face heads alike: the library functions read what each model has.
  const clf = served as unknown as LoadedTextClassifier | null;
  try {
    if (msg.type === 'attention') {
      return { value: clf ? classifierAttention(clf, msg.text) : languageModelAttention(lm!.model, lm!.tokenizer, msg.text) };
    }
    if (clf) return { value: embedTexts({ kind: 'classification', classifier: clf }, msg.texts) };
    const model = lm!.model as CausalLanguageModel & { hiddenStates?: (ids: Tensor) => Tensor };
    if (typeof model.hiddenStates !== 'function') return { error: `the model '${msg.model}' has no hidden states to embed with` };
    return { value: embedTexts({ kind: 'language-model', model: model as CausalLanguageModel & { hiddenStates(ids: Tensor): Tensor }, tokenizer: lm!.tokenizer }, msg.texts) };
  } catch (err) {
    // What the text or the model cannot give (no attention layers, no tokens) is the request's fault.
    if (err instanceof NoAttentionError) return { error: `the model '${msg.model}': ${err.message}` };
    if (err instanceof RangeError) return { error: `${msg.type === 'attention' ? 'text' : 'input'}: ${err.message}` };
    throw err;
  }
}
