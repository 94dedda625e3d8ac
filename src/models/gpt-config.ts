/**
 * The GPT config in nanoGPT's words (`GPTConfig`: vocab_size, block_size, n_layer, n_head, n_embd,
 * dropout, bias), camel-cased, saved as `config.json` with `type: 'gpt'`.
 *
 * ```ts
 * const config = parseGPTConfig(JSON.parse(text), 'runs/lm/config.json');
 * ```
 */
import { ModelConfigError } from './config-fields.js';

export interface GPTConfig {
  type: 'gpt';
  /** Number of token ids. */
  vocabSize: number;
  /** Longest context (positions) the model reads. */
  blockSize: number;
  nLayer: number;
  nHead: number;
  /** Width of the residual stream; a multiple of nHead. */
  nEmbd: number;
  /** Dropout after the embeddings, on the attention weights and on each residual branch. */
  dropout: number;
  /** Biases in the Linears and LayerNorms (true: as GPT-2; false: a bit better and faster, says nanoGPT). */
  bias: boolean;
  /** Learned absolute positions (`wpe`, GPT-2) or rotary positions on q and k (no `wpe`). */
  positional: 'learned' | 'rotary';
}

/** nanoGPT's defaults: GPT-2 small with the vocabulary padded to 50304 (a multiple of 64). */
export const GPT_DEFAULTS: GPTConfig = {
  type: 'gpt',
  vocabSize: 50304,
  blockSize: 1024,
  nLayer: 12,
  nHead: 12,
  nEmbd: 768,
  dropout: 0,
  bias: true,
  positional: 'learned',
};

const FIELDS: Record<Exclude<keyof GPTConfig, 'type'>, 'int' | 'prob' | 'bool' | readonly string[]> = {
  vocabSize: 'int',
  blockSize: 'int',
  nLayer: 'int',
  nHead: 'int',
  nEmbd: 'int',
  dropout: 'prob',
  bias: 'bool',
  positional: ['learned', 'rotary'],
};

/**
 * Validates a GPT config (from config.json or code); every error is a `ModelConfigError` naming
 * `source` and the field, saying what was expected and what was found.
 *
 * ```ts
 * parseGPTConfig({ type: 'gpt', vocabSize: 65, blockSize: 64, nLayer: 4, nHead: 4, nEmbd: 128, dropout: 0, bias: true, positional: 'learned' });
 * ```
 */
export function parseGPTConfig(value: unknown, source = 'GPT config'): GPTConfig {
  const fail = (field: string | null, problem: string): never => {
    throw new ModelConfigError(source, field, problem);
  };
  if (typeof value !== 'object' || value === null || Array.isArray(value)) fail(null, `expected an object, got ${JSON.stringify(value)}`);
  const record = value as Record<string, unknown>;
  if (record.type !== 'gpt') fail('type', `must be 'gpt', got ${JSON.stringify(record.type)}`);
  for (const [name, kind] of Object.entries(FIELDS)) {
    const v = record[name];
    const shown = v === undefined ? 'nothing' : JSON.stringify(v);
    if (kind === 'int' && !(Number.isInteger(v) && (v as number) > 0)) fail(name, `must be a positive integer, got ${shown}`);
    if (kind === 'prob' && !(typeof v === 'number' && v >= 0 && v < 1)) fail(name, `must be a number in [0, 1), got ${shown}`);
    if (kind === 'bool' && typeof v !== 'boolean') fail(name, `must be true or false, got ${shown}`);
    if (Array.isArray(kind) && !kind.includes(v as string)) fail(name, `must be one of ${kind.join(', ')}, got ${shown}`);
  }
  const unknown = Object.keys(record).filter((k) => k !== 'type' && !(k in FIELDS));
  if (unknown.length > 0) fail(null, `unknown field(s) ${unknown.join(', ')} for a gpt model (known: ${Object.keys(FIELDS).join(', ')})`);
  const { nEmbd, nHead, positional } = record as unknown as GPTConfig;
  if (nEmbd % nHead !== 0) fail('nEmbd', `(${nEmbd}) must be divisible by 'nHead' (${nHead})`);
  if (positional === 'rotary' && (nEmbd / nHead) % 2 !== 0) fail(null, `rotary positions need an even head size, got nEmbd / nHead = ${nEmbd / nHead}`);
  const out = { type: 'gpt' } as Record<string, unknown>;
  for (const name of Object.keys(FIELDS)) out[name] = record[name];
  return out as unknown as GPTConfig;
}
