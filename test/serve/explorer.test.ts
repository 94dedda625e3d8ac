// The explorer's API on 127.0.0.1: POST /v1/attention and /v1/embeddings against the library run
// in-process, their errors, the page's files, and the dashboard's runs (live appends, a torn
// last line, path traversal refused).
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { appendFileSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { tmpdir } from 'node:os';
import { fileURLToPath } from 'node:url';
import { loadLanguageModel, loadTextClassifier } from '../../src/index.js';
import { classifierAttention, embedTexts, languageModelAttention } from '../../src/infer/attention-maps.js';
import { startServer, type RunningServer } from '../../src/serve/index.js';
import { writeTinyClassifier } from './run-folders.js';
import { writeTinyLanguageModel } from '../generate/run-folder.js';
import { postJson } from './helpers.js';
import { writeTinyHfChatModel } from './hf-folder.js';

let root = '';
let server: RunningServer;
let base = '';

before(async () => {
  execFileSync(process.execPath, [fileURLToPath(new URL('../../tools/build-web.mjs', import.meta.url))], { stdio: 'inherit' });
  root = mkdtempSync(join(tmpdir(), 'attn-explorer-'));
  writeTinyClassifier(join(root, 'clf'));
  writeTinyLanguageModel(join(root, 'lm')).model.dispose();
  mkdirSync(join(root, 'runs', 'a'), { recursive: true });
  mkdirSync(join(root, 'runs', 'empty'), { recursive: true });
  writeFileSync(join(root, 'runs', 'a', 'log.jsonl'), '{"step":1,"loss":2.5}\n{"step":2,"loss":2.25}\n');
  writeFileSync(join(root, 'secret.jsonl'), '{"step":1,"loss":0}\n');
  server = await startServer({ models: [{ name: 'clf', dir: join(root, 'clf') }, { name: 'lm', dir: join(root, 'lm') }], port: 0, runsDir: join(root, 'runs') });
  base = server.url;
});
after(async () => {
  await server?.close();
  if (root) rmSync(root, { recursive: true, force: true });
});

const close = (a: number, b: number) => Math.abs(a - b) <= 2e-6;

test('POST /v1/attention on a classifier: the library\'s weights per layer and head, rollout and statistics', async () => {
  const clf = loadTextClassifier(join(root, 'clf'));
  const want = classifierAttention(clf, 'win a free prize');
  clf.dispose();
  const res = await postJson(`${base}/v1/attention`, { text: 'win a free prize' }); // the first model by default
  assert.equal(res.status, 200, res.text);
  const v = res.json;
  assert.equal(v.model, 'clf');
  assert.deepEqual(v.tokens, ['win', 'a', 'free', 'prize']);
  assert.equal(v.attentions.length, 1);
  assert.equal(v.attentions[0].length, 2, 'two heads');
  for (const head of v.attentions[0]) {
    assert.equal(head.length, 4);
    for (const row of head) assert.ok(Math.abs(row.reduce((a: number, b: number) => a + b, 0) - 1) < 1e-5, 'rows sum to 1');
  }
  v.attentions.flat(3).forEach((x: number, i: number) => assert.ok(close(x, want.attentions.flat(3)[i]!), `weight ${i}`));
  v.rollout.flat().forEach((x: number, i: number) => assert.ok(close(x, want.rollout.flat()[i]!), `rollout ${i}`));
  for (const key of ['entropy', 'distance'] as const) v.statistics[key].flat().forEach((x: number, i: number) => assert.ok(Math.abs(x - want.statistics[key].flat()[i]!) < 1e-5, `${key} ${i}`));
  assert.ok(close(v.probabilities.spam + v.probabilities.ham, 1));
});

test('POST /v1/attention on a language model: causal weights and each token\'s probability with its top alternatives', async () => {
  const lm = loadLanguageModel(join(root, 'lm'));
  const want = languageModelAttention(lm.model, lm.tokenizer, 'the cat');
  const res = await postJson(`${base}/v1/attention`, { model: 'lm', text: 'the cat' });
  assert.equal(res.status, 200, res.text);
  const v = res.json;
  assert.deepEqual(v.tokens, [...'the cat']);
  assert.equal(v.attentions.length, 2);
  v.attentions.forEach((layer: number[][][]) => layer.forEach((head) => head.forEach((row, i) => row.forEach((x, j) => j > i && assert.equal(x, 0, 'no attention to later tokens')))));
  v.attentions.flat(3).forEach((x: number, i: number) => assert.ok(close(x, want.attentions.flat(3)[i]!), `weight ${i}`));
  assert.equal(v.predictions[0], null);
  for (const p of v.predictions.slice(1)) {
    assert.equal(p.top.length, 5);
    assert.ok(p.top.every((t: { probability: number }, i: number) => i === 0 || t.probability <= p.top[i - 1].probability), 'top alternatives are sorted');
    assert.ok(p.probability <= p.top[0].probability + 1e-7);
  }
  v.predictions.slice(1).forEach((p: { probability: number }, i: number) => assert.ok(close(p.probability, want.predictions![i + 1]!.probability)));
  lm.model.dispose();
});

test('POST /v1/embeddings: OpenAI\'s shape, the library\'s mean-pooled vectors, one or several inputs', async () => {
  const lm = loadLanguageModel(join(root, 'lm'));
  const want = embedTexts({ kind: 'language-model', model: lm.model as never, tokenizer: lm.tokenizer }, ['the cat', 'a dog']);
  lm.model.dispose();
  const res = await postJson(`${base}/v1/embeddings`, { model: 'lm', input: ['the cat', 'a dog'] });
  assert.equal(res.status, 200, res.text);
  assert.equal(res.json.object, 'list');
  assert.equal(res.json.model, 'lm');
  assert.deepEqual(res.json.usage, { prompt_tokens: 12, total_tokens: 12 });
  res.json.data.forEach((d: { object: string; index: number; embedding: number[] }, i: number) => {
    assert.equal(d.object, 'embedding');
    assert.equal(d.index, i);
    assert.equal(d.embedding.length, 16);
    d.embedding.forEach((x, c) => assert.ok(close(x, want.vectors[i]![c]!), `input ${i} dimension ${c}`));
  });
  const one = await postJson(`${base}/v1/embeddings`, { input: 'free money' });
  assert.equal(one.status, 200, one.text);
  assert.equal(one.json.model, 'clf');
  assert.equal(one.json.data.length, 1);
  assert.equal(one.json.data[0].embedding.length, 16, "the classifier's encoder width");
});

test('the explorer\'s errors: missing or wrong fields, an unknown model, a text without tokens', async () => {
  const cases: [string, unknown, number, RegExp][] = [
    ['/v1/attention', {}, 400, /must have required property 'text'/],
    ['/v1/attention', { text: 3 }, 400, /text must be string/],
    ['/v1/attention', { text: 'hi', extra: 1 }, 400, /must NOT have additional properties/],
    ['/v1/attention', { model: 'gpt-4', text: 'hi' }, 404, /the model 'gpt-4' does not exist \(served: clf, lm\)/],
    ['/v1/attention', { model: 'lm', text: '' }, 400, /text: the text encodes to no tokens/],
    ['/v1/embeddings', { input: [] }, 400, /input/],
    ['/v1/embeddings', { input: 'x', encoding_format: 'base64' }, 400, /encoding_format/],
    ['/v1/embeddings', { model: 'lm', input: '' }, 400, /input: a text encodes to no tokens/],
  ];
  for (const [route, body, status, message] of cases) {
    const res = await postJson(`${base}${route}`, body);
    assert.equal(res.status, status, `${route} ${JSON.stringify(body)}: ${res.text}`);
    assert.match(res.json.error.message, message);
    assert.equal(res.json.error.type, status === 404 ? 'not_found_error' : 'invalid_request_error');
  }
});

test('the page and its files; uPlot from the installed package', async () => {
  const page = await fetch(`${base}/`);
  assert.match(await page.text(), /<script src="\/web\/main\.js"><\/script>/);
  for (const [file, type] of [['main.js', /javascript/], ['style.css', /css/], ['vendor/uplot.js', /javascript/], ['vendor/uplot.css', /css/]] as const) {
    const res = await fetch(`${base}/web/${file}`);
    assert.equal(res.status, 200, file);
    assert.match(res.headers.get('content-type')!, type);
    assert.ok((await res.text()).length > 100, `${file} has content`);
  }
  for (const bad of ['index.html', '..%2Fpackage.json', 'vendor/..%2F..%2Fpackage.json', 'nope.js']) assert.equal((await fetch(`${base}/web/${bad}`)).status, 404, bad);
});

test('GET /v1/runs and /v1/runs/:name/log: only the runs with a log, new lines by offset, a torn line left for later, no way out of the folder', async () => {
  const list = (await (await fetch(`${base}/v1/runs`)).json()) as any;
  assert.equal(list.served, true);
  assert.deepEqual(list.data.map((r: { name: string }) => r.name), ['a']);
  const first = (await (await fetch(`${base}/v1/runs/a/log`)).json()) as any;
  assert.deepEqual(first.records, [{ step: 1, loss: 2.5 }, { step: 2, loss: 2.25 }]);
  appendFileSync(join(root, 'runs', 'a', 'log.jsonl'), '{"step":3,"loss":2}\n{"step":4,"lo');
  const next = (await (await fetch(`${base}/v1/runs/a/log?offset=${first.next}`)).json()) as any;
  assert.deepEqual(next.records, [{ step: 3, loss: 2 }], 'the half-written line waits');
  appendFileSync(join(root, 'runs', 'a', 'log.jsonl'), 'ss":1.5}\n');
  const last = (await (await fetch(`${base}/v1/runs/a/log?offset=${next.next}`)).json()) as any;
  assert.deepEqual(last.records, [{ step: 4, loss: 1.5 }]);
  for (const name of ['..', '..%2Fsecret', '%2e%2e', 'empty', 'a%2F..%2F..%2Fsecret']) {
    const res = await fetch(`${base}/v1/runs/${name}/log`);
    assert.equal(res.status, 404, name);
    assert.equal(((await res.json()) as any).error.type, 'not_found_error');
  }
  const bad = await fetch(`${base}/v1/runs/a/log?offset=-1`);
  assert.equal(bad.status, 400);
  assert.match(((await bad.json()) as any).error.message, /offset must be a byte offset/);
});

test('POST /v1/attention and /v1/embeddings on a Hugging Face Llama folder (shared key/value heads)', { timeout: 60_000 }, async () => {
  const dir = join(root, 'hf');
  writeTinyHfChatModel(dir);
  const hf = await startServer({ models: [{ name: 'llama', dir }], port: 0 });
  try {
    const res = await postJson(`${hf.url}/v1/attention`, { text: 'the cat sat on the mat' });
    assert.equal(res.status, 200, res.text);
    assert.deepEqual(res.json.tokens, ['the', 'cat', 'sat', 'on', 'the', 'mat']);
    assert.equal(res.json.attentions.length, 2, 'two layers');
    assert.equal(res.json.attentions[0].length, 4, 'one map per query head (4), not per key/value head (2)');
    for (const row of res.json.rollout) assert.ok(Math.abs(row.reduce((a: number, b: number) => a + b, 0) - 1) < 1e-5);
    const emb = await postJson(`${hf.url}/v1/embeddings`, { input: 'hello how are you' });
    assert.equal(emb.status, 200, emb.text);
    assert.equal(emb.json.data[0].embedding.length, 32);
  } finally {
    await hf.close();
  }
});
