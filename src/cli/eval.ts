/** `attn eval`: metrics of a trained model on a labelled dataset. */
import type { Command } from 'commander';
import { loadTextDataset, type StripPart } from '../data/index.js';
import { loadTextClassifier } from '../train/text-classification.js';
import { formatMetrics } from '../train/metrics.js';
import { parseList, parsePositiveInt, UsageError } from './options.js';
import { applyBackendOption } from './backend-option.js';

interface EvalFlags {
  model?: string;
  data?: string;
  textField: string;
  labelField: string;
  strip?: string;
  maxExamples?: string;
  json: boolean;
  backend?: string;
  threads?: string;
}

export function registerEvalCommand(program: Command): void {
  program
    .command('eval')
    .description('evaluate a trained model on labelled data: accuracy, F1, per-class metrics, confusion matrix')
    .option('--model <dir>', 'run folder written by attn train')
    .option('--data <source>', "labelled data: 'spam-assassin', a folder per class, or .csv/.tsv/.jsonl")
    .option('--text-field <name>', 'CSV/TSV column or JSONL key with the text', 'text')
    .option('--label-field <name>', 'CSV/TSV column or JSONL key with the label', 'label')
    .option('--strip <parts>', 'remove news headers,footers,quotes')
    .option('--max-examples <n>', 'use at most n examples')
    .option('--json', 'print metrics as JSON')
    .option('--backend <name>', 'ref or wasm')
    .option('--threads <n>', 'worker threads for the wasm backend')
    .addHelpText('after', `
Examples:
  attn eval --model runs/spam --data spam-assassin
  attn eval --model runs/news --data ./20news-bydate-test --strip headers,footers,quotes --json`)
    .action((flags: EvalFlags) => {
      if (!flags.model) throw new UsageError('attn eval: --model <dir> is required (a run folder written by attn train)');
      if (!flags.data) throw new UsageError('attn eval: --data <source> is required');
      applyBackendOption(flags.backend, flags.threads);
      const classifier = loadTextClassifier(flags.model);
      const dataset = loadTextDataset(flags.data, {
        textField: flags.textField,
        labelField: flags.labelField,
        strip: flags.strip ? parseList(flags.strip, '--strip', ['headers', 'footers', 'quotes'] as const as readonly StripPart[]) : undefined,
        maxExamples: flags.maxExamples ? parsePositiveInt(flags.maxExamples, '--max-examples') : undefined,
      });
      const metrics = classifier.evaluate(dataset.examples, dataset.name);
      if (flags.json) process.stdout.write(`${JSON.stringify({ dataset: dataset.summary(), metrics }, null, 2)}\n`);
      else console.log(`${dataset.summary()}\n${formatMetrics(metrics, 'eval')}`);
      classifier.dispose();
    });
}
