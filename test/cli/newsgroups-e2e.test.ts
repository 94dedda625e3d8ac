// A 20 Newsgroups-layout corpus (nested class folders, extension-less files, news headers,
// quoted replies, signatures) trains, evaluates and predicts end to end through the CLI.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, writeFileSync, readFileSync, existsSync } from 'node:fs';
import { join } from 'node:path';
import { tmpdir } from 'node:os';
import { cli } from '../helpers/cli.js';

const TOPICS: Record<string, string[]> = {
  'sci.space': ['orbit', 'launch', 'rocket', 'nasa', 'shuttle', 'moon', 'satellite', 'payload'],
  'rec.autos': ['engine', 'car', 'dealer', 'brakes', 'tires', 'sedan', 'mileage', 'transmission'],
  'comp.graphics': ['pixel', 'render', 'polygon', 'shader', 'bitmap', 'texture', 'image', 'vga'],
};
const FILLER = ['the', 'a', 'i', 'think', 'that', 'is', 'was', 'about', 'my', 'new', 'really', 'and'];

function makeCorpus(root: string, perClass: number, seed: number): void {
  let s = seed;
  const next = () => ((s = (Math.imul(s, 1103515245) + 12345) >>> 0) / 4294967296);
  const pick = <T>(xs: T[]) => xs[Math.floor(next() * xs.length)]!;
  for (const [group, words] of Object.entries(TOPICS)) {
    const dir = join(root, group);
    mkdirSync(dir, { recursive: true });
    for (let i = 0; i < perClass; i++) {
      const body = Array.from({ length: 20 + Math.floor(next() * 20) }, () => (next() < 0.35 ? pick(words) : pick(FILLER))).join(' ');
      // The quoted reply and the signature mention another group's words: stripping must remove them.
      const other = pick(Object.values(TOPICS).filter((w) => w !== words));
      const text = [
        `From: user${i}@example.com (User ${i})`,
        `Subject: Re: question ${i}`,
        `Organization: Example University`,
        `Lines: 12`,
        '',
        `In article <${i}@example.com> someone@example.com writes:`,
        `> ${Array.from({ length: 8 }, () => pick(other)).join(' ')}`,
        '',
        body,
        '',
        '--',
        `User ${i} | ${Array.from({ length: 4 }, () => pick(other)).join(' ')}`,
      ].join('\n');
      writeFileSync(join(dir, String(50000 + i)), text); // no extension, as in 20news-bydate
    }
  }
}

test('attn train / eval / predict on a 20 Newsgroups-layout folder', () => {
  const root = mkdtempSync(join(tmpdir(), 'attn-20news-'));
  makeCorpus(join(root, '20news-bydate-train'), 30, 1);
  makeCorpus(join(root, '20news-bydate-test'), 8, 2);
  const out = join(root, 'run');
  const train = cli([
    'train', '--data', join(root, '20news-bydate-train'), '--test', join(root, '20news-bydate-test'), '--strip', 'headers,footers,quotes',
    '--model', 'transformer', '--d-model', '16', '--heads', '2', '--layers', '1', '--max-length', '48', '--epochs', '6', '--batch-size', '8',
    '--lr', '3e-3', '--out', out, '--no-progress', '--backend', 'ref',
  ]);
  assert.equal(train.status, 0, train.stderr + train.stdout);
  assert.match(train.stdout, /20news-bydate-train: 90 examples, 3 classes/);
  for (const file of ['config.json', 'model.safetensors', 'tokenizer.json', 'labels.json', 'metrics.json', 'log.jsonl']) {
    assert.ok(existsSync(join(out, file)), `${file} written`);
  }
  const metrics = JSON.parse(readFileSync(join(out, 'metrics.json'), 'utf8'));
  assert.equal(metrics.test.count, 24);
  assert.ok(metrics.test.accuracy >= 0.9, `test accuracy ${metrics.test.accuracy}`);
  assert.ok(metrics.baseline.test.accuracy > 0.5);
  const logLines = readFileSync(join(out, 'log.jsonl'), 'utf8').trim().split('\n').map((l) => JSON.parse(l));
  assert.ok(logLines.length > 10 && typeof logLines[0].loss === 'number');

  const evaluation = cli(['eval', '--model', out, '--data', join(root, '20news-bydate-test'), '--strip', 'headers,footers,quotes', '--json']);
  assert.equal(evaluation.status, 0, evaluation.stderr);
  assert.equal(JSON.parse(evaluation.stdout).metrics.accuracy, metrics.test.accuracy);

  const predict = cli(['predict', '--model', out, 'nasa rocket launch orbit shuttle moon satellite payload', '--json', '--attention', '3']);
  assert.equal(predict.status, 0, predict.stderr);
  const p = JSON.parse(predict.stdout.trim());
  assert.equal(p.label, 'sci.space');
  assert.equal(p.attention.length, 3);
  assert.ok(Math.abs(Object.values(p.probabilities as Record<string, number>).reduce((a, b) => a + b, 0) - 1) < 1e-5);
});

test('bad input gets one clear line, not a stack trace', () => {
  const missing = cli(['train', '--data', '/nonexistent/folder', '--no-progress']);
  assert.notEqual(missing.status, 0);
  assert.match(missing.stderr, /^attn: .*\/nonexistent\/folder/m);
  assert.doesNotMatch(missing.stderr, /at .*\.ts:\d+/);
  const badFlag = cli(['train', '--epochs', 'three']);
  assert.equal(badFlag.status, 2);
  assert.match(badFlag.stderr, /--epochs must be a positive integer, got 'three'/);
  const noModel = cli(['predict', 'hello']);
  assert.match(noModel.stderr, /--model <dir> is required/);
});
