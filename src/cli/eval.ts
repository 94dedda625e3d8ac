/** `attn eval`: metrics of a trained model on a labelled dataset. */
import type { Command } from 'commander';
import { DataError, loadTextCorpus, loadTextDataset, type StripPart, type TextExample } from '../data/index.js';
import { resolve } from 'node:path';
import { existsSync, statSync } from 'node:fs';
import { readRunTask } from '../infer/run-model.js';
import { evaluateLanguageModelRun } from '../infer/language-model-run.js';
import { LanguageModelDataError } from '../infer/language-model.js';
import { loadRunSplit, readTrainOptions, SPLIT_NAMES, type SplitName } from '../train/classification-data.js';
import { loadClassifierFolder, isHuggingFaceClassifierFolder } from '../infer/classifier-folder.js';
import { isHuggingFaceFolder } from '../models/hf/load-pretrained.js';
import { formatMetrics } from '../infer/metrics.js';
import { RunFolder, RUN_FILES } from '../io/run-folder.js';
import { withFolderFlag, wordError } from './errors.js';
import { parseList, parsePositiveInt, UsageError } from './options.js';
import { applyBackendOption } from './backend-option.js';
import { weightsDtypeFlag, WEIGHTS_DTYPE_HELP } from './weights-dtype-option.js';

interface EvalFlags {
  model?: string;
  data?: string;
  split?: string;
  textField: string;
  labelField: string;
  strip?: string;
  maxExamples?: string;
  json: boolean;
  backend?: string;
  threads?: string;
  weightsDtype?: string;
}

export function registerEvalCommand(program: Command): void {
  program
    .command('eval')
    .description('evaluate a trained model: a classifier on labelled data (accuracy, F1, per-class metrics, confusion matrix); a language model on a split or a .txt file (loss, perplexity)')
    .option('--model <dir>', 'run folder written by attn train, or a Hugging Face *ForSequenceClassification folder')
    .option('--data <source>', "labelled data: 'spam-assassin', a folder per class, or .csv/.tsv/.jsonl")
    .option('--split <name>', 'instead of --data: the train, validation or test split of the data the run was trained on')
    .option('--text-field <name>', 'CSV/TSV column or JSONL key with the text', 'text')
    .option('--label-field <name>', 'CSV/TSV column or JSONL key with the label', 'label')
    .option('--strip <parts>', 'remove news headers,footers,quotes')
    .option('--max-examples <n>', 'use at most n examples')
    .option('--json', 'print metrics as JSON')
    .option('--backend <name>', 'ref or wasm')
    .option('--threads <n>', 'worker threads for the wasm backend')
    .option('--weights-dtype <dtype>', WEIGHTS_DTYPE_HELP)
    .addHelpText('after', `
Examples:
  attn eval --model runs/spam --split test
  attn eval --model runs/spam --data ./my-labelled-mail.csv --text-field body --label-field class
  attn eval --model runs/news --data ./20news-bydate-test --strip headers,footers,quotes --json`)
    .action((flags: EvalFlags) => {
      if (!flags.model) throw new UsageError('--model <dir> is required (a run folder written by attn train)');
      if (flags.data && flags.split) throw new UsageError('give --data or --split, not both (--split reads the data the run was trained on)');
      if (!flags.data && !flags.split) {
        throw new UsageError('--data <source> is required, or --split test to evaluate on the held-out test split of the data the run was trained on');
      }
      const split = flags.split ? parseSplit(flags.split) : null;
      const weights = weightsDtypeFlag(flags.weightsDtype);
      if (split && (flags.strip || flags.maxExamples)) {
        throw new UsageError('--strip and --max-examples apply to --data; --split reads the data as the run was trained on it');
      }
      const model = flags.model;
      const hf = isHuggingFaceClassifierFolder(model);
      if (hf && split) throw new UsageError(`--split: ${model} is a Hugging Face folder, which records no training data; give --data instead`);
      if (!hf && isHuggingFaceFolder(model)) {
        throw new UsageError(`--model ${model}: a Hugging Face folder that is not a *ForSequenceClassification classifier; attn eval measures classifiers (attn's run folders and Hugging Face *ForSequenceClassification folders) and attn's language-model run folders`);
      }
      if (!hf && withFolderFlag('--model', () => readRunTask(model)) === 'language-model') {
        applyBackendOption(flags.backend, flags.threads);
        evaluateLanguageModel(model, split, flags);
        return;
      }
      if (split && !hf && !new RunFolder(model).has('trainOptions')) {
        throw new UsageError(`--split: ${model} has no ${RUN_FILES.trainOptions}, so the data it was trained on is unknown; give --data instead`);
      }
      applyBackendOption(flags.backend, flags.threads);
      const classifier = withFolderFlag('--model', () => loadClassifierFolder(model, { weights }));
      const { summary, examples, name } = split ? runSplitData(model, split) : labelledData(flags);
      const metrics = classifier.evaluate(examples, name);
      if (flags.json) process.stdout.write(`${JSON.stringify({ dataset: summary, split, metrics }, null, 2)}\n`);
      else console.log(`${summary}\n${formatMetrics(metrics, split ?? 'eval')}`);
      classifier.dispose();
    });
}

/** A language model's validation loss and perplexity on a split's token file or on a text file. */
function evaluateLanguageModel(dir: string, split: SplitName | null, flags: EvalFlags): void {
  if (split === 'test') throw new UsageError('--split: a language model has train and validation splits (train.bin, val.bin), not test');
  if (!split && !flags.data!.endsWith('.txt')) throw new UsageError(`--data: a language model is measured on a .txt file, got '${flags.data}'`);
  if (!split && !existsSync(flags.data!)) throw new UsageError(`--data ${flags.data}: no such file`);
  // Read as training reads a .txt file: UTF-8 or Latin-1, refusing binary, empty files and folders by name.
  const data = split ? { split } : { text: readLanguageModelText(flags.data!) };
  let result: ReturnType<typeof evaluateLanguageModelRun>;
  try {
    result = withFolderFlag('--model', () => evaluateLanguageModelRun(dir, data));
  } catch (err) {
    if (!split && err instanceof LanguageModelDataError) throw new UsageError(`--data ${flags.data}: ${err.problem}`, { cause: err });
    throw err;
  }
  const { loss, perplexity, tokens } = result;
  if (flags.json) process.stdout.write(`${JSON.stringify({ loss, perplexity, tokens, split })}\n`);
  else console.log(`${split ?? flags.data}: loss ${loss.toFixed(4)}, perplexity ${perplexity.toFixed(2)} (${tokens} tokens predicted)`);
}

function readLanguageModelText(path: string): string {
  if (statSync(path).isDirectory()) throw new UsageError(`--data ${path}: is a folder; expected a .txt file`);
  try {
    return loadTextCorpus(path).documents.map((d) => d.text).join('');
  } catch (err) {
    if (err instanceof DataError) throw new UsageError(`--data ${wordError(err)}`, { cause: err });
    throw err;
  }
}

function parseSplit(value: string): SplitName {
  if ((SPLIT_NAMES as readonly string[]).includes(value)) return value as SplitName;
  throw new UsageError(`--split must be one of ${SPLIT_NAMES.join(', ')}, got '${value}'`);
}

interface EvaluationData {
  summary: string;
  examples: TextExample[];
  /** What the metrics are named after. */
  name: string;
}

/** A split of the data the run was trained on, derived again from its train-options.json. */
function runSplitData(runDir: string, split: SplitName): EvaluationData {
  const { dataset, examples } = withFolderFlag('--model', () => loadRunSplit(runDir, split));
  return { summary: `${dataset.summary()}; ${split} split: ${examples.length} examples`, examples, name: `${dataset.name} (${split} split)` };
}

/** The data `--data` names; a note on stderr when it is the run's own training data. */
function labelledData(flags: EvalFlags): EvaluationData {
  const dataset = loadTextDataset(flags.data!, {
    textField: flags.textField,
    labelField: flags.labelField,
    strip: flags.strip ? parseList(flags.strip, '--strip', ['headers', 'footers', 'quotes'] as const as readonly StripPart[]) : undefined,
    maxExamples: flags.maxExamples ? parsePositiveInt(flags.maxExamples, '--max-examples') : undefined,
  });
  const trainedOn = new RunFolder(flags.model!).has('trainOptions') ? readTrainOptions(flags.model!).data : null;
  if (typeof trainedOn === 'string' && resolve(trainedOn) === resolve(flags.data!)) {
    console.error(`note: ${flags.data} is the data this run was trained on; all ${dataset.examples.length} examples are measured, ` +
      `the ones it learned from included. --split test measures its held-out test split only.`);
  }
  return { summary: dataset.summary(), examples: dataset.examples, name: dataset.name };
}
