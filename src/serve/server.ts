/**
 * `attn serve`'s HTTP server: Fastify on 127.0.0.1 by default, every body checked by a JSON
 * schema (schemas.ts), the models in a worker thread (model-worker.ts), batching and the bounded
 * queue in scheduler.ts, Prometheus metrics in metrics.ts, OpenAI's and llama.cpp's bodies in the
 * library's terms in openai-format.ts. Errors are `{error: {message, type}}` (http-errors.ts);
 * a refused body's connection closes lingering (lingering-close.ts).
 *
 * Routes: `POST /v1/classify`, `POST /v1/completions`, `POST /v1/chat/completions` (OpenAI's
 * bodies and answers, `stream: true` as server-sent events), `POST /tokenize` and `POST /detokenize`
 * (llama.cpp's), `POST /v1/attention` and `POST /v1/embeddings` (the explorer's), `GET /v1/models`
 * (and `/v1/models/:id`), `GET /health`, `GET /metrics`; the web page and the dashboard's runs in
 * web-routes.ts.
 *
 * ```ts
 * const server = await startServer({ models: [{ name: 'spam', dir: 'runs/spam' }], port: 0 });
 * const res = await fetch(`${server.url}/v1/classify`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ texts: ['hi'] }) });
 * await server.close(); // drains requests in flight, then stops the worker
 * ```
 */
import Fastify, { type FastifyInstance, type FastifyReply, type FastifyRequest } from 'fastify';
import { randomBytes } from '../platform/index.js';
import { ModelWorker, ApiError } from './model-worker.js';
import { Scheduler, type GenerateRequest } from './scheduler.js';
import { serverMetrics } from './metrics.js';
import type { LogprobEntry, ModelInfo, ModelSpec, ModelTaskName, WorkerData } from './protocol.js';
import { registerWebRoutes } from './web-routes.js';
import { apiErrorOf, clientErrorAnswer, errorBody, isListenErrorCode, ListenError } from './http-errors.js';
import { LingeringClose } from './lingering-close.js';
import { chatLogprobs, completionLogprobs, generationParams, logprobsOf } from './openai-format.js';
import { attentionBody, embeddingsBody, type AttentionBody, type EmbeddingsBody } from './schemas.js';
import { chatBody, classifyBody, completionBody, detokenizeBody, tokenizeBody, type ChatBody, type ClassifyBody, type CompletionBody, type DetokenizeBody, type TokenizeBody } from './schemas.js';

export interface ServeOptions {
  models: ModelSpec[];
  /** Default '127.0.0.1' (loopback only). */
  host?: string;
  /** Default 8080; 0 = any free port. */
  port?: number;
  /** Largest request body in bytes (default 1 MiB); larger ones get 413. */
  bodyLimit?: number;
  /** Classification batching window in ms (default 5). */
  batchWindowMs?: number;
  /** Most texts in one classification batch (default 64). */
  maxBatchTexts?: number;
  /** Requests waiting at most; one more gets 429 (default 64). */
  maxQueue?: number;
  /** Generations running at once (default 8); those of one model share each decoding forward. */
  parallel?: number;
  /** false: generations running at once take turns, each with its own forward per token (default true). */
  continuousBatching?: boolean;
  /** A client has this long to send its whole request, or gets 408 and is disconnected (default 60000 ms). */
  requestTimeoutMs?: number;
  /** Backend of the model worker ('ref' or 'wasm'; default: the engine's choice). */
  backend?: string;
  /** Threads of the worker's wasm pool. */
  threads?: number;
  /** How Hugging Face folders' weight matrices are kept: float32 (default), bfloat16, float16 or auto (`loadPretrained`'s `weights`). */
  weightsDtype?: WorkerData['weightsDtype'];
  /** A folder of training runs (each with a log.jsonl) for the page's training dashboard. */
  runsDir?: string | null;
}

export interface RunningServer {
  /** `http://host:port`. */
  url: string;
  port: number;
  models: ModelInfo[];
  app: FastifyInstance;
  /** Stops accepting connections, lets requests in flight finish, then stops the worker. */
  close(): Promise<void>;
}

const TASK_NAMES: Record<ModelTaskName, string> = { classification: 'a classifier', 'language-model': 'a language model' };

/**
 * Starts the worker, loads the models and listens. Rejects (with the loading error, naming the
 * folder) if a model cannot be loaded, and with a `ListenError` (the worker stopped) if the
 * address cannot be listened on.
 */
export async function startServer(options: ServeOptions): Promise<RunningServer> {
  if (options.models.length === 0) throw new Error('startServer: give at least one model');
  const names = new Set<string>();
  for (const m of options.models) {
    if (names.has(m.name)) throw new Error(`startServer: two models are named '${m.name}'`);
    names.add(m.name);
  }
  const parallel = options.parallel ?? 8;
  const worker = await ModelWorker.start({
    models: options.models, backend: options.backend, threads: options.threads, parallel, continuousBatching: options.continuousBatching ?? true,
    ...(options.weightsDtype ? { weightsDtype: options.weightsDtype } : {}),
  });
  let scheduler!: Scheduler;
  const metrics = serverMetrics({ queueDepth: () => scheduler.queueDepth, inFlight: () => scheduler.inFlight });
  scheduler = new Scheduler(worker, metrics, {
    batchWindowMs: options.batchWindowMs ?? 5,
    maxBatchTexts: options.maxBatchTexts ?? 64,
    maxQueue: options.maxQueue ?? 64,
    parallel,
  });
  const models = worker.models;
  worker.onSteps = (model, rows) => rows.forEach((n) => metrics.decodeRows.observe({ model }, n));
  let draining = false;

  const bodyLimit = options.bodyLimit ?? 1024 * 1024;
  const lingeringClose = new LingeringClose();
  const requestTimeout = options.requestTimeoutMs ?? 60_000;
  const app = Fastify({
    bodyLimit,
    logger: false,
    forceCloseConnections: 'idle',
    // A client has this long to send its whole request (slow senders do not hold sockets forever);
    // Node checks the deadline every connectionsCheckingInterval (30 s by default: too coarse).
    requestTimeout,
    http: { connectionsCheckingInterval: Math.max(100, Math.min(30_000, Math.floor(requestTimeout / 4))), headersTimeout: Math.min(60_000, requestTimeout) },
    // Node's parser refused the request or it did not arrive in time: an answer in the API's shape.
    clientErrorHandler: (err, socket) => {
      const e = err as { code?: string; message?: string };
      if (lingeringClose.isDropping(socket) || e.code === 'ECONNRESET' || socket.destroyed) return;
      if (socket.writable) socket.write(clientErrorAnswer(e, requestTimeout));
      socket.destroy(err);
    },
    // Strict validation: no type coercion ("3" is not a number), no silently dropped fields.
    ajv: { customOptions: { coerceTypes: false, removeAdditional: false, useDefaults: false, allErrors: false } },
  });

  // Requests by route and status, and their latency: counted when the answer ends (streamed
  // answers included, which bypass Fastify's reply hooks).
  app.addHook('onRequest', async (request: FastifyRequest, reply: FastifyReply) => {
    const started = performance.now();
    reply.raw.once('close', () => {
      const route = request.routeOptions.url ?? 'unmatched';
      // An answer cut short by the client is counted as 499 (nginx's "client closed request").
      const status = reply.raw.writableFinished ? String(reply.raw.statusCode) : '499';
      metrics.requests.inc({ route, method: request.method, status });
      metrics.latency.observe({ route }, (performance.now() - started) / 1000);
    });
  });

  app.setErrorHandler((err, request, reply) => {
    const e = apiErrorOf(err, bodyLimit);
    // A refused body the client may still be sending: close lingering, so that the answer reaches it.
    if (!request.raw.complete && request.raw.socket && !request.raw.socket.destroyed) lingeringClose.refuse(request.raw.socket);
    void reply.code(e.status).send(errorBody(e.message, e.type));
  });
  app.setNotFoundHandler((request, reply) => {
    void reply.code(404).send(errorBody(`no route ${request.method} ${request.url.split('?')[0]}`, 'not_found_error'));
  });

  function modelFor(name: string | undefined, task: ModelTaskName, route: string): ModelInfo {
    if (name !== undefined) {
      const info = models.find((m) => m.name === name);
      if (!info) throw new ApiError(404, 'not_found_error', `the model '${name}' does not exist (served: ${models.map((m) => m.name).join(', ')})`);
      if (info.task !== task) throw new ApiError(400, 'invalid_request_error', `the model '${name}' is ${TASK_NAMES[info.task]}; ${route} needs ${TASK_NAMES[task]}`);
      return info;
    }
    const info = models.find((m) => m.task === task);
    if (!info) throw new ApiError(400, 'invalid_request_error', `${route} needs ${TASK_NAMES[task]} and none is served (served: ${models.map((m) => `${m.name}, ${TASK_NAMES[m.task]}`).join('; ')})`);
    return info;
  }

  registerWebRoutes(app, { runsDir: options.runsDir ?? null });

  app.get('/health', async (_request, reply) => {
    if (draining) return reply.code(503).send({ status: 'draining' });
    return { status: 'ok' };
  });

  app.get('/metrics', async (_request, reply) => {
    reply.type('text/plain; version=0.0.4; charset=utf-8');
    return metrics.registry.render();
  });

  const modelObject = (m: ModelInfo) => ({ id: m.name, object: 'model', created: 0, owned_by: 'attn', task: m.task, context_length: m.contextLength, ...(m.labels ? { labels: m.labels } : {}), ...(m.weightsDtype ? { weights_dtype: m.weightsDtype } : {}) });
  const servedModel = (name: string): ModelInfo => {
    const info = models.find((m) => m.name === name);
    if (!info) throw new ApiError(404, 'not_found_error', `the model '${name}' does not exist (served: ${models.map((m) => m.name).join(', ')})`);
    return info;
  };
  app.get('/v1/models', async () => ({ object: 'list', data: models.map(modelObject) }));
  app.get<{ Params: { model: string } }>('/v1/models/:model', async (request) => modelObject(servedModel(request.params.model)));

  app.post<{ Body: ClassifyBody }>('/v1/classify', { schema: { body: classifyBody } }, async (request) => {
    const { texts, topK, attention } = request.body;
    const info = modelFor(request.body.model, 'classification', '/v1/classify');
    const predictions = await scheduler.classify(info.name, { texts, topK: topK ?? 3, attention: attention ?? false });
    if (attention !== undefined && attention !== false && predictions.some((p) => p.attention === undefined)) {
      throw new ApiError(400, 'invalid_request_error', `attention: the model '${info.name}'${info.modelType ? ` (a ${info.modelType} classifier)` : ''} gives no token weights; ask without attention`);
    }
    return { model: info.name, predictions };
  });

  app.post<{ Body: TokenizeBody }>('/tokenize', { schema: { body: tokenizeBody } }, async (request) => {
    const name = servedModel(request.body.model ?? models[0]!.name).name;
    const { value } = await worker.request({ type: 'tokenize', model: name, content: request.body.content, withPieces: request.body.with_pieces ?? false }).done;
    return value;
  });

  app.post<{ Body: DetokenizeBody }>('/detokenize', { schema: { body: detokenizeBody } }, async (request) => {
    const name = servedModel(request.body.model ?? models[0]!.name).name;
    return (await worker.request({ type: 'detokenize', model: name, tokens: request.body.tokens }).done).value;
  });

  // The explorer's routes: any served model (the first one by default).
  app.post<{ Body: AttentionBody }>('/v1/attention', { schema: { body: attentionBody } }, async (request) => {
    const info = servedModel(request.body.model ?? models[0]!.name);
    const { value } = await worker.request({ type: 'attention', model: info.name, text: request.body.text }).done;
    return { model: info.name, ...(value as object) };
  });

  app.post<{ Body: EmbeddingsBody }>('/v1/embeddings', { schema: { body: embeddingsBody } }, async (request) => {
    const info = servedModel(request.body.model ?? models[0]!.name);
    const texts = typeof request.body.input === 'string' ? [request.body.input] : request.body.input;
    const { value } = await worker.request({ type: 'embed', model: info.name, texts }).done;
    const { vectors, tokens } = value as { vectors: number[][]; tokens: number };
    return { object: 'list', data: vectors.map((embedding, index) => ({ object: 'embedding', index, embedding })), model: info.name, usage: { prompt_tokens: tokens, total_tokens: tokens } };
  });

  /** Completions and chat completions share everything but the prompt and the answer's shape. */
  async function completion(reply: FastifyReply, body: CompletionBody | ChatBody, prompt: GenerateRequest['prompt'], chat: boolean): Promise<unknown> {
    const route = chat ? '/v1/chat/completions' : '/v1/completions';
    const info = modelFor(body.model, 'language-model', route);
    const params = generationParams(body);
    const topLogprobs = logprobsOf(body, chat);
    if (topLogprobs !== undefined) params.logprobs = topLogprobs;
    const formatLogprobs = (entries: LogprobEntry[] | undefined) => (entries === undefined ? null : chat ? chatLogprobs(entries) : completionLogprobs(entries));
    if (params.maxTokens !== null && params.maxTokens > info.contextLength) {
      throw new ApiError(400, 'invalid_request_error', `max_tokens ${params.maxTokens} is more than the model's context of ${info.contextLength} tokens`);
    }
    const id = `${chat ? 'chatcmpl' : 'cmpl'}-${Array.from(randomBytes(12), (b) => b.toString(16).padStart(2, '0')).join('')}`;
    const created = Math.floor(Date.now() / 1000);
    const head = { id, object: chat ? 'chat.completion' : 'text_completion', created, model: info.name };
    // The last chunk carries the entries of tokens whose text came with no earlier chunk (held back, an end cut by a stop string).
    const finish = (reason: string, rest: LogprobEntry[] | undefined) => {
      const logprobs = rest && rest.length > 0 ? formatLogprobs(rest) : null;
      return chat ? { index: 0, delta: {}, logprobs, finish_reason: reason } : { index: 0, text: '', logprobs, finish_reason: reason };
    };
    const usage = (o: { promptTokens: number; completionTokens: number }) => ({ prompt_tokens: o.promptTokens, completion_tokens: o.completionTokens, total_tokens: o.promptTokens + o.completionTokens });
    const gen: GenerateRequest = { model: info.name, prompt, params, stream: body.stream === true };

    if (!body.stream) {
      const job = scheduler.generate(gen);
      reply.raw.once('close', () => {
        if (!reply.raw.writableFinished) job.cancel();
      });
      const o = await job.done;
      const logprobs = formatLogprobs(o.logprobs);
      const choice = chat
        ? { index: 0, message: { role: 'assistant', content: o.text }, logprobs, finish_reason: o.finishReason }
        : { index: 0, text: o.text, logprobs, finish_reason: o.finishReason };
      return { ...head, choices: [choice], usage: usage(o) };
    }

    // Server-sent events: `data: {chunk}` per piece of text, the finish reason, then `data: [DONE]`.
    const raw = reply.raw;
    const chunkHead = { ...head, object: chat ? 'chat.completion.chunk' : 'text_completion' };
    const send = (data: unknown) => {
      if (!raw.destroyed) raw.write(`data: ${typeof data === 'string' ? data : JSON.stringify(data)}\n\n`);
    };
    let open = false;
    let sentEntries = 0;
    const job = scheduler.generate(gen, {
      onStarted: () => {
        open = true;
        raw.writeHead(200, { 'content-type': 'text/event-stream; charset=utf-8', 'cache-control': 'no-cache', connection: 'keep-alive' });
        if (chat) send({ ...chunkHead, choices: [{ index: 0, delta: { role: 'assistant', content: '' }, finish_reason: null }] });
      },
      onChunk: (text, _token, entries) => {
        sentEntries += entries?.length ?? 0;
        const logprobs = formatLogprobs(entries);
        send({ ...chunkHead, choices: [chat ? { index: 0, delta: { content: text }, logprobs, finish_reason: null } : { index: 0, text, logprobs, finish_reason: null }] });
      },
    });
    reply.hijack();
    raw.once('close', () => {
      if (!raw.writableFinished) job.cancel();
    });
    try {
      const o = await job.done;
      send({ ...chunkHead, choices: [finish(o.finishReason, o.logprobs?.slice(sentEntries))] });
      if (body.stream_options?.include_usage) send({ ...chunkHead, choices: [], usage: usage(o) });
      send('[DONE]');
    } catch (err) {
      const e = apiErrorOf(err, bodyLimit);
      if (!open && !raw.destroyed) {
        raw.writeHead(e.status, { 'content-type': 'application/json; charset=utf-8' });
        raw.end(JSON.stringify(errorBody(e.message, e.type)));
        return;
      }
      send(errorBody(e.message, e.type));
    }
    if (!raw.destroyed) raw.end();
    return undefined;
  }

  app.post<{ Body: CompletionBody }>('/v1/completions', { schema: { body: completionBody } }, (request, reply) => completion(reply, request.body, request.body.prompt, false));
  app.post<{ Body: ChatBody }>('/v1/chat/completions', { schema: { body: chatBody } }, (request, reply) =>
    completion(reply, request.body, request.body.messages.map((m) => ({ role: m.role, content: m.content })), true));

  try {
    await app.listen({ host: options.host ?? '127.0.0.1', port: options.port ?? 8080 });
  } catch (err) {
    // Nothing serves: stop the model worker too, so a failed start leaves no thread behind.
    await app.close().catch(() => undefined);
    await worker.close();
    const code = (err as { code?: unknown }).code;
    if (isListenErrorCode(code)) throw new ListenError(options.host ?? '127.0.0.1', options.port ?? 8080, code, { cause: err });
    throw err;
  }
  const address = app.server.address();
  const port = typeof address === 'object' && address ? address.port : (options.port ?? 8080);
  const host = options.host ?? '127.0.0.1';
  let closing: Promise<void> | null = null;
  return {
    url: `http://${host.includes(':') ? `[${host}]` : host}:${port}`,
    port,
    models,
    app,
    close: () => {
      closing ??= (async () => {
        draining = true;
        lingeringClose.closeAll();
        await app.close();
        await scheduler.idle();
        await worker.close();
      })();
      return closing;
    },
  };
}
