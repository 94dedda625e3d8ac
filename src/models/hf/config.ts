/**
 * Reading Hugging Face `config.json` and `generation_config.json` fields (snake_case, as
 * `PretrainedConfig.to_json_string` writes them). Each field is checked where it is read, so an
 * error names the file and the field and says what was expected: a `ModelConfigError`.
 *
 * ```ts
 * const hf = new HfConfig(JSON.parse(text), 'gpt2/config.json');
 * const nEmbd = hf.int('n_embd', 768); // the default when the field is absent, as PretrainedConfig's
 * ```
 */
import { ModelConfigError } from '../config-fields.js';
import type { GenerateOptions } from '../../generate/options.js';

/** The fields of one Hugging Face JSON config, read with defaults and checks. */
export class HfConfig {
  constructor(readonly raw: Record<string, unknown>, readonly source: string) {}

  has(name: string): boolean {
    return this.raw[name] !== undefined && this.raw[name] !== null;
  }

  private fail(name: string, problem: string): never {
    throw new ModelConfigError(this.source, name, problem);
  }

  private get<T>(name: string, fallback: T | undefined, check: (v: unknown) => boolean, expected: string): T {
    const v = this.raw[name];
    if (v === undefined || v === null) {
      if (fallback === undefined) this.fail(name, `is missing (expected ${expected})`);
      return fallback;
    }
    if (!check(v)) this.fail(name, `must be ${expected}, got ${JSON.stringify(v)}`);
    return v as T;
  }

  /** A positive integer. */
  int(name: string, fallback?: number): number {
    return this.get(name, fallback, (v) => Number.isInteger(v) && (v as number) > 0, 'a positive integer');
  }

  /** A non-negative integer (token ids). */
  id(name: string, fallback?: number): number {
    return this.get(name, fallback, (v) => Number.isInteger(v) && (v as number) >= 0, 'a non-negative integer');
  }

  /** A finite number. */
  number(name: string, fallback?: number): number {
    return this.get(name, fallback, (v) => typeof v === 'number' && Number.isFinite(v), 'a finite number');
  }

  /** A dropout probability in [0, 1). */
  prob(name: string, fallback?: number): number {
    return this.get(name, fallback, (v) => typeof v === 'number' && v >= 0 && v < 1, 'a number in [0, 1)');
  }

  /** A finite number ≥ 0. */
  nonNegative(name: string, fallback?: number): number {
    return this.get(name, fallback, (v) => typeof v === 'number' && Number.isFinite(v) && v >= 0, 'a finite number ≥ 0');
  }

  bool(name: string, fallback?: boolean): boolean {
    return this.get(name, fallback, (v) => typeof v === 'boolean', 'true or false');
  }

  /** One of `allowed` (what attn implements); the error lists them. */
  oneOf<T extends string>(name: string, allowed: readonly T[], fallback?: T): T {
    return this.get(name, fallback, (v) => allowed.includes(v as T), `one of ${allowed.map((a) => JSON.stringify(a)).join(', ')} (what attn implements)`);
  }

  /** An id or a list of ids (`eos_token_id` is a list in Llama 3). */
  ids(name: string): number[] | null {
    const v = this.raw[name];
    if (v === undefined || v === null) return null;
    const list = Array.isArray(v) ? v : [v];
    if (!list.every((x) => Number.isInteger(x) && x >= 0)) this.fail(name, `must be a token id or a list of them, got ${JSON.stringify(v)}`);
    return list as number[];
  }

  /** A field that must keep the value attn implements (e.g. `scale_attn_weights: true`). */
  only(name: string, value: unknown, why: string): void {
    const v = this.raw[name];
    if (v !== undefined && v !== null && v !== value) this.fail(name, `${JSON.stringify(v)} is not supported (${why}; attn implements ${JSON.stringify(value)})`);
  }
}

/**
 * `generation_config.json` (or, without it, the generation fields of config.json, as
 * `GenerationConfig.from_model_config`) as attn's generation options. Hugging Face decodes
 * greedily unless `do_sample` is true; attn samples unless temperature is 0, so `do_sample:
 * false` (the default) becomes `temperature: 0`. `max_length` counts the prompt and cannot be
 * expressed as new tokens: it is kept in `maxLength` and only `max_new_tokens` sets
 * `maxNewTokens`.
 *
 * ```ts
 * const { options } = parseGenerationConfig({ do_sample: true, temperature: 0.6, top_p: 0.9, eos_token_id: [128001, 128009] }, 'x');
 * // options: { temperature: 0.6, topP: 0.9, eosTokenId: [128001, 128009] }
 * ```
 */
export function parseGenerationConfig(raw: Record<string, unknown>, source: string, fallback?: HfConfig): { options: GenerateOptions; maxLength: number | null } {
  const g = new HfConfig(raw, source);
  const options: GenerateOptions = {};
  const doSample = g.bool('do_sample', false);
  if (g.has('max_new_tokens')) options.maxNewTokens = g.int('max_new_tokens');
  if (!doSample) options.temperature = 0;
  else {
    if (g.has('temperature')) options.temperature = g.nonNegative('temperature');
    if (g.has('top_k')) options.topK = g.id('top_k');
    if (g.has('top_p')) options.topP = g.number('top_p');
    if (g.has('min_p')) options.minP = g.number('min_p');
  }
  if (g.has('repetition_penalty')) options.repetitionPenalty = g.number('repetition_penalty');
  const eos = g.ids('eos_token_id') ?? fallback?.ids('eos_token_id') ?? null;
  if (eos) options.eosTokenId = eos.length === 1 ? eos[0]! : eos;
  const pad = g.ids('pad_token_id') ?? fallback?.ids('pad_token_id') ?? null;
  if (pad) options.padTokenId = pad[0]!;
  const maxLength = g.has('max_length') ? g.int('max_length') : null;
  return { options, maxLength };
}
