/**
 * Loading a language model for generation: an attn run folder (`config.json` of a registered model
 * of the 'language-model' task: type 'gpt' or 'llama', `model.safetensors`, `tokenizer.json`) or a
 * Hugging Face folder of a causal language model (GPT-2, Llama family: `config.json` with
 * `model_type`, safetensors, `tokenizer.json`, `generation_config.json`). Inference only: nothing
 * here imports the Trainer.
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
import type { LlamaForCausalLM, LlamaConfig } from '../models/hf/llama.js';
import { isHuggingFaceFolder, loadPretrained, type LoadPretrainedOptions } from '../models/hf/load-pretrained.js';
import { loadPretrainedTokenizer } from '../text/hf/load-tokenizer.js';
import type { GenerateOptions } from './options.js';

export interface LoadedLanguageModel {
  /** A registered language model: type 'gpt' or 'llama'. */
  model: GPT | LlamaForCausalLM;
  tokenizer: Tokenizer;
  config: GPTConfig | LlamaConfig;
  dir: string;
  /**
   * The folder's own generation defaults (a Hugging Face `generation_config.json`: eos ids,
   * temperature, top-k …), to be overridden by the caller's options; empty for attn run folders.
   */
  generation: GenerateOptions;
  /** Frees the model's weights. */
  dispose(): void;
}

/**
 * Reads a language model's run folder and returns the model (in eval mode) and its tokenizer,
 * through the model registry. Refused, naming the folder or file: a missing folder or file
 * (`RunFolderError`), a classifier's folder (`WrongTaskError`, its `task` says which), a config
 * that does not validate (`ModelConfigError`), weights or a tokenizer that do not match it.
 *
 * `pretrained` is passed to `loadPretrained` for a Hugging Face folder (half-precision weights,
 * the workload its memory check keeps room for); an attn run folder loads as it was saved.
 *
 * ```ts
 * const { model, tokenizer } = loadLanguageModel('runs/2026-12-01T08-00-00');
 * const big = loadLanguageModel('models/Llama-3.2-1B', { weights: 'auto' });
 * ```
 */
export function loadLanguageModel(dir: string, pretrained: LoadPretrainedOptions = {}): LoadedLanguageModel {
  if (isHuggingFaceFolder(dir)) return loadPretrainedLanguageModel(dir, pretrained);
  const { model, config, run } = loadRunModel<GPT | LlamaForCausalLM, GPTConfig | LlamaConfig>(dir, 'language-model');
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
    return { model, tokenizer, config, dir, generation: {}, dispose: () => model.dispose() };
  } catch (err) {
    model.dispose();
    throw err;
  }
}

/** A Hugging Face folder's causal language model with its tokenizer.json and generation defaults. */
function loadPretrainedLanguageModel(dir: string, options: LoadPretrainedOptions): LoadedLanguageModel {
  const pretrained = loadPretrained(dir, options);
  try {
    if (pretrained.architecture !== 'gpt2' && pretrained.architecture !== 'llama') {
      throw new RunFolderError(dir, `this folder holds a Hugging Face ${pretrained.modelType} encoder, not a causal language model (attn generates with gpt2, llama and qwen2 folders)`);
    }
    let tokenizer: Tokenizer;
    try {
      tokenizer = loadPretrainedTokenizer(dir);
    } catch (err) {
      throw new RunFolderError(dir, (err as Error).message);
    }
    const { model } = pretrained;
    return { model, tokenizer, config: model.config, dir, generation: pretrained.generation, dispose: () => pretrained.dispose() };
  } catch (err) {
    pretrained.dispose();
    throw err;
  }
}
