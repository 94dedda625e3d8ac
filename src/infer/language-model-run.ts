/**
 * `attn eval` on a language model's run folder: the validation loss (`languageModelLoss`, the one
 * definition) of its model on a split's token file (train.bin / val.bin) or on a text tokenized
 * with the run's tokenizer, with the run's block size.
 *
 * ```ts
 * const { loss, perplexity, tokens } = evaluateLanguageModelRun('runs/lm', { split: 'validation' });
 * ```
 */
import type { TensorModule } from '../nn/module.js';
import { tokenizerFromJSON } from '../text/serialize.js';
import { RunFolderError } from '../io/run-folder.js';
import { languageModelLoss, type LanguageModelLoss } from './language-model.js';
import { loadRunModel } from './run-model.js';

export type LanguageModelEvalData = { split: 'train' | 'validation' } | { text: string } | { tokens: ArrayLike<number> };

export function evaluateLanguageModelRun(dir: string, data: LanguageModelEvalData, options: { batchSize?: number } = {}): LanguageModelLoss {
  const { model, config, run } = loadRunModel<TensorModule, { blockSize?: unknown; vocabSize?: unknown }>(dir, 'language-model');
  try {
    const blockSize = config.blockSize;
    if (!(Number.isInteger(blockSize) && (blockSize as number) >= 2)) throw new RunFolderError(dir, `${run.path('config')}: field 'blockSize' must be an integer ≥ 2, got ${JSON.stringify(blockSize)}`);
    const vocabSize = typeof config.vocabSize === 'number' ? config.vocabSize : undefined;
    let tokens: ArrayLike<number>;
    if ('split' in data) tokens = run.readTokens(data.split === 'train' ? 'trainTokens' : 'validationTokens', { expectVocabSize: vocabSize });
    else if ('text' in data) tokens = tokenizerFromJSON(run.readJson('tokenizer', 'tokenizer')).encode(data.text);
    else tokens = data.tokens;
    return languageModelLoss(model, tokens, { blockSize: blockSize as number, batchSize: options.batchSize });
  } finally {
    model.dispose();
  }
}
