/**
 * The messages between the HTTP thread and the model worker (`worker.ts`). Every request carries
 * an `id`; the worker answers it with one `result` or `error` (and, for a generation, `started`
 * then `chunk`s before that). Plain structured-cloneable objects only.
 *
 * ```ts
 * const msg: ToWorker = { type: 'classify', id: 1, model: 'spam', items: [{ texts: ['hi'], topK: 2, attention: false }] };
 * ```
 */

/** A model folder to serve, under the name the API uses. */
export interface ModelSpec {
  name: string;
  dir: string;
}

/** What the worker is given at start. */
export interface WorkerData {
  models: ModelSpec[];
  /** 'ref' or 'wasm' (default: the engine's choice). */
  backend?: string;
  /** Threads of the wasm pool. */
  threads?: number;
  /** Most generations of one model decoded together (default 8). */
  parallel?: number;
  /** false: every generation runs its own decoder (interleaved step by step, no shared forward). */
  continuousBatching?: boolean;
  /** How a Hugging Face folder's weight matrices are kept (`loadPretrained`'s `weights`; default float32). */
  weightsDtype?: 'float32' | 'bfloat16' | 'float16' | 'auto';
}

export type ModelTaskName = 'classification' | 'language-model';

/** What the HTTP thread knows of a loaded model. */
export interface ModelInfo {
  name: string;
  dir: string;
  task: ModelTaskName;
  /** Context length (language models: blockSize) or longest input (classifiers: maxLength), in tokens. */
  contextLength: number;
  vocabSize: number;
  /** Class names (classifiers). */
  labels?: string[];
  /** The backend the worker runs it on ('wasm' unless asked or unavailable). */
  backend?: string;
  /** A Hugging Face folder's weight matrices as loaded (float32, bfloat16 or float16). */
  weightsDtype?: string;
  /** The model's config type ('transformer', 'bert-for-sequence-classification', …). */
  modelType?: string;
  /** Classifiers: the id batches are right-padded with (a Hugging Face folder's pad_token_id; 0 for attn's). */
  padId?: number;
  /** Classifiers: texts in one forward at most (1: a decoder head without pad_token_id reads one text at a time). */
  maxBatch?: number;
}

/** One request's share of a classification batch. */
export interface ClassifyItem {
  texts: string[];
  topK: number;
  /** false: none; true: every token's weight in text order; a number k: the k most attended. */
  attention: boolean | number;
}

export interface ClassifyPrediction {
  label: string;
  probabilities: Record<string, number>;
  topK: { label: string; probability: number }[];
  attention?: { token: string; weight: number }[];
}

/** Sampling and stopping, in the library's names (`GenerateTextOptions`), validated by the worker. */
export interface GenerationParams {
  maxTokens: number | null;
  temperature?: number;
  topK?: number;
  topP?: number;
  minP?: number;
  repetitionPenalty?: number;
  seed?: number;
  stop?: string[];
  /** Record each new token's log-probability and this many top alternatives (0 … 20); absent: none. */
  logprobs?: number;
}

/** A token of a completion with its log-probability (the model's raw distribution) and the top alternatives. */
export interface LogprobEntry {
  token: number;
  /** The token decoded alone. */
  text: string;
  /** UTF-8 bytes of `text`. */
  bytes: number[];
  logprob: number;
  /** Characters of the completion's text before this token. */
  offset: number;
  top: { token: number; text: string; bytes: number[]; logprob: number }[];
}

export type ToWorker =
  | { type: 'classify'; id: number; model: string; items: ClassifyItem[] }
  | {
      type: 'generate';
      id: number;
      model: string;
      /** A plain prompt (completions) or chat messages (rendered with the tokenizer's chat template). */
      prompt: string | { role: string; content: string }[];
      params: GenerationParams;
      /** Whether to post a `chunk` per token. */
      stream: boolean;
    }
  | { type: 'abort'; id: number }
  | { type: 'tokenize'; id: number; model: string; content: string; withPieces: boolean }
  | { type: 'detokenize'; id: number; model: string; tokens: number[] }
  | AnalysisRequest;

/** The explorer's requests: one text's attention view (`AttentionView`), mean-pooled embeddings. */
export type AnalysisRequest =
  | { type: 'attention'; id: number; model: string; text: string }
  | { type: 'embed'; id: number; model: string; texts: string[] };

export interface GenerateOutcome {
  text: string;
  finishReason: 'stop' | 'length';
  promptTokens: number;
  completionTokens: number;
  seconds: number;
  /** With `params.logprobs`: one entry per token of the text (end-of-text ids left out). */
  logprobs?: LogprobEntry[];
}

export type FromWorker =
  | { type: 'ready'; models: ModelInfo[] }
  | { type: 'failed'; message: string; /** The loading error's class name (ModelTooLargeError…), for the CLI's wording. */ errorName?: string }
  | { type: 'started'; id: number; promptTokens: number }
  | { type: 'chunk'; id: number; text: string; token: number; logprobs?: LogprobEntry[] }
  | { type: 'result'; id: number; value: unknown; forwards?: number; batchRows?: number[] }
  /** Rows of the shared decoding steps run since the last such message (for /metrics). */
  | { type: 'steps'; model: string; rows: number[] }
  | { type: 'error'; id: number; status: number; errorType: string; message: string };
