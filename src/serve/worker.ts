/**
 * The model worker of `attn serve`: loads the served folders and answers the HTTP thread's
 * messages (`protocol.ts`). Every kernel runs here, never on the HTTP thread: the engine's
 * thread pool waits with `Atomics.wait`, which would freeze an event loop serving sockets.
 *
 * Generations of one language model share decoding steps (continuous batching: one
 * `BatchDecoder` per model, `parallel` rows at most); with `continuousBatching: false` each runs
 * its own decoder (a `BatchDecoder` of one row). Either way decoding yields to this thread's
 * event loop between steps, so an `abort`, a classification batch or a new generation is handled
 * between two tokens.
 *
 * Classifiers: attn run folders and Hugging Face `*ForSequenceClassification` folders
 * (`loadClassifierFolder`); a batch is right-padded with the classifier's own pad id (HF's
 * `pad_token_id`: GPT-2/Llama heads pool the last token that is not it) and split into forwards
 * of at most the classifier's batch size (1 for a decoder head without a pad id).
 *
 * Started by `ModelWorker.start` (model-worker.ts) through `spawnModuleWorker`; not imported.
 */
import { workerPort, exists, joinPath, readText } from '../platform/index.js';
// Registers the wasm backend in this thread (src/index.ts does it for the library; this worker
// does not import that): without it every served model ran on the reference backend.
import '../backends/wasm/index.js';
import { setBackend, getBackend } from '../engine/scope.js';
import { setNumThreads } from '../backends/wasm/thread-pool.js';
import { readRunTask } from '../infer/run-model.js';
import type { LoadedTextClassifier, PredictingClassifier } from '../infer/text-classifier.js';
import { loadClassifierFolder } from '../infer/classifier-folder.js';
import { isPretrainedClassifierConfig } from '../models/hf/load-pretrained-classifier.js';
import { forEachInferenceBatch } from '../infer/batches.js';
import { loadLanguageModel } from '../generate/load.js';
import { encodePrompt, streamTextBatched } from '../generate/text.js';
import { BatchDecoder } from '../generate/batch-decoder.js';
import { GenerationOptionError, type GenerateTextOptions } from '../generate/options.js';
import type { CausalLanguageModel } from '../generate/generate.js';
import type { Tokenizer } from '../text/tokenizer.js';
import { HfTokenizer } from '../text/hf/hf-tokenizer.js';
import { loadPretrainedTokenizer } from '../text/hf/load-tokenizer.js';
import { applyChatTemplate } from '../text/hf/chat-template.js';
import { loadPretrained } from '../models/hf/load-pretrained.js';
import { analyse } from './analysis.js';
import type { ClassifyItem, ClassifyPrediction, FromWorker, GenerationParams, LogprobEntry, ModelInfo, ToWorker, WorkerData } from './protocol.js';

interface LanguageModelEntry {
  name: string;
  model: CausalLanguageModel;
  tokenizer: Tokenizer;
  /** Shared decoding steps of this model's generations; null: each decodes alone (continuous batching off). */
  batcher: BatchDecoder | null;
}

type ServedClassifier = LoadedTextClassifier<PredictingClassifier, { maxLength: number }>;

/** Rows of the decoding steps not yet reported, by model (posted as `steps` for /metrics). */
const stepRows = new Map<string, number[]>();

/** Sends the decoding steps' rows counted so far. */
function flushSteps(): void {
  for (const [model, rows] of stepRows) if (rows.length > 0) post({ type: 'steps', model, rows: rows.splice(0) });
}

function countStep(model: string, rows: number): void {
  let list = stepRows.get(model);
  if (!list) stepRows.set(model, (list = []));
  list.push(rows);
  if (list.length >= 256) flushSteps();
}

/** The model's continuous batcher, unless batching is off. */
function batcherFor(name: string, model: CausalLanguageModel, data: WorkerData): BatchDecoder | null {
  if (data.continuousBatching === false) return null;
  return new BatchDecoder(model, { maxBatch: data.parallel ?? 8, onStep: (rows) => countStep(name, rows) });
}

const port = workerPort();
if (!port) throw new Error('serve/worker.ts runs in a worker thread started by ModelWorker.start');
const post = (message: FromWorker) => port.post(message);

const classifiers = new Map<string, ServedClassifier>();
const languageModels = new Map<string, LanguageModelEntry>();
const infos = new Map<string, ModelInfo>();
const aborts = new Map<number, AbortController>();

/** A request refused with an HTTP status; the HTTP thread sends `{error: {message, type}}`. */
class RequestError extends Error {
  constructor(readonly status: number, readonly errorType: string, message: string) {
    super(message);
  }
}

/** The API's field names of the library's generation options, to word its errors. */
const API_FIELDS: Record<string, string> = {
  maxNewTokens: 'max_tokens', temperature: 'temperature', topK: 'top_k', topP: 'top_p', minP: 'min_p',
  repetitionPenalty: 'repeat_penalty', seed: 'seed', stop: 'stop', prompt: 'prompt', logprobs: 'logprobs',
};

/** What /v1/models says of a classifier. */
function classifierInfo(name: string, dir: string, clf: ServedClassifier, weightsDtype?: string): ModelInfo {
  const vocabSize = (clf.config as { vocabSize?: number }).vocabSize ?? (clf.model as unknown as { config: { vocabSize: number } }).config.vocabSize;
  const modelType = (clf.model as { config?: { type?: string } }).config?.type;
  const info: ModelInfo = { name, dir, task: 'classification', contextLength: clf.config.maxLength, vocabSize, labels: clf.labels, padId: clf.options.padId ?? 0 };
  if (modelType) info.modelType = modelType;
  if (clf.options.maxBatchSize !== undefined) info.maxBatch = clf.options.maxBatchSize;
  if (weightsDtype) info.weightsDtype = weightsDtype;
  return info;
}

function load(data: WorkerData): ModelInfo[] {
  if (data.backend) setBackend(data.backend);
  if (data.threads) setNumThreads(data.threads);
  return data.models.map(({ name, dir }) => {
    const configPath = joinPath(dir, 'config.json');
    const raw = exists(configPath) ? (JSON.parse(readText(configPath)) as Record<string, unknown>) : null;
    const weights = data.weightsDtype === undefined ? {} : { weights: data.weightsDtype };
    if (raw && typeof raw.model_type === 'string' && raw.type === undefined) {
      // A Hugging Face folder (config.json with model_type): its sequence classifiers and causal language models are served.
      if (isPretrainedClassifierConfig(raw)) {
        const clf = loadClassifierFolder(dir, weights);
        classifiers.set(name, clf);
        return classifierInfo(name, dir, clf, clf.options.weightsDtype ?? 'float32');
      }
      const pretrained = loadPretrained(dir, weights);
      if (pretrained.architecture !== 'gpt2' && pretrained.architecture !== 'llama') {
        pretrained.dispose();
        throw new Error(`${dir}: a Hugging Face ${pretrained.modelType} encoder has no head to serve (attn serve serves classifiers — attn's and Hugging Face *ForSequenceClassification folders — and causal language models)`);
      }
      const model = pretrained.model as CausalLanguageModel;
      languageModels.set(name, { name, model, tokenizer: loadPretrainedTokenizer(dir), batcher: batcherFor(name, model, data) });
      return { name, dir, task: 'language-model', contextLength: model.config.blockSize, vocabSize: model.config.vocabSize, weightsDtype: pretrained.weightsDtype };
    }
    const task = readRunTask(dir);
    if (task === 'classification') {
      const clf = loadClassifierFolder(dir);
      classifiers.set(name, clf);
      return classifierInfo(name, dir, clf);
    }
    if (task === 'language-model') {
      const lm = loadLanguageModel(dir);
      languageModels.set(name, { name, model: lm.model, tokenizer: lm.tokenizer, batcher: batcherFor(name, lm.model, data) });
      return { name, dir, task, contextLength: lm.config.blockSize, vocabSize: lm.config.vocabSize };
    }
    throw new Error(`${dir}: this folder holds a ${task} model, which attn serve does not serve (it serves classifiers and language models)`);
  });
}

/**
 * The texts of a batch of requests in padded forwards: all in one, or in forwards of the
 * classifier's batch size at most, right-padded with its pad id (inputs longer than `maxLength`
 * are truncated, as at training); returns each request's predictions and the rows of each forward.
 * A model without token weights (bag of words, BERT's heads today) leaves `attention` out; the
 * route refuses the requests that asked for it.
 */
function classify(clf: ServedClassifier, items: ClassifyItem[]): { predictions: ClassifyPrediction[][]; batchRows: number[] } {
  const texts = items.flatMap((item) => item.texts);
  const withAttention = items.some((item) => item.attention !== false);
  const sequences = clf.encode(texts);
  const classes = clf.labels.length;
  const probs: Float32Array[] = new Array(texts.length);
  const weights: (Float32Array | null)[] = new Array(texts.length).fill(null);
  const batchRows: number[] = [];
  const batchSize = Math.max(1, Math.min(texts.length, clf.options.maxBatchSize ?? Infinity));
  clf.model.eval();
  forEachInferenceBatch(sequences, clf.config.maxLength, batchSize, (ids, batch) => {
    batchRows.push(batch.size);
    const { logits, tokenWeights } = withAttention ? clf.model.forwardWithAttention(ids) : { logits: clf.model.forward(ids), tokenWeights: null };
    const p = logits.softmax(-1).data() as Float32Array; // (B, C)
    const w = tokenWeights?.data() as Float32Array | undefined; // (B, T)
    batch.indices.forEach((index, row) => {
      probs[index] = p.slice(row * classes, (row + 1) * classes);
      if (w) weights[index] = w.slice(row * batch.length, row * batch.length + sequences[index]!.length);
    });
  }, clf.options.padId ?? 0);
  let next = 0;
  const predictions = items.map((item) =>
    item.texts.map((text) => {
      const i = next++;
      const ranked = clf.labels.map((label, c) => ({ label, probability: probs[i]![c]! })).sort((a, b) => b.probability - a.probability);
      const prediction: ClassifyPrediction = {
        label: ranked[0]!.label,
        probabilities: Object.fromEntries(clf.labels.map((label, c) => [label, probs[i]![c]!])),
        topK: ranked.slice(0, Math.min(item.topK, classes)),
      };
      const w = weights[i];
      if (item.attention !== false && w) {
        const tokens = clf.tokenizer.tokenize(text).slice(0, w.length).map((token, j) => ({ token, weight: w[j]! }));
        prediction.attention = item.attention === true ? tokens : tokens.sort((a, b) => b.weight - a.weight).slice(0, item.attention);
      }
      return prediction;
    }),
  );
  return { predictions, batchRows };
}

/** The prompt of chat messages: the tokenizer's chat template, else the contents one per line. */
function chatPrompt(tokenizer: Tokenizer, messages: { role: string; content: string }[]): string {
  if (tokenizer instanceof HfTokenizer && tokenizer.chatTemplate !== null) {
    try {
      return applyChatTemplate(tokenizer, messages, { addGenerationPrompt: true });
    } catch (err) {
      // Templates raise on messages they do not accept (roles out of order, …): the request's fault.
      throw new RequestError(400, 'invalid_request_error', `messages: ${(err as Error).message}`);
    }
  }
  return messages.map((m) => m.content).join('\n');
}

async function generate(id: number, lm: LanguageModelEntry, info: ModelInfo, prompt: string | { role: string; content: string }[], params: GenerationParams, stream: boolean): Promise<void> {
  const text = typeof prompt === 'string' ? prompt : chatPrompt(lm.tokenizer, prompt);
  let ids: number[];
  try {
    ids = encodePrompt(lm.tokenizer, text);
  } catch (err) {
    if (err instanceof GenerationOptionError) throw new RequestError(400, 'invalid_request_error', `${typeof prompt === 'string' ? 'prompt' : 'messages'} must be ${err.expected}`);
    throw err;
  }
  const context = info.contextLength;
  const room = context - ids.length;
  if (room < 1) throw new RequestError(400, 'invalid_request_error', `the prompt is ${ids.length} tokens: no room left in the model's context of ${context} tokens`);
  // OpenAI's defaults: 16 new tokens for a completion, the rest of the context for a chat.
  const maxNewTokens = params.maxTokens ?? (typeof prompt === 'string' ? Math.min(16, room) : room);
  if (maxNewTokens > room) {
    throw new RequestError(400, 'invalid_request_error', `max_tokens ${maxNewTokens} + ${ids.length} prompt tokens = ${maxNewTokens + ids.length}, more than the model's context of ${context} tokens`);
  }
  const controller = new AbortController();
  aborts.set(id, controller);
  const options: GenerateTextOptions = { maxNewTokens, signal: controller.signal, onWarning: null };
  for (const key of ['temperature', 'topK', 'topP', 'minP', 'repetitionPenalty', 'seed', 'stop'] as const) {
    if (params[key] !== undefined) (options as Record<string, unknown>)[key] = params[key];
  }
  const started = performance.now();
  let out = '';
  let tokens = 0;
  let finish: 'eos' | 'stop' | 'length' | null = null;
  const wantLogprobs = params.logprobs !== undefined;
  const entries: LogprobEntry[] = [];
  const textIds: number[] = []; // the ids of the text so far, for each token's offset
  let sent = 0;
  // Without continuous batching each generation has a decoder of its own (one row).
  const decoder = lm.batcher ?? new BatchDecoder(lm.model, { maxBatch: 1, onStep: (rows) => countStep(lm.name, rows) });
  try {
    const chunks = streamTextBatched(decoder, lm.tokenizer, text, options, wantLogprobs ? { logprobs: params.logprobs } : {});
    let first = true;
    for await (const chunk of chunks) {
      if (first) post({ type: 'started', id, promptTokens: ids.length });
      first = false;
      tokens++;
      out += chunk.text;
      finish = chunk.finishReason;
      // End-of-text ids are not part of the text: no entry (as OpenAI's and llama.cpp's answers).
      if (chunk.logprob && chunk.finishReason !== 'eos') {
        entries.push({ ...piece(lm.tokenizer, chunk.token), logprob: chunk.logprob.logprob, offset: lm.tokenizer.decode(textIds).length, top: chunk.logprob.top.map((t) => ({ ...piece(lm.tokenizer, t.token), logprob: t.logprob })) });
        textIds.push(chunk.token);
      }
      if (stream && chunk.text) {
        post(wantLogprobs ? { type: 'chunk', id, text: chunk.text, token: chunk.token, logprobs: entries.slice(sent) } : { type: 'chunk', id, text: chunk.text, token: chunk.token });
        sent = entries.length;
      }
    }
  } catch (err) {
    if (controller.signal.aborted) throw new RequestError(499, 'aborted', 'the client closed the connection');
    if (err instanceof GenerationOptionError) throw new RequestError(400, 'invalid_request_error', `${API_FIELDS[err.option] ?? err.option} must be ${err.expected}`);
    throw err;
  } finally {
    aborts.delete(id);
  }
  const seconds = (performance.now() - started) / 1000;
  flushSteps();
  const value = { text: out, finishReason: finish === 'length' ? 'length' : 'stop', promptTokens: ids.length, completionTokens: tokens, seconds };
  post({ type: 'result', id, value: wantLogprobs ? { ...value, logprobs: entries } : value });
}

const utf8 = new TextEncoder();

/** A token id as a logprobs entry shows it: decoded alone, and its UTF-8 bytes. */
function piece(tokenizer: Tokenizer, token: number): { token: number; text: string; bytes: number[] } {
  const text = tokenizer.decode([token]);
  return { token, text, bytes: Array.from(utf8.encode(text)) };
}

function fail(id: number, err: unknown): void {
  if (err instanceof RequestError) post({ type: 'error', id, status: err.status, errorType: err.errorType, message: err.message });
  else post({ type: 'error', id, status: 500, errorType: 'server_error', message: err instanceof Error ? err.message : String(err) });
}

function modelOf(name: string): ModelInfo {
  const info = infos.get(name);
  if (!info) throw new RequestError(404, 'not_found_error', `the model '${name}' does not exist`);
  return info;
}

port.onMessage((raw) => {
  const msg = raw as ToWorker;
  try {
    switch (msg.type) {
      case 'abort':
        aborts.get(msg.id)?.abort();
        return;
      case 'classify': {
        modelOf(msg.model);
        const clf = classifiers.get(msg.model);
        if (!clf) throw new RequestError(400, 'invalid_request_error', `the model '${msg.model}' is not a classifier`);
        const { predictions, batchRows } = classify(clf, msg.items);
        post({ type: 'result', id: msg.id, value: predictions, forwards: batchRows.length, batchRows });
        return;
      }
      case 'generate': {
        const info = modelOf(msg.model);
        const lm = languageModels.get(msg.model);
        if (!lm) throw new RequestError(400, 'invalid_request_error', `the model '${msg.model}' is not a language model`);
        generate(msg.id, lm, info, msg.prompt, msg.params, msg.stream).catch((err: unknown) => fail(msg.id, err));
        return;
      }
      case 'tokenize': {
        modelOf(msg.model);
        const tokenizer = classifiers.get(msg.model)?.tokenizer ?? languageModels.get(msg.model)!.tokenizer;
        const ids = tokenizer.encode(msg.content);
        post({ type: 'result', id: msg.id, value: { tokens: msg.withPieces ? ids.map((token) => ({ id: token, piece: tokenizer.decode([token]) })) : ids } });
        return;
      }
      case 'attention':
      case 'embed': {
        modelOf(msg.model);
        const answer = analyse(msg, classifiers.get(msg.model) ?? null, languageModels.get(msg.model) ?? null);
        if ('error' in answer) throw new RequestError(400, 'invalid_request_error', answer.error);
        post({ type: 'result', id: msg.id, value: answer.value });
        return;
      }
      case 'detokenize': {
        const info = modelOf(msg.model);
        const tokenizer = classifiers.get(msg.model)?.tokenizer ?? languageModels.get(msg.model)!.tokenizer;
        const bad = msg.tokens.findIndex((t) => t >= Math.min(info.vocabSize, tokenizer.vocabSize));
        if (bad >= 0) throw new RequestError(400, 'invalid_request_error', `tokens[${bad}] is ${msg.tokens[bad]}, not an id of the model's tokenizer (ids are below ${Math.min(info.vocabSize, tokenizer.vocabSize)})`);
        post({ type: 'result', id: msg.id, value: { content: tokenizer.decode(msg.tokens) } });
        return;
      }
    }
  } catch (err) {
    fail((msg as { id: number }).id, err);
  }
});

try {
  for (const info of load(port.data as WorkerData)) infos.set(info.name, { ...info, backend: getBackend() });
  post({ type: 'ready', models: [...infos.values()] });
} catch (err) {
  post({ type: 'failed', message: err instanceof Error ? err.message : String(err), errorName: err instanceof Error ? err.name : undefined });
}
