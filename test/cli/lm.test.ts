// `attn train --task lm` end to end on a small .txt corpus written here (tiny model, a few steps):
// the report (--json with tokensPerSecond; the human one with "saved to" and the next step),
// `attn eval` agreeing with the training's best validation loss, `attn generate` streaming from
// the folder, and every bad input of the language-model issue refused in one line naming the
// value, with nothing written in the run folder.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, mkdirSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { tmpdir } from 'node:os';
import { cliAsync as cli } from '../helpers/cli.js';
import { trainTextClassifier } from '../../src/index.js';

const WORDS = ['the', 'whale', 'sea', 'ship', 'captain', 'white', 'call', 'me', 'some', 'years', 'ago', 'never', 'mind', 'how', 'long'];
let root = '';
let corpus = '';
let run = '';
let classifier = '';
let report: { tokensPerSecond: number; validation: { loss: number; perplexity: number; tokens: number }; steps: number; sample: string; outDir: string };
let human: Awaited<ReturnType<typeof cli>>;
let checkpointed: Awaited<ReturnType<typeof cli>>;

const TINY = ['--block-size', '16', '--layers', '1', '--heads', '2', '--dim', '16', '--batch-size', '4', '--eval-every', '3', '--max-steps', '6'];

before(async () => {
  root = mkdtempSync(join(tmpdir(), 'attn-cli-lm-'));
  corpus = join(root, 'tiny.txt');
  let s = 7;
  const next = () => ((s = (Math.imul(s, 1103515245) + 12345) >>> 0) % WORDS.length);
  writeFileSync(corpus, `${Array.from({ length: 300 }, (_, i) => WORDS[next()] + (i % 12 === 11 ? '.\n' : ' ')).join('')}`);
  run = join(root, 'run');
  classifier = join(root, 'classifier');
  const examples = Array.from({ length: 24 }, (_, i) => ({ text: i % 2 ? 'free money now' : 'meeting at noon', label: i % 2 ? 'spam' : 'ham' }));
  const [json, text, ck] = await Promise.all([
    cli(['train', '--task', 'lm', '--data', corpus, ...TINY, '--out', run, '--json', '--no-progress']),
    cli(['train', '--task', 'lm', '--data', corpus, ...TINY, '--out', join(root, 'human')]),
    cli(['train', '--task', 'lm', '--data', corpus, ...TINY, '--gradient-checkpointing', '--out', join(root, 'checkpointed'), '--json', '--no-progress']),
    trainTextClassifier({ data: examples, model: 'bow', outDir: classifier, baseline: false, trainer: { epochs: 1 } }),
  ]);
  assert.equal(json.status, 0, json.stderr);
  report = JSON.parse(json.stdout);
  human = text;
  checkpointed = ck;
});
after(() => rmSync(root, { recursive: true, force: true }));

test('attn train --task lm: --json prints the report with tokensPerSecond; the human report says where it saved and what to try next', () => {
  assert.equal(report.steps, 6);
  assert.ok(report.tokensPerSecond > 0);
  assert.ok(report.validation.loss > 0 && Math.abs(report.validation.perplexity - Math.exp(report.validation.loss)) < 1e-9);
  assert.equal(typeof report.sample, 'string');
  assert.equal(human.status, 0, human.stderr);
  assert.match(human.stdout, /^tiny\.txt: 1 document, [\d,]+ characters → [\d,]+ char tokens \(vocab \d+\)/);
  assert.match(human.stdout, /best validation loss \d\.\d{4} \(perplexity \d+\.\d\d\) at step [36]/);
  assert.match(human.stdout, new RegExp(`saved to ${join(root, 'human')}\ntry: attn generate --model ${join(root, 'human')} ".+" --max-new-tokens 200\n$`));
  // Not a terminal: the progress comes as plain lines on stderr, with loss, tokens/s and ETA, and
  // each evaluation's loss, perplexity and sample go above it.
  assert.match(human.stderr, /step 3\/6: train loss \d\.\d{4}, validation loss \d\.\d{4}, perplexity \d+\.\d\d\nsample: ".+"\n/);
  assert.match(human.stderr, /step 6\/6 loss \d\.\d{4} \d+ tok\/s ETA \d+s/);
});

test('attn train --task lm --gradient-checkpointing trains the same model (same losses, bit for bit); the classifier refuses the flag', async () => {
  assert.equal(checkpointed.status, 0, checkpointed.stderr);
  const r = JSON.parse(checkpointed.stdout) as typeof report & { history: unknown[] };
  assert.deepEqual(r.history, (report as typeof r).history);
  assert.equal(r.validation.loss, report.validation.loss);
  const refused = await cli(['train', '--data', corpus, '--gradient-checkpointing']);
  assert.equal(refused.status, 2);
  assert.match(refused.stderr, /^attn: --gradient-checkpointing is an option of a language model \(--task lm\), not of the classifier\n$/);
});

test('attn eval on the run folder prints {loss, perplexity, tokens}: the training report\'s best validation loss', async () => {
  const r = await cli(['eval', '--model', run, '--split', 'validation', '--json']);
  assert.equal(r.status, 0, r.stderr);
  const measured = JSON.parse(r.stdout);
  assert.equal(measured.loss, report.validation.loss);
  assert.equal(measured.perplexity, report.validation.perplexity);
  assert.equal(measured.tokens, report.validation.tokens);
});

test('attn generate streams from the folder; a prompt longer than the context is cut from the left with a warning', async () => {
  const long = 'the whale and the sea and the ship';
  const [short, cut] = await Promise.all([
    cli(['generate', '--model', run, 'the whale', '--temperature', '0', '--max-new-tokens', '8']),
    cli(['generate', '--model', run, long, '--temperature', '0', '--max-new-tokens', '4']),
  ]);
  assert.equal(short.status, 0, short.stderr);
  assert.ok(short.stdout.startsWith('the whale') && short.stdout.length > 'the whale\n'.length, short.stdout);
  assert.equal(cut.status, 0, cut.stderr);
  assert.ok(cut.stderr.startsWith(`warning: prompt has ${long.length} tokens, more than the model's context of 16: keeping its last 16\n`), cut.stderr);
  assert.ok(cut.stdout.startsWith(long), 'the whole prompt is echoed; the model reads its last 16 tokens');
});

test('bad input: each refused in one line naming the value and what was expected, nothing written', async () => {
  const empty = join(root, 'empty.txt');
  writeFileSync(empty, '');
  const short = join(root, 'short.txt');
  writeFileSync(short, 'the whale sea');
  const used = join(root, 'used');
  mkdirSync(used);
  writeFileSync(join(used, 'notes.txt'), 'mine');
  const out = (name: string) => join(root, `refused-${name}`);
  const cases: { name: string; args: string[]; message: RegExp; status: number }[] = [
    { name: 'empty', args: ['train', '--task', 'lm', '--data', empty, ...TINY], message: /^attn: .*empty\.txt: the file is empty; expected a text file with some text\n$/, status: 1 },
    { name: 'short', args: ['train', '--task', 'lm', '--data', short, ...TINY], message: /^attn: short\.txt: too short for a block size of 16: the training part has 12 tokens and the validation part 1; each part needs at least 16 \+ 1 = 17 tokens \(a window and its last target\); give more text, or a smaller block size with --block-size\n$/, status: 1 },
    // Refused before any data is read: the corpus does not even exist.
    { name: 'heads', args: ['train', '--task', 'lm', '--data', join(root, 'missing.txt'), '--heads', '3', '--dim', '128'], message: /^attn: --heads 3 does not divide --dim 128; expected a number of heads that divides the width \(e\.g\. 1, 2, 4, 8, 16\)\n$/, status: 2 },
    { name: 'pooling', args: ['train', '--task', 'lm', '--data', corpus, '--pooling', 'mean'], message: /^attn: --pooling is an option of the classifier, not of a language model \(--task lm\)\n$/, status: 2 },
    { name: 'clip', args: ['train', '--task', 'lm', '--data', corpus, '--clip-norm', '1'], message: /^attn: --clip-norm is an option of the classifier, not of a language model \(--task lm\); use --grad-clip\n$/, status: 2 },
    { name: 'block', args: ['train', '--block-size', '64'], message: /^attn: --block-size is an option of a language model \(--task lm\), not of the classifier; use --max-length\n$/, status: 2 },
    { name: 'task', args: ['train', '--task', 'translation'], message: /^attn: --task must be one of classification, lm, got 'translation'\n$/, status: 2 },
    { name: 'tokenizer', args: ['train', '--task', 'lm', '--data', corpus, '--tokenizer', 'word'], message: /^attn: --tokenizer must be one of char, bpe, got 'word'\n$/, status: 2 },
    { name: 'used', args: ['train', '--task', 'lm', '--data', corpus, ...TINY, '--out', used], message: /^attn: --out .*used: is not empty \(notes\.txt\); choose another folder, or resume the run it holds; replace it with --overwrite\n$/, status: 1 },
    { name: 'top-p', args: ['generate', '--model', run, 'the', '--top-p', '2'], message: /^attn: --top-p must be a number in \(0, 1\], got '2'\n$/, status: 2 },
    { name: 'temperature', args: ['generate', '--model', run, 'the', '--temperature', '-1'], message: /^attn: --temperature must be a finite number ≥ 0 \(0 = greedy\), got '-1'\n$/, status: 2 },
    { name: 'new-tokens', args: ['generate', '--model', run, 'the', '--max-new-tokens', '0'], message: /^attn: --max-new-tokens must be a positive integer, got '0'\n$/, status: 2 },
    { name: 'unseen', args: ['generate', '--model', run, 'Queequeg!'], message: /^attn: prompt must be text the tokenizer knows; "Q", "u", "q", "!" are not in its vocabulary, got "Queequeg!"\n$/, status: 2 },
    { name: 'generate-classifier', args: ['generate', '--model', classifier, 'the'], message: /^attn: --model .*classifier: this folder holds a classifier, not a language model\n$/, status: 1 },
    { name: 'predict-lm', args: ['predict', '--model', run, 'the whale'], message: /^attn: --model .*run: this folder holds a language model, not a classifier\n$/, status: 1 },
  ];
  const results = await Promise.all(cases.map((c) => cli(c.args[0] === 'train' && !c.args.includes('--out') ? [...c.args, '--out', out(c.name)] : c.args)));
  for (const [i, c] of cases.entries()) {
    const r = results[i]!;
    assert.equal(r.status, c.status, `${c.name}: ${r.stderr}`);
    assert.match(r.stderr, c.message, c.name);
    assert.equal(r.stdout, '', `${c.name}: nothing printed before the error`);
    if (c.args[0] === 'train' && c.name !== 'used') assert.equal(existsSync(out(c.name)), false, `${c.name}: no run folder`);
  }
  assert.deepEqual(readdirSync(used), ['notes.txt'], 'a used folder is left as it was');
});
