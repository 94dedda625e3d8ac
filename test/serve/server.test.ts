// attn serve's HTTP API on 127.0.0.1 with tiny run folders made here (a random classifier, random
// GPTs with a char tokenizer): every endpoint against the library run in-process, streaming,
// every error status, batching counted by the forward metric, the 429 bound, disconnects.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { tmpdir } from 'node:os';
import { generateText, loadLanguageModel, loadTextClassifier } from '../../src/index.js';
import { startServer, type RunningServer } from '../../src/serve/index.js';
import { writeServeFolders } from './run-folders.js';
import { eventually, metric, openStream, parseEvents, postJson, readRest } from './helpers.js';

let root = '';
let server: RunningServer;
let base = '';
let folders: { clf: string; lm: string; long: string };

before(async () => {
  root = mkdtempSync(join(tmpdir(), 'attn-serve-'));
  folders = writeServeFolders(root);
  server = await startServer({
    models: [{ name: 'clf', dir: folders.clf }, { name: 'lm', dir: folders.lm }, { name: 'long', dir: folders.long }],
    port: 0,
    bodyLimit: 64 * 1024,
    batchWindowMs: 150,
    maxQueue: 2,
    parallel: 1,
  });
  base = server.url;
});
after(async () => {
  await server?.close();
  rmSync(root, { recursive: true, force: true });
});

test('GET /health, /v1/models, / and /metrics', async () => {
  assert.match(base, /^http:\/\/127\.0\.0\.1:\d+$/);
  assert.deepEqual(await (await fetch(`${base}/health`)).json(), { status: 'ok' });
  const models = (await (await fetch(`${base}/v1/models`)).json()) as any;
  assert.equal(models.object, 'list');
  assert.deepEqual(models.data.map((m: any) => [m.id, m.object, m.task, m.context_length]), [
    ['clf', 'model', 'classification', 16], ['lm', 'model', 'language-model', 32], ['long', 'model', 'language-model', 512],
  ]);
  assert.deepEqual(models.data[0].labels, ['ham', 'spam']);
  assert.deepEqual(await (await fetch(`${base}/v1/models/long`)).json(), models.data[2]);
  const unknown = await fetch(`${base}/v1/models/gpt-4`);
  assert.equal(unknown.status, 404);
  assert.equal(((await unknown.json()) as any).error.type, 'not_found_error');
  const page = await fetch(`${base}/`);
  assert.match(page.headers.get('content-type')!, /^text\/html/);
  assert.match(await page.text(), /<title>attn/); // the page (web/), or the note that it is not built
  const prom = await fetch(`${base}/metrics`);
  assert.match(prom.headers.get('content-type')!, /^text\/plain; version=0\.0\.4/);
  const text = await prom.text();
  assert.match(text, /# TYPE attn_http_requests_total counter/);
  assert.match(text, /attn_http_requests_total\{route="\/health",method="GET",status="200"\} 1/);
  assert.match(text, /attn_http_request_duration_seconds_bucket\{route="\/v1\/models",le="\+Inf"\} 1/);
  assert.match(text, /^attn_queue_depth 0$/m);
});

test('POST /v1/classify gives the probabilities of the library, top classes and attention; two concurrent requests are one forward', async () => {
  const clf = loadTextClassifier(folders.clf);
  const texts = ['free money now', 'the meeting is at noon', ''];
  const expected = clf.predict(texts, { topK: 2, attention: 10 });
  clf.dispose();
  const forwardsBefore = await metric(base, 'attn_classify_forwards_total{model="clf"}');
  const [a, b] = await Promise.all([
    postJson(`${base}/v1/classify`, { texts: texts.slice(0, 2), topK: 1, attention: true }),
    postJson(`${base}/v1/classify`, { model: 'clf', texts: texts.slice(2), topK: 2 }),
  ]);
  assert.equal(a.status, 200, a.text);
  assert.equal(b.status, 200, b.text);
  assert.equal(await metric(base, 'attn_classify_forwards_total{model="clf"}') - forwardsBefore, 1, 'both requests ran in one padded forward');
  const got = [...a.json.predictions, ...b.json.predictions];
  assert.equal(got.length, 3);
  got.forEach((p: any, i: number) => {
    assert.equal(p.label, expected[i]!.label);
    for (const label of ['ham', 'spam']) assert.ok(Math.abs(p.probabilities[label] - expected[i]!.probabilities[label]!) < 1e-5, `${label} of text ${i}`);
  });
  assert.equal(a.json.predictions[0].topK.length, 1);
  assert.equal(b.json.predictions[0].topK.length, 2);
  // attention: true is every token in text order, weights summing to 1 over the real tokens.
  const att = a.json.predictions[0].attention;
  assert.deepEqual(att.map((t: any) => t.token), ['free', 'money', 'now']);
  assert.ok(Math.abs(att.reduce((s: number, t: any) => s + t.weight, 0) - 1) < 1e-5);
  assert.deepEqual([...att].sort((x: any, y: any) => y.weight - x.weight).map((t: any) => t.token), expected[0]!.attention!.map((t) => t.token));
  assert.equal(b.json.predictions[0].attention, undefined);
  // attention: k is the k most attended, highest first.
  const top = await postJson(`${base}/v1/classify`, { texts: ['win a free prize'], attention: 2 });
  assert.equal(top.json.predictions[0].attention.length, 2);
  assert.ok(top.json.predictions[0].attention[0].weight >= top.json.predictions[0].attention[1].weight);
});

test('POST /v1/completions and /v1/chat/completions answer as OpenAI, with the library\'s greedy text', async () => {
  const lm = loadLanguageModel(folders.lm);
  const expected = await generateText(lm.model, lm.tokenizer, 'the cat', { temperature: 0, maxNewTokens: 12 });
  const seeded = await generateText(lm.model, lm.tokenizer, 'a dog', { seed: 5, topK: 4, minP: 0.05, repetitionPenalty: 1.3, maxNewTokens: 8 });
  lm.dispose();
  const res = await postJson(`${base}/v1/completions`, { model: 'lm', prompt: 'the cat', max_tokens: 12, temperature: 0, user: 'ignored' });
  assert.equal(res.status, 200, res.text);
  assert.match(res.json.id, /^cmpl-[0-9a-f]{24}$/);
  assert.equal(res.json.object, 'text_completion');
  assert.equal(res.json.model, 'lm');
  assert.ok(Math.abs(res.json.created - Date.now() / 1000) < 60);
  assert.deepEqual(res.json.choices, [{ index: 0, text: expected.text, logprobs: null, finish_reason: 'length' }]);
  assert.deepEqual(res.json.usage, { prompt_tokens: 7, completion_tokens: 12, total_tokens: 19 });
  // llama.cpp's sampling fields reach the sampler: the same text as the library with the same seed.
  const sampled = await postJson(`${base}/v1/completions`, { model: 'lm', prompt: 'a dog', n_predict: 8, seed: 5, top_k: 4, min_p: 0.05, repeat_penalty: 1.3 });
  assert.equal(sampled.json.choices[0].text, seeded.text);
  // stop cuts the text before the stop string.
  const stop = expected.text.slice(4, 6);
  const cut = await postJson(`${base}/v1/completions`, { model: 'lm', prompt: 'the cat', max_tokens: 12, temperature: 0, stop: ['zz', stop] });
  assert.equal(cut.json.choices[0].text, expected.text.slice(0, expected.text.indexOf(stop)));
  assert.equal(cut.json.choices[0].finish_reason, 'stop');
  // Chat: without a chat template the prompt is the messages' contents, one per line.
  const chat = await postJson(`${base}/v1/chat/completions`, { model: 'lm', messages: [{ role: 'user', content: 'the cat' }], max_tokens: 12, temperature: 0 });
  assert.equal(chat.status, 200, chat.text);
  assert.match(chat.json.id, /^chatcmpl-/);
  assert.equal(chat.json.object, 'chat.completion');
  assert.deepEqual(chat.json.choices, [{ index: 0, message: { role: 'assistant', content: expected.text }, logprobs: null, finish_reason: 'length' }]);
  assert.equal(chat.json.usage.total_tokens, 19);
  // Default max_tokens: 16 for a completion (OpenAI's), the rest of the context for a chat.
  const dflt = await postJson(`${base}/v1/completions`, { prompt: 'the cat', temperature: 0 });
  assert.equal(dflt.json.usage.completion_tokens, 16);
  assert.equal(dflt.json.model, 'lm', 'the first language model when none is named');
});

test('stream: true sends server-sent events whose text adds up to the answer, then [DONE]', async () => {
  const plain = await postJson(`${base}/v1/completions`, { model: 'lm', prompt: 'the cat', max_tokens: 10, temperature: 0 });
  const res = await postJson(`${base}/v1/completions`, { model: 'lm', prompt: 'the cat', max_tokens: 10, temperature: 0, stream: true, stream_options: { include_usage: true } });
  assert.equal(res.status, 200);
  assert.match(res.type!, /^text\/event-stream/);
  const events = parseEvents(res.text) as any[];
  assert.equal(events.at(-1), '[DONE]');
  const chunks = events.slice(0, -1);
  assert.ok(chunks.length >= 3);
  assert.ok(chunks.every((c) => c.object === 'text_completion' && c.id === chunks[0].id && c.model === 'lm'));
  const usage = chunks.at(-1);
  assert.deepEqual(usage.choices, []);
  assert.deepEqual(usage.usage, { prompt_tokens: 7, completion_tokens: 10, total_tokens: 17 });
  const last = chunks.at(-2);
  assert.equal(last.choices[0].finish_reason, 'length');
  assert.equal(chunks.slice(0, -2).map((c) => c.choices[0].text).join(''), plain.json.choices[0].text);
  assert.ok(chunks.slice(0, -2).every((c) => c.choices[0].finish_reason === null));

  const chat = await postJson(`${base}/v1/chat/completions`, { model: 'lm', messages: [{ role: 'system', content: 'a dog' }, { role: 'user', content: 'the cat' }], max_tokens: 6, temperature: 0, stream: true });
  const ev = parseEvents(chat.text) as any[];
  assert.equal(ev.at(-1), '[DONE]');
  assert.deepEqual(ev[0].choices[0].delta, { role: 'assistant', content: '' });
  assert.ok(ev.every((c) => c === '[DONE]' || c.object === 'chat.completion.chunk'));
  assert.deepEqual(ev.at(-2).choices[0], { index: 0, delta: {}, logprobs: null, finish_reason: 'length' });
  const lm = loadLanguageModel(folders.lm);
  const expected = await generateText(lm.model, lm.tokenizer, 'a dog\nthe cat', { temperature: 0, maxNewTokens: 6 });
  lm.dispose();
  assert.equal(ev.slice(1, -2).map((c) => c.choices[0].delta.content).join(''), expected.text);
});

test('POST /tokenize gives the tokenizer\'s ids, with pieces on request', async () => {
  const lm = loadLanguageModel(folders.lm);
  const ids = lm.tokenizer.encode('the cat');
  lm.dispose();
  const res = await postJson(`${base}/tokenize`, { model: 'lm', content: 'the cat' });
  assert.deepEqual(res.json, { tokens: ids });
  const pieces = await postJson(`${base}/tokenize`, { model: 'lm', content: 'ca', with_pieces: true });
  assert.deepEqual(pieces.json.tokens.map((p: any) => p.piece), ['c', 'a']);
  assert.deepEqual(pieces.json.tokens.map((p: any) => p.id), ids.slice(4, 6));
  const back = await postJson(`${base}/detokenize`, { model: 'lm', tokens: ids });
  assert.deepEqual(back.json, { content: 'the cat' });
  const bad = await postJson(`${base}/detokenize`, { model: 'lm', tokens: [1, 18] });
  assert.equal(bad.status, 400);
  assert.match(bad.json.error.message, /^tokens\[1\] is 18, not an id of the model's tokenizer \(ids are below 18\)$/);
  assert.equal((await postJson(`${base}/detokenize`, { tokens: [-1] })).status, 400);
});

test('errors are {error: {message, type}} with the right status', async () => {
  const refused = async (path: string, body: unknown, status: number, type: string, message: RegExp) => {
    const res = await postJson(`${base}${path}`, body);
    assert.equal(res.status, status, `${path} ${JSON.stringify(body).slice(0, 80)}: ${res.text}`);
    assert.deepEqual(Object.keys(res.json), ['error']);
    assert.equal(res.json.error.type, type);
    assert.match(res.json.error.message, message);
  };
  await refused('/v1/classify', '{"texts": [', 400, 'invalid_request_error', /JSON/i);
  await refused('/v1/classify', {}, 400, 'invalid_request_error', /must have required property 'texts'/);
  await refused('/v1/classify', { texts: 'one' }, 400, 'invalid_request_error', /texts must be array/);
  await refused('/v1/classify', { texts: ['a'], topK: '2' }, 400, 'invalid_request_error', /topK must be integer/);
  await refused('/v1/classify', { texts: ['a'], extra: 1 }, 400, 'invalid_request_error', /additional properties/);
  await refused('/v1/completions', { prompt: 'the', temperature: -1 }, 400, 'invalid_request_error', /temperature must be >= 0/);
  await refused('/v1/chat/completions', { messages: [{ role: 'user' }] }, 400, 'invalid_request_error', /must have required property 'content'/);
  await refused('/v1/classify', { texts: ['x'.repeat(70 * 1024)] }, 413, 'invalid_request_error', /^the request body is larger than the limit of 65536 bytes$/);
  await refused('/v1/completions', { model: 'lm', prompt: 'the cat', max_tokens: 33 }, 400, 'invalid_request_error', /max_tokens 33 is more than the model's context of 32 tokens/);
  await refused('/v1/completions', { model: 'lm', prompt: 'the cat', max_tokens: 30 }, 400, 'invalid_request_error', /max_tokens 30 \+ 7 prompt tokens = 37, more than the model's context of 32/);
  await refused('/v1/completions', { model: 'lm', prompt: 'the cat'.repeat(5) }, 400, 'invalid_request_error', /the prompt is 35 tokens: no room left in the model's context of 32/);
  await refused('/v1/completions', { model: 'lm', prompt: 'the cat!' }, 400, 'invalid_request_error', /prompt must be text the tokenizer knows; "!" is not in its vocabulary/);
  await refused('/v1/completions', { model: 'gpt-4', prompt: 'hi' }, 404, 'not_found_error', /the model 'gpt-4' does not exist \(served: clf, lm, long\)/);
  await refused('/v1/classify', { model: 'nope', texts: ['a'] }, 404, 'not_found_error', /'nope' does not exist/);
  await refused('/tokenize', { model: 'nope', content: 'a' }, 404, 'not_found_error', /'nope' does not exist/);
  await refused('/v1/completions', { model: 'clf', prompt: 'the cat' }, 400, 'invalid_request_error', /the model 'clf' is a classifier; \/v1\/completions needs a language model/);
  await refused('/v1/classify', { model: 'lm', texts: ['a'] }, 400, 'invalid_request_error', /the model 'lm' is a language model; \/v1\/classify needs a classifier/);
  await refused('/v1/nothing', {}, 404, 'not_found_error', /no route POST \/v1\/nothing/);
  const wrongType = await fetch(`${base}/v1/classify`, { method: 'POST', headers: { 'content-type': 'application/xml' }, body: '<a/>' });
  assert.equal(wrongType.status, 415);
  assert.equal(((await wrongType.json()) as any).error.type, 'invalid_request_error');
  assert.ok(await metric(base, 'attn_http_requests_total{route="/v1/completions",method="POST",status="404"}') >= 1);
  assert.equal((await postJson(`${base}/health`, {})).status, 404, 'GET only');
});

test('a client that hangs up mid-stream stops its generation in the worker', async () => {
  const stoppedBefore = await metric(base, 'attn_generations_stopped_total{model="long"}');
  const { req, res, first } = await openStream(`${base}/v1/completions`, { model: 'long', prompt: 'the cat', max_tokens: 500, temperature: 0, stream: true });
  assert.equal(res.statusCode, 200);
  assert.match(first, /^data: \{/);
  req.destroy();
  await eventually('the worker to stop the generation', async () => (await metric(base, 'attn_generations_stopped_total{model="long"}')) === stoppedBefore + 1);
  assert.equal(await metric(base, 'attn_requests_running'), 0);
  assert.equal(await metric(base, 'attn_http_requests_total{route="/v1/completions",method="POST",status="499"}'), 1, 'counted as a closed request');
  // The server serves on at once.
  const next = await postJson(`${base}/v1/completions`, { model: 'lm', prompt: 'the cat', max_tokens: 3 });
  assert.equal(next.status, 200);
});

test('a full queue answers 429; waiting requests then run in order', async () => {
  // parallel 1, maxQueue 2: one generation runs, two wait, the next is refused.
  const running = await openStream(`${base}/v1/completions`, { model: 'long', prompt: 'the cat', max_tokens: 500, temperature: 0, stream: true });
  const waiting = [
    postJson(`${base}/v1/completions`, { model: 'lm', prompt: 'the cat', max_tokens: 4, temperature: 0 }),
    postJson(`${base}/v1/completions`, { model: 'lm', prompt: 'a dog', max_tokens: 4, temperature: 0 }),
  ];
  await eventually('two requests in the queue', async () => (await metric(base, 'attn_queue_depth')) === 2);
  const full = await postJson(`${base}/v1/completions`, { model: 'lm', prompt: 'the cat', max_tokens: 4 });
  assert.equal(full.status, 429);
  assert.equal(full.json.error.type, 'rate_limit_error');
  assert.match(full.json.error.message, /2 requests are waiting \(the queue holds 2\)/);
  const busyClassify = await postJson(`${base}/v1/classify`, { texts: ['a'] });
  assert.equal(busyClassify.status, 429, 'the bound covers every queued request');
  assert.ok(await metric(base, 'attn_queue_rejected_total') >= 2);
  running.req.destroy();
  const answers = await Promise.all(waiting);
  assert.deepEqual(answers.map((a) => a.status), [200, 200]);
  assert.deepEqual(answers.map((a) => a.json.usage.completion_tokens), [4, 4]);
  assert.equal(await metric(base, 'attn_queue_depth'), 0);
});

test('a waiting request whose client hangs up leaves the queue without running', async () => {
  const abortedBefore = await metric(base, 'attn_generations_aborted_total{model="lm"}');
  const running = await openStream(`${base}/v1/completions`, { model: 'long', prompt: 'the cat', max_tokens: 500, temperature: 0, stream: true });
  const queued = await new Promise<import('node:http').ClientRequest>((resolve) => {
    void import('node:http').then((http) => {
      const req = http.request(`${base}/v1/completions`, { method: 'POST', headers: { 'content-type': 'application/json' } });
      req.on('error', () => {});
      req.end(JSON.stringify({ model: 'lm', prompt: 'the cat', max_tokens: 4 }));
      resolve(req);
    });
  });
  await eventually('one request in the queue', async () => (await metric(base, 'attn_queue_depth')) === 1);
  queued.destroy();
  await eventually('the queue to empty', async () => (await metric(base, 'attn_queue_depth')) === 0);
  assert.equal(await metric(base, 'attn_generations_aborted_total{model="lm"}'), abortedBefore + 1);
  running.req.destroy();
  await eventually('nothing running', async () => (await metric(base, 'attn_requests_running')) === 0);
  const tokens = await metric(base, 'attn_generated_tokens_total{model="long"}');
  assert.equal(tokens, 0, 'generations stopped by a hang-up are not counted as generated');
  assert.ok(await metric(base, 'attn_generated_tokens_total{model="lm"}') > 0);
  assert.ok(await metric(base, 'attn_generation_tokens_per_second{model="lm"}') > 0);
});
