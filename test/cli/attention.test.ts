// attn attention: a summary, JSON equal to the library's view, a standalone HTML explorer with
// the data and the page's scripts inlined, and its one-line refusals.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { tmpdir } from 'node:os';
import { fileURLToPath } from 'node:url';
import { manualSeed, models, text, io } from '../../src/index.js';
import { cliAsync } from '../helpers/cli.js';
import { writeTinyClassifier, CLASSIFIER_TEXTS } from '../serve/run-folders.js';
import { writeTinyLanguageModel } from '../generate/run-folder.js';

let root = '';
before(() => {
  execFileSync(process.execPath, [fileURLToPath(new URL('../../tools/build-web.mjs', import.meta.url))], { stdio: 'inherit' });
  root = mkdtempSync(join(tmpdir(), 'attn-attention-'));
  writeTinyClassifier(join(root, 'clf'));
  writeTinyLanguageModel(join(root, 'lm')).model.dispose();
  const tokenizer = new text.WordTokenizer({ oovToken: '<unk>' }).fitOnTexts(CLASSIFIER_TEXTS);
  manualSeed(1);
  const config = models.defaultModelConfig('bow', tokenizer.vocabSize, 2, 16);
  const bow = models.createModel(config);
  new io.RunFolder(join(root, 'bow')).writeModel({ config, weights: bow.stateDict(), tokenizer: tokenizer.toJSON(), labels: ['ham', 'spam'] });
  bow.dispose();
});
after(() => root && rmSync(root, { recursive: true, force: true }));

test('attn attention --html --json: the view as JSON and as one standalone HTML file', { timeout: 60_000 }, async () => {
  const out = join(root, 'clf.html');
  const r = await cliAsync(['attention', '--model', join(root, 'clf'), 'win a free prize', '--html', out, '--json']);
  assert.equal(r.status, 0, r.stderr);
  const view = JSON.parse(r.stdout);
  assert.equal(view.model, 'clf');
  assert.deepEqual(view.tokens, ['win', 'a', 'free', 'prize']);
  assert.equal(view.attentions.length, 1);
  assert.equal(view.rollout.length, 4);
  const html = readFileSync(out, 'utf8');
  assert.match(html, /^<!doctype html>/);
  assert.match(html, /window\.ATTN_EXPORT = \{ view: \{"model":"clf"/);
  assert.match(html, /function renderExplorer\(/, 'the explorer script is inlined');
  assert.doesNotMatch(html, /<script src=|<link rel="stylesheet" href=/, 'nothing is fetched');
});

test('attn attention on a language model prints a summary: heads, statistics, rollout', { timeout: 60_000 }, async () => {
  const r = await cliAsync(['attention', '--model', join(root, 'lm'), 'the cat']);
  assert.equal(r.status, 0, r.stderr);
  assert.match(r.stdout, /^lm: 7 tokens, 2 layers × 2 heads\n/);
  assert.match(r.stdout, /\n {2}layer 1: entropy \d\.\d\d \d\.\d\d nats · distance \d+\.\d \d+\.\d\n/);
  assert.match(r.stdout, /\n {2}rollout: "."/);
});

test('attn attention refuses in one line: no --model, a missing folder, a model without self-attention, no tokens', { timeout: 60_000 }, async () => {
  const cases: [string[], RegExp, number][] = [
    [['attention', 'hi'], /^attn: --model <dir> is required/, 2],
    [['attention', '--model', join(root, 'nope'), 'hi'], /^attn: --model .*nope/, 1],
    [['attention', '--model', join(root, 'bow'), 'hi'], /^attn: --model .*bow: a bow classifier has no self-attention layers to show\n$/, 1],
    [['attention', '--model', join(root, 'lm'), ''], /^attn: <text>: the text encodes to no tokens\n$/, 2],
  ];
  const results = await Promise.all(cases.map(([args]) => cliAsync(args)));
  cases.forEach(([args, message, status], i) => {
    assert.equal(results[i]!.status, status, `${args.join(' ')}: ${results[i]!.stderr}`);
    assert.match(results[i]!.stderr, message);
    assert.equal(results[i]!.stdout, '');
  });
});
