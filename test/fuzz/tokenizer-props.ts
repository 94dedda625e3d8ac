/**
 * Fuzz properties of the tokenizer JSON readers (tokenizerFromJSON for word, char, BPE and
 * WordPiece, and loadTokenizer for the file): structurally mutated `toJSON()` outputs (fields
 * dropped, replaced by wrong types, huge or negative numbers, duplicated entries, `__proto__`
 * keys), random JSON, and mutated JSON text. Each must be refused with an Error naming the reader
 * and the field, or give a tokenizer that works: it encodes and decodes text, every id in
 * [0, vocabSize), without throwing.
 */
import fc from 'fast-check';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  BpeTokenizer, CharTokenizer, WordPieceTokenizer, WordTokenizer, loadTokenizer, tokenizerFromJSON, type Tokenizer, type TokenizerJSON,
} from '../../src/text/index.js';
import { mutatedBytes, mutatedJson, nastyValue, preview, refusedOr, type AnyProperty } from './kit.js';

const CORPUS = ['The cat sat on the mat.', '自注意力 is self-attention 🚀', 'Cats and dogs, naïve café.', 'the the the cat'];
const PROBES = ['the cat and the dog', '注意力 café 🚀!', '', 'unseen zebra ##s [UNK]', '\u0000\uFFFD \t\n'];

/** One JSON of each kind and option set, made once. */
let bases: TokenizerJSON[] | undefined;
export function baseTokenizerJSON(): TokenizerJSON[] {
  bases ??= [
    new WordTokenizer({ numWords: 8, oovToken: '<OOV>' }).fitOnTexts(CORPUS),
    new WordTokenizer({ charLevel: true, lower: false }).fitOnTexts(CORPUS),
    new CharTokenizer({ lower: true, minFrequency: 1 }).fitOnTexts(CORPUS),
    BpeTokenizer.train(CORPUS, { vocabSize: 290, minFrequency: 1 }),
    WordPieceTokenizer.fromVocabText('[PAD]\n[UNK]\n[CLS]\n[SEP]\nthe\ncat\n##s\nca\n##t\n', { lowercase: true, stripAccents: false }),
  ].map((t) => JSON.parse(JSON.stringify(t.toJSON())) as TokenizerJSON);
  return bases;
}

/** Messages must name the reader (`tokenizerFromJSON: …`, `BpeTokenizer.fromJSON: …`, or the
 * tokenizer for its constructor's checks of the loaded vocabulary, `BpeTokenizer: …`). */
const NAMES_READER = /^(tokenizerFromJSON|(Word|Char|Bpe|WordPiece)Tokenizer(\.fromJSON)?): /;

/** A loaded tokenizer must work: encode/tokenize/decode any text, ids within the vocabulary. */
function works(tok: Tokenizer, input: unknown): void {
  const where = `a tokenizer loaded from ${preview(input)}`;
  if (!Number.isInteger(tok.vocabSize) || tok.vocabSize < 1) throw new Error(`${where}: vocabSize ${tok.vocabSize}`);
  for (const text of PROBES) {
    const ids = tok.encode(text);
    for (const id of ids) if (!Number.isInteger(id) || id < 0 || id >= tok.vocabSize) throw new Error(`${where}: id ${id} out of [0, ${tok.vocabSize})`);
    const tokens = tok.tokenize(text);
    if (tokens.length !== ids.length) throw new Error(`${where}: tokenize gave ${tokens.length} tokens for ${ids.length} ids`);
    if (typeof tok.decode(ids) !== 'string') throw new Error(`${where}: decode did not give a string`);
  }
  for (let id = 0; id < Math.min(tok.vocabSize, 400); id++) if (typeof tok.idToToken(id) !== 'string') throw new Error(`${where}: idToToken(${id})`);
  // What it writes, it reads back.
  tokenizerFromJSON(JSON.parse(JSON.stringify(tok.toJSON())));
}

function loads(json: unknown): boolean {
  const tok = refusedOr(() => tokenizerFromJSON(json), [], NAMES_READER, () => preview(json));
  if (tok !== undefined) works(tok, json);
  return true;
}

const base = fc.integer({ min: 0, max: 4 }).map((i) => baseTokenizerJSON()[i]!);

let dir: string | undefined;
/** loadTokenizer on `text` written to a file: refused with the path named, or a working tokenizer. */
function loadsFile(bytes: Uint8Array): boolean {
  dir ??= mkdtempSync(join(tmpdir(), 'attn-fuzz-tokenizer-'));
  const path = join(dir, 'tokenizer.json');
  writeFileSync(path, bytes);
  const tok = refusedOr(() => loadTokenizer(path), [], path, () => preview(bytes));
  if (tok !== undefined) works(tok, preview(bytes));
  return true;
}

const utf8 = new TextEncoder();

export const TOKENIZER_PROPERTIES: Record<string, () => AnyProperty> = {
  'the unmutated JSON of every kind loads and works': () => fc.property(base, loads),
  'structurally mutated JSON of every kind': () => fc.property(mutatedJson(base), loads),
  'a field of the right name with a nasty value': () =>
    fc.property(
      fc.tuple(base, nastyValue, fc.nat()).map(([json, v, k]) => {
        const keys = Object.keys(json);
        return { ...json, [keys[k % keys.length]!]: v };
      }),
      loads,
    ),
  'random JSON values and objects with a known type': () =>
    fc.property(
      fc.oneof(
        fc.jsonValue({ maxDepth: 3 }),
        fc.record({ type: fc.constantFrom('word', 'char', 'bpe', 'wordpiece'), version: fc.constantFrom(1, 2, '1'), config: nastyValue, vocab: nastyValue }),
      ),
      loads,
    ),
  'mutated JSON text, read by loadTokenizer': () =>
    fc.property(mutatedBytes(base.map((j) => utf8.encode(JSON.stringify(j)))), (bytes) => loadsFile(bytes)),
};
