// `attn train --from DIR` end to end on the tiny Hugging Face folders (copied with a 64-id
// WordLevel tokenizer.json, the models' vocab_size, so any sampled id decodes): a full
// language-model fine-tune of GPT-2, a LoRA one of Llama, LoRA classification of GPT-2 (unmerged)
// and BERT (merged), each report (--json and human) and each run folder used by `attn generate` /
// `attn predict`; the options that make no sense with --from refused in one line with nothing
// written; the memory refusal worded as one line suggesting --lora-rank.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { tmpdir } from 'node:os';
import { cliAsync as cli } from '../helpers/cli.js';
import { FineTuneMemoryError } from '../../src/tasks/fine-tune.js';
import { wordFineTuneError } from '../../src/cli/train-from.js';
import { registerTrainCommand } from '../../src/cli/train.js';
import { UsageError } from '../../src/cli/options.js';
import { Command } from 'commander';
import { FIXTURE_VOCAB as VOCAB, FIXTURE_WORDS as WORDS, wordLevelFixtureFolder } from '../helpers/hf-word-folder.js';

const folder = (name: string): string => wordLevelFixtureFolder(root, name);

/** The tensor names of a safetensors file (its JSON header). */
function tensorNames(path: string): string[] {
  const bytes = readFileSync(path);
  const n = Number(bytes.readBigUInt64LE(0));
  return Object.keys(JSON.parse(bytes.subarray(8, 8 + n).toString('utf8'))).filter((k) => k !== '__metadata__');
}
const configType = (dir: string): string => JSON.parse(readFileSync(join(dir, 'config.json'), 'utf8')).type;

let root = '';
let text = '';
let data = '';
const QUICK = ['--max-steps', '2', '--batch-size', '4', '--backend', 'ref', '--no-progress'];
type Report = { task: string; architecture: string; parameters: number; trainableParameters: number; lora: { rank: number; layers: string[] } | null; steps: number; labels: string[] | null; outDir: string };
const runs: Record<string, { status: number | null; stdout: string; stderr: string; dir: string }> = {};

before(async () => {
  root = mkdtempSync(join(tmpdir(), 'attn-cli-from-'));
  const [gpt2, llama, bert] = ['gpt2', 'llama', 'bert'].map(folder);
  text = join(root, 'text.txt');
  const sentences = ['the cat sat on the mat', 'the dog ran in the park', 'a big red sun is hot', 'the rain is cold and wet'];
  writeFileSync(text, Array.from({ length: 30 }, (_, i) => sentences[i % 4]).join('\n'));
  data = join(root, 'data.jsonl');
  writeFileSync(data, Array.from({ length: 40 }, (_, i) => JSON.stringify(i % 2 === 0
    ? { text: `the cat sat on the mat ${WORDS[i % 5]}`, label: 'cat' }
    : { text: `rain is cold and wet ${WORDS[10 + (i % 7)]}`, label: 'rain' })).join('\n'));
  const jobs: Record<string, string[]> = {
    lmFull: ['--from', gpt2!, '--task', 'lm', '--data', text, '--block-size', '16', '--lr', '1e-3', '--json'],
    lmLora: ['--from', llama!, '--task', 'lm', '--data', text, '--block-size', '16', '--lora-rank', '4'],
    lmLoraCheckpointed: ['--from', llama!, '--task', 'lm', '--data', text, '--block-size', '16', '--lora-rank', '4', '--gradient-checkpointing'],
    clsCheckpointed: ['--from', bert!, '--data', data, '--max-length', '16', '--gradient-checkpointing'],
    clsLora: ['--from', gpt2!, '--data', data, '--max-length', '16', '--lora-rank', '4', '--json'],
    clsMerge: ['--from', bert!, '--data', data, '--max-length', '16', '--lora-rank', '4', '--lora-alpha', '4', '--merge'],
  };
  await Promise.all(Object.entries(jobs).map(async ([name, args]) => {
    const dir = join(root, name);
    runs[name] = { ...(await cli(['train', ...args, ...QUICK, '--out', dir])), dir };
  }));
});
after(() => rmSync(root, { recursive: true, force: true }));

const ok = (name: string) => {
  const r = runs[name]!;
  assert.equal(r.status, 0, r.stderr);
  return r;
};

test('--from --task lm (GPT-2, full): --json reports every weight trainable; the run folder is a gpt that attn generate continues', async () => {
  const r = ok('lmFull');
  const report = JSON.parse(r.stdout) as Report;
  assert.equal(report.task, 'lm');
  assert.equal(report.architecture, 'gpt2');
  assert.equal(report.lora, null);
  assert.equal(report.steps, 2);
  assert.ok(report.parameters > 10_000);
  assert.equal(report.trainableParameters, report.parameters);
  assert.equal(report.outDir, r.dir);
  assert.equal(configType(r.dir), 'gpt');
  const g = await cli(['generate', '--model', r.dir, 'the cat', '--max-new-tokens', '3', '--temperature', '0', '--json', '--backend', 'ref']);
  assert.equal(g.status, 0, g.stderr);
  const out = JSON.parse(g.stdout) as { tokens: number[]; text: string };
  assert.equal(out.tokens.length, 3);
  assert.ok(out.tokens.every((id) => id >= 0 && id < VOCAB), String(out.tokens));
});

test('--from --task lm --lora-rank (Llama): the human report gives parameters, trainable ones, the loss, where it saved and attn generate; the unmerged folder (lora-language-model) generates', async () => {
  const r = ok('lmLora');
  const m = /llama language model: ([\d,]+) parameters, ([\d,]+) trainable, LoRA rank 4 on 14 projections; 2 steps/.exec(r.stdout);
  assert.ok(m, r.stdout);
  const [all, trainable] = [m[1]!, m[2]!].map((s) => Number(s.replace(/,/g, '')));
  assert.ok(trainable! > 0 && trainable! < all! / 2, `${trainable} of ${all}`);
  assert.match(r.stdout, /best validation loss \d+\.\d{4} \(perplexity [\d.]+\) at step 2/);
  assert.match(r.stdout, new RegExp(`saved to ${r.dir} \\(base weights and adapters; adapters alone in adapter/\\)\ntry: attn generate --model ${r.dir} ".+"`));
  assert.equal(configType(r.dir), 'lora-language-model');
  assert.ok(tensorNames(join(r.dir, 'adapter', 'adapter_model.safetensors')).some((k) => k.endsWith('lora_A.weight')));
  const g = await cli(['generate', '--model', r.dir, 'the cat', '--max-new-tokens', '4', '--seed', '1', '--backend', 'ref']);
  assert.equal(g.status, 0, g.stderr);
  assert.match(g.stdout, /^the cat\S* \S+/);
});

test('--from --gradient-checkpointing: a LoRA Llama fine-tune gives the same losses; a BERT classifier, which has no checkpointed blocks, is refused in one line', () => {
  const plain = ok('lmLora');
  const checkpointed = ok('lmLoraCheckpointed');
  const losses = (s: string) => s.match(/loss \d+\.\d{4}/g);
  assert.ok(losses(plain.stdout)?.length, plain.stdout);
  assert.deepEqual(losses(checkpointed.stdout), losses(plain.stdout));
  assert.deepEqual(losses(checkpointed.stderr), losses(plain.stderr));
  const refused = runs.clsCheckpointed!;
  assert.equal(refused.status, 2, refused.stderr);
  assert.match(refused.stderr, /^attn: --gradient-checkpointing: BertForSequenceClassification has no checkpointed blocks \(GPT and LlamaForCausalLM have\)\n$/);
});

test('--from (GPT-2) --lora-rank, classification: the unmerged folder (lora-classifier) predicts one of the labels', async () => {
  const r = ok('clsLora');
  const report = JSON.parse(r.stdout) as Report;
  assert.equal(report.task, 'classification');
  assert.deepEqual(report.labels, ['cat', 'rain']);
  assert.equal(report.lora?.rank, 4);
  assert.ok(report.trainableParameters < report.parameters);
  assert.equal(configType(r.dir), 'lora-classifier');
  const p = await cli(['predict', '--model', r.dir, 'the cat sat', '--json', '--backend', 'ref']);
  assert.equal(p.status, 0, p.stderr);
  const out = JSON.parse(p.stdout) as { label: string; probabilities: Record<string, number> };
  assert.ok(['cat', 'rain'].includes(out.label));
  assert.ok(Math.abs(out.probabilities.cat! + out.probabilities.rain! - 1) < 1e-5);
});

test('--from (BERT) --lora-rank --merge: the saved model is the plain bert classifier without adapter weights, the adapters are in adapter/, and attn predict reads it', async () => {
  const r = ok('clsMerge');
  assert.match(r.stdout, /bert classifier: [\d,]+ parameters, [\d,]+ trainable, LoRA rank 4 on \d+ projections; 2 steps/);
  assert.match(r.stdout, new RegExp(`saved to ${r.dir} \\(adapters merged into the weights; adapters alone in adapter/\\)\ntry: attn predict --model ${r.dir} "your text here"`));
  assert.equal(configType(r.dir), 'bert-for-sequence-classification');
  assert.ok(!tensorNames(join(r.dir, 'model.safetensors')).some((k) => k.includes('lora_')));
  assert.ok(tensorNames(join(r.dir, 'adapter', 'adapter_model.safetensors')).some((k) => k.endsWith('lora_B.weight')));
  const p = await cli(['predict', '--model', r.dir, 'rain is wet', '--backend', 'ref']);
  assert.equal(p.status, 0, p.stderr);
  assert.match(p.stdout, /^"rain is wet" → (cat|rain)\n/);
});

/** Runs `attn train <args>` in this process up to its action; resolves to the error it refuses with. */
async function refusal(args: string[]): Promise<Error> {
  const program = new Command().exitOverride();
  registerTrainCommand(program);
  return program.parseAsync(['node', 'attn', 'train', ...args]).then(() => assert.fail(`${args.join(' ')} was not refused`), (err: Error) => err);
}

test('options that make no sense with --from are refused in one line, before anything is read', async () => {
  const gpt2 = join(root, 'gpt2');
  const cases: [string[], RegExp][] = [
    [['--from', gpt2, '--layers', '3', '--pretrain-epochs', '2', '--d-model', '8'], /^--d-model, --layers, --pretrain-epochs do not apply to a fine-tune of a pretrained folder \(--from\); drop them$/],
    [['--from', gpt2, '--pooling', 'cls'], /^--pooling does not apply .*\*ForSequenceClassification\); drop it$/],
    [['--from', gpt2, '--tokenizer', 'bpe'], /^--tokenizer does not apply .*\(the tokenizer is the folder's tokenizer\.json\); drop it$/],
    [['--lora-rank', '4'], /^--lora-rank fine-tunes a pretrained folder: give it with --from DIR$/],
    [['--from', gpt2, '--merge'], /^--merge folds LoRA adapters into the weights: give --lora-rank too/],
    [['--from', gpt2, '--lora-rank', '0'], /^--lora-rank must be a positive integer, got '0'$/],
    [['--from', gpt2, '--task', 'lm', '--max-length', '8'], /^--max-length is an option of classification, not of a language model \(--task lm\); use --block-size$/],
    [['--from', gpt2, '--block-size', '8'], /^--block-size is an option of a language model \(--task lm\), not of classification; use --max-length$/],
  ];
  for (const [args, expected] of cases) {
    const err = await refusal([...args, '--out', join(root, 'refused')]);
    assert.ok(err instanceof UsageError, `${args.join(' ')}: ${err.message}`);
    assert.match(err.message, expected);
  }
  assert.ok(!existsSync(join(root, 'refused')));
});

test('attn train --from refuses with one line and exit 2: a from-scratch option, a BERT as a language model, a block longer than its positions', async () => {
  const gpt2 = join(root, 'gpt2');
  const cases: [string[], RegExp][] = [
    [['--from', gpt2, '--model', 'bow'], /^attn: --model does not apply to a fine-tune of a pretrained folder \(--from\) \(the architecture is the folder's config\.json\); drop it\n$/],
    [['--from', join(root, 'bert'), '--task', 'lm', '--data', text], /^attn: --task: a bert model is not a language model: fine-tune it for classification\n$/],
    [['--from', gpt2, '--task', 'lm', '--data', text, '--block-size', '1000'], /^attn: --block-size: 1000 is more than the model's \d+ positions\n$/],
  ];
  const results = await Promise.all(cases.map(([args], i) => cli(['train', ...args, '--max-steps', '1', '--backend', 'ref', '--no-progress', '--out', join(root, `refused-${i}`)])));
  results.forEach((r, i) => {
    assert.equal(r.status, 2, `${cases[i]![0].join(' ')}: ${r.stderr}`);
    assert.match(r.stderr, cases[i]![1]);
    assert.ok(!existsSync(join(root, `refused-${i}`, 'model.safetensors')), `${cases[i]![0].join(' ')} wrote a model`);
  });
});

test('a full fine-tune that does not fit the arena is worded as one line with the bytes and --lora-rank', () => {
  const err = wordFineTuneError(new FineTuneMemoryError('models/llama-1b', 1_235_814_400, 19_773_030_400, 4_294_000_000, 5_140_000_000), 'models/llama-1b', true) as Error;
  assert.equal(err.message,
    '--from models/llama-1b: a full fine-tune of 1,235,814,400 parameters needs 18.42 GiB for weights, gradients and AdamW moments, more than the 4.00 GiB free in the arena; ' +
    'train LoRA adapters instead with --lora-rank 8 (about 4.79 GiB)');
  assert.ok(!err.message.includes('\n'));
});
