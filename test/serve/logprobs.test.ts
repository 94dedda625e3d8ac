// logprobs in the OpenAI-compatible endpoints, on the tiny Hugging Face Llama folder: every
// token's log-probability and top alternatives equal log_softmax (float64, computed here) of the
// model's logits for the whole sequence in one forward, whatever the temperature (the model's raw
// distribution, as llama.cpp's server and vLLM report by default); text_offset, bytes, the chat
// shape, the streamed chunks (the same entries as the answer), and the ranges refused in clear JSON.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { tmpdir } from 'node:os';
import { loadPretrained, fromArray, noGrad, type CausalLanguageModel } from '../../src/index.js';
import { applyChatTemplate, loadPretrainedTokenizer } from '../../src/text/hf/index.js';
import { startServer, type RunningServer } from '../../src/serve/index.js';
import { writeTinyHfChatModel } from './hf-folder.js';
import { parseEvents, postJson } from './helpers.js';

let root = '';
let dir = '';
let server: RunningServer;
before(async () => {
  root = mkdtempSync(join(tmpdir(), 'attn-serve-logprobs-'));
  dir = join(root, 'chat');
  writeTinyHfChatModel(dir);
  server = await startServer({ models: [{ name: 'chat', dir }], port: 0 });
});
after(async () => {
  await server.close();
  rmSync(root, { recursive: true, force: true });
});

/** log_softmax rows (float64) of the model's logits for prompt + new ids, one forward: row i predicts new id i. */
function referenceLogprobs(promptIds: number[], newIds: number[]): number[][] {
  const pretrained = loadPretrained(dir);
  const model = pretrained.model as CausalLanguageModel;
  const ids = [...promptIds, ...newIds];
  const V = model.config.vocabSize;
  const logits = noGrad(() => model.forward(fromArray(Int32Array.from(ids), [1, ids.length])).data() as Float32Array); // (1, T, V)
  pretrained.dispose();
  return newIds.map((_, k) => {
    const row = Array.from(logits.subarray((promptIds.length - 1 + k) * V, (promptIds.length + k) * V));
    const max = Math.max(...row);
    const logZ = max + Math.log(row.reduce((a, v) => a + Math.exp(v - max), 0));
    return row.map((v) => v - logZ);
  });
}

const ranked = (row: number[], n: number) => row.map((logprob, id) => ({ id, logprob })).sort((a, b) => b.logprob - a.logprob).slice(0, n);
const close = (a: number, b: number, what: string) => assert.ok(Math.abs(a - b) < 1e-4, `${what}: ${a} vs ${b}`);

test('/v1/completions logprobs: n gives each token\'s log_softmax, the n best alternatives and text offsets, at any temperature', { timeout: 60_000 }, async () => {
  const tokenizer = loadPretrainedTokenizer(dir);
  const prompt = 'hello how are you';
  for (const sampling of [{ temperature: 0 }, { temperature: 1.8, seed: 5 }]) {
    const res = await postJson(`${server.url}/v1/completions`, { prompt, max_tokens: 8, logprobs: 3, ...sampling });
    assert.equal(res.status, 200, res.text);
    const choice = res.json.choices[0];
    const lp = choice.logprobs;
    const n = lp.tokens.length;
    assert.ok(n > 0);
    assert.equal(lp.token_logprobs.length, n);
    assert.equal(lp.top_logprobs.length, n);
    assert.equal(lp.text_offset.length, n);
    // The ids behind the token texts: each text decodes from one id of the word-level vocabulary.
    const ids = (lp.tokens as string[]).map((t) => tokenizer.tokenToId(t)!);
    assert.ok(ids.every((id) => Number.isInteger(id)), `tokens of the vocabulary: ${lp.tokens}`);
    assert.equal(tokenizer.decode(ids), choice.text, 'the tokens make up the text');
    const reference = referenceLogprobs(tokenizer.encode(prompt), ids);
    ids.forEach((id, k) => {
      close(lp.token_logprobs[k], reference[k]![id]!, `token ${k}`);
      const best = ranked(reference[k]!, 3);
      assert.deepEqual(Object.keys(lp.top_logprobs[k]), best.map((b) => tokenizer.decode([b.id])), `token ${k}: the 3 best, best first`);
      best.forEach((b) => close(lp.top_logprobs[k][tokenizer.decode([b.id])], b.logprob, `alternative ${b.id}`));
      assert.equal(lp.text_offset[k], tokenizer.decode(ids.slice(0, k)).length);
    });
    if (sampling.temperature === 0) assert.deepEqual(ids.map((id, k) => id === ranked(reference[k]!, 1)[0]!.id), ids.map(() => true), 'greedy picks the best');
  }
  const none = await postJson(`${server.url}/v1/completions`, { prompt, max_tokens: 2 });
  assert.equal(none.json.choices[0].logprobs, null, 'none unless asked for');
});

test('/v1/chat/completions logprobs: true, top_logprobs: n, streamed or not, in OpenAI\'s chat shape', { timeout: 60_000 }, async () => {
  const tokenizer = loadPretrainedTokenizer(dir);
  const messages = [{ role: 'user', content: 'hi , what is it ?' }];
  const body = { messages, max_tokens: 7, seed: 11, temperature: 0.9, logprobs: true, top_logprobs: 2 };
  const res = await postJson(`${server.url}/v1/chat/completions`, body);
  assert.equal(res.status, 200, res.text);
  const content = res.json.choices[0].logprobs.content as { token: string; logprob: number; bytes: number[]; top_logprobs: { token: string; logprob: number; bytes: number[] }[] }[];
  const ids = content.map((c) => tokenizer.tokenToId(c.token)!);
  const prompt = applyChatTemplate(tokenizer, messages, { addGenerationPrompt: true });
  const reference = referenceLogprobs(tokenizer.encode(prompt), ids);
  content.forEach((c, k) => {
    close(c.logprob, reference[k]![ids[k]!]!, `token ${k}`);
    assert.deepEqual(c.bytes, Array.from(Buffer.from(c.token, 'utf8')));
    assert.deepEqual(c.top_logprobs.map((t) => t.token), ranked(reference[k]!, 2).map((b) => tokenizer.decode([b.id])));
    c.top_logprobs.forEach((t, j) => close(t.logprob, ranked(reference[k]!, 2)[j]!.logprob, `alternative ${j}`));
  });
  const zero = await postJson(`${server.url}/v1/chat/completions`, { ...body, top_logprobs: undefined });
  assert.ok(zero.json.choices[0].logprobs.content.every((c: any) => c.top_logprobs.length === 0), 'top_logprobs defaults to 0');

  // Streamed: the entries of the chunks (and of the last, for tokens held back) are the answer's.
  const streamed = await postJson(`${server.url}/v1/chat/completions`, { ...body, stream: true });
  const events = parseEvents(streamed.text) as any[];
  const entries = events.filter((e) => e !== '[DONE]').flatMap((e) => e.choices[0]?.logprobs?.content ?? []);
  assert.deepEqual(entries, content);
  const completion = await postJson(`${server.url}/v1/completions`, { prompt: 'the cat', max_tokens: 5, temperature: 0, logprobs: 1, stream: true });
  const chunks = (parseEvents(completion.text) as any[]).filter((e) => e !== '[DONE]' && e.choices.length > 0);
  const plain = await postJson(`${server.url}/v1/completions`, { prompt: 'the cat', max_tokens: 5, temperature: 0, logprobs: 1 });
  const lp = plain.json.choices[0].logprobs;
  assert.deepEqual(chunks.flatMap((c) => c.choices[0].logprobs?.tokens ?? []), lp.tokens);
  assert.deepEqual(chunks.flatMap((c) => c.choices[0].logprobs?.token_logprobs ?? []), lp.token_logprobs);
  assert.deepEqual(chunks.flatMap((c) => c.choices[0].logprobs?.text_offset ?? []), lp.text_offset);
});

test('logprobs out of range are refused with the field and the range', async () => {
  const cases: [string, unknown, RegExp][] = [
    ['/v1/completions', { prompt: 'the', logprobs: 6 }, /^logprobs must be an integer from 0 to 5 \(top alternatives per token\), got 6$/],
    ['/v1/completions', { prompt: 'the', logprobs: -1 }, /^logprobs must be an integer from 0 to 5/],
    ['/v1/completions', { prompt: 'the', logprobs: 'yes' }, /logprobs must be integer,null/],
    ['/v1/chat/completions', { messages: [{ role: 'user', content: 'hi' }], logprobs: true, top_logprobs: 21 }, /^top_logprobs must be an integer from 0 to 20 \(top alternatives per token\), got 21$/],
    ['/v1/chat/completions', { messages: [{ role: 'user', content: 'hi' }], top_logprobs: 2 }, /^top_logprobs needs logprobs: true$/],
    ['/v1/chat/completions', { messages: [{ role: 'user', content: 'hi' }], logprobs: 3 }, /logprobs must be boolean,null/],
  ];
  for (const [route, body, message] of cases) {
    const res = await postJson(`${server.url}${route}`, body);
    assert.equal(res.status, 400, `${route} ${JSON.stringify(body)}: ${res.text}`);
    assert.equal(res.json.error.type, 'invalid_request_error');
    assert.match(res.json.error.message, message);
  }
});
