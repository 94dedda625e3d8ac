// Continuous batching (BatchDecoder) on tiny random GPTs: sequences of different prompt lengths and
// max_tokens, added while others run, give the tokens each gives alone (greedy, and seeded
// sampling), in shared forwards; a sequence that ends or is cancelled frees its row; memory is
// flat afterwards. Every body runs on every backend.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { GPT, manualSeed, memory, fromArray } from '../../src/index.js';
import { generate, streamText, streamTextBatched, BatchDecoder, supportsBatching, GenerationOptionError } from '../../src/generate/index.js';
import { forEachBackendAsync } from '../helpers/backends.js';
import { randomGPT as baseRandomGPT } from './random-gpt.js';

/** The generation tests' random GPT, with a context of 48. */
const randomGPT = (config: Parameters<typeof baseRandomGPT>[0] = {}, seed = 1) => baseRandomGPT({ blockSize: 48, ...config }, seed);
import { writeTinyLanguageModel } from './run-folder.js';
import { LlamaForCausalLM } from '../../src/models/hf/llama.js';
import { tinyLlama } from '../export/helpers.js';
import { mkdtempSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { tmpdir } from 'node:os';


/** Prompts of different lengths, each with its own max_tokens, and the step at which it is added. */
const JOBS = [
  { prompt: [3, 1, 4, 1, 5], maxNewTokens: 30, at: 0 },
  { prompt: [9, 2], maxNewTokens: 12, at: 0 },
  { prompt: [6, 5, 3, 5, 8, 9, 7, 9, 3, 2, 3, 8, 4, 6], maxNewTokens: 20, at: 3 },
  { prompt: [2, 7], maxNewTokens: 1, at: 4 },
  { prompt: [1, 1, 2, 3, 5, 8, 13, 4], maxNewTokens: 25, at: 9 },
  { prompt: [16], maxNewTokens: 40, at: 15 },
];

/** Runs JOBS through one decoder, each added once `at` tokens of the first sequence have come. */
async function runBatched(decoder: BatchDecoder, options: (i: number) => Record<string, unknown>): Promise<number[][]> {
  const results: Promise<{ tokens: number[] }>[] = [];
  const first = decoder.add(JOBS[0]!.prompt, { maxNewTokens: JOBS[0]!.maxNewTokens, ...options(0) });
  results.push(first.done);
  let seen = 0;
  const pending = JOBS.map((j, i) => ({ ...j, i })).slice(1);
  const add = () => {
    while (pending.length > 0 && pending[0]!.at <= seen) {
      const j = pending.shift()!;
      results.push(decoder.add(j.prompt, { maxNewTokens: j.maxNewTokens, ...options(j.i) }).done);
    }
  };
  add();
  for await (const _ of first) {
    seen++;
    add();
  }
  seen = Infinity;
  add();
  return (await Promise.all(results)).map((r) => r.tokens);
}

test('concurrent greedy sequences (different prompt lengths and max_tokens, joining while others run) give the tokens each gives alone, in shared forwards', async () => {
  await forEachBackendAsync(async (backend) => {
    const model = randomGPT();
    const greedy = { temperature: 0 };
    const alone: number[][] = [];
    for (const j of JOBS) alone.push((await generate(model, j.prompt, { ...greedy, maxNewTokens: j.maxNewTokens })).tokens);
    assert.ok(alone.some((t) => new Set(t).size > 3), 'the outputs vary');
    const decoder = new BatchDecoder(model, { maxBatch: 8 });
    const batched = await runBatched(decoder, () => greedy);
    assert.deepEqual(batched, alone, `${backend}: each sequence equals its prompt alone`);
    assert.deepEqual(batched.map((t) => t.length), JOBS.map((j) => j.maxNewTokens));
    // 6 prefills; the longest sequence (40 tokens from step 15) bounds the steps far below the 128 tokens.
    const total = JOBS.reduce((n, j) => n + j.maxNewTokens, 0);
    assert.equal(decoder.stats.prefills, JOBS.length);
    assert.equal(decoder.stats.rows, total - JOBS.length, 'every token after the first came from a shared step');
    assert.ok(decoder.stats.steps < total / 2, `${decoder.stats.steps} steps for ${total} tokens`);
    assert.ok(decoder.stats.maxRows >= 4, `up to ${decoder.stats.maxRows} rows in one forward`);
    assert.equal(decoder.active, 0);
    model.dispose();
  });
});

test('a Llama (rotary positions per row from the mask, grouped-query attention) batches to the same tokens as alone', async () => {
  await forEachBackendAsync(async (backend) => {
    manualSeed(5);
    const model = new LlamaForCausalLM(tinyLlama());
    const greedy = { temperature: 0 };
    const alone: number[][] = [];
    for (const j of JOBS) alone.push((await generate(model, j.prompt, { ...greedy, maxNewTokens: j.maxNewTokens })).tokens);
    assert.ok(alone.some((t) => new Set(t).size > 3), 'the outputs vary');
    const decoder = new BatchDecoder(model, { maxBatch: 8 });
    assert.deepEqual(await runBatched(decoder, () => greedy), alone, `${backend}: Llama rows`);
    assert.ok(decoder.stats.maxRows >= 4);
    model.dispose();
  });
});

test('seeded sampling per sequence is independent of the others (same tokens as alone with the same seed)', async () => {
  await forEachBackendAsync(async (backend) => {
    const model = randomGPT({}, 3);
    const opts = (i: number) => ({ seed: 100 + i, temperature: 0.9, topK: 8, topP: 0.95, repetitionPenalty: 1.2 });
    const alone: number[][] = [];
    for (const [i, j] of JOBS.entries()) alone.push((await generate(model, j.prompt, { ...opts(i), maxNewTokens: j.maxNewTokens })).tokens);
    const decoder = new BatchDecoder(model, { maxBatch: 3 }); // fewer rows than sequences: some wait for a free row
    const batched = await runBatched(decoder, opts);
    assert.deepEqual(batched, alone, `${backend}: seeded rows`);
    assert.equal(decoder.stats.maxRows, 3, 'never more rows than maxBatch');
    model.dispose();
  });
});

test('a cancelled or aborted sequence frees its row at once; the others go on unchanged; memory returns to its level', async () => {
  await forEachBackendAsync(async (backend) => {
    const model = randomGPT();
    const greedy = { temperature: 0, maxNewTokens: 30 };
    const expected = (await generate(model, [3, 1, 4], greedy)).tokens;
    const before = memory();
    const decoder = new BatchDecoder(model, { maxBatch: 2 });
    const keep = decoder.add([3, 1, 4], greedy);
    const broken = decoder.add([5, 9, 2, 6], greedy);
    const controller = new AbortController();
    const aborted = decoder.add([8, 8], { ...greedy, signal: controller.signal }); // waits: maxBatch 2
    const waiting = decoder.add([7], { ...greedy, maxNewTokens: 5 });
    let n = 0;
    for await (const _ of broken) if (++n === 3) break; // the consumer leaves: its row is freed
    assert.ok(broken.isEnded);
    assert.equal(broken.tokens.length, 3);
    controller.abort(new Error('client gone'));
    await assert.rejects(aborted.done, /client gone/);
    assert.deepEqual((await keep.done).tokens, expected, `${backend}: the kept sequence is unchanged`);
    assert.equal((await waiting.done).tokens.length, 5, 'the waiting one got the freed row');
    assert.equal(decoder.stats.maxRows, 2);
    await new Promise((r) => setImmediate(r));
    assert.equal(decoder.active + decoder.waiting, 0);
    const now = memory();
    assert.equal(now.numTensors, before.numTensors, 'the cache and the prompts\' tensors are freed');
    assert.equal(now.numBytes, before.numBytes);
    model.dispose();
  });
});

test('a model error fails the running sequences and frees their cache; the decoder serves on', async () => {
  const model = randomGPT();
  const greedy = { temperature: 0, maxNewTokens: 10 };
  const expected = (await generate(model, [4, 4, 2], greedy)).tokens;
  let calls = 0;
  let failAt = 4; // prefill, prefill, step, then the second step throws
  const flaky = new Proxy(model, {
    get(target, key) {
      if (key === 'forward') {
        return (...args: Parameters<GPT['forward']>) => {
          if (++calls === failAt) throw new Error('boom: out of memory');
          return target.forward(...args);
        };
      }
      const value = Reflect.get(target, key) as unknown;
      return typeof value === 'function' ? (value as (...a: unknown[]) => unknown).bind(target) : value;
    },
  }) as GPT;
  const before = memory();
  const decoder = new BatchDecoder(flaky, { maxBatch: 4 });
  const a = decoder.add([1, 2, 3], greedy);
  const b = decoder.add([5, 6], greedy);
  await assert.rejects(a.done, /boom/);
  await assert.rejects(b.done, /boom/);
  assert.equal(a.tokens.length, 2, 'the tokens before the error were delivered');
  await new Promise((r) => setImmediate(r));
  assert.equal(memory().numTensors, before.numTensors, 'the cache was freed');
  failAt = 1; // a prefill that throws
  calls = 0;
  await assert.rejects(decoder.add([7], greedy).done, /boom/);
  assert.equal(memory().numTensors, before.numTensors, 'a failed prefill keeps nothing');
  assert.deepEqual((await decoder.add([4, 4, 2], greedy).done).tokens, expected, 'later sequences decode as alone');
  model.dispose();
});

test('streamTextBatched gives streamText\'s chunks (stop strings, end-of-text) beside other sequences', async () => {
  const root = mkdtempSync(join(tmpdir(), 'attn-batch-'));
  try {
    const { model, tokenizer } = writeTinyLanguageModel(join(root, 'lm'));
    const run = async (stream: AsyncIterable<{ text: string; finishReason: string | null }>) => {
      const chunks: [string, string | null][] = [];
      for await (const c of stream) chunks.push([c.text, c.finishReason]);
      return chunks;
    };
    const plain = await run(streamText(model, tokenizer, 'the cat', { temperature: 0, maxNewTokens: 14 }));
    const text = plain.map((c) => c[0]).join('');
    const stop = text.slice(5, 7);
    const cases = [
      { prompt: 'the cat', options: { temperature: 0, maxNewTokens: 14 } },
      { prompt: 'the cat', options: { temperature: 0, maxNewTokens: 14, stop } },
      { prompt: 'a dog ate', options: { seed: 4, maxNewTokens: 20 } },
    ];
    const alone = [];
    for (const c of cases) alone.push(await run(streamText(model, tokenizer, c.prompt, c.options)));
    assert.equal(alone[1]!.at(-1)![1], 'stop');
    const decoder = new BatchDecoder(model, { maxBatch: 4 });
    const together = await Promise.all(cases.map((c) => run(streamTextBatched(decoder, tokenizer, c.prompt, c.options))));
    assert.deepEqual(together, alone);
    model.dispose();
  } finally {
    rmSync(root, { recursive: true, force: true });
  }
});

test('a rotary GPT (positions per row) batches to the same tokens as alone, greedy and seeded', async () => {
  await forEachBackendAsync(async (backend) => {
    const model = randomGPT({ positional: 'rotary' }, 4);
    assert.equal(supportsBatching(model), true);
    for (const opts of [() => ({ temperature: 0 }), (i: number) => ({ seed: 40 + i, temperature: 0.8, topK: 6 })]) {
      const alone: number[][] = [];
      for (const [i, j] of JOBS.entries()) alone.push((await generate(model, j.prompt, { ...opts(i), maxNewTokens: j.maxNewTokens })).tokens);
      assert.ok(alone.some((t) => new Set(t).size > 3), 'the outputs vary');
      const decoder = new BatchDecoder(model, { maxBatch: 8 });
      assert.deepEqual(await runBatched(decoder, opts), alone, `${backend}: rotary rows`);
      assert.ok(decoder.stats.maxRows >= 4, `up to ${decoder.stats.maxRows} rows in one forward`);
    }
    model.dispose();
  });
});

test('logprobs: each token\'s log-probability and top alternatives are log_softmax of the raw logits of a whole-sequence forward, rows decoding together', async () => {
  await forEachBackendAsync(async (backend) => {
    const model = randomGPT({}, 6);
    const decoder = new BatchDecoder(model, { maxBatch: 4 });
    const prompts = [[3, 1, 4, 1, 5], [9], [2, 6, 5, 3]];
    const seqs = prompts.map((p, i) => decoder.add(p, { maxNewTokens: 6, seed: i, temperature: 1.7, topK: 3 }, { logprobs: 4 }));
    const plain = decoder.add([7, 7], { maxNewTokens: 3, temperature: 0 });
    const got = await Promise.all(seqs.map(async (s) => {
      const out: { token: number; logprob: number; top: { token: number; logprob: number }[] }[] = [];
      for await (const t of s) out.push({ token: t.token, ...t.logprob! });
      return out;
    }));
    for await (const t of plain) assert.equal(t.logprob, undefined, 'none unless asked for');
    model.eval();
    got.forEach((steps, i) => {
      const ids = [...prompts[i]!, ...steps.map((s) => s.token)];
      // Independently: the whole sequence in one forward, log_softmax in float64 of each position's logits.
      const logits = model.forward(fromArray(Int32Array.from(ids), [1, ids.length])).data() as Float32Array; // (1, T, V)
      const V = model.config.vocabSize;
      steps.forEach((step, k) => {
        const row = Array.from(logits.subarray((prompts[i]!.length - 1 + k) * V, (prompts[i]!.length + k) * V));
        const max = Math.max(...row);
        const logZ = max + Math.log(row.reduce((a, v) => a + Math.exp(v - max), 0));
        assert.ok(Math.abs(step.logprob - (row[step.token]! - logZ)) < 1e-4, `${backend}: row ${i} token ${k}: ${step.logprob} vs ${row[step.token]! - logZ}`);
        const order = row.map((v, id) => ({ id, v })).sort((a, b) => b.v - a.v).slice(0, 4);
        assert.deepEqual(step.top.map((t) => t.token), order.map((o) => o.id), 'the four most likely ids, most likely first');
        step.top.forEach((t, j) => assert.ok(Math.abs(t.logprob - (order[j]!.v - logZ)) < 1e-4));
      });
    });
    assert.throws(() => decoder.add([1], {}, { logprobs: 21 }), /logprobs must be an integer in \[0, 20\]/);
    model.dispose();
  });
});

test('bad sequences are refused with the option named', () => {
  const model = randomGPT({ blockSize: 16 });
  const decoder = new BatchDecoder(model, { maxBatch: 2 });
  assert.throws(() => decoder.add([1, 2, 3], { maxNewTokens: 14 }), (e: unknown) => e instanceof GenerationOptionError && /maxNewTokens must be at most 13: the prompt is 3 tokens/.test(e.message));
  assert.throws(() => decoder.add([1, 99]), /promptIds must be an id in \[0, 17\) \(position 1\)/);
  assert.throws(() => decoder.add([], {}), /promptIds must be a non-empty list/);
  assert.throws(() => decoder.add([1], { maxNewTokens: 2, returnAttention: true }), /returnAttention must be false/);
  assert.throws(() => new BatchDecoder(model, { maxBatch: 0 }), /maxBatch must be a positive integer, got 0/);
  model.dispose();
});
