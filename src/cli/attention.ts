/** `attn attention`: one text's attention in every layer and head, as a summary, JSON or a standalone HTML explorer. */
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Command } from 'commander';
import { isHuggingFaceFolder, loadPretrained } from '../models/hf/load-pretrained.js';
import { loadPretrainedTokenizer } from '../text/hf/load-tokenizer.js';
import { isHuggingFaceClassifierFolder, loadClassifierFolder } from '../infer/classifier-folder.js';
import { loadLanguageModel } from '../generate/load.js';
import { readRunTask } from '../infer/run-model.js';
import { loadTextClassifier } from '../infer/text-classifier.js';
import { classifierAttention, encoderAttention, languageModelAttention, NoAttentionError, type AttentionView } from '../infer/attention-maps.js';
import { standaloneExplorerHtml } from '../serve/standalone.js';
import { withFolderFlag } from './errors.js';
import { UsageError } from './options.js';
import { applyBackendOption } from './backend-option.js';
import { checkOutputFile } from './output-paths.js';

interface AttentionFlags {
  model?: string;
  html?: string;
  json: boolean;
  backend?: string;
  threads?: string;
}

/** Hugging Face model_types that are bare encoders (no language-model head). */
const ENCODERS = ['bert', 'distilbert'];

/** config.json's model_type of a Hugging Face folder. */
function modelType(dir: string): unknown {
  return (JSON.parse(readFileSync(join(dir, 'config.json'), 'utf8')) as { model_type?: unknown }).model_type;
}

/**
 * The view of `text` under the model in `dir`: a classifier or language model run folder, a
 * Hugging Face *ForSequenceClassification folder, a BERT/DistilBERT body, or a causal LM.
 */
function viewOf(dir: string, text: string): AttentionView {
  const hf = isHuggingFaceFolder(dir);
  if (hf && isHuggingFaceClassifierFolder(dir)) {
    const clf = loadClassifierFolder(dir);
    try {
      return classifierAttention(clf, text);
    } finally {
      clf.dispose();
    }
  }
  if (hf && ENCODERS.includes(modelType(dir) as string)) {
    const tokenizer = loadPretrainedTokenizer(dir);
    const loaded = loadPretrained(dir);
    try {
      return encoderAttention(loaded.model as Parameters<typeof encoderAttention>[0], tokenizer, text);
    } finally {
      loaded.dispose();
    }
  }
  const lm = hf || readRunTask(dir) === 'language-model';
  if (lm) {
    const loaded = loadLanguageModel(dir);
    try {
      return languageModelAttention(loaded.model, loaded.tokenizer, text);
    } finally {
      loaded.dispose();
    }
  }
  const clf = loadTextClassifier(dir);
  try {
    return classifierAttention(clf, text);
  } finally {
    clf.dispose();
  }
}

const counted = (n: number, what: string) => `${n} ${what}${n === 1 ? '' : 's'}`;

/** "7 tokens, 1 layer × 2 heads" */
function shape(view: AttentionView): string {
  return `${counted(view.tokens.length, 'token')}, ${counted(view.attentions.length, 'layer')} × ${counted(view.attentions[0]!.length, 'head')}`;
}

function summary(view: AttentionView, name: string): string {
  const T = view.tokens.length;
  const lines = [`${name}: ${shape(view)}${view.truncated ? ' (cut to the context)' : ''}`];
  if (view.probabilities) lines.push(`  ${Object.entries(view.probabilities).sort((a, b) => b[1] - a[1]).map(([l, p]) => `${l} ${p.toFixed(3)}`).join(', ')}`);
  view.statistics.entropy.forEach((row, l) => lines.push(`  layer ${l + 1}: entropy ${row.map((e) => e.toFixed(2)).join(' ')} nats · distance ${view.statistics.distance[l]!.map((d) => d.toFixed(1)).join(' ')}`));
  // What the output reads through every layer: the [CLS] row, the last token's row, or the mean of the rows.
  const row = view.tokens[0] === '[CLS]' ? view.rollout[0]! : view.task === 'language-model' ? view.rollout[T - 1]! : view.tokens.map((_, j) => view.rollout.reduce((a, r) => a + r[j]!, 0) / T);
  const top = row.map((w, j) => ({ token: view.tokens[j]!, w })).sort((a, b) => b.w - a.w).slice(0, 8);
  lines.push(`  rollout: ${top.map((t) => `${JSON.stringify(t.token)} ${t.w.toFixed(3)}`).join(', ')}`);
  return `${lines.join('\n')}\n`;
}

export function registerAttentionCommand(program: Command): void {
  program
    .command('attention')
    .description("show a text's attention in every layer and head (rollout, head statistics), or write it as a standalone HTML explorer")
    .argument('<text>', 'the text to look at')
    .option('--model <dir>', 'a classifier or language model run folder, or a Hugging Face folder: GPT-2/Llama, a BERT/DistilBERT body, or a *ForSequenceClassification (BERT, DistilBERT)')
    .option('--html <file>', 'write the attention explorer as one standalone HTML file (data inlined, no server)')
    .option('--json', 'print the weights [layer][head][query][key], rollout and statistics as JSON', false)
    .option('--backend <name>', 'ref or wasm')
    .option('--threads <n>', 'worker threads for the wasm backend')
    .addHelpText('after', `
Examples:
  attn attention --model runs/spam "win a free prize" --html spam.html
  attn attention --model runs/lm "Call me Ishmael." --json > attention.json`)
    .action((text: string, flags: AttentionFlags) => {
      if (!flags.model) throw new UsageError('--model <dir> is required (a run folder or a Hugging Face model folder)');
      const dir = flags.model;
      if (flags.html) checkOutputFile(flags.html, '--html');
      applyBackendOption(flags.backend, flags.threads);
      let view: AttentionView;
      try {
        view = withFolderFlag('--model', () => viewOf(dir, text));
      } catch (err) {
        if (err instanceof NoAttentionError) throw new Error(`--model ${dir}: ${err.message}`, { cause: err });
        if (err instanceof RangeError && /no tokens/.test(err.message)) throw new UsageError(`<text>: ${err.message}`);
        throw err;
      }
      const name = dir.replace(/[\\/]+$/, '').split(/[\\/]/).pop() || dir;
      if (flags.html) {
        writeFileSync(flags.html, standaloneExplorerHtml({ model: name, ...view }));
        if (!flags.json) process.stdout.write(`wrote ${flags.html}: ${shape(view)}\n`);
      }
      if (flags.json) process.stdout.write(`${JSON.stringify({ model: name, ...view })}\n`);
      else if (!flags.html) process.stdout.write(summary(view, name));
    });
}
