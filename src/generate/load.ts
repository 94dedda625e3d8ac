/**
 * Loading a language model's run folder for generation: `config.json` (type 'gpt'),
 * `model.safetensors`, `tokenizer.json`. Inference only: nothing here imports the Trainer.
 *
 * ```ts
 * const lm = loadLanguageModel('runs/lm');
 * const { text } = await generateText(lm.model, lm.tokenizer, 'Call me');
 * lm.dispose();
 * ```
 */
import { checkpointPaths, CheckpointFileError, readJsonFile } from '../io/checkpoint-files.js';
import { loadSafetensors } from '../io/tensors.js';
import { tokenizerFromJSON } from '../text/serialize.js';
import type { Tokenizer } from '../text/tokenizer.js';
import { GPT } from '../models/gpt.js';
import { parseGPTConfig, type GPTConfig } from '../models/gpt-config.js';
import { MODEL_TYPES } from '../models/config.js';

/** Why a folder cannot be loaded as a language model; `kind` says what it is instead. */
export class LanguageModelFolderError extends Error {
  override name = 'LanguageModelFolderError';
  constructor(
    message: string,
    readonly dir: string,
    readonly kind: 'missing' | 'classifier' | 'masked-lm' | 'invalid',
  ) {
    super(message);
  }
}

export interface LoadedLanguageModel {
  model: GPT;
  tokenizer: Tokenizer;
  config: GPTConfig;
  dir: string;
  /** Frees the model's weights. */
  dispose(): void;
}

/**
 * Reads a run folder written for a GPT and returns the model (in eval mode) and its tokenizer.
 * A classifier's folder, a missing file, a config that does not validate or weights that do not
 * match it are refused with one error naming the folder or file.
 *
 * ```ts
 * const { model, tokenizer } = loadLanguageModel('runs/2026-12-01T08-00-00');
 * ```
 */
export function loadLanguageModel(dir: string): LoadedLanguageModel {
  const paths = checkpointPaths(dir);
  let raw: unknown;
  try {
    raw = readJsonFile(paths.config, 'model config');
  } catch (err) {
    const why = err instanceof CheckpointFileError && /file not found/.test(err.message) ? `no ${paths.config} (not a model folder)` : (err as Error).message;
    throw new LanguageModelFolderError(`${dir}: cannot load a language model: ${why}`, dir, 'missing');
  }
  const type = (raw as { type?: unknown } | null)?.type;
  if (MODEL_TYPES.includes(type as never)) {
    throw new LanguageModelFolderError(`${dir}: this folder holds a text classifier (config type '${String(type)}'), not a language model (type 'gpt')`, dir, 'classifier');
  }
  if (type === 'masked-lm') {
    throw new LanguageModelFolderError(`${dir}: this folder holds a classifier's masked-LM pretraining, not a language model (type 'gpt')`, dir, 'masked-lm');
  }
  let config: GPTConfig;
  let tokenizer: Tokenizer;
  try {
    config = parseGPTConfig(raw, paths.config);
    tokenizer = tokenizerFromJSON(readJsonFile(paths.tokenizer, 'tokenizer'));
  } catch (err) {
    throw new LanguageModelFolderError((err as Error).message, dir, 'invalid');
  }
  if (tokenizer.vocabSize > config.vocabSize) {
    throw new LanguageModelFolderError(`${paths.tokenizer}: the tokenizer has ${tokenizer.vocabSize} ids, more than the model's vocabSize ${config.vocabSize} in ${paths.config}`, dir, 'invalid');
  }
  const model = new GPT(config);
  let weights: ReturnType<typeof loadSafetensors> | null = null;
  try {
    weights = loadSafetensors(paths.model);
    model.loadStateDict(weights.tensors, { strict: true });
  } catch (err) {
    model.dispose();
    const why = (err as Error).message.replace(/:\n\t/, ': ').replace(/\n\t/g, '; '); // one line
    throw new LanguageModelFolderError(`${paths.model}: ${weights ? `does not match ${paths.config}: ` : ''}${why}`, dir, 'invalid');
  } finally {
    for (const t of Object.values(weights?.tensors ?? {})) t.dispose();
  }
  model.eval();
  return { model, tokenizer, config, dir, dispose: () => model.dispose() };
}
