/**
 * Generation options: names and defaults of transformers.js's `GenerationConfig` (camel-cased)
 * and llama.cpp's server (`n_predict` aside), validated once. Errors are `GenerationOptionError`s
 * that carry the option, the value and what was expected, so a CLI can word them as its flags.
 */
import type { SamplingOptions } from './sampling.js';

export interface GenerateOptions {
  /**
   * Tokens to generate at most (default 20: transformers' `max_length` default of 20, counted
   * here as new tokens, as its `max_new_tokens`).
   */
  maxNewTokens?: number;
  /**
   * Softmax temperature (default 1, transformers' default). 0 = greedy decoding (argmax; the
   * filters below are ignored, the repetition penalty is not). Note: transformers' `generate`
   * is greedy unless `do_sample: true`; here sampling is on unless temperature is 0.
   */
  temperature?: number;
  /** Keep the k most likely tokens (default 50, transformers' default); 0 = off. */
  topK?: number;
  /** Nucleus: keep the most likely tokens up to probability mass topP, in (0, 1] (default 1 = off). */
  topP?: number;
  /** Drop tokens less likely than minP × the most likely one, in [0, 1] (default 0 = off, as transformers). */
  minP?: number;
  /** HF semantics: logits of tokens in the prompt or output are divided (positive) or multiplied (negative) by it (default 1 = off). */
  repetitionPenalty?: number;
  /** Stop a row when it produces one of these ids (included in `tokens`, not in text). Default: the tokenizer's end-of-text id, if it has one. */
  eosTokenId?: number | readonly number[] | null;
  /** Id used for left padding of batched prompts (default 0, attn's padding id). */
  padTokenId?: number;
  /**
   * Ids never generated (transformers' `suppress_tokens`). Default: none for `generate`; the text
   * functions default to the ids of an attn tokenizer that stand for no text (padding, the unknown
   * character, BPE's `<cls>`/`<sep>`/`<mask>`), which a small model otherwise samples early in training.
   */
  suppressTokenIds?: readonly number[] | null;
  /** Seed of a generator private to this call: same seed, same output. Default: attn's global generator (`manualSeed`). */
  seed?: number | null;
  /** Reuse keys and values of earlier positions (default true); false recomputes the whole context each step. */
  useCache?: boolean;
  /** Record, for each new token, every layer's attention of its query over the context. */
  returnAttention?: boolean;
  /** Stops generation: the promise rejects (the iterator throws) with the signal's reason. */
  signal?: AbortSignal | null;
  /** Told when a prompt is cut to the context or the context fills up (default: console.warn; null: not told). */
  onWarning?: ((message: string) => void) | null;
}

export interface GenerateTextOptions extends GenerateOptions {
  /** Stop strings: the output ends before the first occurrence of any of them. */
  stop?: string | readonly string[] | null;
}

/** A bad generation option: `option` is its name in the options object. */
export class GenerationOptionError extends RangeError {
  override name = 'GenerationOptionError';
  constructor(
    readonly option: string,
    readonly value: unknown,
    readonly expected: string,
  ) {
    super(`generate: ${option} must be ${expected}, got ${show(value)}`);
  }
}

function show(value: unknown): string {
  if (typeof value === 'function') return 'a function';
  try {
    return JSON.stringify(value) ?? String(value);
  } catch {
    return String(value);
  }
}

export interface ResolvedOptions extends SamplingOptions {
  maxNewTokens: number;
  eosTokenIds: number[];
  padTokenId: number;
  seed: number | null;
  useCache: boolean;
  returnAttention: boolean;
  signal: AbortSignal | null;
  onWarning: (message: string) => void;
  stop: string[];
  /**
   * Ids from here up are never drawn: the model's vocabulary can be wider than its tokenizer's
   * (nanoGPT pads 50257 to 50304; a folder's tokenizer may know fewer ids), and an id the
   * tokenizer cannot decode must not be generated. The text functions set it; null = none.
   */
  vocabLimit: number | null;
  /** Ids never drawn (`suppressTokenIds`). */
  suppressTokenIds: number[];
}

const KNOWN = [
  'maxNewTokens', 'temperature', 'topK', 'topP', 'minP', 'repetitionPenalty', 'eosTokenId', 'padTokenId', 'suppressTokenIds',
  'seed', 'useCache', 'returnAttention', 'signal', 'onWarning', 'stop',
];

const isId = (v: unknown, vocabSize: number) => Number.isInteger(v) && (v as number) >= 0 && (v as number) < vocabSize;

/**
 * Fills defaults and validates every option against the model's vocabulary; `defaultEos` is the
 * tokenizer's end-of-text id (if any).
 *
 * ```ts
 * resolveGenerateOptions({ topP: 2 }, 65); // throws GenerationOptionError: generate: topP must be a number in (0, 1], got 2
 * ```
 */
export function resolveGenerateOptions(options: GenerateTextOptions, vocabSize: number, defaultEos: number | null = null, allowStop = true): ResolvedOptions {
  if (typeof options !== 'object' || options === null) throw new GenerationOptionError('options', options, 'an object');
  for (const key of Object.keys(options)) {
    if (!KNOWN.includes(key) || (key === 'stop' && !allowStop && options.stop != null)) {
      throw new GenerationOptionError(key, (options as Record<string, unknown>)[key], key === 'stop' ? 'absent: stop strings need a tokenizer (generateText / streamText)' : `one of the known options (${KNOWN.join(', ')})`);
    }
  }
  const o = options;
  const maxNewTokens = o.maxNewTokens ?? 20;
  if (!Number.isInteger(maxNewTokens) || maxNewTokens < 1) throw new GenerationOptionError('maxNewTokens', maxNewTokens, 'a positive integer');
  const temperature = o.temperature ?? 1;
  if (typeof temperature !== 'number' || !Number.isFinite(temperature) || temperature < 0) throw new GenerationOptionError('temperature', temperature, 'a finite number ≥ 0 (0 = greedy)');
  const topK = o.topK ?? 50;
  if (!Number.isInteger(topK) || topK < 0) throw new GenerationOptionError('topK', topK, 'a non-negative integer (0 = off)');
  const topP = o.topP ?? 1;
  if (typeof topP !== 'number' || !(topP > 0 && topP <= 1)) throw new GenerationOptionError('topP', topP, 'a number in (0, 1]');
  const minP = o.minP ?? 0;
  if (typeof minP !== 'number' || !(minP >= 0 && minP <= 1)) throw new GenerationOptionError('minP', minP, 'a number in [0, 1]');
  const repetitionPenalty = o.repetitionPenalty ?? 1;
  if (typeof repetitionPenalty !== 'number' || !Number.isFinite(repetitionPenalty) || repetitionPenalty <= 0) {
    throw new GenerationOptionError('repetitionPenalty', repetitionPenalty, 'a finite number > 0 (1 = off)');
  }
  const eos = o.eosTokenId === undefined ? defaultEos : o.eosTokenId;
  const eosTokenIds = eos === null ? [] : typeof eos === 'number' ? [eos] : Array.isArray(eos) ? [...eos] : [NaN];
  if (eosTokenIds.some((id) => !isId(id, vocabSize))) throw new GenerationOptionError('eosTokenId', eos, `an id in [0, ${vocabSize}) or a list of them`);
  const padTokenId = o.padTokenId ?? 0;
  if (!isId(padTokenId, vocabSize)) throw new GenerationOptionError('padTokenId', padTokenId, `an id in [0, ${vocabSize})`);
  const suppress = o.suppressTokenIds ?? [];
  if (!Array.isArray(suppress) || suppress.some((id) => !isId(id, vocabSize))) throw new GenerationOptionError('suppressTokenIds', o.suppressTokenIds, `a list of ids in [0, ${vocabSize})`);
  const suppressTokenIds = [...new Set(suppress as number[])];
  if (eosTokenIds.length > 0 && eosTokenIds.every((id) => suppressTokenIds.includes(id))) {
    throw new GenerationOptionError('suppressTokenIds', o.suppressTokenIds, 'a list that leaves at least one end-of-text id (eosTokenId) drawable');
  }
  const seed = o.seed ?? null;
  if (seed !== null && (typeof seed !== 'number' || !Number.isFinite(seed))) throw new GenerationOptionError('seed', seed, 'a finite number');
  const useCache = o.useCache ?? true;
  if (typeof useCache !== 'boolean') throw new GenerationOptionError('useCache', useCache, 'true or false');
  const returnAttention = o.returnAttention ?? false;
  if (typeof returnAttention !== 'boolean') throw new GenerationOptionError('returnAttention', returnAttention, 'true or false');
  const signal = o.signal ?? null;
  if (signal !== null && (typeof signal !== 'object' || typeof signal.aborted !== 'boolean')) throw new GenerationOptionError('signal', signal, 'an AbortSignal');
  const onWarning = o.onWarning === null ? () => {} : (o.onWarning ?? ((message: string) => console.warn(message)));
  if (typeof onWarning !== 'function') throw new GenerationOptionError('onWarning', onWarning, 'a function');
  const stopValue = o.stop ?? [];
  const stop = typeof stopValue === 'string' ? [stopValue] : Array.isArray(stopValue) ? [...stopValue] : [0];
  if (stop.some((s) => typeof s !== 'string' || s.length === 0)) throw new GenerationOptionError('stop', o.stop, 'a non-empty string or a list of them');
  return { maxNewTokens, temperature, topK, topP, minP, repetitionPenalty, eosTokenIds, padTokenId, seed, useCache, returnAttention, signal, onWarning, stop: stop as string[], vocabLimit: null, suppressTokenIds };
}
