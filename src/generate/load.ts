/**
 * Loading a language model's run folder for generation: `config.json` (a registered model of the
 * 'language-model' task: type 'gpt'), `model.safetensors`, `tokenizer.json`. Inference only:
 * nothing here imports the Trainer.
 *
 * ```ts
 * const lm = loadLanguageModel('runs/lm');
 * const { text } = await generateText(lm.model, lm.tokenizer, 'Call me');
 * lm.dispose();
 * ```
 */
import { RunFolderError } from '../io/run-folder.js';
import { loadRunModel } from '../infer/run-model.js';
import { tokenizerFromJSON } from '../text/serialize.js';
import type { Tokenizer } from '../text/tokenizer.js';
import type { GPT } from '../models/gpt.js';
import type { GPTConfig } from '../models/gpt-config.js';

export interface LoadedLanguageModel {
  model: GPT;
  tokenizer: Tokenizer;
  config: GPTConfig;
  dir: string;
  /** Frees the model's weights. */
  dispose(): void;
}

/**
 * Reads a language model's run folder and returns the model (in eval mode) and its tokenizer,
 * through the model registry. Refused, naming the folder or file: a missing folder or file
 * (`RunFolderError`), a classifier's folder (`WrongTaskError`, its `task` says which), a config
 * that does not validate (`ModelConfigError`), weights or a tokenizer that do not match it.
 *
 * ```ts
 * const { model, tokenizer } = loadLanguageModel('runs/2026-12-01T08-00-00');
 * ```
 */
export function loadLanguageModel(dir: string): LoadedLanguageModel {
  const { model, config, run } = loadRunModel<GPT, GPTConfig>(dir, 'language-model');
  try {
    let tokenizer: Tokenizer;
    try {
      tokenizer = tokenizerFromJSON(run.readJson('tokenizer', 'tokenizer'));
    } catch (err) {
      throw err instanceof RunFolderError ? err : new RunFolderError(dir, `${run.path('tokenizer')}: ${(err as Error).message}`);
    }
    if (tokenizer.vocabSize > config.vocabSize) {
      throw new RunFolderError(dir, `${run.path('tokenizer')} has ${tokenizer.vocabSize} ids, more than the model's vocabSize ${config.vocabSize} in ${run.path('config')}`);
    }
    return { model, tokenizer, config, dir, dispose: () => model.dispose() };
  } catch (err) {
    model.dispose();
    throw err;
  }
}
