import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { BpeTokenizer, preTokenize, type BpeTrainStats } from '../../src/text/index.js';
import { Generator } from '../../src/tensor/random.js';
import { bpeCorpora } from './bpe-corpora.js';

const utf8 = new TextEncoder();

/** Random strings mixing many scripts, marks, emoji, whitespace and controls (no lone surrogates). */
function randomUnicode(rng: Generator, maxLength: number): string {
  const ranges: Array<[number, number]> = [
    [0x20, 0x7e], // ASCII
    [0x20, 0x7e],
    [0x00, 0x1f], // controls, tab, newline
    [0xa0, 0x24f], // Latin-1, Latin extended
    [0x300, 0x36f], // combining marks
    [0x391, 0x3c9], // Greek
    [0x400, 0x44f], // Cyrillic
    [0x5d0, 0x5ea], // Hebrew
    [0x620, 0x669], // Arabic letters and digits
    [0x900, 0x97f], // Devanagari (with spacing marks)
    [0x4e00, 0x9fff], // CJK
    [0x3040, 0x30ff], // kana
    [0xac00, 0xd7a3], // Hangul
    [0x1f300, 0x1faff], // emoji
    [0x200d, 0x200d], // zero width joiner
    [0xfe0f, 0xfe0f], // variation selector
    [0x2000, 0x200b], // odd spaces
    [0xfff0, 0xffff], // specials and noncharacters
    [0x0, 0x10ffff], // anything at all
  ];
  const length = rng.nextInt(0, maxLength + 1);
  let s = '';
  while (s.length < length) {
    const [lo, hi] = ranges[rng.nextInt(0, ranges.length)]!;
    const cp = lo + rng.nextInt(0, hi - lo + 1);
    if (cp >= 0xd800 && cp <= 0xdfff) continue;
    s += String.fromCodePoint(cp);
  }
  return s;
}

/** Zipf-distributed pseudo-words built from syllables: a deterministic stand-in for prose. */
function syntheticCorpus(rng: Generator, chars: number): string[] {
  const syllables = 'ka ri to me su na lo pe vi da ge hu zo be ya ti mu ne so ra an or el is un at en'.split(' ');
  const words: string[] = [];
  for (let i = 0; i < 20000; i++) {
    let w = '';
    const n = 1 + rng.nextInt(0, 4);
    for (let k = 0; k < n; k++) w += syllables[rng.nextInt(0, syllables.length)];
    words.push(i % 7 === 0 ? w[0]!.toUpperCase() + w.slice(1) : w);
  }
  const lines: string[] = [];
  let total = 0;
  while (total < chars) {
    const parts: string[] = [];
    const len = 5 + rng.nextInt(0, 20);
    for (let k = 0; k < len; k++) {
      // Zipf: rank r with probability ~ 1/r, sampled by inverting the continuous CDF.
      const r = Math.floor(Math.exp(rng.nextUint32() / 2 ** 32 * Math.log(words.length)));
      parts.push(words[Math.min(r, words.length - 1)]!);
    }
    const line = parts.join(' ') + (rng.nextInt(0, 3) === 0 ? ', 2024.' : '.');
    lines.push(line);
    total += line.length + 1;
  }
  return lines;
}

// ---------------------------------------------------------------------------------------------
// Reference implementations: the textbook algorithms, slow and obviously right.

/** Textbook BPE training: recount every pair after every merge. Same id scheme and tie rule. */
function naiveTrain(texts: string[], vocabSize: number, minFrequency: number, offset: number): Array<[number, number]> {
  const freq = new Map<string, number>();
  for (const t of texts) for (const p of preTokenize(t)) freq.set(p, (freq.get(p) ?? 0) + 1);
  const words = [...freq.keys()].map((p) => Array.from(utf8.encode(p), (b) => b + offset));
  const counts = [...freq.values()];
  const vocab = Array.from({ length: 256 }, (_, b) => String.fromCharCode(b)); // bytes as latin1
  const merges: Array<[number, number]> = [];
  while (offset + vocab.length < vocabSize) {
    const pairs = new Map<string, number>();
    words.forEach((w, i) => {
      for (let k = 0; k + 1 < w.length; k++) {
        const key = `${w[k]},${w[k + 1]}`;
        pairs.set(key, (pairs.get(key) ?? 0) + counts[i]!);
      }
    });
    let best: [number, number] | null = null;
    let bestCount = 0;
    for (const [key, c] of pairs) {
      const [a, b] = key.split(',').map(Number) as [number, number];
      if (c > bestCount || (c === bestCount && best !== null && (a < best[0] || (a === best[0] && b < best[1])))) {
        best = [a, b];
        bestCount = c;
      }
    }
    if (best === null || bestCount < minFrequency) break;
    const [a, b] = best;
    const s = vocab[a - offset]! + vocab[b - offset]!;
    let z = vocab.indexOf(s);
    if (z < 0) {
      vocab.push(s);
      z = vocab.length - 1;
    }
    z += offset;
    merges.push(best);
    words.forEach((w, i) => {
      const out: number[] = [];
      for (let k = 0; k < w.length; ) {
        if (k + 1 < w.length && w[k] === a && w[k + 1] === b) {
          out.push(z);
          k += 2;
        } else out.push(w[k++]!);
      }
      words[i] = out;
    });
  }
  return merges;
}

/** Merges of a tokenizer as id pairs, read from its JSON. */
function mergeIds(tok: BpeTokenizer): Array<[number, number]> {
  const json = tok.toJSON() as unknown as { specialTokens: string[]; vocab: string[]; merges: string[] };
  const offset = json.specialTokens.length;
  const id = new Map(json.vocab.map((t, i) => [t, i + offset]));
  return json.merges.map((m) => m.split(' ').map((t) => id.get(t)!) as [number, number]);
}

/** GPT-2's encoding loop: repeatedly merge every occurrence of the lowest-ranked pair. */
function naiveEncode(tok: BpeTokenizer, text: string): number[] {
  const json = tok.toJSON() as unknown as { specialTokens: string[]; vocab: string[]; merges: string[] };
  const offset = json.specialTokens.length;
  const id = new Map(json.vocab.map((t, i) => [t, i + offset]));
  const rank = new Map<string, number>();
  const result: number[] = [];
  json.merges.forEach((m, r) => {
    const [x, y] = m.split(' ') as [string, string];
    if (!rank.has(`${id.get(x)},${id.get(y)}`)) rank.set(`${id.get(x)},${id.get(y)}`, r);
    result.push(id.get(x + y)!);
  });
  const out: number[] = [];
  for (const piece of preTokenize(text)) {
    let w = Array.from(utf8.encode(piece), (b) => b + offset);
    for (;;) {
      let bestRank = Infinity;
      for (let k = 0; k + 1 < w.length; k++) bestRank = Math.min(bestRank, rank.get(`${w[k]},${w[k + 1]}`) ?? Infinity);
      if (bestRank === Infinity) break;
      const [a, b] = json.merges[bestRank]!.split(' ').map((t) => id.get(t)!) as [number, number];
      const next: number[] = [];
      for (let k = 0; k < w.length; ) {
        if (k + 1 < w.length && w[k] === a && w[k + 1] === b) {
          next.push(result[bestRank]!);
          k += 2;
        } else next.push(w[k++]!);
      }
      w = next;
    }
    out.push(...w);
  }
  return out;
}

// ---------------------------------------------------------------------------------------------

test('preTokenize: GPT-2 style pieces that always concatenate back to the text', () => {
  assert.deepEqual(preTokenize("I'm  here!"), ['I', "'m", ' ', ' here', '!']);
  assert.deepEqual(preTokenize('Hello world, 2024'), ['Hello', ' world', ',', ' 2024']);
  assert.deepEqual(preTokenize('cafe\u0301 ok'), ['cafe\u0301', ' ok'], 'combining mark stays in its word');
  // Whitespace before a word leaves its last character to the word's side, as in GPT-2.
  assert.deepEqual(preTokenize('自注意力。\n\nOK'), ['自注意力', '。', '\n', '\n', 'OK']);
  assert.deepEqual(preTokenize('a\n\n'), ['a', '\n\n']);
  assert.deepEqual(preTokenize(''), []);
  const rng = new Generator(3, { algorithm: 'mulberry32' });
  for (let i = 0; i < 300; i++) {
    const s = randomUnicode(rng, 40);
    assert.equal(preTokenize(s).join(''), s);
  }
});

test('BpeTokenizer.train: merges worked by hand', () => {
  // Pre-tokens 'aaab' and 'aab' (one each). Pair counts: (a,a) 3, (a,b) 2 → merge 'a a' first.
  // Then aaab = [aa, a, b], aab = [aa, b]: (aa,a), (a,b), (aa,b) once each. The tie goes to the
  // smaller left id: 'a' (byte) < 'aa' (new) → 'a b'. Then [aa, ab], [aa, b]: (aa,ab) and (aa,b)
  // once each; same left, right 'b' < 'ab' → 'aa b'. Finally 'aa ab'.
  const texts = ['aaab', 'aab'];
  const full = BpeTokenizer.train(texts, { vocabSize: 1 + 256 + 10, minFrequency: 1, specialTokens: ['<pad>'] });
  const json = full.toJSON() as unknown as { vocab: string[]; merges: string[] };
  assert.deepEqual(json.merges, ['a a', 'a b', 'aa b', 'aa ab']);
  assert.deepEqual(json.vocab.slice(256), ['aa', 'ab', 'aab', 'aaab']);
  assert.equal(full.vocabSize, 1 + 256 + 4, 'stops when no pairs are left');
  // ids: <pad> 0, byte b at 1 + b, so 'a' = 98, 'b' = 99, merges from 257.
  assert.deepEqual(full.encode('aaab'), [260]);
  assert.deepEqual(full.encode('aab'), [259]);
  assert.deepEqual(full.encode('aaaa'), [257, 257], '(a,a) merges left to right, (aa,aa) is no merge');
  assert.deepEqual(full.encode('abaa'), [258, 257], 'rank 0 (a,a) applies before rank 1 (a,b)');
  assert.deepEqual(full.encode('ba'), [99, 98]);

  const frequent = BpeTokenizer.train(texts, { vocabSize: 1 + 256 + 10, minFrequency: 2, specialTokens: ['<pad>'] });
  assert.deepEqual((frequent.toJSON() as unknown as { merges: string[] }).merges, ['a a']);

  const capped = BpeTokenizer.train(texts, { vocabSize: 1 + 256 + 2, minFrequency: 1, specialTokens: ['<pad>'] });
  assert.equal(capped.vocabSize, 259);
  assert.equal(capped.numMerges, 2);
});

test('BpeTokenizer.train: identical to the textbook algorithm on random corpora', () => {
  const rng = new Generator(11, { algorithm: 'mulberry32' });
  const alphabet = ['a', 'b', 'c', ' ', 'é', '中', '!', 'ab', 'ca'];
  let compared = 0;
  for (let round = 0; round < 25; round++) {
    const texts = Array.from({ length: 5 + rng.nextInt(0, 30) }, () => {
      let t = '';
      const n = rng.nextInt(0, 25);
      for (let k = 0; k < n; k++) t += alphabet[rng.nextInt(0, alphabet.length)];
      return t;
    });
    const minFrequency = 1 + rng.nextInt(0, 3);
    const specialTokens = round % 2 ? ['<pad>'] : ['<pad>', '<unk>', '<eos>'];
    const vocabSize = specialTokens.length + 256 + 5 + rng.nextInt(0, 60);
    const tok = BpeTokenizer.train(texts, { vocabSize, minFrequency, specialTokens });
    assert.deepEqual(mergeIds(tok), naiveTrain(texts, vocabSize, minFrequency, specialTokens.length), `round ${round}`);
    compared += tok.numMerges;
  }
  assert.ok(compared > 300, `compared ${compared} merges`);
});

test('BpeTokenizer.train: does not depend on the order of the texts', () => {
  const rng = new Generator(5, { algorithm: 'mulberry32' });
  const texts = syntheticCorpus(rng, 20_000);
  const a = BpeTokenizer.train(texts, { vocabSize: 700 });
  const b = BpeTokenizer.train(rng.shuffle(texts.slice()), { vocabSize: 700 });
  assert.deepEqual(b.toJSON(), a.toJSON());
});

test('BpeTokenizer.encode: same ids as the GPT-2 merge loop', () => {
  const rng = new Generator(21, { algorithm: 'mulberry32' });
  const corpus = [...syntheticCorpus(rng, 30_000), ...Array.from({ length: 200 }, () => randomUnicode(rng, 30))];
  const tok = BpeTokenizer.train(corpus, { vocabSize: 1200 });
  for (let i = 0; i < 300; i++) {
    const text = i % 2 ? corpus[rng.nextInt(0, corpus.length)]! : randomUnicode(rng, 40);
    assert.deepEqual(tok.encode(text), naiveEncode(tok, text), JSON.stringify(text));
  }
});

test('BpeTokenizer: decode(encode(s)) === s for thousands of random Unicode strings', () => {
  const rng = new Generator(99, { algorithm: 'mulberry32' });
  const corpus = [...syntheticCorpus(rng, 20_000), ...Array.from({ length: 500 }, () => randomUnicode(rng, 30))];
  const tok = BpeTokenizer.train(corpus, { vocabSize: 1000 });
  assert.ok(tok.numMerges > 500, `learned ${tok.numMerges} merges`);
  const fixed = [
    '', ' ', '  leading and trailing  ', 'e\u0301\u0302', '👩‍👩‍👧‍👦 family', '🇯🇵🇫🇷', '自注意力机制（Self-Attention）',
    'Ελληνικά · русский · עברית · العربية ١٢٣', 'नमस्ते', '\u0000\u0001\t\r\n', '\uffff\ufffe', '<pad><eos>', 'x'.repeat(5000),
  ];
  const samples = [...fixed, ...Array.from({ length: 3000 }, () => randomUnicode(rng, 60))];
  for (const s of samples) {
    const ids = tok.encode(s);
    assert.equal(tok.decode(ids), s, JSON.stringify(s));
    assert.equal(tok.tokenize(s).length, ids.length);
    for (const id of ids) assert.ok(Number.isInteger(id) && id >= 6 && id < tok.vocabSize, `id ${id}`);
  }
});

test('BpeTokenizer: lone surrogates are not text and come back as U+FFFD (documented)', () => {
  const tok = BpeTokenizer.train(['abc'], { vocabSize: 300 });
  assert.equal(tok.decode(tok.encode('a\ud800b')), 'a\ufffdb');
  assert.equal(tok.decode(tok.encode('\udc00')), '\ufffd');
});

test('BpeTokenizer: special tokens', () => {
  const tok = BpeTokenizer.train(['hello world hello'], { vocabSize: 300 });
  assert.deepEqual(tok.specialTokens, ['<pad>', '<unk>', '<cls>', '<sep>', '<eos>', '<mask>']);
  assert.equal(tok.padId, 0);
  assert.equal(tok.specialId('<eos>'), 4);
  assert.equal(tok.idToToken(0), '<pad>');
  const hello = tok.encode('hello');
  assert.deepEqual(tok.encode('hello', { addSpecialTokens: true }), [2, ...hello, 3]);
  // Without allowSpecial a special token's text is ordinary text.
  const plain = tok.encode('hello<eos>');
  assert.ok(plain.every((id) => id >= 6));
  assert.equal(tok.decode(plain), 'hello<eos>');
  // With it, the string becomes the id (the longest special wins).
  assert.deepEqual(tok.encode('hello<eos>hello', { allowSpecial: true }), [...hello, 4, ...hello]);
  // decode drops padding, prints other specials, or drops them all on request.
  assert.equal(tok.decode([0, 2, ...hello, 3, 0]), '<cls>hello<sep>');
  assert.equal(tok.decode([2, ...hello, 3], { skipSpecialTokens: true }), 'hello');
  assert.deepEqual(tok.tokenize('hello', { addSpecialTokens: true }).at(0), '<cls>');

  const custom = BpeTokenizer.train(['ab ab'], { vocabSize: 300, specialTokens: ['[PAD]', '<|endoftext|>', '<|end|>'] });
  assert.equal(custom.specialId('<|endoftext|>'), 1);
  assert.deepEqual(custom.encode('<|endoftext|>', { allowSpecial: true }), [1]);
  assert.throws(() => custom.encode('ab', { addSpecialTokens: true }), /needs the special token "<cls>"; this tokenizer has \[PAD\], <\|endoftext\|>, <\|end\|>/);
});

test('BpeTokenizer: tokens read like GPT-2 (Ġ marks a leading space)', () => {
  const tok = BpeTokenizer.train(Array(10).fill('the cat and the hat and the bat'), { vocabSize: 290 });
  assert.deepEqual(tok.tokenize('the hat'), ['the', 'Ġhat']);
  assert.deepEqual(tok.tokenize('\n'), ['Ċ']);
});

test('BpeTokenizer: trains a 1 MB corpus to 8000 ids in seconds', () => {
  const rng = new Generator(1, { algorithm: 'mulberry32' });
  const corpus = syntheticCorpus(rng, 1_000_000);
  const start = performance.now();
  const tok = BpeTokenizer.train(corpus, { vocabSize: 8000 });
  const ms = performance.now() - start;
  assert.equal(tok.vocabSize, 8000);
  // A guard against quadratic algorithms, not a benchmark: the incremental trainer takes well
  // under a second here, a recount-every-pair trainer minutes.
  assert.ok(ms < 15_000, `training took ${ms.toFixed(0)} ms`);
  for (const line of corpus.slice(0, 200)) assert.equal(tok.decode(tok.encode(line)), line);
  // A frequent word of the corpus became one token.
  assert.ok(tok.encode(corpus[0]!).length < corpus[0]!.length / 2);
});

test('BpeTokenizer.eosId: <eos>, else <|endoftext|>, else none; decode shows or skips it', () => {
  const tok = BpeTokenizer.train(['one doc', 'two docs'], { vocabSize: 280 });
  assert.equal(tok.eosId, 4);
  const ids = [...tok.encode('one'), tok.eosId!, ...tok.encode('two')];
  assert.equal(tok.decode(ids), 'one<eos>two');
  assert.equal(tok.decode(ids, { skipSpecialTokens: true }), 'onetwo');
  assert.ok(!tok.encode('a <eos> b').includes(4), 'text never encodes to the end-of-text id');
  assert.equal(BpeTokenizer.train(['ab'], { vocabSize: 300, specialTokens: ['[PAD]', '<|endoftext|>'] }).eosId, 1);
  assert.equal(BpeTokenizer.train(['ab'], { vocabSize: 300, specialTokens: ['<pad>'] }).eosId, undefined);
});

test('BpeTokenizer.train: a 1 MB text without spaces trains in linear work', () => {
  // One pre-token of a million letters. The word-by-word trainer re-scanned it for every merge
  // (≈ merges × 1 M symbol visits: 34 s and 650 MB at 5 MB); counting by position visits each
  // symbol a bounded number of times. The bound is on work, not time.
  const rng = new Generator(3, { algorithm: 'mulberry32' });
  const letters = 'abcdefghijklmnopqrstuvwxyz';
  const codes = new Uint8Array(1_000_000);
  for (let i = 0; i < codes.length; ) {
    const n = rng.nextInt(0, 3) ? 2 : 3; // two- and three-letter "words" with no space between them
    for (let k = 0; k < n && i < codes.length; k++) codes[i++] = letters.charCodeAt(rng.nextInt(0, 26));
  }
  const text = new TextDecoder().decode(codes);
  assert.equal(preTokenize(text).length, 1, 'the whole text is one pre-token');
  const stats: BpeTrainStats = {};
  const tok = BpeTokenizer.train([text], { vocabSize: 3000, stats });
  assert.equal(tok.vocabSize, 3000);
  assert.equal(stats.symbols, 1_000_000);
  assert.equal(stats.merges, 3000 - 262);
  assert.ok(stats.positionsVisited! <= 3 * stats.symbols!, `visited ${stats.positionsVisited} positions for ${stats.symbols} symbols`);
  // The merges are real: the text encodes to far fewer ids and decodes back.
  const head = text.slice(0, 50_000);
  const ids = tok.encode(head);
  assert.ok(ids.length < head.length / 1.8, `${ids.length} ids for ${head.length} letters`);
  assert.equal(tok.decode(ids), head);
});

test('BpeTokenizer.train: the merges pinned before the trainer was rewritten are unchanged', () => {
  // test/fixtures/text/bpe-merges.json was written by tools/make-bpe-merges-fixture.ts with the
  // word-by-word trainer; the position-based one must learn exactly the same merges.
  const pinned = JSON.parse(readFileSync(new URL('../fixtures/text/bpe-merges.json', import.meta.url), 'utf8')) as Record<
    string,
    { vocabSize: number; merges: string[] }
  >;
  const corpora = bpeCorpora();
  assert.deepEqual(corpora.map((c) => c.name).sort(), Object.keys(pinned).sort());
  for (const c of corpora) {
    const tok = BpeTokenizer.train(c.texts, { vocabSize: c.vocabSize, minFrequency: c.minFrequency });
    const json = tok.toJSON() as unknown as { merges: string[] };
    assert.ok(pinned[c.name]!.merges.length > 100, c.name);
    assert.equal(tok.vocabSize, pinned[c.name]!.vocabSize, c.name);
    assert.deepEqual(json.merges, pinned[c.name]!.merges, c.name);
  }
});

test('BpeTokenizer: errors name the problem', () => {
  assert.throws(() => BpeTokenizer.train(['a'], { vocabSize: 100 }), /vocabSize must be an integer >= 262 \(6 special tokens \+ 256 bytes\), got 100/);
  assert.throws(() => BpeTokenizer.train(['a'], { vocabSize: 300, minFrequency: 0 }), /minFrequency must be a positive integer/);
  assert.throws(() => BpeTokenizer.train(['a'], { vocabSize: 300, specialTokens: ['<pad>', '<pad>'] }), /special token "<pad>" is listed twice/);
  const tok = BpeTokenizer.train(['abab'], { vocabSize: 300 });
  assert.throws(() => tok.decode([tok.vocabSize]), new RegExp(`BpeTokenizer\\.decode: id ${tok.vocabSize} is out of range`));
  const json = tok.toJSON() as unknown as { merges: string[] };
  assert.throws(() => BpeTokenizer.fromJSON({ ...json, merges: ['a zz'] }), /merge 0 "a zz" must be two vocab tokens/);
  assert.throws(() => BpeTokenizer.fromJSON({ ...json, version: 2 }), /unsupported version 2/);
});
