// What streamText releases and when, on a scripted model whose greedy output is a fixed id
// sequence: text held back while it may start a stop string or ends in half a UTF-8 character,
// and the pieces always adding up to generateText's text.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { fromArray, text, type Tensor } from '../../src/index.js';
import { generateText, streamText, type CausalLanguageModel } from '../../src/generate/index.js';

/** A model with no weights whose subclasses say the logits of each step; the cache only counts positions. */
abstract class FixedLogitsModel implements CausalLanguageModel {
  training = false;
  readonly config: { vocabSize: number; blockSize: number };
  constructor(vocabSize: number, blockSize = 256) {
    this.config = { vocabSize, blockSize };
  }
  train(mode = true): this {
    this.training = mode;
    return this;
  }
  createCache() {
    const cache = { length: 0, update: () => { throw new Error('unused'); }, reset: () => { cache.length = 0; }, dispose: () => {} };
    return cache;
  }
  abstract forward(ids: Tensor, options?: { cache?: { length: number } | null }): Tensor & { logits: Tensor; attentions: Tensor[] };
}

/** Greedy decoding of this model yields `script` (whatever the prompt). */
class ScriptedModel extends FixedLogitsModel {
  constructor(
    private readonly script: number[],
    vocabSize: number,
    private readonly promptLength: number,
  ) {
    super(vocabSize);
  }
  forward(ids: Tensor, options: { cache?: { length: number } | null } = {}): Tensor & { logits: Tensor; attentions: Tensor[] } {
    const [B, T] = ids.shape as [number, number];
    const cache = options.cache as { length: number } | null | undefined;
    const past = cache ? cache.length : 0;
    if (cache) cache.length += T;
    const next = this.script[past + T - this.promptLength] ?? 0;
    const logits = new Float32Array(B * this.config.vocabSize);
    for (let b = 0; b < B; b++) logits[b * this.config.vocabSize + next] = 10;
    return fromArray(logits, [B, 1, this.config.vocabSize]) as never;
  }
}

async function stream(model: CausalLanguageModel, tokenizer: text.CharTokenizer | text.BpeTokenizer, prompt: string, options: object) {
  const pieces: string[] = [];
  for await (const chunk of streamText(model, tokenizer, prompt, { temperature: 0, ...options })) pieces.push(chunk.text);
  return pieces;
}

test('stop strings: text that may start one is held back, released when it turns out not to be one', async () => {
  const tokenizer = new text.CharTokenizer().fitOnTexts(['abcdefgh END\n']);
  const ids = (s: string) => tokenizer.encode(s);
  const script = ids('ab EN cd END gh');
  const model = new ScriptedModel(script, tokenizer.vocabSize, 1);
  const pieces = await stream(model, tokenizer, 'a', { maxNewTokens: 30, stop: ['END', '\n'] });
  // 'E', 'N' may start 'END': held; 'EN ' is not, so released with the space; 'END' ends the text.
  assert.deepEqual(pieces, ['a', 'b', ' ', '', '', 'EN ', 'c', 'd', ' ', '', '', '']);
  assert.equal(pieces.join(''), 'ab EN cd ');
  const whole = await generateText(model, tokenizer, 'a', { temperature: 0, maxNewTokens: 30, stop: ['END', '\n'] });
  assert.equal(whole.text, 'ab EN cd ');
  assert.equal(whole.finishReason, 'stop');
  assert.deepEqual(whole.tokens, ids('ab EN cd END'), 'tokens up to the one that completed the stop string');
  // At the end of generation (maxNewTokens), a held-back tail that was no stop string is released.
  const short = await stream(model, tokenizer, 'a', { maxNewTokens: 5, stop: 'END' });
  assert.deepEqual(short, ['a', 'b', ' ', '', 'EN']);
});

test('byte-level BPE: half a UTF-8 character is held back until it is complete; pieces add up to the text', async () => {
  const tokenizer = text.BpeTokenizer.train(['plain ascii words only'], { vocabSize: 300 });
  const offset = tokenizer.encode('a')[0]! - 0x61; // the 256 byte tokens' ids start here
  const bytes = [...new TextEncoder().encode('a€b😀')]; // 1 + 3 + 1 + 4 bytes
  const model = new ScriptedModel(bytes.map((b) => offset + b), tokenizer.vocabSize, 1);
  const pieces = await stream(model, tokenizer, 'x', { maxNewTokens: bytes.length });
  assert.deepEqual(pieces, ['a', '', '', '€', 'b', '', '', '', '😀']);
  const whole = await generateText(model, tokenizer, 'x', { temperature: 0, maxNewTokens: bytes.length });
  assert.equal(whole.text, 'a€b😀');
  // Cut in the middle of a character, the final text keeps the replacement character.
  const cut = await stream(model, tokenizer, 'x', { maxNewTokens: 3 });
  assert.deepEqual(cut, ['a', '', '\uFFFD']);
});

/** Every step prefers the ids of `ranking` in this order (first = most likely). */
class RankingModel extends FixedLogitsModel {
  constructor(private readonly ranking: number[], vocabSize: number, blockSize = 256) {
    super(vocabSize, blockSize);
  }
  forward(ids: Tensor, options: { cache?: { length: number } | null } = {}): Tensor & { logits: Tensor; attentions: Tensor[] } {
    const [B, T] = ids.shape as [number, number];
    const cache = options.cache as { length: number } | null | undefined;
    if (cache) cache.length += T;
    const logits = new Float32Array(B * this.config.vocabSize);
    for (let b = 0; b < B; b++) for (const [rank, id] of this.ranking.entries()) logits[b * this.config.vocabSize + id] = 10 - rank;
    return fromArray(logits, [B, 1, this.config.vocabSize]) as never;
  }
}

test('the text functions never draw an attn tokenizer\'s textless ids (padding, unknown, BPE specials) unless told to', async () => {
  const chars = new text.CharTokenizer({ eosToken: '<eos>' }).fitOnTexts(['ab']);
  const [a, b] = chars.encode('ab') as [number, number];
  // The model prefers padding, then the unknown id, then "b": greedy text is "b…", not "<unk>…".
  const model = new RankingModel([chars.padId, chars.unkId, b, a], chars.vocabSize);
  const plain = await generateText(model, chars, 'a', { temperature: 0, maxNewTokens: 3 });
  assert.deepEqual(plain.tokens, [b, b, b]);
  assert.equal(plain.text, 'bbb');
  const told = await generateText(model, chars, 'a', { temperature: 0, maxNewTokens: 2, suppressTokenIds: [chars.padId] });
  assert.deepEqual(told.tokens, [chars.unkId, chars.unkId], 'an explicit list replaces the default');

  const bpe = text.BpeTokenizer.train(['ab ab ab ba'], { vocabSize: 270 });
  const specials = bpe.specialTokens.map((t) => bpe.specialId(t)!).filter((id) => id !== bpe.eosId);
  const x = bpe.encode('a')[0]!;
  const byBpe = await generateText(new RankingModel([...specials, x], bpe.vocabSize), bpe, 'b', { temperature: 0, maxNewTokens: 2 });
  assert.deepEqual(byBpe.tokens, [x, x]);
  // End of text stays drawable: a model that prefers it stops at once.
  const stops = await generateText(new RankingModel([bpe.padId, bpe.eosId!, x], bpe.vocabSize), bpe, 'b', { temperature: 0, maxNewTokens: 5 });
  assert.deepEqual(stops.tokens, [bpe.eosId]);
  await assert.rejects(generateText(model, chars, 'a', { suppressTokenIds: [chars.vocabSize] }), /suppressTokenIds must be a list of ids in \[0, \d+\)/);
});

test('a context that will fill up is told before the first token, not in the middle of the stream', async () => {
  const chars = new text.CharTokenizer().fitOnTexts(['ab']);
  const [a, b] = chars.encode('ab') as [number, number];
  const events: string[] = [];
  const model = new RankingModel([b, a], chars.vocabSize, 4);
  for await (const chunk of streamText(model, chars, 'aa', { temperature: 0, maxNewTokens: 5, onWarning: (m) => events.push(`warning: ${m}`) })) events.push(chunk.text);
  assert.equal(events[0], 'warning: generate: the prompt\'s 2 tokens and up to 5 new ones exceed the model\'s context of 4; from new token 4 on, each one reads only the last 4 tokens');
  assert.equal(events.slice(1).join(''), 'bbbbb');
  const quiet: string[] = [];
  await generateText(model, chars, 'aa', { temperature: 0, maxNewTokens: 3, onWarning: (m) => quiet.push(m) });
  assert.deepEqual(quiet, [], 'prompt + new tokens within the context: nothing to tell');
});
