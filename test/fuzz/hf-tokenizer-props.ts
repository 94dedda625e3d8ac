/**
 * Fuzz properties of the Hugging Face tokenizer.json reader (`HfTokenizer`,
 * `loadPretrainedTokenizer`), over the committed tokenizer fixtures (GPT-2 and Llama 3 byte-level
 * BPE, Llama 2 SentencePiece BPE with byte fallback, BERT WordPiece) and a small WordLevel one:
 *
 * - structurally mutated documents (fields dropped or replaced by wrong types, huge or negative
 *   numbers, duplicated entries, `__proto__` keys), components replaced by unknown or malformed
 *   ones, vocabularies emptied or made huge, merges broken, added tokens with bad ids;
 * - mutated JSON text, read from a folder by `loadPretrainedTokenizer`;
 *
 * each refused with an Error whose message starts with the file and names the field (its JSON
 * path), or loaded into a tokenizer that encodes random Unicode (every id an integer it can name)
 * and decodes any of its ids without throwing — never a raw TypeError/RangeError. And for the
 * byte-level BPE tokenizers, decode ∘ encode is the identity on random well-formed Unicode.
 */
import fc from 'fast-check';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { HfTokenizer } from '../../src/text/hf/hf-tokenizer.js';
import { loadPretrainedTokenizer } from '../../src/text/hf/load-tokenizer.js';
import { mutatedBytes, mutatedJson, nastyValue, preview, refusedOr, type AnyProperty } from './kit.js';

const FIXTURES = ['gpt2-bytelevel', 'llama3-bytelevel', 'llama2-sp', 'bert-wordpiece'] as const;
const fixture = (name: string, file: string): string => fileURLToPath(new URL(`../fixtures/tokenizers/${name}/${file}`, import.meta.url));
const FILE = 'fuzz/tokenizer.json';

let bases: Record<string, unknown>[] | undefined;
/** The fixture tokenizer.json documents and a WordLevel one, parsed once. */
export function baseHfTokenizerJSON(): Record<string, unknown>[] {
  bases ??= [
    ...FIXTURES.map((n) => JSON.parse(readFileSync(fixture(n, 'tokenizer.json'), 'utf8')) as Record<string, unknown>),
    {
      version: '1.0', truncation: null, padding: null,
      added_tokens: [{ id: 0, content: '[PAD]', single_word: false, lstrip: false, rstrip: false, normalized: false, special: true }],
      normalizer: { type: 'Lowercase' }, pre_tokenizer: { type: 'Whitespace' }, post_processor: null, decoder: null,
      model: { type: 'WordLevel', vocab: { '[PAD]': 0, '[UNK]': 1, the: 2, cat: 3, sat: 4 }, unk_token: '[UNK]' },
    },
  ];
  return bases;
}

const base = fc.integer({ min: 0, max: FIXTURES.length }).map((i) => baseHfTokenizerJSON()[i]!);

/** Text with what tokenizers trip on: Unicode of every plane, whitespace runs, digits, specials' look-alikes. */
const text = fc.oneof(
  fc.string({ unit: 'binary', maxLength: 24 }),
  fc.string({ unit: 'grapheme', maxLength: 12 }),
  fc.constantFrom('', ' ', '\u0000', '\t\n  \r', 'Hello world', '12345 678', '<|endoftext|>', '[CLS] [SEP] [MASK]', '<s></s>', '▁x', 'Ġ', '##s', 'naïve café 自注意力 🚀'),
);

/** Messages start with the file and say where in it (`$.model.vocab…`) or which field is wrong. */
const NAMES_FILE_AND_FIELD = new RegExp(`^${FILE.replace(/[.]/g, '\\.')}: (\\$|no "model" field|a tokenizer\\.json must be an object)`);

/** A loaded tokenizer must work on any text: ids it can name, decode of them a string. */
function works(tok: HfTokenizer, texts: readonly string[], input: unknown): void {
  const where = `a tokenizer loaded from ${preview(input)}`;
  if (!Number.isInteger(tok.vocabSize) || tok.vocabSize < 0) throw new Error(`${where}: vocabSize ${tok.vocabSize}`);
  for (const t of texts) {
    const enc = tok.encodeWithPieces(t);
    for (const id of enc.ids) if (!Number.isInteger(id) || id < 0) throw new Error(`${where}: id ${id} for ${JSON.stringify(t)}`);
    if (enc.pieces.some((p) => typeof p !== 'string')) throw new Error(`${where}: a piece that is not a string`);
    if (typeof tok.decode(enc.ids) !== 'string' || typeof tok.decode(enc.ids, { skipSpecialTokens: true }) !== 'string') throw new Error(`${where}: decode did not give a string`);
  }
  const ids = Array.from({ length: Math.min(tok.vocabSize, 64) }, (_, i) => i);
  if (typeof tok.decode(ids) !== 'string') throw new Error(`${where}: decode of ids 0…${ids.length - 1}`);
}

function loads(json: unknown, texts: readonly string[]): boolean {
  const tok = refusedOr(() => new HfTokenizer(json, FILE), [], NAMES_FILE_AND_FIELD, () => preview(json));
  if (tok !== undefined) refusedOr(() => works(tok, texts, json), [], /^HfTokenizer\.|: /, () => preview(json));
  return true;
}

/** A component slot replaced by something else: unknown types, wrong shapes, nested garbage. */
const component = fc.oneof(
  nastyValue,
  fc.record({ type: fc.oneof(fc.string({ maxLength: 8 }), fc.constantFrom('BPE', 'WordPiece', 'Unigram', 'Sequence', 'ByteLevel', 'Metaspace', 'Split', 'Replace', 'NFKC', 'Template', 'TemplateProcessing')) }),
  fc.record({ type: fc.constantFrom('Sequence'), normalizers: nastyValue, pretokenizers: nastyValue, decoders: nastyValue, processors: nastyValue }),
  fc.record({ type: fc.constantFrom('Split', 'Replace'), pattern: fc.oneof(nastyValue, fc.record({ Regex: fc.oneof(nastyValue, fc.constantFrom('(', '[', '(?i:a)', '\\p{L}+', '(?<x>a)')) }), fc.record({ String: nastyValue })), content: nastyValue, behavior: nastyValue, invert: nastyValue }),
  fc.record({ type: fc.constantFrom('TemplateProcessing'), single: nastyValue, pair: nastyValue, special_tokens: nastyValue }),
);

const SLOTS = ['normalizer', 'pre_tokenizer', 'post_processor', 'decoder', 'model', 'added_tokens', 'truncation', 'padding'] as const;
const MODEL_FIELDS = ['type', 'vocab', 'merges', 'unk_token', 'byte_fallback', 'ignore_merges', 'continuing_subword_prefix', 'end_of_word_suffix', 'dropout', 'fuse_unk', 'max_input_chars_per_word'] as const;

/** Vocabularies at the edges: empty, one entry, ids out of range or repeated, huge. */
const vocab = fc.oneof(
  fc.constantFrom({}, { a: 0 }, { a: -1 }, { a: 1.5 }, { a: 0, b: 0 }, { a: 2 ** 40 }, { '': 0 }, { a: '0' }),
  fc.dictionary(fc.string({ unit: 'binary', maxLength: 4 }), fc.integer({ min: -2, max: 300 }), { maxKeys: 40 }),
  fc.integer({ min: 1000, max: 60000 }).map((n) => Object.fromEntries(Array.from({ length: n }, (_, i) => [`t${i}`, i]))),
);

/** Merges in both spellings, broken: pieces missing from the vocabulary, wrong arity, not strings. */
const merges = fc.oneof(
  nastyValue,
  fc.array(fc.oneof(fc.string({ maxLength: 6 }), fc.array(fc.oneof(fc.string({ maxLength: 3 }), nastyValue), { maxLength: 3 }), nastyValue), { maxLength: 12 }),
);

export const HF_TOKENIZER_PROPERTIES: Record<string, () => AnyProperty> = {
  'the fixture documents load and work': () => fc.property(base, fc.array(text, { maxLength: 4 }), loads),
  'structurally mutated documents': () => fc.property(mutatedJson(base), fc.array(text, { maxLength: 3 }), loads),
  'a component replaced by an unknown or malformed one': () =>
    fc.property(fc.tuple(base, fc.constantFrom(...SLOTS), component).map(([j, slot, c]) => ({ ...j, [slot]: c })), fc.array(text, { maxLength: 3 }), loads),
  'a model field with a nasty value, an edge vocabulary or broken merges': () =>
    fc.property(
      fc.tuple(base, fc.constantFrom(...MODEL_FIELDS), fc.oneof(nastyValue, vocab, merges)).map(([j, field, v]) => ({ ...j, model: { ...(j.model as object), [field]: v } })),
      fc.array(text, { maxLength: 3 }),
      loads,
    ),
  'added tokens with bad ids, contents and flags': () =>
    fc.property(
      fc.tuple(base, fc.array(fc.record({ id: fc.oneof(fc.integer({ min: -2, max: 70000 }), nastyValue), content: fc.oneof(fc.string({ unit: 'binary', maxLength: 6 }), nastyValue), special: nastyValue, normalized: nastyValue, lstrip: nastyValue, rstrip: nastyValue, single_word: nastyValue }, { requiredKeys: [] }), { maxLength: 4 }))
        .map(([j, extra]) => ({ ...j, added_tokens: [...((j.added_tokens as unknown[]) ?? []), ...extra] })),
      fc.array(text, { maxLength: 3 }),
      loads,
    ),
  'random JSON values': () => fc.property(fc.jsonValue({ maxDepth: 4 }), fc.array(text, { maxLength: 2 }), loads),
  'decode ∘ encode is the identity on random Unicode (byte-level BPE)': () =>
    // Well-formed strings only: a lone surrogate has no UTF-8 form, so it cannot come back.
    fc.property(fc.constantFrom(0, 1), fc.string({ unit: 'binary', maxLength: 40 }).filter((s) => !/\p{Surrogate}/u.test(s)), (i, s) => {
      const tok = byteLevel()[i]!;
      const back = tok.decode(tok.encode(s), { skipSpecialTokens: true });
      if (back !== s) throw new Error(`${FIXTURES[i]}: decode(encode(${JSON.stringify(s)})) = ${JSON.stringify(back)}`);
      return true;
    }),
  'mutated JSON text, read from a folder by loadPretrainedTokenizer': () =>
    fc.property(mutatedBytes(base.map((j) => new TextEncoder().encode(JSON.stringify(j)))), fc.array(text, { maxLength: 2 }), (bytes, texts) => {
      dir ??= mkdtempSync(join(tmpdir(), 'attn-fuzz-hf-tokenizer-'));
      writeFileSync(join(dir, 'tokenizer.json'), bytes);
      const path = join(dir, 'tokenizer.json');
      const tok = refusedOr(() => loadPretrainedTokenizer(dir!), [], path, () => preview(bytes));
      if (tok !== undefined) refusedOr(() => works(tok, texts, preview(bytes)), [], /^HfTokenizer\.|: /, () => preview(bytes));
      return true;
    }),
};

let dir: string | undefined;
let byteLevelTokenizers: HfTokenizer[] | undefined;
const byteLevel = (): HfTokenizer[] => (byteLevelTokenizers ??= ['gpt2-bytelevel', 'llama3-bytelevel'].map((n) => loadPretrainedTokenizer(fileURLToPath(new URL(`../fixtures/tokenizers/${n}/`, import.meta.url)))));
