/**
 * `attn train --task lm`: the language-model side of `attn train` (the classifier's is
 * ./train.ts). The command is one commander command with the options of both tasks; this file
 * adds the language-model-only options, refuses the other task's options with one line, and runs
 * `trainLanguageModel`.
 */
import type { Command } from 'commander';
import { trainLanguageModel, DEFAULT_LANGUAGE_MODEL_OPTIONS, type LanguageModelReport, type TrainLanguageModelOptions } from '../tasks/language-model.js';
import { parseChoice, parseFraction, parseNonNegativeInt, parseOpenFraction, parseNonNegativeNumber, parsePositiveInt, parsePositiveNumber, readFlags, timestampedRunDir, UsageError } from './options.js';
import { applyBackendOption } from './backend-option.js';
import { RunFolder } from '../io/run-folder.js';
import { withFolderFlag } from './errors.js';
import { stopRequest } from './stop-request.js';
import { OptionError, formatOptionError } from '../train/errors.js';

/** `--task` values. */
export const TRAIN_TASKS = ['classification', 'lm'] as const;
export type TrainTask = (typeof TRAIN_TASKS)[number];

/** Options only a language model reads (commander's attribute names). */
const LM_ONLY = { blockSize: '--block-size', dim: '--dim', valFraction: '--val-fraction', gradClip: '--grad-clip', bias: '--bias', gradientCheckpointing: '--gradient-checkpointing' } as const;

/** Options only the classifier reads. */
const CLASSIFIER_ONLY = {
  test: '--test', labelField: '--label-field', strip: '--strip', maxExamples: '--max-examples', model: '--model', maxLength: '--max-length',
  epochs: '--epochs', warmup: '--warmup', clipNorm: '--clip-norm', patience: '--patience', labelSmoothing: '--label-smoothing',
  dModel: '--d-model', pooling: '--pooling', pretrainEpochs: '--pretrain-epochs', pretrainLr: '--pretrain-lr', schedule: '--schedule', baseline: '--no-baseline',
} as const;

const d = DEFAULT_LANGUAGE_MODEL_OPTIONS;

/** Adds `--task` and the language-model-only options to the `attn train` command. */
export function addLanguageModelOptions(command: Command): Command {
  return command
    .option('--task <task>', 'what to train: classification (labelled text) or lm (a GPT language model on plain text)', 'classification')
    .option('--block-size <n>', `lm: context length in tokens (default ${d.blockSize})`)
    .option('--dim <n>', `lm: width of the model, nanoGPT's n_embd (default ${d.nEmbd})`)
    .option('--val-fraction <f>', `lm: share of the text (its end) held out for validation (default ${d.valFraction})`)
    .option('--grad-clip <n>', `lm: clip the gradient norm, 0 = off (default ${d.gradClip})`)
    .option('--bias', 'lm: biases in the Linears and LayerNorms, as GPT-2 (default: none, as nanoGPT)')
    .option('--gradient-checkpointing', 'lm (and --from): keep only each block\'s input and recompute the block in backward; same results, far less memory, about 1/3 slower');
}

/** The task the command line asks for; refuses the other task's options (one line each). */
export function trainTask(command: Command): TrainTask {
  const flags = command.opts<Record<string, unknown>>();
  const given = (key: string) => command.getOptionValueSource(key) === 'cli';
  // `attn train --resume DIR` on a language model's folder (it has train.bin) needs no --task.
  const resumesLm = !given('task') && typeof flags.resume === 'string' && new RunFolder(flags.resume).has('trainTokens');
  const task = resumesLm ? 'lm' : parseChoice(String(flags.task), '--task', TRAIN_TASKS);
  const [foreign, other] = task === 'lm' ? [CLASSIFIER_ONLY, 'the classifier'] : [LM_ONLY, 'a language model (--task lm)'];
  for (const [key, flag] of Object.entries(foreign)) {
    if (given(key)) throw new UsageError(`${flag} is an option of ${other}, not of ${task === 'lm' ? 'a language model (--task lm)' : 'the classifier'}${hint(task, key)}`);
  }
  return task;
}

function hint(task: TrainTask, key: string): string {
  if (task === 'lm') {
    if (key === 'clipNorm') return '; use --grad-clip';
    if (key === 'dModel') return '; use --dim';
    if (key === 'maxLength') return '; use --block-size';
    if (key === 'epochs') return '; a language model trains by --max-steps';
    if (key === 'model') return '; a language model is always a gpt';
  } else {
    if (key === 'dim') return '; use --d-model';
    if (key === 'gradClip') return '; use --clip-norm';
    if (key === 'blockSize') return '; use --max-length';
  }
  return '';
}

/** Runs `attn train --task lm` with the command's flags. */
export async function runTrainLanguageModel(command: Command): Promise<void> {
  const { flags, given, str, num } = readFlags(command);
  const options: Partial<TrainLanguageModelOptions> = {};
  const set = <K extends keyof TrainLanguageModelOptions>(key: K, value: TrainLanguageModelOptions[K] | undefined) => {
    if (value !== undefined) options[key] = value;
  };
  // Model shape first: a bad combination is refused before any data is read.
  set('nLayer', num('layers', parsePositiveInt));
  set('nHead', num('heads', parsePositiveInt));
  set('nEmbd', num('dim', parsePositiveInt));
  set('blockSize', num('blockSize', parsePositiveInt));
  const nHead = options.nHead ?? d.nHead;
  const nEmbd = options.nEmbd ?? d.nEmbd;
  if (nEmbd % nHead !== 0) throw new UsageError(`--heads ${nHead} does not divide --dim ${nEmbd}; expected a number of heads that divides the width (e.g. ${divisors(nEmbd)})`);
  if ((options.blockSize ?? d.blockSize) < 2) throw new UsageError(`--block-size must be at least 2, got '${str('blockSize')}'`);
  set('dropout', num('dropout', parseFraction));
  if (given('bias')) options.bias = true;
  set('data', str('data'));
  set('textField', str('textField'));
  set('tokenizer', given('tokenizer') ? parseChoice(String(flags.tokenizer), '--tokenizer', ['char', 'bpe'] as const) : undefined);
  set('vocabSize', num('vocabSize', parsePositiveInt));
  set('valFraction', num('valFraction', parseOpenFraction));
  set('batchSize', num('batchSize', parsePositiveInt));
  set('maxSteps', num('maxSteps', parsePositiveInt));
  set('evalEvery', num('evalEvery', parsePositiveInt));
  set('lr', num('lr', parsePositiveNumber));
  set('minLr', num('minLr', parseNonNegativeNumber));
  set('warmupSteps', num('warmupSteps', parseNonNegativeInt));
  set('weightDecay', num('weightDecay', parseNonNegativeNumber));
  set('beta2', num('beta2', parseFraction));
  set('gradClip', num('gradClip', parseNonNegativeNumber));
  set('gradAccumulationSteps', num('gradAccumulation', parsePositiveInt));
  set('seed', num('seed', parseNonNegativeInt));
  const resume = str('resume');
  // Not a run option: it changes memory and time, not results, so a resume may switch it on.
  if (given('gradientCheckpointing')) options.gradientCheckpointing = true;
  if (resume !== undefined) {
    const changed = Object.keys(options).filter((k) => k !== 'gradientCheckpointing');
    if (changed.length > 0) throw new UsageError(`--resume continues a run with the options it started with; drop ${changed.length === 1 ? 'this option' : 'these options'}: ${changed.map(flagOfOption).join(', ')}`);
    if (given('out')) throw new UsageError('--resume names the run folder; drop --out');
    if (given('overwrite')) throw new UsageError('--resume continues the run in its folder; drop --overwrite');
  } else if (given('overwrite')) options.overwrite = true;
  applyBackendOption(str('backend'), str('threads'));
  const json = flags.json === true;
  const log = (m: string) => (json ? process.stderr : process.stdout).write(`${m}\n`);
  const outDir = resume ?? str('out') ?? timestampedRunDir();
  const stop = stopRequest();
  const run = () => trainLanguageModel({ ...options, outDir, resume: resume ?? null, progress: flags.progress !== false, log, signal: stop.signal });
  const report = await withFolderFlag(resume ? '--resume' : '--out', run).catch((err: unknown) => {
    // The library names its options as it does (nHead, outDir); here they are the flags.
    throw err instanceof OptionError ? new UsageError(formatOptionError(err, flagOfOption)) : err;
  }).finally(() => stop.dispose());
  if (json) process.stdout.write(`${JSON.stringify(report, null, 2)}\n`);
  else printReport(report);
  if (report.interrupted) {
    process.stderr.write(`attn: continue with: attn train --task lm --resume ${report.outDir}\n`);
    process.exitCode = 130;
  } else if (report.diverged) {
    process.stderr.write('attn: try a lower --lr or a smaller --grad-clip\n');
    process.exitCode = 1;
  }
}

const OPTION_FLAGS: Record<string, string> = {
  nLayer: '--layers', nHead: '--heads', nEmbd: '--dim', gradAccumulationSteps: '--grad-accumulation', outDir: '--out', gradClip: '--grad-clip',
};
function flagOfOption(option: string): string {
  return OPTION_FLAGS[option] ?? `--${option.replace(/[A-Z]/g, (c) => `-${c.toLowerCase()}`)}`;
}

/** The divisors of n up to 16, listed: head counts a width allows. */
export function divisors(n: number): string {
  const out: number[] = [];
  for (let k = 1; k <= Math.min(n, 16); k++) if (n % k === 0) out.push(k);
  return out.join(', ');
}

function printReport(report: LanguageModelReport): void {
  const v = report.validation;
  console.log(`\ngpt: ${report.model.parameters.toLocaleString('en-US')} parameters, ${report.steps} step${report.steps === 1 ? '' : 's'}, ${Math.round(report.tokensPerSecond)} tokens/s, ${report.seconds.toFixed(0)} s`);
  if (v) console.log(`best validation loss ${v.loss.toFixed(4)} (perplexity ${v.perplexity.toFixed(2)}) at step ${report.bestStep}, over ${v.tokens.toLocaleString('en-US')} tokens`);
  if (report.outDir) {
    console.log(`\nsaved to ${report.outDir}`);
    console.log(`try: attn generate --model ${report.outDir} ${JSON.stringify(samplePrompt(report))} --max-new-tokens 200`);
  }
}

/**
 * A prompt for the next-step hint: the corpus's famous opening for the built-in one, else the
 * start of the last sample, cut before anything a shell's double quotes would not pass as it is
 * (control characters, a newline, U+FFFD from half a UTF-8 character, `"`, `\`, `$`, `` ` ``, `!`).
 */
export function samplePrompt(report: Pick<LanguageModelReport, 'corpus' | 'sample'>): string {
  if (report.corpus.name === 'moby-dick') return 'Call me';
  const start = (report.sample ?? '').split(/[\u0000-\u001f\u007f\ufffd"\\$`!]/)[0]!;
  return start.slice(0, 12).trim() || 'The';
}
