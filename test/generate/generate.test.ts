// Generation on tiny random GPTs: greedy with and without the KV cache (single, batched with left
// padding, past the context), seeds, end-of-text, stop strings, streaming, abort, attention
// weights, option errors, and flat memory over 100 steps. Every body runs on every backend.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { fileURLToPath } from 'node:url';
import { GPT, manualSeed, memory, text, loadSafetensors, dispose, type Tensor } from '../../src/index.js';
import { generate, generateText, streamText, streamTokens, GenerationOptionError } from '../../src/generate/index.js';
import { forEachBackendAsync } from '../helpers/backends.js';
import { randomGPT } from './random-gpt.js';

/** forEachBackend for async bodies: one body on every registered backend, the previous one restored. */

const PROMPTS = [[3, 1, 4, 1, 5], [9, 2], [6, 5, 3, 5, 8, 9, 7, 9, 3]];
const greedy = { temperature: 0, maxNewTokens: 32 } as const;

test('greedy output with and without the cache is identical (several prompts, batched with left padding, learned and rotary)', async () => {
  await forEachBackendAsync(async (backend) => {
    for (const positional of ['learned', 'rotary'] as const) {
      const model = randomGPT({ positional });
      const alone: number[][] = [];
      for (const prompt of PROMPTS) {
        const cached = await generate(model, prompt, greedy);
        const uncached = await generate(model, prompt, { ...greedy, useCache: false });
        assert.equal(cached.tokens.length, 32);
        assert.deepEqual(cached.tokens, uncached.tokens, `${backend} ${positional}: prompt ${prompt}`);
        assert.ok(new Set(cached.tokens).size > 2, `${backend} ${positional}: the output is not one repeated token (${cached.tokens})`);
        alone.push(cached.tokens);
      }
      const batched = await generate(model, PROMPTS, greedy);
      const batchedUncached = await generate(model, PROMPTS, { ...greedy, useCache: false });
      assert.deepEqual(batched.tokens, batchedUncached.tokens, `${backend} ${positional}: batched, with and without the cache`);
      assert.deepEqual(batched.tokens, alone, `${backend} ${positional}: each left-padded row equals its prompt alone`);
      model.dispose();
    }
  });
});

test('past the context: a long prompt is cut from the left with a warning, and the window slides the same with and without the cache', async () => {
  await forEachBackendAsync(async (backend) => {
    const model = randomGPT({ blockSize: 12 }, 1);
    const warnings: string[] = [];
    const onWarning = (m: string) => warnings.push(m);
    const prompt = Array.from({ length: 15 }, (_, i) => (i * 7) % 17);
    const cached = await generate(model, prompt, { ...greedy, maxNewTokens: 30, onWarning });
    assert.deepEqual(warnings, [
      'generate: prompt has 15 tokens, more than the model\'s context of 12: keeping its last 12',
      'generate: the prompt\'s 12 tokens and up to 30 new ones exceed the model\'s context of 12; from new token 2 on, each one reads only the last 12 tokens',
    ]);
    const uncached = await generate(model, prompt, { ...greedy, maxNewTokens: 30, useCache: false, onWarning });
    assert.deepEqual(cached.tokens, uncached.tokens, backend);
    const cut = await generate(model, prompt.slice(-12), { ...greedy, maxNewTokens: 30, onWarning });
    const silenced = await generate(model, prompt, { ...greedy, maxNewTokens: 30, onWarning: null });
    assert.deepEqual(silenced.tokens, cached.tokens, 'onWarning: null silences the warnings (nothing else changes)');
    assert.equal(warnings.length, 5, 'the uncached run (2) and the cut run (1: context full) warned; the silenced one called nothing');
    assert.deepEqual(cut.tokens, cached.tokens, 'the same as giving the last 12 tokens');
    const batched = await generate(model, [prompt.slice(-5), prompt.slice(-9)], { ...greedy, maxNewTokens: 20, onWarning });
    const batchedUncached = await generate(model, [prompt.slice(-5), prompt.slice(-9)], { ...greedy, maxNewTokens: 20, useCache: false, onWarning });
    assert.deepEqual(batched.tokens, batchedUncached.tokens, `${backend}: left-padded rows sliding past the context`);
    model.dispose();
  });
});

test('sampling: same seed, same tokens; another seed, others; no seed follows manualSeed', async () => {
  const model = randomGPT();
  const options = { maxNewTokens: 24, temperature: 1.5, topK: 0 };
  const a = await generate(model, [1, 2, 3], { ...options, seed: 11 });
  const b = await generate(model, [1, 2, 3], { ...options, seed: 11 });
  const c = await generate(model, [1, 2, 3], { ...options, seed: 12 });
  assert.deepEqual(a.tokens, b.tokens);
  assert.notDeepEqual(a.tokens, c.tokens);
  const uncached = await generate(model, [1, 2, 3], { ...options, seed: 11, useCache: false });
  assert.deepEqual(uncached.tokens, a.tokens, 'sampling with and without the cache, same seed');
  manualSeed(5);
  const d = await generate(model, [1, 2, 3], options);
  manualSeed(5);
  const e = await generate(model, [1, 2, 3], options);
  assert.deepEqual(d.tokens, e.tokens);
  model.dispose();
});

test('eosTokenId stops a row (the id is included), other rows go on; the model is left in its mode', async () => {
  const model = randomGPT();
  const free = await generate(model, [3, 1, 4], greedy);
  const eos = free.tokens[5]!;
  const first = free.tokens.indexOf(eos);
  const stopped = await generate(model, [3, 1, 4], { ...greedy, eosTokenId: eos });
  assert.deepEqual(stopped.tokens, free.tokens.slice(0, first + 1));
  const other = await generate(model, [9, 2], greedy);
  const eosList = [eos, 16].filter((id) => !other.tokens.includes(id));
  const batch = await generate(model, [[3, 1, 4], [9, 2]], { ...greedy, eosTokenId: eosList });
  assert.deepEqual(batch.tokens[0], free.tokens.slice(0, first + 1));
  assert.deepEqual(batch.tokens[1], other.tokens, 'the other row runs to maxNewTokens');
  assert.equal(model.training, true, 'training mode restored');
  assert.deepEqual((await generate(model, Int32Array.of(3, 1, 4), greedy)).tokens, free.tokens, 'an Int32Array prompt');
  assert.deepEqual((await generate(model, [Int32Array.of(3, 1, 4)], greedy)).tokens, [free.tokens], 'a batch of one typed array');
  model.dispose();
});

test('streamTokens yields the same tokens as generate; memory is flat over 100 steps and freed at the end', async () => {
  const model = randomGPT({ blockSize: 128 });
  const all = await generate(model, [1, 2, 3], { temperature: 0, maxNewTokens: 100 });
  const before = memory();
  const counts: number[] = [];
  const tokens: number[] = [];
  for await (const { token } of streamTokens(model, [1, 2, 3], { temperature: 0, maxNewTokens: 100 })) {
    tokens.push(token);
    const m = memory();
    counts.push(m.numTensors + m.collectedTensors);
  }
  assert.deepEqual(tokens, all.tokens);
  assert.equal(counts.length, 100);
  assert.ok(counts.every((c) => c === counts[0]), `live tensors during decoding: ${counts[0]} at step 1, ${Math.max(...counts)} at most`);
  const after = memory();
  assert.equal(after.numTensors + after.collectedTensors, before.numTensors + before.collectedTensors, 'the cache is freed');
  assert.equal(after.numBytes, before.numBytes);
  model.dispose();
});

test('an AbortSignal stops generation: the promise rejects with its reason, the cache is freed', async () => {
  const model = randomGPT();
  const before = memory().numTensors;
  const controller = new AbortController();
  const seen: number[] = [];
  await assert.rejects(async () => {
    for await (const { token } of streamTokens(model, [1, 2], { maxNewTokens: 50, signal: controller.signal })) {
      seen.push(token);
      if (seen.length === 3) controller.abort();
    }
  }, { name: 'AbortError' });
  assert.equal(seen.length, 3);
  const aborted = new AbortController();
  aborted.abort(new Error('user stop'));
  await assert.rejects(generate(model, [1, 2], { signal: aborted.signal }), /user stop/);
  const timed = new AbortController();
  setTimeout(() => timed.abort(), 5);
  const tokens: number[] = [];
  await assert.rejects(async () => {
    for await (const { token } of streamTokens(model, [1], { maxNewTokens: 63, signal: timed.signal, temperature: 0 })) {
      tokens.push(token);
      await new Promise((r) => setTimeout(r, 2));
    }
  }, { name: 'AbortError' }, 'a timer aborts between steps');
  assert.ok(tokens.length < 63);
  assert.equal(memory().numTensors, before);
  for await (const { token } of streamTokens(model, [1, 2], { maxNewTokens: 50 })) if (token >= 0) break;
  assert.equal(memory().numTensors, before, 'breaking out of the loop frees the cache');
  model.dispose();
});

test('returnAttention: per step and layer, the new token\'s attention over its context, the same with and without the cache', async () => {
  await forEachBackendAsync(async () => {
    const model = randomGPT();
    const cached = await generate(model, [[1, 2, 3, 4], [5, 6]], { ...greedy, maxNewTokens: 4, returnAttention: true });
    const uncached = await generate(model, [[1, 2, 3, 4], [5, 6]], { ...greedy, maxNewTokens: 4, returnAttention: true, useCache: false });
    assert.equal(cached.attentions!.length, 4);
    cached.attentions!.forEach((step, s) => {
      assert.equal(step.keys, 4 + s);
      assert.equal(step.layers.length, 2);
      step.layers.forEach((w, l) => {
        assert.equal(w.length, 2 * 2 * step.keys); // (B, H, keys)
        for (let r = 0; r < 4; r++) {
          const row = w.subarray(r * step.keys, (r + 1) * step.keys);
          assert.ok(Math.abs(row.reduce((a, b) => a + b, 0) - 1) < 1e-5, 'each head\'s weights sum to 1');
          if (r >= 2) assert.deepEqual([row[0], row[1]], [0, 0], 'row 1 is left-padded by 2: no weight on padding');
        }
        const other = uncached.attentions![s]!.layers[l]!;
        for (let i = 0; i < w.length; i++) assert.ok(Math.abs(w[i]! - other[i]!) < 1e-5, `step ${s} layer ${l}: cache and full forward agree`);
      });
    });
    model.dispose();
  });
});

test('every option is validated with a GenerationOptionError naming it', async () => {
  const model = randomGPT();
  const cases: [Record<string, unknown>, RegExp][] = [
    [{ topP: 2 }, /^generate: topP must be a number in \(0, 1\], got 2$/],
    [{ topP: 0 }, /topP must be a number in \(0, 1\], got 0/],
    [{ temperature: -1 }, /^generate: temperature must be a finite number ≥ 0 \(0 = greedy\), got -1$/],
    [{ maxNewTokens: 0 }, /^generate: maxNewTokens must be a positive integer, got 0$/],
    [{ maxNewTokens: 1.5 }, /maxNewTokens must be a positive integer, got 1.5/],
    [{ topK: -1 }, /topK must be a non-negative integer \(0 = off\), got -1/],
    [{ minP: 1.5 }, /minP must be a number in \[0, 1\], got 1.5/],
    [{ repetitionPenalty: 0 }, /repetitionPenalty must be a finite number > 0 \(1 = off\), got 0/],
    [{ eosTokenId: 17 }, /eosTokenId must be an id in \[0, 17\) or a list of them, got 17/],
    [{ seed: 'x' }, /seed must be a finite number, got "x"/],
    [{ useCache: 'no' }, /useCache must be true or false, got "no"/],
    [{ top_p: 0.9 }, /top_p must be one of the known options \(maxNewTokens, /],
    [{ stop: 'x' }, /stop must be absent: stop strings need a tokenizer/],
  ];
  for (const [options, message] of cases) {
    await assert.rejects(generate(model, [1, 2], options), (e: Error) => e instanceof GenerationOptionError && message.test(e.message), JSON.stringify(options));
  }
  const err = await generate(model, [1], { topP: 2 }).catch((e: GenerationOptionError) => e);
  assert.deepEqual([(err as GenerationOptionError).option, (err as GenerationOptionError).value], ['topP', 2], 'the error carries the option and value');
  await assert.rejects(generate(model, [1, 17]), /promptIds must be an id in \[0, 17\) \(prompt 0, position 1\), got 17/);
  await assert.rejects(generate(model, []), /promptIds must be a non-empty list of token ids \(prompt 0\)/);
  model.dispose();
});

const CORPUS = 'the cat sat on the mat. a dog ate the hat; then the cat and the dog sat down.';

test('generateText and streamText: text is the decoded continuation; streamed pieces add up to it', async () => {
  const tokenizer = new text.CharTokenizer().fitOnTexts([CORPUS]);
  const model = randomGPT({ vocabSize: tokenizer.vocabSize }, 2);
  const result = await generateText(model, tokenizer, 'the cat', { ...greedy, maxNewTokens: 40 });
  assert.equal(result.tokens.length, 40);
  assert.equal(result.text, tokenizer.decode(result.tokens));
  assert.equal(result.finishReason, 'length');
  // generate() draws any id; the text functions leave out the tokenizer's padding and unknown ids.
  const direct = await generate(model, tokenizer.encode('the cat'), { ...greedy, maxNewTokens: 40, suppressTokenIds: [tokenizer.padId, tokenizer.unkId] });
  assert.deepEqual(result.tokens, direct.tokens);
  const pieces: string[] = [];
  for await (const chunk of streamText(model, tokenizer, 'the cat', { ...greedy, maxNewTokens: 40 })) pieces.push(chunk.text);
  assert.equal(pieces.length, 40);
  assert.equal(pieces.join(''), result.text);
  const [a, b] = await generateText(model, tokenizer, ['the cat', 'a dog'], { ...greedy, maxNewTokens: 40 });
  assert.deepEqual(a, result, 'batched text rows equal the prompt alone');
  assert.equal(b!.text, (await generateText(model, tokenizer, 'a dog', { ...greedy, maxNewTokens: 40 })).text);
  model.dispose();
});

test('stop strings: the text ends before the first stop string, generation stops there, streaming never shows part of it', async () => {
  const tokenizer = new text.CharTokenizer().fitOnTexts([CORPUS]);
  const model = randomGPT({ vocabSize: tokenizer.vocabSize }, 3);
  const free = await generateText(model, tokenizer, 'the', { ...greedy, maxNewTokens: 40 });
  const stop = free.text.slice(20, 23);
  const at = free.text.indexOf(stop);
  const stopped = await generateText(model, tokenizer, 'the', { ...greedy, maxNewTokens: 40, stop: ['never-there', stop] });
  assert.equal(stopped.text, free.text.slice(0, at));
  assert.equal(stopped.finishReason, 'stop');
  assert.deepEqual(stopped.tokens, free.tokens.slice(0, at + 3), 'the tokens end with the one completing the stop string');
  const pieces: string[] = [];
  const shown: string[] = [];
  for await (const chunk of streamText(model, tokenizer, 'the', { ...greedy, maxNewTokens: 40, stop })) {
    pieces.push(chunk.text);
    shown.push(pieces.join(''));
  }
  assert.equal(pieces.join(''), stopped.text);
  assert.ok(shown.every((s) => free.text.startsWith(s) && s.length <= at), 'no piece of the stop string is streamed');
  model.dispose();
});

test('end-of-text: a tokenizer\'s eosId is the default stop (in tokens, not in text); an empty prompt starts from it', async () => {
  const tokenizer = new text.CharTokenizer().fitOnTexts([CORPUS]);
  const model = randomGPT({ vocabSize: tokenizer.vocabSize }, 2);
  const free = await generateText(model, tokenizer, 'the cat', { ...greedy, maxNewTokens: 40 });
  const eos = free.tokens[10]!;
  const withEos = Object.assign(Object.create(tokenizer) as typeof tokenizer, { eosId: eos });
  const cut = await generateText(model, withEos, 'the cat', { ...greedy, maxNewTokens: 40 });
  const first = free.tokens.indexOf(eos);
  assert.deepEqual(cut.tokens, free.tokens.slice(0, first + 1));
  assert.equal(cut.text, tokenizer.decode(free.tokens.slice(0, first)));
  assert.equal(cut.finishReason, 'eos');
  const none = await generateText(model, withEos, 'the cat', { ...greedy, maxNewTokens: 40, eosTokenId: null });
  assert.deepEqual(none.tokens, free.tokens, 'eosTokenId: null turns it off');
  const empty = await generateText(model, withEos, '', { ...greedy, maxNewTokens: 5, eosTokenId: null });
  assert.deepEqual(empty.tokens, (await generate(model, [eos], { ...greedy, maxNewTokens: 5, suppressTokenIds: [tokenizer.padId, tokenizer.unkId] })).tokens);
  await assert.rejects(generateText(model, tokenizer, ''), /prompt must be text that encodes to at least one token \(the tokenizer has no end-of-text id to start from\), got ""/);
  await assert.rejects(generateText(model, tokenizer, 'the cat é€'), /prompt must be text the tokenizer knows; "é", "€" are not in its vocabulary, got "the cat é€"/);
  await assert.rejects(generateText(model, tokenizer, 'the', { stop: '' }), /stop must be a non-empty string or a list of them, got ""/);
  model.dispose();
});

test('greedy generation equals nanoGPT\'s generate() in PyTorch (fixtures), past the context, with and without the cache', async () => {
  await forEachBackendAsync(async (backend) => {
    for (const name of ['gpt_learned_bias', 'gpt_rotary_nobias']) {
      const { tensors, metadata } = loadSafetensors(fileURLToPath(new URL(`../fixtures/models/${name}.safetensors`, import.meta.url)));
      const model = new GPT(JSON.parse(metadata.config!));
      const state: Record<string, Tensor> = {};
      for (const [k, v] of Object.entries(tensors)) if (k.startsWith('state.')) state[k.slice(6)] = v;
      model.loadStateDict(state);
      const ids = tensors['input.ids']!;
      const prompt = [...ids.data()].slice(0, ids.shape[1]);
      const expected = [...tensors['output.generated']!.data()];
      const onWarning = () => {};
      assert.deepEqual((await generate(model, prompt, { temperature: 0, maxNewTokens: 12, onWarning })).tokens, expected, `${backend} ${name}, cached`);
      assert.deepEqual((await generate(model, prompt, { temperature: 0, maxNewTokens: 12, onWarning, useCache: false })).tokens, expected, `${backend} ${name}, uncached`);
      model.dispose();
      dispose(tensors);
    }
  });
});
