/**
 * OpenAI's and llama.cpp's request bodies and answers in the library's terms: the generation
 * parameters of a body, the log-probabilities it asks for, and the logprobs objects of the
 * completions and chat answers.
 */
import { ApiError } from './model-worker.js';
import type { GenerationParams, LogprobEntry } from './protocol.js';
import type { ChatBody, CompletionBody, SamplingBody } from './schemas.js';

/** The library's generation parameters from an OpenAI / llama.cpp body. */
export function generationParams(body: SamplingBody): GenerationParams {
  const params: GenerationParams = { maxTokens: body.max_completion_tokens ?? body.max_tokens ?? body.n_predict ?? null };
  if (body.temperature !== undefined) params.temperature = body.temperature;
  // OpenAI has no top-k: off unless asked for (the library's default is 50).
  params.topK = body.top_k ?? 0;
  if (body.top_p !== undefined) params.topP = body.top_p;
  if (body.min_p !== undefined) params.minP = body.min_p;
  if (body.repeat_penalty !== undefined) params.repetitionPenalty = body.repeat_penalty;
  if (body.seed !== undefined && body.seed !== null) params.seed = body.seed;
  if (body.stop !== undefined && body.stop !== null) params.stop = typeof body.stop === 'string' ? [body.stop] : body.stop;
  return params;
}

/**
 * The top alternatives per token a body asks for (undefined: no log-probabilities): completions'
 * `logprobs` 0 … 5, chat's `logprobs: true` with `top_logprobs` 0 … 20 (OpenAI's limits).
 */
export function logprobsOf(body: CompletionBody | ChatBody, chat: boolean): number | undefined {
  const range = (field: string, n: number, max: number) => {
    if (!(Number.isInteger(n) && n >= 0 && n <= max)) throw new ApiError(400, 'invalid_request_error', `${field} must be an integer from 0 to ${max} (top alternatives per token), got ${n}`);
  };
  if (chat) {
    const { logprobs, top_logprobs: top } = body as ChatBody;
    if (top !== undefined && top !== null) {
      range('top_logprobs', top, 20);
      if (logprobs !== true) throw new ApiError(400, 'invalid_request_error', 'top_logprobs needs logprobs: true');
    }
    return logprobs === true ? (top ?? 0) : undefined;
  }
  const n = (body as CompletionBody).logprobs;
  if (n === undefined || n === null) return undefined;
  range('logprobs', n, 5);
  return n;
}

/** Completions' logprobs object (OpenAI's legacy shape): parallel lists, top alternatives keyed by text (the likelier first). */
export function completionLogprobs(entries: LogprobEntry[]) {
  const top = entries.map((e) => {
    const alternatives: Record<string, number> = {};
    for (const t of e.top) if (!(t.text in alternatives)) alternatives[t.text] = t.logprob;
    return alternatives;
  });
  return { tokens: entries.map((e) => e.text), token_logprobs: entries.map((e) => e.logprob), top_logprobs: top, text_offset: entries.map((e) => e.offset) };
}

/** Chat's logprobs object: one item per token with its bytes and top alternatives. */
export function chatLogprobs(entries: LogprobEntry[]) {
  return {
    content: entries.map((e) => ({ token: e.text, logprob: e.logprob, bytes: e.bytes, top_logprobs: e.top.map((t) => ({ token: t.text, logprob: t.logprob, bytes: t.bytes })) })),
    refusal: null,
  };
}
