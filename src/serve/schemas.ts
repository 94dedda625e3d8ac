/**
 * JSON schemas of the request bodies (Fastify validates every body with them before a route
 * runs; a body that does not fit is a 400 naming the field). OpenAI-style bodies allow fields
 * they do not list (clients send `user`, `presence_penalty`, …, which are ignored); the others
 * refuse unknown fields.
 */

const model = { type: 'string', minLength: 1 } as const;
const stop = { anyOf: [{ type: 'string', minLength: 1 }, { type: 'array', items: { type: 'string', minLength: 1 }, maxItems: 16 }] } as const;

/** Sampling fields shared by completions and chat completions: OpenAI's, then llama.cpp's. */
const sampling = {
  model,
  max_tokens: { type: 'integer', minimum: 1 },
  n_predict: { type: 'integer', minimum: 1 },
  temperature: { type: 'number', minimum: 0, maximum: 100 },
  top_p: { type: 'number', exclusiveMinimum: 0, maximum: 1 },
  n: { type: 'integer', enum: [1] },
  stream: { type: 'boolean' },
  stream_options: { type: ['object', 'null'], properties: { include_usage: { type: 'boolean' } } },
  stop: { anyOf: [stop, { type: 'null' }] },
  seed: { type: ['integer', 'null'] },
  top_k: { type: 'integer', minimum: 0 },
  min_p: { type: 'number', minimum: 0, maximum: 1 },
  repeat_penalty: { type: 'number', exclusiveMinimum: 0 },
} as const;

export const classifyBody = {
  type: 'object',
  required: ['texts'],
  additionalProperties: false,
  properties: {
    model,
    texts: { type: 'array', minItems: 1, maxItems: 1024, items: { type: 'string' } },
    topK: { type: 'integer', minimum: 1 },
    attention: { anyOf: [{ type: 'boolean' }, { type: 'integer', minimum: 1 }] },
  },
} as const;

export const completionBody = {
  type: 'object',
  required: ['prompt'],
  // logprobs: 0 … 5 top alternatives per token (OpenAI's limit), checked by the route to word the range.
  properties: { ...sampling, prompt: { type: 'string' }, logprobs: { type: ['integer', 'null'] } },
} as const;

export const chatBody = {
  type: 'object',
  required: ['messages'],
  properties: {
    ...sampling,
    max_completion_tokens: { type: 'integer', minimum: 1 },
    logprobs: { type: ['boolean', 'null'] },
    // 0 … 20 (OpenAI's limit), with logprobs: true; checked by the route to word the range.
    top_logprobs: { type: ['integer', 'null'] },
    messages: {
      type: 'array',
      minItems: 1,
      items: {
        type: 'object',
        required: ['role', 'content'],
        properties: { role: { type: 'string', enum: ['system', 'user', 'assistant', 'developer', 'tool'] }, content: { type: 'string' } },
      },
    },
  },
} as const;

export const tokenizeBody = {
  type: 'object',
  required: ['content'],
  additionalProperties: false,
  properties: { model, content: { type: 'string' }, with_pieces: { type: 'boolean' }, add_special: { type: 'boolean' } },
} as const;

export const detokenizeBody = {
  type: 'object',
  required: ['tokens'],
  additionalProperties: false,
  properties: { model, tokens: { type: 'array', maxItems: 1_000_000, items: { type: 'integer', minimum: 0 } } },
} as const;

export interface DetokenizeBody {
  model?: string;
  tokens: number[];
}

export interface SamplingBody {
  model?: string;
  max_tokens?: number;
  n_predict?: number;
  max_completion_tokens?: number;
  temperature?: number;
  top_p?: number;
  stream?: boolean;
  stream_options?: { include_usage?: boolean } | null;
  stop?: string | string[] | null;
  seed?: number | null;
  top_k?: number;
  min_p?: number;
  repeat_penalty?: number;
}
export interface ClassifyBody {
  model?: string;
  texts: string[];
  topK?: number;
  attention?: boolean | number;
}
export interface CompletionBody extends SamplingBody {
  prompt: string;
  /** Top alternatives per token, 0 … 5 (null: no log-probabilities). */
  logprobs?: number | null;
}
export interface ChatBody extends SamplingBody {
  messages: { role: string; content: string }[];
  logprobs?: boolean | null;
  /** Top alternatives per token, 0 … 20 (needs logprobs: true). */
  top_logprobs?: number | null;
}
export interface TokenizeBody {
  model?: string;
  content: string;
  with_pieces?: boolean;
}

export const attentionBody = {
  type: 'object',
  required: ['text'],
  additionalProperties: false,
  properties: { model, text: { type: 'string', maxLength: 100_000 } },
} as const;

/** OpenAI's embeddings body (`encoding_format` 'float' only; `dimensions` and `user` refused or ignored). */
export const embeddingsBody = {
  type: 'object',
  required: ['input'],
  properties: {
    model,
    input: { anyOf: [{ type: 'string' }, { type: 'array', minItems: 1, maxItems: 256, items: { type: 'string' } }] },
    encoding_format: { type: 'string', enum: ['float'] },
    user: { type: 'string' },
  },
} as const;

export interface AttentionBody {
  model?: string;
  text: string;
}
export interface EmbeddingsBody {
  model?: string;
  input: string | string[];
}
