/**
 * The tokenizer of a model folder, whichever kind it is: an attn run folder's `tokenizer.json`
 * (attn's own format, any of its tokenizers) or a Hugging Face folder's `tokenizer.json` and
 * `tokenizer_config.json`. No weights are read.
 *
 * ```ts
 * const tok = loadFolderTokenizer('runs/lm');
 * tok.encode('Call me'); // [35, 59, 70, 70, 3, 71, 63]
 * ```
 */
import { RunFolder, RunFolderError } from '../io/run-folder.js';
import { isHuggingFaceFolder } from '../models/hf/load-pretrained.js';
import { exists, joinPath, readText, stat } from '../platform/index.js';
import { loadPretrainedTokenizer } from '../text/hf/load-tokenizer.js';
import type { Tokenizer } from '../text/tokenizer.js';
import { readRunTokenizer } from './text-classifier.js';

export function loadFolderTokenizer(dir: string): Tokenizer {
  if (!exists(dir) || !stat(dir).isDirectory()) throw new RunFolderError(dir, 'no such folder');
  if (!isHuggingFaceFolder(dir) && !holdsHuggingFaceTokenizer(dir)) return readRunTokenizer(new RunFolder(dir));
  try {
    return loadPretrainedTokenizer(dir);
  } catch (err) {
    throw new RunFolderError(dir, (err as Error).message);
  }
}

/**
 * A tokenizer.json as the Hugging Face `tokenizers` library writes it (a `model` object, no attn
 * `type`): a folder may hold only the tokenizer, without a model's config.json.
 */
function holdsHuggingFaceTokenizer(dir: string): boolean {
  const path = joinPath(dir, 'tokenizer.json');
  if (!exists(path)) return false;
  try {
    const json = JSON.parse(readText(path)) as Record<string, unknown> | null;
    return json !== null && typeof json === 'object' && json.type === undefined && typeof json.model === 'object';
  } catch {
    return false; // the run folder reader names the file and the problem
  }
}

/** One token of a text: its id and the piece of text (or token string) it stands for. */
export interface TokenPiece {
  id: number;
  /** The token's string in the vocabulary (GPT-2's byte alphabet shows a space as `Ġ`). */
  piece: string;
}

/**
 * The ids of `text` and the vocabulary string of each, as the model reads them (special tokens a
 * Hugging Face post-processor adds included).
 *
 * ```ts
 * tokenizeWithPieces(tok, 'Hello world'); // [{ id: 15496, piece: 'Hello' }, { id: 995, piece: 'Ġworld' }]
 * ```
 */
export function tokenizeWithPieces(tokenizer: Tokenizer, text: string): TokenPiece[] {
  return tokenizer.encode(text).map((id) => ({ id, piece: tokenizer.idToToken(id) }));
}
