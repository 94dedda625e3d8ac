/**
 * `attn train --from DIR`: fine-tune a pretrained Hugging Face folder (GPT-2, Llama, BERT, DistilBERT) with
 * `fineTunePretrained`. `--task lm` continues training the language model on the user's text; the
 * default task puts a classification head on the body. `--lora-rank r` trains LoRA adapters only,
 * `--merge` folds them into the saved weights. A `*ForSequenceClassification` folder whose labels
 * are the data's continues from its own head (said on stderr), else gets a fresh one (said too);
 * `--new-head` always puts a fresh one on. Options of the from-scratch trainers (`--model`,
 * `--layers`, `--pretrain-epochs`, …) are refused in one line.
 *
 *   attn train --from models/gpt2 --task lm --data notes.txt --lora-rank 8 --out runs/notes
 */
import type { Command } from 'commander';
import { fineTunePretrained, FineTuneMemoryError, type FineTuneOptions, type FineTuneReport } from '../tasks/fine-tune.js';
import { PretrainedFolderError } from '../io/hf-checkpoint.js';
import type { TrainerOptions } from '../train/trainer-options.js';
import { OptionError, formatOptionError } from '../train/errors.js';
import { parseChoice, parseFraction, parseNonNegativeInt, parseNonNegativeNumber, parseOpenFraction, parsePositiveInt, parsePositiveNumber, readFlags, timestampedRunDir, UsageError } from './options.js';
import { applyBackendOption } from './backend-option.js';
import { flagOf, withFolderFlag } from './errors.js';
import { TRAIN_TASKS } from './train-lm.js';
import { weightsDtypeFlag } from './weights-dtype-option.js';
import { stopRequest } from './stop-request.js';

/**
 * Adds the fine-tuning-only options to the `attn train` command.
 *
 * ```ts
 * addFineTuneOptions(addLanguageModelOptions(program.command('train')));
 * ```
 */
export function addFineTuneOptions(command: Command): Command {
  return command
    .option('--from <dir>', 'fine-tune a pretrained Hugging Face folder (GPT-2, Llama, BERT, DistilBERT: config.json, safetensors, tokenizer.json)')
    .option('--lora-rank <r>', 'with --from: train LoRA adapters of rank r on the attention and MLP projections, base weights frozen')
    .option('--lora-alpha <a>', 'with --from: LoRA scaling alpha (default 2 × rank)')
    .option('--merge', 'with --from and --lora-rank: save the weights with the adapters merged in (the adapters are kept in adapter/ too)')
    .option('--new-head', "with --from on a *ForSequenceClassification folder: put a fresh classification head on even when the folder's labels (id2label) are the data's (by default fine-tuning continues from its head then)")
    .option('--weights-dtype <dtype>', 'with --from: float32, or bfloat16/float16 for LoRA over frozen half-precision weights (half the memory), or auto: half precision only when float32 would not fit (default auto)');
}

/** Options `--from` reads (commander's attribute names); any other given on the command line is refused. */
const FROM_OPTIONS = new Set([
  'from', 'task', 'data', 'textField', 'labelField', 'loraRank', 'loraAlpha', 'merge', 'epochs', 'maxSteps', 'lr', 'batchSize', 'blockSize',
  'maxLength', 'valFraction', 'labelSmoothing', 'weightDecay', 'warmupSteps', 'evalEvery', 'gradAccumulation', 'gradientCheckpointing', 'seed', 'out', 'json', 'progress',
  'backend', 'threads', 'weightsDtype', 'newHead',
]);

/** Why an option does not go with `--from`, where a short reason helps. */
const WHY: Record<string, string> = {
  model: 'the architecture is the folder\'s config.json',
  dModel: 'the shape is the folder\'s config.json', layers: 'the shape is the folder\'s config.json', heads: 'the shape is the folder\'s config.json',
  dim: 'the shape is the folder\'s config.json', bias: 'the shape is the folder\'s config.json', pooling: 'the head pools as Hugging Face\'s *ForSequenceClassification',
  tokenizer: 'the tokenizer is the folder\'s tokenizer.json', vocabSize: 'the tokenizer is the folder\'s tokenizer.json',
  pretrainEpochs: 'the model is already pretrained', pretrainLr: 'the model is already pretrained',
  resume: 'a fine-tune is not resumed from the command line yet: start it again',
};

/**
 * True when the command line asks for a fine-tune (`--from`); refuses the options that make no
 * sense with it, in one line.
 *
 * ```ts
 * if (fineTuneRequested(command)) return runFineTune(command); // first line of the train action
 * ```
 */
export function fineTuneRequested(command: Command): boolean {
  const given = (key: string) => command.getOptionValueSource(key) === 'cli';
  if (!given('from')) {
    for (const key of ['loraRank', 'loraAlpha', 'merge', 'weightsDtype', 'newHead']) if (given(key)) throw new UsageError(`${flagOf(key)} fine-tunes a pretrained folder: give it with --from DIR`);
    return false;
  }
  const foreign = command.options.filter((o) => !FROM_OPTIONS.has(o.attributeName()) && given(o.attributeName()));
  if (foreign.length > 0) {
    const flags = foreign.map((o) => o.long!);
    const why = foreign.length === 1 && WHY[foreign[0]!.attributeName()] ? ` (${WHY[foreign[0]!.attributeName()]})` : '';
    throw new UsageError(`${flags.join(', ')} ${flags.length === 1 ? 'does' : 'do'} not apply to a fine-tune of a pretrained folder (--from)${why}; drop ${flags.length === 1 ? 'it' : 'them'}`);
  }
  return true;
}

/**
 * Runs `attn train --from DIR` with the command's flags: prints the report (or `--json` it) and
 * the next command to try.
 *
 * ```ts
 * await runFineTune(command); // attn train --from models/gpt2 --task lm --data notes.txt --lora-rank 8
 * ```
 */
export async function runFineTune(command: Command): Promise<void> {
  const { flags, given, str, num } = readFlags(command);
  const task = parseChoice(String(flags.task), '--task', TRAIN_TASKS);
  const lm = task === 'lm';
  if (lm && given('labelField')) throw new UsageError('--label-field is an option of classification, not of a language model (--task lm)');
  if (lm && given('maxLength')) throw new UsageError('--max-length is an option of classification, not of a language model (--task lm); use --block-size');
  if (!lm && given('blockSize')) throw new UsageError('--block-size is an option of a language model (--task lm), not of classification; use --max-length');
  if (!lm && given('valFraction')) throw new UsageError('--val-fraction is an option of a language model (--task lm); classification splits its data 80/10/10');
  if (lm && given('labelSmoothing')) throw new UsageError('--label-smoothing is an option of classification, not of a language model (--task lm)');
  if (lm && given('newHead')) throw new UsageError('--new-head is an option of classification (a fresh classification head), not of a language model (--task lm)');
  const loraRank = num('loraRank', parsePositiveInt);
  if (given('loraAlpha') && loraRank === undefined) throw new UsageError('--lora-alpha scales LoRA adapters: give --lora-rank too');
  if (given('merge') && loraRank === undefined) throw new UsageError('--merge folds LoRA adapters into the weights: give --lora-rank too (a full fine-tune saves plain weights already)');
  const trainer: Partial<TrainerOptions> = { progress: flags.progress !== false };
  const setTrainer = <K extends keyof TrainerOptions>(key: K, value: TrainerOptions[K] | undefined) => {
    if (value !== undefined) trainer[key] = value;
  };
  setTrainer('epochs', num('epochs', parsePositiveInt));
  setTrainer('maxSteps', num('maxSteps', parsePositiveInt));
  setTrainer('lr', num('lr', parsePositiveNumber));
  setTrainer('weightDecay', num('weightDecay', parseNonNegativeNumber));
  setTrainer('warmupSteps', num('warmupSteps', parseNonNegativeInt));
  setTrainer('evalEvery', num('evalEvery', parsePositiveInt));
  setTrainer('gradAccumulationSteps', num('gradAccumulation', parsePositiveInt));
  if (given('gradientCheckpointing')) setTrainer('gradientCheckpointing', true);
  const json = flags.json === true;
  const log = (m: string) => (json ? process.stderr : process.stdout).write(`${m}\n`);
  const from = String(flags.from);
  const options: FineTuneOptions = {
    from,
    task,
    data: given('data') ? String(flags.data) : lm ? 'moby-dick' : 'spam-assassin',
    textField: String(flags.textField),
    labelField: String(flags.labelField),
    trainer,
    batchSize: num('batchSize', parsePositiveInt),
    blockSize: num('blockSize', parsePositiveInt),
    maxLength: num('maxLength', parsePositiveInt),
    valFraction: num('valFraction', parseOpenFraction),
    labelSmoothing: num('labelSmoothing', parseFraction),
    loraRank,
    loraAlpha: num('loraAlpha', parsePositiveNumber),
    merge: given('merge') ? true : undefined,
    weights: weightsDtypeFlag(str('weightsDtype')),
    outDir: str('out') ?? timestampedRunDir(),
    seed: num('seed', parseNonNegativeInt),
    newHead: given('newHead') ? true : undefined,
    log,
    onNote: (m) => process.stderr.write(`note: ${m}\n`),
  };
  applyBackendOption(str('backend'), str('threads'));
  // Ctrl-C from the start (loading the folder, reading the data), not only once the Trainer runs:
  // the fine-tune then stops after its first step with the model saved.
  const stop = stopRequest();
  trainer.signal = stop.signal;
  const report = await withFolderFlag('--out', () => fineTunePretrained(options))
    .catch((err: unknown) => {
      throw wordFineTuneError(err, from, lm);
    })
    .finally(() => stop.dispose());
  try {
    if (json) process.stdout.write(`${JSON.stringify(jsonReport(report), null, 2)}\n`);
    else printReport(report, options.merge === true);
  } finally {
    report.model.dispose();
  }
  if (report.fit.interrupted) {
    process.stderr.write(`attn: the fine-tune stopped at step ${report.fit.steps}; ${report.runDir ? `${report.runDir} holds the best model so far` : 'nothing was saved'}\n`);
    process.exitCode = 130;
  } else if (report.fit.diverged) {
    process.stderr.write('attn: the loss diverged: try a lower --lr\n');
    process.exitCode = 1;
  }
}

/**
 * Library errors worded as flags: the option names (`loraRank` → `--lora-rank`) and the memory
 * refusal as one line of advice; other errors are returned as they are.
 *
 * ```ts
 * wordFineTuneError(new OptionError('blockSize', '1000 is more than the model\'s 48 positions'), dir, true).message;
 * // '--block-size: 1000 is more than the model's 48 positions'
 * ```
 */
export function wordFineTuneError(err: unknown, from: string, lm: boolean): unknown {
  if (err instanceof FineTuneMemoryError) {
    const gib = (b: number) => `${(b / 2 ** 30).toFixed(2)} GiB`;
    return new UsageError(`--from ${from}: a full fine-tune of ${err.parameters.toLocaleString('en-US')} parameters needs ${gib(err.bytesNeeded)} for weights, gradients and AdamW moments, ` +
      `more than the ${gib(err.bytesAvailable)} free in the arena; train LoRA adapters instead with --lora-rank 8 (about ${gib(err.loraBytesNeeded)})`);
  }
  if (err instanceof PretrainedFolderError && err.path === from) return new UsageError(`--from ${err.message}`);
  if (err instanceof OptionError) {
    const flag = (option: string) => (option === 'outDir' ? '--out' : option === 'from' ? '--from' : option === 'task' && !lm ? '--task' : flagOf(option));
    return new UsageError(formatOptionError(err, flag));
  }
  return err;
}

/** The report as JSON: the figures, not the model. */
function jsonReport(r: FineTuneReport): Record<string, unknown> {
  return {
    task: r.task, architecture: r.architecture, labels: r.labels, head: r.head, lora: r.lora, parameters: r.parameters, trainableParameters: r.trainableParameters,
    trainingBytes: r.trainingBytes, steps: r.fit.steps, epochs: r.fit.epochsRun, bestValLoss: r.fit.bestValLoss, bestStep: r.fit.bestStep,
    validationAccuracy: bestAccuracy(r), testAccuracy: r.testAccuracy, tokensPerSecond: r.fit.tokensPerSecond, interrupted: r.fit.interrupted,
    diverged: r.fit.diverged, outDir: r.runDir,
  };
}

/** Validation accuracy at the best step (classification), else null. */
function bestAccuracy(r: FineTuneReport): number | null {
  if (r.task !== 'classification') return null;
  const best = r.fit.history.find((h) => h.step === r.fit.bestStep);
  return best && Number.isFinite(best.valAccuracy) ? best.valAccuracy : null;
}

function printReport(r: FineTuneReport, merged: boolean): void {
  const n = (x: number) => x.toLocaleString('en-US');
  const pct = (x: number | null) => (x === null ? '-' : `${(x * 100).toFixed(2)}%`);
  const adapters = r.lora ? `, LoRA rank ${r.lora.rank} on ${r.lora.layers.length} projections` : '';
  console.log(`\n${r.architecture} ${r.task === 'lm' ? 'language model' : 'classifier'}: ${n(r.parameters)} parameters, ${n(r.trainableParameters)} trainable${adapters}; ${r.fit.steps} step${r.fit.steps === 1 ? '' : 's'}, ${Math.round(r.fit.tokensPerSecond)} tokens/s`);
  if (Number.isFinite(r.fit.bestValLoss)) {
    const extra = r.task === 'lm' ? ` (perplexity ${Math.exp(r.fit.bestValLoss).toFixed(2)})` : `, validation accuracy ${pct(bestAccuracy(r))}`;
    console.log(`best validation loss ${r.fit.bestValLoss.toFixed(4)}${extra} at step ${r.fit.bestStep}`);
  }
  if (r.testAccuracy !== null) console.log(`test accuracy ${pct(r.testAccuracy)}`);
  if (!r.runDir) return;
  const kept = r.lora ? (merged ? ' (adapters merged into the weights; adapters alone in adapter/)' : ' (base weights and adapters; adapters alone in adapter/)') : '';
  console.log(`\nsaved to ${r.runDir}${kept}`);
  console.log(r.task === 'lm'
    ? `try: attn generate --model ${r.runDir} "The" --max-new-tokens 50`
    : `try: attn predict --model ${r.runDir} "your text here"`);
}
