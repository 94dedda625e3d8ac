/**
 * The classifier of a model folder, whichever kind it is, for `attn predict` and `attn eval`: an
 * attn run folder (what `attn train` and `attn train --from` write) or a Hugging Face
 * `*ForSequenceClassification` folder (config.json with `architectures` and `id2label`, read
 * with its own tokenizer.json).
 *
 * ```ts
 * const clf = loadClassifierFolder('models/distilbert-sst2');
 * clf.predict(['a gripping, beautiful film'])[0].label; // 'POSITIVE'
 * clf.dispose();
 * ```
 */
import { exists, joinPath, readText } from '../platform/index.js';
import { RunFolderError } from '../io/run-folder.js';
import { isHuggingFaceFolder, type LoadPretrainedOptions } from '../models/hf/load-pretrained.js';
import { isPretrainedClassifierConfig, loadPretrainedClassifier } from '../models/hf/load-pretrained-classifier.js';
import { loadPretrainedTokenizer } from '../text/hf/load-tokenizer.js';
import { LoadedTextClassifier, loadTextClassifier, type PredictingClassifier } from './text-classifier.js';
import type { SequenceClassifier } from '../models/hf/for-sequence-classification.js';

/** config.json of a Hugging Face folder (null for an attn run folder or an unreadable file). */
function hfConfig(dir: string): Record<string, unknown> | null {
  if (!isHuggingFaceFolder(dir)) return null;
  return JSON.parse(readText(joinPath(dir, 'config.json'))) as Record<string, unknown>;
}

/**
 * True when `dir` is a Hugging Face folder holding a sequence classifier.
 *
 * ```ts
 * isHuggingFaceClassifierFolder('models/distilbert-sst2'); // true
 * isHuggingFaceClassifierFolder('models/gpt2');            // false: a language model
 * ```
 */
export function isHuggingFaceClassifierFolder(dir: string): boolean {
  const raw = hfConfig(dir);
  return raw !== null && isPretrainedClassifierConfig(raw);
}

/**
 * A Hugging Face `*ForSequenceClassification` folder as a `LoadedTextClassifier`: texts are
 * encoded by the folder's tokenizer.json (special tokens added, truncated to the body's
 * positions keeping them), batches padded with its pad_token_id. Errors are `RunFolderError`s
 * naming the folder. `pretrained` goes to `loadPretrained` (half-precision weights).
 *
 * ```ts
 * loadHuggingFaceClassifier('models/bert-imdb').labels; // ['neg', 'pos']
 * loadHuggingFaceClassifier('models/bert-imdb', { weights: 'bfloat16' });
 * ```
 */
export function loadHuggingFaceClassifier(dir: string, pretrained: LoadPretrainedOptions = {}): LoadedTextClassifier<SequenceClassifier, { maxLength: number }> {
  if (!exists(joinPath(dir, 'tokenizer.json'))) throw new RunFolderError(dir, 'no tokenizer.json: the texts cannot be turned into ids (save one with the tokenizer\'s save_pretrained)');
  let tokenizer;
  try {
    tokenizer = loadPretrainedTokenizer(dir);
  } catch (err) {
    throw new RunFolderError(dir, (err as Error).message);
  }
  const clf = loadPretrainedClassifier(dir, pretrained);
  try {
    const maxLength = clf.model.config.maxLength;
    if (tokenizer.vocabSize > clf.model.config.vocabSize) {
      throw new RunFolderError(dir, `tokenizer.json has ${tokenizer.vocabSize} ids, more than config.json's vocab_size ${clf.model.config.vocabSize}`);
    }
    const options = { ...(clf.padTokenId === null ? { maxBatchSize: 1 } : { padId: clf.padTokenId }), weightsDtype: clf.weightsDtype };
    return new LoadedTextClassifier(clf.model, tokenizer.withTruncation(maxLength), clf.labels, { maxLength }, options);
  } catch (err) {
    clf.dispose();
    throw err;
  }
}

/**
 * The classifier in `dir`: a Hugging Face classifier folder (`loadHuggingFaceClassifier`), else an
 * attn run folder (`loadTextClassifier`). A Hugging Face folder holding another model is refused,
 * naming its class. `pretrained` applies to a Hugging Face folder (half-precision weights); a run
 * folder loads as it was saved.
 *
 * ```ts
 * const clf = loadClassifierFolder('runs/spam'); // or a Hugging Face folder
 * ```
 */
export function loadClassifierFolder(dir: string, pretrained: LoadPretrainedOptions = {}): LoadedTextClassifier<PredictingClassifier, { maxLength: number }> {
  const raw = exists(dir) ? hfConfig(dir) : null;
  if (raw === null) return loadTextClassifier(dir);
  if (isPretrainedClassifierConfig(raw)) return loadHuggingFaceClassifier(dir, pretrained);
  const cls = Array.isArray(raw.architectures) ? String(raw.architectures[0]) : `a ${String(raw.model_type)} model`;
  throw new RunFolderError(dir, `this Hugging Face folder holds ${cls}, not a sequence classifier (config.json's architectures names no *ForSequenceClassification); fine-tune it into one with attn train --from ${dir} --data …`);
}
