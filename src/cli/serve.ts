/** `attn serve`: the HTTP API over one or more run folders (models in a worker thread). */
import path from 'node:path';
import type { Command } from 'commander';
import { startServer } from '../serve/server.js';
import { ListenError } from '../serve/http-errors.js';
import type { ModelSpec } from '../serve/protocol.js';
import { exists, onStopSignal, stat } from '../platform/index.js';
import { listBackends } from '../engine/scope.js';
import { parseNonNegativeInt, parsePositiveInt, UsageError } from './options.js';
import { RunFolderError } from '../io/run-folder.js';
import { weightsDtypeFlag, wordModelTooLarge, WEIGHTS_DTYPE_HELP } from './weights-dtype-option.js';
import { parseThreads } from './backend-option.js';

interface ServeFlags {
  model: string[];
  host: string;
  port: string;
  bodyLimit: string;
  batchWindow: string;
  maxBatch: string;
  queue: string;
  parallel: string;
  continuousBatching: boolean;
  backend?: string;
  threads?: string;
  runs?: string;
  weightsDtype?: string;
}

/** `--model DIR` (named after the folder) or `--model name=DIR`. */
export function parseModelFlag(value: string): ModelSpec {
  const eq = value.indexOf('=');
  // A '=' inside a path (after a separator) is part of the path, not a name.
  if (eq > 0 && !/[\\/]/.test(value.slice(0, eq))) return { name: value.slice(0, eq), dir: value.slice(eq + 1) };
  const name = path.basename(path.resolve(value));
  return { name, dir: value };
}

export function registerServeCommand(program: Command): void {
  program
    .command('serve')
    .description('serve run folders and Hugging Face folders over HTTP: classification, OpenAI-compatible completions (with logprobs), tokenization, attention, metrics')
    .option('--model <dir>', 'a run folder or a Hugging Face folder (a *ForSequenceClassification classifier or a causal LM) to serve, as DIR or name=DIR (repeatable)', (value: string, all: string[]) => [...all, value], [] as string[])
    .option('--host <host>', 'address to listen on', '127.0.0.1')
    .option('--port <n>', 'port to listen on (0 = any free port)', '8080')
    .option('--body-limit <bytes>', 'largest request body; larger ones get 413', String(1024 * 1024))
    .option('--batch-window <ms>', 'how long a classification request waits for others to share its batch', '5')
    .option('--max-batch <n>', 'most texts in one classification batch', '64')
    .option('--queue <n>', 'requests waiting at most; more get 429', '64')
    .option('--parallel <n>', 'generations running at once; those of one model share each decoding step (continuous batching)', '8')
    .option('--no-continuous-batching', 'generations running at once take turns, one forward each per token')
    .option('--backend <name>', 'ref or wasm')
    .option('--threads <n>', 'worker threads for the wasm backend')
    .option('--weights-dtype <dtype>', WEIGHTS_DTYPE_HELP)
    .option('--runs <dir>', "a folder of training runs: the page's training dashboard plots each run's log.jsonl, live")
    .addHelpText('after', `
Examples:
  attn serve --model runs/spam
  attn serve --model spam=runs/spam --model lm=runs/shakespeare --port 8000
  attn serve --model runs/spam --runs runs/      # the page at / with the training dashboard
  attn serve --model models/SmolLM2-360M --weights-dtype bfloat16
  curl -s localhost:8080/v1/classify -H 'content-type: application/json' -d '{"texts": ["free money!!!"]}'`)
    .action(async (flags: ServeFlags) => {
      if (flags.model.length === 0) throw new UsageError('--model <dir> is required (a run folder; repeat --model name=DIR to serve several)');
      const models = flags.model.map(parseModelFlag);
      const seen = new Set<string>();
      for (const m of models) {
        if (m.name === '') throw new UsageError(`--model ${m.name}=${m.dir}: the name is empty`);
        if (seen.has(m.name)) throw new UsageError(`--model: two models are named '${m.name}' (name them: --model name=DIR)`);
        seen.add(m.name);
      }
      if (flags.backend && !listBackends().includes(flags.backend)) throw new UsageError(`--backend must be one of ${listBackends().join(', ')}, got '${flags.backend}'`);
      if (flags.runs !== undefined && !exists(flags.runs)) throw new UsageError(`--runs ${flags.runs}: no such folder`);
      if (flags.runs !== undefined && !stat(flags.runs).isDirectory()) throw new UsageError(`--runs ${flags.runs}: is a file; expected a folder of training runs`);
      const weightsDtype = weightsDtypeFlag(flags.weightsDtype);
      const port = parseNonNegativeInt(flags.port, '--port');
      if (port > 65535) throw new UsageError(`--port must be at most 65535, got '${flags.port}'`);
      let server;
      try {
        server = await startServer({
          models,
          host: flags.host,
          port,
          bodyLimit: parsePositiveInt(flags.bodyLimit, '--body-limit'),
          batchWindowMs: parseNonNegativeInt(flags.batchWindow, '--batch-window'),
          maxBatchTexts: parsePositiveInt(flags.maxBatch, '--max-batch'),
          maxQueue: parsePositiveInt(flags.queue, '--queue'),
          parallel: parsePositiveInt(flags.parallel, '--parallel'),
          continuousBatching: flags.continuousBatching,
          backend: flags.backend,
          runsDir: flags.runs ?? null,
          weightsDtype,
          threads: flags.threads === undefined ? undefined : parseThreads(flags.threads),
        });
      } catch (err) {
        // Loading errors name the folder; say which flag gave it.
        const message = wordModelTooLarge(err) ?? (err instanceof Error ? err.message : String(err));
        const model = models.find((m) => message.startsWith(`${m.dir}:`) || message.includes(`${m.dir}/`));
        if (err instanceof ListenError) {
          if (err.code === 'EADDRNOTAVAIL' || err.code === 'ENOTFOUND') throw new UsageError(`--host ${err.host}: ${err.message}; give an address of this machine (127.0.0.1 by default, 0.0.0.0 for all)`, { cause: err });
          const advice = err.code === 'EADDRINUSE' ? 'choose another --port, or --port 0 for any free one' : 'choose a --port above 1023';
          throw new Error(`--port ${err.port}: ${err.message}; ${advice}`, { cause: err });
        }
        throw err instanceof RunFolderError || model ? new Error(`--model ${message}`, { cause: err }) : err;
      }
      for (const m of server.models) console.log(`attn serve: ${m.name} (${m.task}, ${m.dir})`);
      console.log(`attn serve: listening on ${server.url}`);
      const unsubscribe = onStopSignal((signal) => {
        unsubscribe();
        console.log(`attn serve: ${signal}: finishing the requests in flight, then exiting`);
        server.close().then(
          () => {
            console.log('attn serve: stopped');
            process.exit(0);
          },
          (err: unknown) => {
            console.error(`attn serve: ${err instanceof Error ? err.message : String(err)}`);
            process.exit(1);
          },
        );
      });
    });
}
