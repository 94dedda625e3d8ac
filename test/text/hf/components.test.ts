// The tokenizer.json components one by one, on small hand-made inputs whose results follow from
// the definitions in Hugging Face tokenizers' sources.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { loadTokenizerJson } from '../../../src/text/index.js';
import { onigToJs } from '../../../src/text/hf/index.js';
import { buildNormalizer } from '../../../src/text/hf/normalizers.js';
import { buildPreTokenizer } from '../../../src/text/hf/pre-tokenizers.js';
import { buildDecoder } from '../../../src/text/hf/decoders.js';
import { buildPostProcessor } from '../../../src/text/hf/post-processors.js';

const W = { file: 'tokenizer.json', path: '$' };
const ROOT = join(import.meta.dirname, '..', '..', 'fixtures', 'tokenizers');
const readFixture = (name: string): Record<string, any> => JSON.parse(readFileSync(join(ROOT, name, 'tokenizer.json'), 'utf8'));

const LLAMA3 = "(?i:'s|'t|'re|'ve|'m|'ll|'d)|[^\\r\\n\\p{L}\\p{N}]?\\p{L}+|\\p{N}{1,3}| ?[^\\s\\p{L}\\p{N}]+[\\r\\n]*|\\s*[\\r\\n]+|\\s+(?!\\S)|\\s+";

function pre(spec: unknown, text: string): string[] {
  return buildPreTokenizer(spec, W)!([{ text, atStart: true }]).map((p) => p.text);
}

test("onigToJs: Llama 3's (?i:…) group becomes two-case classes and compiles in JavaScript", () => {
  assert.throws(() => new RegExp(LLAMA3, 'u'));
  const js = onigToJs(LLAMA3, 'test');
  assert.ok(js.startsWith("(?:'[sS]|'[tT]|'[rR][eE]|'[vV][eE]|'[mM]|'[lL][lL]|'[dD])"));
  const re = new RegExp(js, 'gu');
  assert.deepEqual("IT'S we'LL 12345".match(re), ['IT', "'S", ' we', "'LL", ' ', '123', '45']);
  // \s is White_Space (U+0085 yes, U+FEFF no), as in Oniguruma, not JavaScript's \s.
  assert.ok(new RegExp(onigToJs('^\\s$', 't'), 'u').test('\u0085'));
  assert.ok(!new RegExp(onigToJs('^\\s$', 't'), 'u').test('\ufeff'));
  // \w is Unicode-aware.
  assert.ok(new RegExp(onigToJs('^\\w+$', 't'), 'u').test('naïve中文'));
  assert.throws(() => onigToJs('a++', 'pre_tokenizer.pattern'), /pre_tokenizer.pattern: .*possessive/);
});

test('normalizers: NFC/NFKC/NFD, Lowercase, Strip, StripAccents, Replace, Prepend, Sequence', () => {
  const n = (spec: unknown, text: string): string => buildNormalizer(spec, W)!(text);
  assert.equal(n({ type: 'NFC' }, 'e\u0301'), '\u00e9');
  assert.equal(n({ type: 'NFD' }, '\u00e9'), 'e\u0301');
  assert.equal(n({ type: 'NFKC' }, '\ufb01 \u2460'), 'fi 1');
  assert.equal(n({ type: 'NFKD' }, '\u00e9'), 'e\u0301');
  assert.equal(n({ type: 'Lowercase' }, 'ÀB'), 'àb');
  assert.equal(n({ type: 'Lowercase' }, 'ΟΔΟΣ'), 'οδοσ', 'per character, as Rust: no final sigma');
  assert.equal(n({ type: 'StripAccents' }, 'a\u0301\u0903'), 'a', 'all marks (Mn and Mc)');
  assert.equal(n({ type: 'Strip', strip_left: true, strip_right: false }, ' \t a \n'), 'a \n');
  assert.equal(n({ type: 'Sequence', normalizers: [{ type: 'NFD' }, { type: 'StripAccents' }] }, 'Café'), 'Cafe');
  assert.equal(n({ type: 'Replace', pattern: { Regex: '\\s+' }, content: '_' }, 'a  b\tc'), 'a_b_c');
  assert.equal(n({ type: 'Replace', pattern: { String: '.' }, content: '!' }, 'a.b'), 'a!b');
  assert.equal(n({ type: 'Prepend', prepend: '▁' }, 'x'), '▁x');
  assert.equal(n({ type: 'Prepend', prepend: '▁' }, ''), '');
  assert.equal(buildNormalizer(null, W), null);
});

test('BertNormalizer: control characters dropped, whitespace to spaces, CJK spaced, accents and case', () => {
  const n = (spec: Record<string, unknown>, text: string): string => buildNormalizer({ type: 'BertNormalizer', ...spec }, W)!(text);
  assert.equal(n({}, 'Héllo\u0000\u200b\tWörld中'), 'hello world 中 ');
  assert.equal(n({}, 'a\u0085b\u3000c'), 'ab c', 'U+0085 is a control character first, so it is dropped');
  assert.equal(n({ lowercase: false, strip_accents: true }, 'a\u0903'), 'a\u0903', 'only nonspacing marks');
  assert.equal(n({ lowercase: false }, 'Héllo'), 'Héllo', 'strip_accents follows lowercase when null');
  assert.equal(n({ lowercase: false, strip_accents: true }, 'Héllo'), 'Hello');
  assert.equal(n({ handle_chinese_chars: false, lowercase: false }, 'a中b'), 'a中b');
});

test('pre-tokenizers: Whitespace, WhitespaceSplit, BertPreTokenizer, Digits, Punctuation, CharDelimiterSplit', () => {
  assert.deepEqual(pre({ type: 'Whitespace' }, "Hey friend!  How's naïve?"), ['Hey', 'friend', '!', 'How', "'", 's', 'naïve', '?']);
  assert.deepEqual(pre({ type: 'WhitespaceSplit' }, ' a\u3000b\n c!'), ['a', 'b', 'c!']);
  assert.deepEqual(pre({ type: 'BertPreTokenizer' }, 'Hi,there!$ x'), ['Hi', ',', 'there', '!', '$', 'x']);
  assert.deepEqual(pre({ type: 'Digits', individual_digits: true }, 'a123b'), ['a', '1', '2', '3', 'b']);
  assert.deepEqual(pre({ type: 'Digits', individual_digits: false }, 'a123b4'), ['a', '123', 'b', '4']);
  assert.deepEqual(pre({ type: 'Punctuation', behavior: 'Contiguous' }, 'hi!!?x'), ['hi', '!!?', 'x']);
  assert.deepEqual(pre({ type: 'CharDelimiterSplit', delimiter: '|' }, 'a|b||c'), ['a', 'b', 'c']);
  assert.deepEqual(
    pre({ type: 'Sequence', pretokenizers: [{ type: 'WhitespaceSplit' }, { type: 'Digits', individual_digits: true }] }, 'x12 y'),
    ['x', '1', '2', 'y'],
  );
});

test('Split: each delimiter behavior and invert', () => {
  const split = (behavior: string, text: string, invert = false): string[] => pre({ type: 'Split', pattern: { String: '-' }, behavior, invert }, text);
  const text = 'a-b--c-';
  assert.deepEqual(split('Removed', text), ['a', 'b', 'c']);
  assert.deepEqual(split('Isolated', text), ['a', '-', 'b', '-', '-', 'c', '-']);
  assert.deepEqual(split('MergedWithPrevious', text), ['a-', 'b-', '-', 'c-']);
  assert.deepEqual(split('MergedWithNext', text), ['a', '-b', '-', '-c', '-']);
  assert.deepEqual(split('Contiguous', text), ['a', '-', 'b', '--', 'c', '-']);
  assert.deepEqual(pre({ type: 'Split', pattern: { Regex: '\\d+' }, behavior: 'Removed', invert: true }, 'ab12cd3'), ['12', '3']);
  assert.throws(() => split('Sideways', text), /tokenizer.json: \$.behavior must be one of Removed, Isolated/);
});

test('ByteLevel pre-tokenizer: GPT-2 regex, byte characters, add_prefix_space, use_regex', () => {
  assert.deepEqual(pre({ type: 'ByteLevel', add_prefix_space: false }, "Hello world's  end\n"), ['Hello', 'Ġworld', "'s", 'Ġ', 'Ġend', 'Ċ']);
  assert.deepEqual(pre({ type: 'ByteLevel', add_prefix_space: true }, 'Hi'), ['ĠHi']);
  assert.deepEqual(pre({ type: 'ByteLevel', add_prefix_space: false, use_regex: false }, 'a b'), ['aĠb']);
  assert.deepEqual(pre({ type: 'ByteLevel', add_prefix_space: false }, 'é'), ['Ã©']);
});

test('Metaspace: prepend_scheme always / first / never, split, the legacy add_prefix_space', () => {
  const m = (spec: Record<string, unknown>, pieces: { text: string; atStart: boolean }[]): string[] =>
    buildPreTokenizer({ type: 'Metaspace', replacement: '▁', ...spec }, W)!(pieces).map((p) => p.text);
  const pieces = [{ text: 'Hey you', atStart: true }, { text: 'there', atStart: false }];
  assert.deepEqual(m({ prepend_scheme: 'always', split: true }, pieces), ['▁Hey', '▁you', '▁there']);
  assert.deepEqual(m({ prepend_scheme: 'first', split: true }, pieces), ['▁Hey', '▁you', 'there']);
  assert.deepEqual(m({ prepend_scheme: 'never', split: false }, pieces), ['Hey▁you', 'there']);
  assert.deepEqual(m({ add_prefix_space: false }, pieces), ['Hey', '▁you', 'there']);
  // tokenizers' own test (metaspace.rs non_legacy_meta_space): " Hey <s>how <s>are <s> you", split at <s>.
  const around = [' Hey ', 'how ', 'are ', ' you'].map((text, i) => ({ text, atStart: i === 0 }));
  assert.deepEqual(m({ prepend_scheme: 'first', split: false }, around), ['▁Hey▁', 'how▁', 'are▁', '▁you']);
  assert.throws(() => m({ prepend_scheme: 'sometimes' }, pieces), /prepend_scheme must be "always", "never" or "first"/);
});

test("Metaspace(prepend_scheme first) in place of the legacy normalizer: same ids, except after a special token", () => {
  // transformers' LlamaConverter with legacy=False writes this layout.
  const json = readFixture('llama2-sp');
  const legacy = loadTokenizerJson(json);
  json.normalizer = null;
  json.pre_tokenizer = { type: 'Metaspace', replacement: '▁', prepend_scheme: 'first', split: false };
  const modern = loadTokenizerJson(json);
  for (const text of ['Hello world', 'two  spaces ', 'Call me Ishmael.']) assert.deepEqual(modern.encode(text), legacy.encode(text));
  // Metaspace prepends only to text that does not start with ▁ already; Prepend always does.
  assert.deepEqual(modern.encodeWithPieces(' x').pieces.slice(1).join(''), '▁x');
  assert.deepEqual(legacy.encodeWithPieces(' x').pieces.slice(1).join(''), '▁▁x');
  // After </s>, the legacy layout puts a ▁ before "whale"; "first" only at the very start.
  assert.deepEqual(legacy.encodeWithPieces('a</s>whale').pieces.slice(3), legacy.encodeWithPieces('whale').pieces.slice(1));
  assert.ok(!modern.encodeWithPieces('a</s>whale').pieces[3]!.startsWith('▁'));
});

test('decoders: ByteLevel, Metaspace, WordPiece cleanup, ByteFallback, Fuse, Strip, Replace, BPEDecoder', () => {
  const d = (spec: unknown, tokens: string[]): string => buildDecoder(spec, W)!(tokens).join('');
  assert.equal(d({ type: 'ByteLevel' }, ['Hello', 'Ġw', 'Ã©', 'Ċ']), 'Hello wé\n');
  assert.equal(d({ type: 'Metaspace', replacement: '▁', prepend_scheme: 'always' }, ['▁Hey', '▁you']), 'Hey you');
  assert.equal(d({ type: 'Metaspace', replacement: '▁', prepend_scheme: 'never' }, ['▁Hey']), ' Hey');
  // Every ▁ of the first token goes, not only the leading one (tokenizers' decode_chain).
  assert.equal(d({ type: 'Metaspace', replacement: '▁', prepend_scheme: 'first' }, ['▁▁a', '▁▁b']), 'a  b');
  // A token with a character outside the byte table decodes as its own UTF-8.
  assert.equal(d({ type: 'ByteLevel' }, ['Ġ', '<|é你|>', 'Ã©']), ' <|é你|>é');
  assert.equal(d({ type: 'WordPiece', prefix: '##', cleanup: true }, ['i', 'do', "n't", 'whal', '##ing', ',', 'ok', '.']), "i don't whaling, ok.");
  assert.equal(d({ type: 'WordPiece', prefix: '##', cleanup: false }, ['a', ',']), 'a ,');
  assert.equal(d({ type: 'ByteFallback' }, ['a', '<0xE4>', '<0xBD>', '<0xA0>', 'b']), 'a你b');
  // Invalid UTF-8: one U+FFFD per byte.
  assert.equal(d({ type: 'ByteFallback' }, ['<0xE4>', '<0xBD>', 'x']), '\ufffd\ufffdx');
  assert.deepEqual(buildDecoder({ type: 'Fuse' }, W)!(['a', 'b']), ['ab']);
  assert.equal(d({ type: 'Strip', content: ' ', start: 1, stop: 1 }, ['  a  ']), ' a ');
  assert.equal(d({ type: 'Replace', pattern: { String: '▁' }, content: ' ' }, ['▁a▁b']), ' a b');
  assert.equal(d({ type: 'BPEDecoder', suffix: '</w>' }, ['hel', 'lo</w>', 'you</w>']), 'hello you');
});

test('post-processors: TemplateProcessing pairs, BertProcessing, RobertaProcessing, ByteLevel, Sequence', () => {
  const bert = buildPostProcessor({ type: 'BertProcessing', cls: ['[CLS]', 101], sep: ['[SEP]', 102] }, W)!;
  assert.deepEqual(bert([7], [8, 9]), { ids: [101, 7, 102, 8, 9, 102], typeIds: [0, 0, 0, 1, 1, 1] });
  const roberta = buildPostProcessor({ type: 'RobertaProcessing', cls: ['<s>', 0], sep: ['</s>', 2] }, W)!;
  assert.deepEqual(roberta([7], [8]).ids, [0, 7, 2, 2, 8, 2]);
  assert.deepEqual(buildPostProcessor({ type: 'ByteLevel', trim_offsets: true }, W)!([5, 6], null).ids, [5, 6]);
  const json = readFixture('bert-wordpiece');
  const template = loadTokenizerJson(json);
  json.post_processor = { type: 'BertProcessing', cls: ['[CLS]', 2], sep: ['[SEP]', 3] };
  const bertProc = loadTokenizerJson(json);
  for (const text of ['the whale', 'Call me Ishmael.']) assert.deepEqual(bertProc.encode(text), template.encode(text));
  const pair = template.encodeWithPieces('the sea', { pair: 'a whale' });
  assert.deepEqual(pair.pieces, ['[CLS]', 'the', 'sea', '[SEP]', 'a', 'whale', '[SEP]']);
  assert.deepEqual(pair.typeIds, [0, 0, 0, 0, 1, 1, 1]);
  assert.deepEqual(pair.special, [true, false, false, true, false, false, true]);
  // Llama 3's Sequence [ByteLevel, TemplateProcessing] on a pair.
  const llama3 = loadTokenizerJson(readFixture('llama3-bytelevel'));
  const both = llama3.encodeWithPieces('a', { pair: 'b' });
  assert.deepEqual(both.pieces, ['<|begin_of_text|>', 'a', '<|begin_of_text|>', 'b']);
  assert.deepEqual(both.typeIds, [0, 0, 1, 1]);
  assert.throws(
    () => buildPostProcessor({ type: 'TemplateProcessing', single: [{ SpecialToken: { id: '<x>', type_id: 0 } }], special_tokens: {} }, W),
    /\$.single\[0\]: special token "<x>" is not listed in special_tokens/,
  );
});

test('added tokens: lstrip, rstrip, single_word, normalized, leftmost-longest', () => {
  const json = readFixture('gpt2-bytelevel');
  const n = json.model.vocab ? Object.keys(json.model.vocab).length : 0;
  json.added_tokens.push(
    { id: n, content: '<mask>', single_word: false, lstrip: true, rstrip: false, normalized: false, special: true },
    { id: n + 1, content: '<sep>', single_word: false, lstrip: false, rstrip: true, normalized: false, special: true },
    { id: n + 2, content: 'cat', single_word: true, lstrip: false, rstrip: false, normalized: true, special: false },
    { id: n + 3, content: '<mask>x', single_word: false, lstrip: false, rstrip: false, normalized: false, special: true },
  );
  const tok = loadTokenizerJson(json);
  const pieces = (t: string): string[] => tok.encodeWithPieces(t).pieces;
  assert.deepEqual(pieces('a  <mask> b'), ['a', '<mask>', 'Ġb'], 'lstrip swallows the spaces before');
  assert.deepEqual(pieces('a<sep>  b'), ['a', '<sep>', 'b'], 'rstrip swallows the spaces after');
  assert.deepEqual(pieces('a cat b').includes('cat'), true);
  assert.deepEqual(pieces('concatenate').includes('cat'), false, 'single_word: not inside a word');
  assert.deepEqual(pieces('<mask>xy'), ['<mask>x', 'y'], 'the longest match wins');
  assert.equal(tok.isSpecialId(n + 2), false);
  assert.equal(tok.decode(tok.encode('a cat<mask>'), { skipSpecialTokens: true }), 'a cat');
});

test('BPE: unknown characters, fuse_unk, byte_fallback, continuing_subword_prefix and end_of_word_suffix', () => {
  const model = (extra: Record<string, unknown>) => ({
    type: 'BPE', vocab: { '<unk>': 0, a: 1, b: 2, ab: 3, '<0xC3>': 4, '<0xA9>': 5 }, merges: ['a b'], unk_token: '<unk>', ...extra,
  });
  const tok = (extra: Record<string, unknown>) => loadTokenizerJson({ model: model(extra) });
  assert.deepEqual(tok({}).encode('abxyab'), [3, 0, 0, 3]);
  assert.deepEqual(tok({ fuse_unk: true }).encode('abxyab'), [3, 0, 3]);
  assert.deepEqual(tok({ byte_fallback: true }).encode('aé'), [1, 4, 5]);
  assert.deepEqual(tok({ byte_fallback: true }).encode('aè'), [1, 0], 'bytes missing from the vocabulary: unknown');
  const wp = loadTokenizerJson({
    model: { type: 'BPE', vocab: { h: 0, '##i': 1, 'hi': 2, 'h</w>': 3 }, merges: [['h', '##i']], continuing_subword_prefix: '##', end_of_word_suffix: null },
  });
  assert.deepEqual(wp.encode('hi'), [2]);
  const suffix = loadTokenizerJson({ model: { type: 'BPE', vocab: { h: 0, 'i</w>': 1, 'hi</w>': 2 }, merges: ['h i</w>'], end_of_word_suffix: '</w>' } });
  assert.deepEqual(suffix.encode('hi'), [2]);
  // Repeated pairs merge leftmost first: "aaa" → "aa" "a".
  const rep = loadTokenizerJson({ model: { type: 'BPE', vocab: { a: 0, aa: 1 }, merges: ['a a'] } });
  assert.deepEqual(rep.encode('aaa'), [1, 0]);
});

test('WordPiece and WordLevel models', () => {
  const wp = loadTokenizerJson({
    pre_tokenizer: { type: 'WhitespaceSplit' },
    model: { type: 'WordPiece', vocab: { '[UNK]': 0, un: 1, '##aff': 2, '##able': 3 }, unk_token: '[UNK]', max_input_chars_per_word: 9 },
  });
  assert.deepEqual(wp.encode('unaffable unaffabl'), [1, 2, 3, 0]);
  assert.deepEqual(wp.encode('ununununun'), [0], 'longer than max_input_chars_per_word');
  const wl = loadTokenizerJson({ pre_tokenizer: { type: 'Whitespace' }, model: { type: 'WordLevel', vocab: { '<unk>': 0, hi: 1 }, unk_token: '<unk>' } });
  assert.deepEqual(wl.encode('hi there'), [1, 0]);
  // Old files without model.type are recognized by their fields.
  assert.equal(loadTokenizerJson({ model: { vocab: { a: 0 }, merges: [] } }).model.type, 'BPE');
});

test('a Qwen2-style file: NFC normalizer, single-digit split regex, ByteLevel without regex', () => {
  const json = readFixture('llama3-bytelevel');
  json.normalizer = { type: 'NFC' };
  json.pre_tokenizer.pretokenizers[0].pattern.Regex = LLAMA3.replace('\\p{N}{1,3}', '\\p{N}');
  json.post_processor = { type: 'ByteLevel', add_prefix_space: false, trim_offsets: false, use_regex: false };
  const tok = loadTokenizerJson(json);
  assert.deepEqual(tok.encode('Cafe\u0301'), tok.encode('Caf\u00e9'));
  assert.deepEqual(tok.encodeWithPieces('2024').pieces, ['2', '0', '2', '4']);
});

test('padding from tokenizer.json: a Fixed length or a multiple, on either side', () => {
  const json = readFixture('bert-wordpiece');
  json.padding = { strategy: { Fixed: 6 }, direction: 'Right', pad_to_multiple_of: null, pad_id: 0, pad_type_id: 0, pad_token: '[PAD]' };
  assert.deepEqual(loadTokenizerJson(json).encodeWithPieces('a b').pieces, ['[CLS]', 'a', 'b', '[SEP]', '[PAD]', '[PAD]']);
  json.padding = { strategy: 'BatchLongest', direction: 'Left', pad_to_multiple_of: 8, pad_id: 0, pad_type_id: 0, pad_token: '[PAD]' };
  const padded = loadTokenizerJson(json).encodeWithPieces('a b c d e');
  assert.deepEqual(padded.ids.length, 8);
  assert.deepEqual(padded.pieces.slice(0, 2), ['[PAD]', '[CLS]']);
});

test('onigToJs: identity escapes and \\x{…} become what JavaScript accepts with the u flag', () => {
  assert.ok(new RegExp(onigToJs("\\'s|\\ x", 't'), 'u').test("'s"));
  assert.ok(new RegExp(onigToJs('^\\x{263A}$', 't'), 'u').test('\u263a'));
  assert.ok(new RegExp(onigToJs('^[\\-a]+$', 't'), 'u').test('-a'));
});

test('truncation from tokenizer.json: the sequence is cut so the result with special tokens fits', () => {
  const json = readFixture('bert-wordpiece');
  json.truncation = { direction: 'Right', max_length: 5, strategy: 'LongestFirst', stride: 0 };
  const tok = loadTokenizerJson(json);
  assert.deepEqual(tok.encodeWithPieces('a b c d e f').pieces, ['[CLS]', 'a', 'b', 'c', '[SEP]']);
  json.truncation.direction = 'Left';
  assert.deepEqual(loadTokenizerJson(json).encodeWithPieces('a b c d e f').pieces, ['[CLS]', 'd', 'e', 'f', '[SEP]']);
});
