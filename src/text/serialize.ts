// Saving and loading any tokenizer as one JSON file, dispatching on its `type`.

// The JSON codec is `tokenizerFromJSON` / `tok.toJSON()`; the file functions read and write
// through the platform seam.

import { writeFileAtomic } from '../io/atomic-write.js';
import { readText } from '../platform/index.js';
import { BpeTokenizer } from './bpe-tokenizer.js';
import { CharTokenizer } from './char-tokenizer.js';
import { HfTokenizer } from './hf/hf-tokenizer.js';
import { describe, type Tokenizer } from './tokenizer.js';
import { WordTokenizer } from './word-tokenizer.js';
import { WordPieceTokenizer } from './wordpiece-tokenizer.js';

const LOADERS: Record<string, (json: unknown) => Tokenizer> = {
  word: WordTokenizer.fromJSON,
  char: CharTokenizer.fromJSON,
  bpe: BpeTokenizer.fromJSON,
  wordpiece: WordPieceTokenizer.fromJSON,
  // A Hugging Face tokenizer.json, kept whole inside attn's own tokenizer file.
  hf: (json) => HfTokenizer.fromJSON(json as Parameters<typeof HfTokenizer.fromJSON>[0]),
};

/**
 * Rebuilds a tokenizer of any kind from its `toJSON()` output, by its `type` field.
 *
 * @example
 * const copy = tokenizerFromJSON(JSON.parse(JSON.stringify(tok.toJSON())));
 * copy.encode('same ids'); // equals tok.encode('same ids')
 */
export function tokenizerFromJSON(json: unknown): Tokenizer {
  if (typeof json !== 'object' || json === null || Array.isArray(json)) {
    throw new Error(`tokenizerFromJSON: expected an object with a "type" field, got ${describe(json)}`);
  }
  const type = (json as { type?: unknown }).type;
  const load = typeof type === 'string' && Object.hasOwn(LOADERS, type) ? LOADERS[type] : undefined;
  if (load === undefined) {
    throw new Error(`tokenizerFromJSON: unknown tokenizer type ${describe(type)} (expected one of ${Object.keys(LOADERS).join(', ')})`);
  }
  return load(json);
}

/**
 * Writes `tok` as JSON to `path`. Atomic (io/atomic-write.ts): the JSON goes to a temporary file
 * in the same folder, is flushed to disk and then renamed over `path`, so a crash never leaves a
 * half-written tokenizer.
 *
 * @example
 * saveTokenizer('runs/news/tokenizer.json', tok);
 */
export function saveTokenizer(path: string, tok: Tokenizer): void {
  const text = JSON.stringify(tok.toJSON());
  try {
    writeFileAtomic(path, text);
  } catch (e) {
    // writeFileAtomic's message is "cannot write <path>: <why>"; keep its code (ENOENT, ...).
    throw Object.assign(new Error(`saveTokenizer: ${(e as Error).message}`, { cause: e }), { code: (e as { code?: unknown }).code });
  }
}

/**
 * Reads a tokenizer written by `saveTokenizer`. Errors name the file and what is wrong with it
 * (unreadable, not JSON, unknown type, bad field).
 *
 * @example
 * const tok = loadTokenizer('runs/news/tokenizer.json');
 */
export function loadTokenizer(path: string): Tokenizer {
  let text: string;
  try {
    text = readText(path);
  } catch (e) {
    throw new Error(`loadTokenizer: cannot read ${path}: ${(e as Error).message}`);
  }
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (e) {
    throw new Error(`loadTokenizer: ${path} is not valid JSON: ${(e as Error).message}`);
  }
  try {
    return tokenizerFromJSON(json);
  } catch (e) {
    throw new Error(`loadTokenizer: ${path}: ${(e as Error).message}`);
  }
}
