/** `attn predict`: labels, probabilities and (optionally) the most-attended tokens for texts. */
import type { Command } from 'commander';
import { DataError, loadInputTexts } from '../data/index.js';
import type { Prediction } from '../infer/text-classifier.js';
import { loadClassifierFolder } from '../infer/classifier-folder.js';
import { withFolderFlag, wordError } from './errors.js';
import { parsePositiveInt, UsageError } from './options.js';
import { applyBackendOption } from './backend-option.js';
import { weightsDtypeFlag, WEIGHTS_DTYPE_HELP } from './weights-dtype-option.js';

interface PredictFlags {
  model?: string;
  input?: string;
  textField: string;
  topK: string;
  attention?: string | boolean;
  json: boolean;
  backend?: string;
  threads?: string;
  weightsDtype?: string;
}

/** Texts from `--input`, decoded as training decodes its files; blank ones are skipped with a note. */
function readInputTexts(path: string, field: string): string[] {
  let read: ReturnType<typeof loadInputTexts>;
  try {
    read = loadInputTexts(path, field);
  } catch (err) {
    throw err instanceof DataError ? new UsageError(`--input ${wordError(err)}`) : err;
  }
  if (read.skipped.length > 0) process.stderr.write(`note: ${read.skipped.length} empty text${read.skipped.length === 1 ? '' : 's'} in ${path} skipped (first: ${read.skipped[0]!.path})\n`);
  return read.texts;
}

export function registerPredictCommand(program: Command): void {
  program
    .command('predict')
    .description('predict labels for texts with a trained model')
    .argument('[texts...]', 'texts to classify')
    .option('--model <dir>', 'run folder written by attn train, or a Hugging Face *ForSequenceClassification folder')
    .option('--input <file>', 'texts from a .jsonl file (see --text-field) or a text file, one per line')
    .option('--text-field <name>', 'JSONL key with the text', 'text')
    .option('--top-k <k>', 'how many classes to list', '3')
    .option('--attention [n]', 'show the n tokens each prediction attended to most (default 8)')
    .option('--json', 'one JSON object per text on stdout')
    .option('--backend <name>', 'ref or wasm')
    .option('--threads <n>', 'worker threads for the wasm backend')
    .option('--weights-dtype <dtype>', WEIGHTS_DTYPE_HELP)
    .addHelpText('after', `
Examples:
  attn predict --model runs/spam "Congratulations, you won a free cruise" --attention
  attn predict --model runs/spam --input emails.jsonl --json > predictions.jsonl
  attn predict --model models/distilbert-sst2 "a gripping, beautiful film" --top-k 2`)
    .action((texts: string[], flags: PredictFlags) => {
      if (!flags.model) throw new UsageError('--model <dir> is required (a run folder written by attn train, or a Hugging Face classifier folder)');
      applyBackendOption(flags.backend, flags.threads);
      const inputs = [...texts, ...(flags.input ? readInputTexts(flags.input, flags.textField) : [])];
      if (inputs.length === 0) throw new UsageError('give texts as arguments or --input <file>');
      const topK = parsePositiveInt(flags.topK, '--top-k');
      const attention = flags.attention === undefined || flags.attention === false ? 0 : flags.attention === true ? 8 : parsePositiveInt(flags.attention, '--attention');
      const weights = weightsDtypeFlag(flags.weightsDtype);
      const model = flags.model;
      const classifier = withFolderFlag('--model', () => loadClassifierFolder(model, { weights }));
      const predictions = classifier.predict(inputs, { topK, attention });
      if (attention > 0 && predictions.length > 0 && predictions.every((p) => !p.attention)) process.stderr.write(`note: --attention: this model gives no token weights; predictions are shown without them\n`);
      predictions.forEach((p, i) => {
        if (flags.json) process.stdout.write(`${JSON.stringify({ text: inputs[i], ...p })}\n`);
        else console.log(formatPrediction(inputs[i]!, p));
      });
      classifier.dispose();
    });
}

function formatPrediction(text: string, p: Prediction): string {
  const shown = text.length > 70 ? `${text.slice(0, 67)}...` : text;
  const lines = [`${JSON.stringify(shown)} → ${p.label}`, `  ${p.topK.map((k) => `${k.label} ${(k.probability * 100).toFixed(1)}%`).join('  ')}`];
  if (p.warning) lines.push(`  warning: ${p.warning}`);
  if (p.attention) lines.push(`  attended to: ${p.attention.map((a) => `${a.token} (${a.weight.toFixed(3)})`).join(', ')}`);
  return lines.join('\n');
}
