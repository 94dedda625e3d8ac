// attn serve on a Hugging Face folder (the tiny Llama fixture with a word-level tokenizer and a
// chat template): chat messages are rendered with the template, the answer matches the library;
// weightsDtype (--weights-dtype) keeps the weights in bfloat16 as loadPretrained does; an
// encoder-only folder is refused at start, naming it.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { tmpdir } from 'node:os';
import { fileURLToPath } from 'node:url';
import { loadPretrained, generateText, type CausalLanguageModel } from '../../src/index.js';
import { applyChatTemplate, loadPretrainedTokenizer } from '../../src/text/hf/index.js';
import { startServer } from '../../src/serve/index.js';
import { writeTinyHfChatModel } from './hf-folder.js';
import { parseEvents, postJson } from './helpers.js';

test('a Hugging Face chat model: /v1/chat/completions renders its chat template', { timeout: 60_000 }, async () => {
  const root = mkdtempSync(join(tmpdir(), 'attn-serve-hf-'));
  const dir = join(root, 'chat');
  writeTinyHfChatModel(dir);
  const messages = [{ role: 'system', content: 'Be fine.' }, { role: 'user', content: 'Hello, how are you?' }];
  const tokenizer = loadPretrainedTokenizer(dir);
  const pretrained = loadPretrained(dir);
  const prompt = applyChatTemplate(tokenizer, messages, { addGenerationPrompt: true });
  assert.equal(prompt, '<s><|system|> Be fine. <|user|> Hello, how are you? <|assistant|>');
  const expected = await generateText(pretrained.model as CausalLanguageModel, tokenizer, prompt, { temperature: 0, maxNewTokens: 8 });
  pretrained.dispose();
  const server = await startServer({ models: [{ name: 'chat', dir }], port: 0 });
  try {
    const models = (await (await fetch(`${server.url}/v1/models`)).json()) as any;
    assert.deepEqual(models.data.map((m: any) => [m.id, m.task, m.context_length]), [['chat', 'language-model', 64]]);
    const res = await postJson(`${server.url}/v1/chat/completions`, { model: 'chat', messages, max_tokens: 8, temperature: 0 });
    assert.equal(res.status, 200, res.text);
    assert.equal(res.json.choices[0].message.content, expected.text);
    assert.equal(res.json.usage.prompt_tokens, tokenizer.encode(prompt).length);
    const streamed = await postJson(`${server.url}/v1/chat/completions`, { model: 'chat', messages, max_tokens: 8, temperature: 0, stream: true });
    const events = parseEvents(streamed.text) as any[];
    assert.equal(events.slice(1, -2).map((e) => e.choices[0].delta.content).join(''), expected.text);
    const refused = await postJson(`${server.url}/v1/chat/completions`, { messages: [{ role: 'assistant', content: 'hi' }] });
    assert.equal(refused.status, 400, refused.text);
    assert.match(refused.json.error.message, /^messages: .*the first message cannot be the assistant/);
    const tokens = await postJson(`${server.url}/tokenize`, { content: 'Hello, how are you?' });
    assert.deepEqual(tokens.json.tokens, tokenizer.encode('Hello, how are you?'));
  } finally {
    await server.close();
    rmSync(root, { recursive: true, force: true });
  }
});

test('weightsDtype bfloat16: the weights are kept in bfloat16 and the answers are the library\'s with the same weights', { timeout: 60_000 }, async () => {
  const root = mkdtempSync(join(tmpdir(), 'attn-serve-hf-bf16-'));
  const dir = join(root, 'chat');
  writeTinyHfChatModel(dir);
  const tokenizer = loadPretrainedTokenizer(dir);
  const prompts = ['the cat sat', 'hello how are you'];
  const want: string[] = [];
  const half = loadPretrained(dir, { weights: 'bfloat16' });
  assert.equal(half.weightsDtype, 'bfloat16');
  for (const p of prompts) want.push((await generateText(half.model as CausalLanguageModel, tokenizer, p, { temperature: 0, maxNewTokens: 10, topK: 0 })).text);
  half.dispose();
  const server = await startServer({ models: [{ name: 'chat', dir }], port: 0, weightsDtype: 'bfloat16' });
  try {
    const models = (await (await fetch(`${server.url}/v1/models`)).json()) as any;
    assert.equal(models.data[0].weights_dtype, 'bfloat16');
    const answers = await Promise.all(prompts.map((prompt) => postJson(`${server.url}/v1/completions`, { prompt, max_tokens: 10, temperature: 0, logprobs: 0 })));
    answers.forEach((a, i) => assert.equal(a.json.choices[0].text, want[i], `prompt ${i}`));
  } finally {
    await server.close();
  }
  const plain = await startServer({ models: [{ name: 'chat', dir }], port: 0 });
  try {
    const models = (await (await fetch(`${plain.url}/v1/models`)).json()) as any;
    assert.equal(models.data[0].weights_dtype, 'float32', 'float32 unless asked');
  } finally {
    await plain.close();
    rmSync(root, { recursive: true, force: true });
  }
});

test('a Hugging Face encoder (BERT) is refused at start, naming the folder', { timeout: 60_000 }, async () => {
  const bert = fileURLToPath(new URL('../fixtures/hf/bert', import.meta.url));
  await assert.rejects(startServer({ models: [{ name: 'bert', dir: bert }], port: 0 }), (e: Error) => e.message.startsWith(`${bert}: a Hugging Face bert encoder has no head to serve`));
});
