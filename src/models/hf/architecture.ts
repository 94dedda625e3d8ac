/**
 * What `loadPretrained` needs from each Hugging Face architecture: the `model_type`s it reads, its
 * config (from config.json fields), the model, and a weight plan saying which checkpoint tensor
 * fills which parameter (and how: GPT-2's Conv1D weights are transposed), which checkpoint
 * tensors are not weights (mask buffers, tied copies, heads attn does not build) and which must
 * be equal (a tied head stored twice).
 */
import type { Module } from '../../nn/module.js';
import type { HfConfig } from './config.js';

/** One parameter and the checkpoint tensor that fills it. */
export interface WeightSource {
  /** The parameter's name in attn's model (`namedParameters()`). */
  param: string;
  /** The tensor's name in the checkpoint. */
  tensor: string;
  /** The parameter's shape (the stored tensor's is the reverse when `transpose`). */
  shape: number[];
  /** Stored [in, out] (GPT-2's Conv1D): transposed to nn.Linear's [out, in] on load. */
  transpose?: boolean;
}

export interface WeightPlan {
  sources: WeightSource[];
  /** Checkpoint tensors that are known not to be parameters here (not reported as unused). */
  skip(name: string): boolean;
  /** [a, b]: when both are in the checkpoint, their values must be equal (a tied lm_head stored again). */
  tied: [string, string][];
}

export interface PretrainedArchitecture<C = unknown, M extends Module = Module> {
  /** attn's name for the architecture (`gpt2`, `llama`, `bert`). */
  readonly name: string;
  /** The `model_type` values of config.json it loads. */
  readonly modelTypes: readonly string[];
  /** attn's config from config.json; `names` are the checkpoint's tensors (for optional parts such as BERT's pooler). */
  config(hf: HfConfig, names: ReadonlySet<string>): C;
  create(config: C): M;
  /**
   * The weight plan from the config alone (parameter names and shapes), so that a checkpoint is
   * checked before the model is built; the loader then checks the model has exactly these.
   */
  plan(config: C, names: ReadonlySet<string>): WeightPlan;
}

/** Collects [name, shape] pairs: `add('wte.weight', [V, C])`, `add('ln.bias', [C], hasBias)`. */
export function shapeList(): { add(name: string, shape: number[], when?: boolean): void; list: [string, number[]][] } {
  const list: [string, number[]][] = [];
  return { list, add: (name, shape, when = true) => void (when && list.push([name, shape])) };
}

/**
 * The checkpoint prefix in use: `prefix` when `prefix + probe` is a tensor (a head model's save), else ''.
 *
 * ```ts
 * detectPrefix(names, 'transformer.', 'wte.weight'); // 'transformer.' for a GPT2LMHeadModel save, '' for gpt2 itself
 * ```
 */
export function detectPrefix(names: ReadonlySet<string>, prefix: string, probe: string): string {
  return names.has(prefix + probe) ? prefix : '';
}

/**
 * True when config.json's `architectures` names a `*ForSequenceClassification` class (a
 * fine-tuned classifier's save: body and head).
 *
 * ```ts
 * isSequenceClassificationConfig({ architectures: ['BertForSequenceClassification'] }); // true
 * ```
 */
export function isSequenceClassificationConfig(raw: Record<string, unknown>): boolean {
  const a = raw.architectures;
  return Array.isArray(a) && a.some((n) => typeof n === 'string' && n.endsWith('ForSequenceClassification'));
}
