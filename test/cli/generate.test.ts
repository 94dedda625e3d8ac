// `attn generate` on a tiny run folder written in the test (a random GPT and a char tokenizer):
// streamed text, --json lines, --input, --stop, --seed, --no-cache, and one-line refusals.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { tmpdir } from 'node:os';
import { resolve } from 'node:path';
import { execFile } from 'node:child_process';
import { generateText } from '../../src/index.js';
import { writeTinyLanguageModel } from '../generate/run-folder.js';

/** `attn <args>` from the sources, as test/helpers/cli.ts's cli() but async, so runs can overlap. */
function cli(args: string[]): Promise<{ status: number | null; stdout: string; stderr: string }> {
  return new Promise((done) => {
    execFile(process.execPath, ['--import', import.meta.resolve('tsx'), resolve('src/cli/main.ts'), ...args], { encoding: 'utf8', env: { ...process.env, NO_COLOR: '1' } }, (err, stdout, stderr) => {
      done({ status: err ? ((err as { code?: number }).code ?? 1) : 0, stdout, stderr });
    });
  });
}

let root = '';
let run = '';
let expected: { text: string; tokens: number[] };
let sampled: { text: string; tokens: number[] }[];

before(async () => {
  root = mkdtempSync(join(tmpdir(), 'attn-generate-'));
  run = join(root, 'run');
  const { model, tokenizer } = writeTinyLanguageModel(run);
  model.eval();
  expected = await generateText(model, tokenizer, 'the cat', { temperature: 0, maxNewTokens: 24 });
  const sampling = { seed: 7, topK: 5, topP: 0.9, minP: 0.05, repetitionPenalty: 1.2, maxNewTokens: 12 };
  sampled = [await generateText(model, tokenizer, 'the cat', sampling), await generateText(model, tokenizer, 'a dog', sampling)];
  model.dispose();
});
after(() => rmSync(root, { recursive: true, force: true }));

test('attn generate streams the prompt and its continuation; --json prints text, tokens and tokensPerSecond', async () => {
  const [streamed, json] = await Promise.all([
    cli(['generate', '--model', run, 'the cat', '--temperature', '0', '--max-new-tokens', '24', '--backend', 'ref']),
    cli(['generate', '--model', run, 'the cat', '--temperature', '0', '--max-new-tokens', '24', '--json']),
  ]);
  assert.equal(streamed.status, 0, streamed.stderr);
  assert.equal(streamed.stdout, `the cat${expected.text}\n`);
  assert.equal(json.status, 0, json.stderr);
  const lines = json.stdout.trim().split('\n');
  assert.equal(lines.length, 1);
  const result = JSON.parse(lines[0]!);
  assert.deepEqual(Object.keys(result), ['prompt', 'text', 'tokens', 'finishReason', 'tokensPerSecond']);
  assert.equal(result.text, expected.text, 'the same text as generateText, on the default backend');
  assert.deepEqual(result.tokens, expected.tokens);
  assert.equal(result.finishReason, 'length');
  assert.ok(result.tokensPerSecond > 0);
});

test('attn generate --input: one JSON line per prompt; --seed and the sampling flags match the library; --no-cache gives the same greedy text; --stop cuts', async () => {
  const input = join(root, 'prompts.txt');
  writeFileSync(input, 'the cat\n\na dog\n');
  const args = ['generate', '--model', run, '--input', input, '--max-new-tokens', '12', '--json', '--backend', 'ref'];
  const sampling = ['--seed', '7', '--top-k', '5', '--top-p', '0.9', '--min-p', '0.05', '--repetition-penalty', '1.2'];
  const stop = expected.text.slice(10, 12);
  const [seeded, cached, uncached, stopped] = await Promise.all([
    cli([...args, ...sampling]),
    cli([...args, '--temperature', '0']),
    cli([...args, '--temperature', '0', '--no-cache']),
    cli(['generate', '--model', run, 'the cat', '--temperature', '0', '--max-new-tokens', '24', '--stop', 'zzz', '--stop', stop, '--json', '--backend', 'ref']),
  ]);
  assert.equal(seeded.status, 0, seeded.stderr);
  const rows = seeded.stdout.trim().split('\n').map((l) => JSON.parse(l));
  assert.deepEqual(rows.map((r) => r.prompt), ['the cat', 'a dog']);
  assert.ok(rows.every((r) => r.tokens.length === 12));
  assert.deepEqual(rows.map((r) => [r.text, r.tokens]), sampled.map((r) => [r.text, r.tokens]), '--seed 7 and the sampling flags give what the library gives with seed 7');
  assert.equal(uncached.status, 0, uncached.stderr);
  assert.deepEqual(uncached.stdout.split('\n').map((l) => l && JSON.parse(l).text), cached.stdout.split('\n').map((l) => l && JSON.parse(l).text));
  assert.equal(cached.stdout.trim().split('\n').length, 2);
  const cut = JSON.parse(stopped.stdout);
  assert.equal(cut.text, expected.text.slice(0, expected.text.indexOf(stop)));
  assert.equal(cut.finishReason, 'stop');
});

test('attn generate refuses bad values, a classifier folder and unknown characters with one line naming the value', async () => {
  const clf = join(root, 'classifier');
  writeTinyLanguageModel(clf).model.dispose();
  writeFileSync(join(clf, 'config.json'), JSON.stringify({ type: 'bow', vocabSize: 30, numClasses: 2, maxLength: 16 }));
  const cases: [string[], RegExp, number][] = [
    [['--model', run, 'the cat', '--top-p', '2'], /^attn: --top-p must be a number in \(0, 1\], got '2'\n$/, 2],
    [['--model', run, 'the cat', '--temperature', '-1'], /^attn: --temperature must be a finite number ≥ 0 \(0 = greedy\), got '-1'\n$/, 2],
    [['--model', run, 'the cat', '--max-new-tokens', '0'], /^attn: --max-new-tokens must be a positive integer, got '0'\n$/, 2],
    [['--model', run, 'the café'], /^attn: prompt must be text the tokenizer knows; "f", "é" are not in its vocabulary, got "the café"\n$/, 2],
    [['--model', clf, 'the cat'], /^attn: --model .*classifier: this folder holds a classifier, not a language model\n$/, 1],
  ];
  const results = await Promise.all(cases.map(([args]) => cli(['generate', ...args, '--backend', 'ref'])));
  for (const [i, [args, message, status]] of cases.entries()) {
    const r = results[i]!;
    assert.equal(r.status, status, `${args.join(' ')}: ${r.stderr}`);
    assert.match(r.stderr, message);
    assert.equal(r.stdout, '', 'nothing printed before the error');
  }
});
