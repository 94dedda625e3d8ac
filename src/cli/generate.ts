/** `attn generate`: continue prompts with a trained language model, streaming the text. */
import fs from 'node:fs';
import type { Command } from 'commander';
import { loadLanguageModel } from '../generate/load.js';
import { withFolderFlag } from './errors.js';
import { encodePrompt, streamText } from '../generate/text.js';
import { GenerationOptionError, resolveGenerateOptions, type GenerateTextOptions } from '../generate/options.js';
import { UsageError } from './options.js';
import { applyBackendOption } from './backend-option.js';
import { weightsDtypeFlag, WEIGHTS_DTYPE_HELP } from './weights-dtype-option.js';

interface GenerateFlags {
  model?: string;
  input?: string;
  maxNewTokens?: string;
  temperature?: string;
  topK?: string;
  topP?: string;
  minP?: string;
  repetitionPenalty?: string;
  stop: string[];
  seed?: string;
  cache: boolean;
  json?: boolean;
  backend?: string;
  threads?: string;
  weightsDtype?: string;
}

/** The flag of each library option, to word the library's errors. */
const FLAGS: Record<string, string> = {
  maxNewTokens: '--max-new-tokens',
  temperature: '--temperature',
  topK: '--top-k',
  topP: '--top-p',
  minP: '--min-p',
  repetitionPenalty: '--repetition-penalty',
  stop: '--stop',
  seed: '--seed',
};

/** A numeric flag as a number (range checks are the library's); non-numbers refused here. */
function numberFlag(value: string | undefined, flag: string): number | undefined {
  if (value === undefined) return undefined;
  const n = Number(value);
  if (value.trim() === '' || !Number.isFinite(n)) throw new UsageError(`${flag} must be a number, got '${value}'`);
  return n;
}

/**
 * Prompts: the argument and/or the lines of --input (blank lines skipped), with where each came
 * from, for errors: `null` for the argument, `--input file:line` for a line.
 */
function readPromptSources(prompt: string | undefined, input: string | undefined): { text: string; source: string | null }[] {
  const prompts: { text: string; source: string | null }[] = prompt === undefined ? [] : [{ text: prompt, source: null }];
  if (input !== undefined) {
    let text: string;
    try {
      text = fs.readFileSync(input, 'utf8');
    } catch (err) {
      const code = (err as { code?: string }).code;
      throw new UsageError(`--input ${input}: ${code === 'ENOENT' ? 'no such file' : code === 'EISDIR' ? 'is a folder, expected a text file with one prompt per line' : (err as Error).message}`);
    }
    const lines = text.split(/\r?\n/).map((l, i) => ({ text: l, source: `--input ${input}:${i + 1}` })).filter((l) => l.text.trim() !== '');
    if (lines.length === 0) throw new UsageError(`--input ${input}: no prompts (expected one prompt per line)`);
    prompts.push(...lines);
  }
  if (prompts.length === 0) throw new UsageError('give a prompt as an argument or --input <file> (one prompt per line)');
  return prompts;
}

/** The library's option error worded with the CLI flag and the value as typed. */
function wordOptionError(err: GenerationOptionError, flags: GenerateFlags): UsageError {
  const flag = FLAGS[err.option];
  if (!flag) return new UsageError(err.message.replace(/^generate: /, ''));
  const typed = err.option === 'stop' ? "''" : `'${String((flags as unknown as Record<string, unknown>)[err.option] ?? err.value)}'`;
  return new UsageError(`${flag} must be ${err.expected}, got ${typed}`);
}

export function registerGenerateCommand(program: Command): void {
  program
    .command('generate')
    .description('continue a prompt with a trained language model, streaming the text as it is produced')
    .argument('[prompt]', 'the text to continue')
    .option('--model <dir>', 'run folder of a language model trained by attn, or a Hugging Face GPT-2 / Llama folder')
    .option('--input <file>', 'prompts from a text file, one per line')
    .option('--max-new-tokens <n>', 'tokens to generate at most (default 20)')
    .option('--temperature <t>', 'sampling temperature; 0 = greedy (default 1)')
    .option('--top-k <k>', 'sample among the k most likely tokens; 0 = off (default 50)')
    .option('--top-p <p>', 'sample among the most likely tokens up to probability mass p (default 1 = off)')
    .option('--min-p <p>', 'drop tokens less likely than p × the most likely one (default 0 = off)')
    .option('--repetition-penalty <r>', 'discourage tokens already in the prompt or output (default 1 = off)')
    .option('--stop <s>', 'stop before this string (repeatable)', (value: string, all: string[]) => [...all, value], [] as string[])
    .option('--seed <n>', 'seed of the sampling: same seed, same text')
    .option('--no-cache', 'recompute the whole context at every step (no KV cache)')
    .option('--json', 'one JSON line per prompt: {"prompt", "text", "tokens", "finishReason", "tokensPerSecond"}')
    .option('--backend <name>', 'ref or wasm')
    .option('--threads <n>', 'worker threads for the wasm backend')
    .option('--weights-dtype <dtype>', WEIGHTS_DTYPE_HELP)
    .addHelpText('after', `
Examples:
  attn generate --model runs/lm "Call me" --max-new-tokens 200
  attn generate --model runs/lm "Call me" --temperature 0 --json
  attn generate --model runs/lm --input prompts.txt --top-p 0.9 --seed 1 --json > out.jsonl`)
    .action(async (prompt: string | undefined, flags: GenerateFlags) => {
      if (!flags.model) throw new UsageError('--model <dir> is required (the run folder of a language model, or a Hugging Face GPT-2 / Llama folder)');
      const sources = readPromptSources(prompt, flags.input);
      const prompts = sources.map((p) => p.text);
      const seed = numberFlag(flags.seed, '--seed');
      if (seed !== undefined && !Number.isInteger(seed)) throw new UsageError(`--seed must be an integer, got '${flags.seed}'`);
      const options: GenerateTextOptions = {
        maxNewTokens: numberFlag(flags.maxNewTokens, '--max-new-tokens'),
        temperature: numberFlag(flags.temperature, '--temperature'),
        topK: numberFlag(flags.topK, '--top-k'),
        topP: numberFlag(flags.topP, '--top-p'),
        minP: numberFlag(flags.minP, '--min-p'),
        repetitionPenalty: numberFlag(flags.repetitionPenalty, '--repetition-penalty'),
        stop: flags.stop,
        seed: seed ?? null,
        useCache: flags.cache,
        onWarning: (message) => process.stderr.write(`warning: ${message.replace(/^generate: /, '')}\n`),
      };
      for (const key of Object.keys(options) as (keyof GenerateTextOptions)[]) if (options[key] === undefined) delete options[key];
      // Refuse bad values before loading anything or printing a prompt (no flag sets an id, so any vocabulary size does).
      const validate = (fn: () => void) => {
        try {
          fn();
        } catch (err) {
          throw err instanceof GenerationOptionError ? wordOptionError(err, flags) : err;
        }
      };
      validate(() => resolveGenerateOptions(options, Number.MAX_SAFE_INTEGER));
      const weights = weightsDtypeFlag(flags.weightsDtype);
      applyBackendOption(flags.backend, flags.threads);
      // The memory check keeps room for the longest prompt (at most one token per character, plus specials) and its new tokens.
      const sequenceLength = Math.max(...prompts.map((p) => p.length)) + 2 + (options.maxNewTokens ?? 20);
      const lm = withFolderFlag('--model', () => loadLanguageModel(flags.model!, { weights, workload: { batchSize: 1, sequenceLength } }));
      // A Hugging Face folder's generation_config.json gives defaults; the flags given override them.
      const runOptions: GenerateTextOptions = { ...lm.generation, ...options };
      try {
        for (const { text, source } of sources) {
          try {
            validate(() => encodePrompt(lm.tokenizer, text));
          } catch (err) {
            // A prompt of a file is named by its line.
            throw source !== null && err instanceof UsageError ? new UsageError(`${source}: ${err.message}`) : err;
          }
        }
        for (const p of prompts) {
          const started = performance.now();
          const tokens: number[] = [];
          let text = '';
          let finishReason: string | null = null;
          if (!flags.json) process.stdout.write(p);
          for await (const chunk of streamText(lm.model, lm.tokenizer, p, runOptions)) {
            tokens.push(chunk.token);
            text += chunk.text;
            finishReason = chunk.finishReason;
            if (!flags.json && chunk.text) process.stdout.write(chunk.text);
          }
          const seconds = (performance.now() - started) / 1000;
          const tokensPerSecond = Number((tokens.length / seconds).toFixed(2));
          if (flags.json) process.stdout.write(`${JSON.stringify({ prompt: p, text, tokens, finishReason, tokensPerSecond })}\n`);
          else process.stdout.write('\n');
        }
      } finally {
        lm.dispose();
      }
    });
}

