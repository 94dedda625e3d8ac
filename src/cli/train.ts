/** `attn train`: train a text classifier and write a run folder. */
import type { Command } from 'commander';
import { trainTextClassifier, type TokenizerType, type TrainReport } from '../train/text-classification.js';
import { formatMetrics } from '../infer/metrics.js';
import { defaultModelConfig, MODEL_TYPES, type ModelType } from '../models/config.js';
import { parseChoice, parseFraction, parseList, parseNonNegativeInt, parseNonNegativeNumber, parsePositiveInt, parsePositiveNumber, timestampedRunDir, UsageError } from './options.js';
import { applyBackendOption } from './backend-option.js';
import { withFolderFlag } from './errors.js';
import { stopRequest } from './stop-request.js';
import { addLanguageModelOptions, divisors, runTrainLanguageModel, trainTask } from './train-lm.js';
import { addFineTuneOptions, fineTuneRequested, runFineTune } from './train-from.js';
import { RUN_FILES } from '../io/run-folder.js';

interface TrainFlags {
  data: string;
  test?: string;
  textField: string;
  labelField: string;
  strip?: string;
  maxExamples?: string;
  model: string;
  tokenizer: string;
  vocabSize: string;
  maxLength: string;
  epochs?: string;
  batchSize: string;
  lr?: string;
  weightDecay?: string;
  warmup?: string;
  clipNorm: string;
  patience: string;
  labelSmoothing: string;
  dModel?: string;
  layers?: string;
  heads?: string;
  dropout?: string;
  pooling?: string;
  maxSteps?: string;
  evalEvery?: string;
  schedule: string;
  minLr: string;
  warmupSteps?: string;
  beta2: string;
  gradAccumulation: string;
  pretrainEpochs: string;
  pretrainLr: string;
  seed: string;
  out?: string;
  resume?: string;
  overwrite?: boolean;
  baseline: boolean;
  progress: boolean;
  json: boolean;
  backend?: string;
  threads?: string;
}

export function registerTrainCommand(program: Command): void {
  addFineTuneOptions(addLanguageModelOptions(program.command('train')))
    .description('train a text classifier on labelled text (or, with --task lm, a GPT language model on plain text) and write a run folder')
    .option('--data <source>', "'spam-assassin' (built in), a folder with one sub-folder per class, or a .csv/.tsv/.jsonl file", 'spam-assassin')
    .option('--test <source>', 'a separate test set (same forms); without it the data is split 80/10/10')
    .option('--text-field <name>', 'CSV/TSV column or JSONL key with the text', 'text')
    .option('--label-field <name>', 'CSV/TSV column or JSONL key with the label', 'label')
    .option('--strip <parts>', 'remove news headers,footers,quotes (as scikit-learn\'s 20 Newsgroups loader)')
    .option('--max-examples <n>', 'use at most n examples (class proportions kept)')
    .option('--model <type>', `model: ${MODEL_TYPES.join(', ')}`, 'transformer')
    .option('--tokenizer <type>', 'word, bpe or char', 'word')
    .option('--vocab-size <n>', 'vocabulary size', '20000')
    .option('--max-length <n>', 'tokens per text (longer texts are truncated)', '256')
    .option('--epochs <n>', 'passes over the training data (default: 4; bow 10)')
    .option('--batch-size <n>', 'examples per step', '32')
    .option('--lr <rate>', 'peak learning rate of AdamW (default: transformer 1e-3, bilstm-attention 2e-3, bow 5e-2)')
    .option('--weight-decay <w>', 'AdamW weight decay (default: 0.01; bow 0)')
    .option('--warmup <fraction>', 'fraction of steps for linear warm-up (default: 0.1; bow 0)')
    .option('--clip-norm <n>', 'clip the gradient norm (0 = off)', '1')
    .option('--patience <n>', 'early stopping: epochs without a better validation loss (0 = off)', '2')
    .option('--label-smoothing <e>', 'label smoothing', '0')
    .option('--d-model <n>', 'transformer width / LSTM embedding size')
    .option('--layers <n>', 'transformer layers')
    .option('--heads <n>', 'attention heads')
    .option('--dropout <p>', 'dropout probability')
    .option('--pooling <kind>', 'transformer pooling: mean, attention or cls')
    .option('--pretrain-epochs <n>', 'first pretrain the encoder as a masked language model on the training texts for n epochs (transformer, bilstm-attention)', '0')
    .option('--pretrain-lr <rate>', 'peak learning rate of the pretraining', '1e-3')
    .option('--max-steps <n>', 'stop after n steps (quick runs; per phase with --pretrain-epochs)')
    .option('--eval-every <n>', 'validate and checkpoint every n steps instead of every epoch')
    .option('--schedule <kind>', 'learning rate after warm-up: linear (decay to 0) or cosine (to --min-lr)', 'linear')
    .option('--min-lr <rate>', 'floor of the cosine schedule', '0')
    .option('--warmup-steps <n>', 'steps of warm-up (instead of --warmup)')
    .option('--beta2 <b>', "AdamW's beta2", '0.999')
    .option('--grad-accumulation <n>', 'micro-batches per optimizer step (the effective batch is n times --batch-size)', '1')
    .option('--seed <n>', 'random seed (split, init, dropout, order)', '0')
    .option('--out <dir>', 'run folder (default runs/<timestamp>)')
    .option('--resume <dir>', 'continue an interrupted run exactly where it stopped')
    .option('--overwrite', 'replace what --out already holds (a folder that is not empty is refused otherwise)')
    .option('--no-baseline', 'skip the bag-of-words baseline')
    .option('--no-progress', 'no progress bar')
    .option('--json', 'print the report as JSON on stdout')
    .option('--backend <name>', 'ref or wasm (default: the fastest available)')
    .option('--threads <n>', 'worker threads for the wasm backend (default: all cores)')
    .addHelpText(
      'after',
      `
Examples:
  attn train                                   # spam-assassin, transformer, runs/<timestamp>
  attn train --data ./20news-bydate-train --test ./20news-bydate-test --strip headers,footers,quotes
  attn train --data reviews.csv --text-field review --label-field sentiment --model bilstm-attention
  attn train --pretrain-epochs 20               # masked-LM pretraining on the training texts first
  attn train --resume runs/2026-11-28T21-11-39   # after Ctrl-C
  attn train --task lm                         # a GPT on the built-in moby-dick text (nanoGPT's CPU configuration)
  attn train --task lm --data input.txt --block-size 128 --layers 6 --heads 6 --dim 192 --max-steps 5000
  attn train --task lm --block-size 512 --layers 12 --heads 12 --dim 768 --gradient-checkpointing   # GPT-2 small's shape: blocks recomputed in backward
  attn train --from models/gpt2 --task lm --data notes.txt --lora-rank 8   # fine-tune a Hugging Face folder
  attn train --from models/bert-base-uncased --data reviews.csv --lora-rank 8 --merge`,
    )
    .action(async (flags: TrainFlags, command: Command) => {
      if (fineTuneRequested(command)) return runFineTune(command);
      if (trainTask(command) === 'lm') return runTrainLanguageModel(command);
      if (flags.resume) refuseOptionsOnResume(command, flags.resume);
      applyBackendOption(flags.backend, flags.threads);
      const model = parseChoice(flags.model, '--model', MODEL_TYPES) as ModelType;
      const modelOptions: Record<string, unknown> = {};
      if (flags.dModel) {
        const d = parsePositiveInt(flags.dModel, '--d-model');
        if (model === 'transformer') modelOptions.dModel = d;
        if (model === 'bilstm-attention') Object.assign(modelOptions, { embedDim: d, hiddenSize: d, attentionDim: d });
      }
      if (flags.layers) modelOptions.numLayers = parsePositiveInt(flags.layers, '--layers');
      if (flags.heads) modelOptions.numHeads = parsePositiveInt(flags.heads, '--heads');
      if (flags.dropout) modelOptions.dropout = parseFraction(flags.dropout, '--dropout');
      if (flags.pooling) modelOptions.pooling = parseChoice(flags.pooling, '--pooling', ['mean', 'attention', 'cls'] as const);
      if (model === 'transformer') {
        // Worded with the flags (and the defaults they leave), before the library's config check would name its fields.
        const defaults = defaultModelConfig('transformer', 1, 2, 1);
        const d = (modelOptions.dModel as number | undefined) ?? defaults.dModel;
        const h = (modelOptions.numHeads as number | undefined) ?? defaults.numHeads;
        if (d % h !== 0) throw new UsageError(`--heads ${h} does not divide --d-model ${d}; expected a number of heads that divides the width (e.g. ${divisors(d)})`);
      }
      const log = (m: string) => (flags.json ? process.stderr : process.stdout).write(`${m}\n`);
      const stop = stopRequest();
      const train = () => trainTextClassifier({
        data: flags.data,
        test: flags.test,
        textField: flags.textField,
        labelField: flags.labelField,
        strip: flags.strip ? parseList(flags.strip, '--strip', ['headers', 'footers', 'quotes'] as const) : undefined,
        maxExamples: flags.maxExamples ? parsePositiveInt(flags.maxExamples, '--max-examples') : undefined,
        model,
        modelOptions,
        tokenizer: parseChoice(flags.tokenizer, '--tokenizer', ['word', 'bpe', 'char'] as const) as TokenizerType,
        vocabSize: parsePositiveInt(flags.vocabSize, '--vocab-size'),
        maxLength: parsePositiveInt(flags.maxLength, '--max-length'),
        seed: parseNonNegativeInt(flags.seed, '--seed'),
        pretrainEpochs: parseNonNegativeInt(flags.pretrainEpochs, '--pretrain-epochs'),
        pretrainLr: parsePositiveNumber(flags.pretrainLr, '--pretrain-lr'),
        outDir: flags.resume ?? flags.out ?? timestampedRunDir(),
        resume: flags.resume,
        overwrite: flags.overwrite === true,
        baseline: flags.baseline,
        log,
        trainer: {
          // Only what the user set: the rest comes from the model's training defaults.
          ...(flags.epochs ? { epochs: parsePositiveInt(flags.epochs, '--epochs') } : {}),
          ...(flags.lr ? { lr: parsePositiveNumber(flags.lr, '--lr') } : {}),
          ...(flags.weightDecay ? { weightDecay: parseNonNegativeNumber(flags.weightDecay, '--weight-decay') } : {}),
          ...(flags.warmup ? { warmupRatio: parseFraction(flags.warmup, '--warmup') } : {}),
          batchSize: parsePositiveInt(flags.batchSize, '--batch-size'),
          clipNorm: parseNonNegativeNumber(flags.clipNorm, '--clip-norm'),
          patience: parseNonNegativeInt(flags.patience, '--patience'),
          labelSmoothing: parseFraction(flags.labelSmoothing, '--label-smoothing'),
          maxSteps: flags.maxSteps ? parsePositiveInt(flags.maxSteps, '--max-steps') : 0,
          evalEvery: flags.evalEvery ? parsePositiveInt(flags.evalEvery, '--eval-every') : 0,
          schedule: parseChoice(flags.schedule, '--schedule', ['linear', 'cosine'] as const),
          minLr: parseNonNegativeNumber(flags.minLr, '--min-lr'),
          ...(flags.warmupSteps ? { warmupSteps: parseNonNegativeInt(flags.warmupSteps, '--warmup-steps') } : {}),
          beta2: parseFraction(flags.beta2, '--beta2'),
          gradAccumulationSteps: parsePositiveInt(flags.gradAccumulation, '--grad-accumulation'),
          progress: flags.progress,
          signal: stop.signal,
        },
      });
      let report: Awaited<ReturnType<typeof train>>;
      try {
        report = await withFolderFlag(flags.resume ? '--resume' : '--out', train);
      } finally {
        stop.dispose();
      }
      if (flags.json) {
        process.stdout.write(`${JSON.stringify(report, null, 2)}\n`);
      } else {
        printReport(report);
      }
      const outDir = report.outDir;
      if (report.interrupted) {
        if (outDir) process.stderr.write(`attn: continue with: attn train --resume ${outDir}\n`);
        process.exitCode = 130;
      } else if (report.diverged) {
        process.stderr.write('attn: try a lower --lr or a smaller --clip-norm\n');
        process.exitCode = 1;
      }
    });
}

/** Options a resumed run may change: how it is shown and where it runs, not what it trains. */
const RESUMABLE_OPTIONS = new Set(['resume', 'progress', 'json', 'backend', 'threads']);

/** A resumed run continues with the options it started with; any other option given is refused, not silently ignored. */
function refuseOptionsOnResume(command: Command, dir: string): void {
  const given = command.options
    .filter((option) => !RESUMABLE_OPTIONS.has(option.attributeName()) && command.getOptionValueSource(option.attributeName()) === 'cli')
    .map((option) => option.long!);
  if (given.length === 0) return;
  throw new UsageError(`--resume continues ${dir} with the options it started with (its ${RUN_FILES.trainOptions}); ${given.join(', ')} ${given.length === 1 ? 'does' : 'do'} not apply: ` +
    'train a new run (--out) to change them');
}

function printReport(report: TrainReport): void {
  const pct = (x: number | null | undefined) => (x === undefined || x === null ? '-' : `${(x * 100).toFixed(2)}%`);
  const { pretraining, fit } = report;
  if (pretraining) {
    const state = pretraining.interrupted ? ', interrupted' : pretraining.diverged ? ', stopped: the loss diverged' : '';
    console.log(`\npretraining (masked LM${state}): ${pretraining.epochs} epoch${pretraining.epochs === 1 ? '' : 's'} done, ${pretraining.steps} step${pretraining.steps === 1 ? '' : 's'}, ${pretraining.tokensPerSecond} tokens/s, ` +
      (pretraining.maskedTokenAccuracy === null ? 'no validation text to measure it on' : `validation masked-token accuracy ${pct(pretraining.maskedTokenAccuracy)}`));
  }
  if (!fit) return; // stopped during pretraining; the message said how to resume
  if (report.diverged && !report.saved) {
    console.log(`\nthe loss diverged at step ${fit.steps + 1}, before any model was kept: nothing was saved${report.outDir ? ` (${report.outDir} holds the log of the steps only)` : ''}`);
    return;
  }
  console.log(`\n${report.model.type}: ${report.model.parameters.toLocaleString('en-US')} parameters, ${fit.steps} step${fit.steps === 1 ? '' : 's'}, ${Math.round(fit.tokensPerSecond)} tokens/s, ${report.seconds.toFixed(0)} s`);
  if (report.validation) console.log(formatMetrics(report.validation, 'validation'));
  if (report.test) console.log(formatMetrics(report.test, 'test'));
  if (report.baseline) {
    const ours = report.test?.accuracy;
    const theirs = report.baseline.test?.accuracy;
    const verdict = ours !== undefined && theirs !== undefined ? (ours > theirs ? 'attention beat the baseline' : ours === theirs ? 'a tie with the baseline' : 'the baseline won') : '';
    console.log(`baseline (bag of words): test accuracy ${pct(theirs)} vs ${report.model.type} ${pct(ours)}: ${verdict}`);
  }
  if (report.outDir && report.saved) {
    console.log(`\n${report.diverged ? 'the best model before the loss diverged is ' : ''}saved to ${report.outDir}`);
    console.log(`try: attn predict --model ${report.outDir} "your text here" --attention`);
  }
}
