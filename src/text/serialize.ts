// Saving and loading any tokenizer as one JSON file, dispatching on its `type`.

import { randomBytes } from 'node:crypto';
import { readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { basename, dirname, join } from 'node:path';
import { BpeTokenizer } from './bpe-tokenizer.js';
import { CharTokenizer } from './char-tokenizer.js';
import { describe, type Tokenizer } from './tokenizer.js';
import { WordTokenizer } from './word-tokenizer.js';
import { WordPieceTokenizer } from './wordpiece-tokenizer.js';

const LOADERS: Record<string, (json: unknown) => Tokenizer> = {
  word: WordTokenizer.fromJSON,
  char: CharTokenizer.fromJSON,
  bpe: BpeTokenizer.fromJSON,
  wordpiece: WordPieceTokenizer.fromJSON,
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
 * Writes `tok` as JSON to `path`. Atomic: the JSON goes to a temporary file in the same folder
 * first and is then renamed over `path`, so a crash never leaves a half-written tokenizer (a
 * rename within one file system is atomic; across folders it might not be).
 *
 * @example
 * saveTokenizer('runs/news/tokenizer.json', tok);
 */
export function saveTokenizer(path: string, tok: Tokenizer): void {
  const text = JSON.stringify(tok.toJSON());
  const tmp = join(dirname(path), `.${basename(path)}.${process.pid}.${randomBytes(4).toString('hex')}.tmp`);
  try {
    writeFileSync(tmp, text, 'utf8');
    renameSync(tmp, path);
  } catch (e) {
    rmSync(tmp, { force: true });
    throw new Error(`saveTokenizer: cannot write ${path}: ${(e as Error).message}`);
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
    text = readFileSync(path, 'utf8');
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
