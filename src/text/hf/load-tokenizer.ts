// Reading a Hugging Face tokenizer from its files: tokenizer.json (a path or the parsed object),
// a model folder's tokenizer.json with its tokenizer_config.json, or GPT-2's slow vocab.json +
// merges.txt converted as transformers does. The tokenizer itself is hf-tokenizer.ts.

import { joinPath, readText, exists } from '../../platform/index.js';
import { gpt2TokenizerJson } from './gpt2-files.js';
import { HfTokenizer, type HfTokenizerConfig } from './hf-tokenizer.js';

function readJsonFile(path: string, what: string): unknown {
  let text: string;
  try {
    text = readText(path);
  } catch (e) {
    throw new Error(`${path}: cannot read the ${what}: ${(e as Error).message}`);
  }
  if (text.charCodeAt(0) === 0xfeff) text = text.slice(1);
  try {
    return JSON.parse(text);
  } catch (e) {
    throw new Error(`${path}: the ${what} is not valid JSON: ${(e as Error).message}`);
  }
}

/**
 * Reads a Hugging Face `tokenizer.json` (a path, or the parsed object). `config` is the parsed
 * tokenizer_config.json, for the special tokens and the chat template.
 *
 * @example
 * const tok = loadTokenizerJson('models/bert/tokenizer.json');
 * tok.encode('Hello!'); // [101, 7592, 999, 102]
 */
export function loadTokenizerJson(source: string | object, config: HfTokenizerConfig | null = null): HfTokenizer {
  if (typeof source === 'string') return new HfTokenizer(readJsonFile(source, 'tokenizer.json'), source, config);
  return new HfTokenizer(source, '<tokenizer.json object>', config);
}

/**
 * Reads the tokenizer of a Hugging Face model folder: `tokenizer.json`, with
 * `tokenizer_config.json` when present (special tokens, chat template, Llama's
 * add_bos_token/add_eos_token). A folder with only GPT-2's slow files (`vocab.json` and
 * `merges.txt`) is converted as transformers' GPT2Converter does.
 *
 * @example
 * const tok = loadPretrainedTokenizer('models/TinyLlama');
 * tok.bosId;            // 1
 * tok.encode('Hi');     // [1, 6324]
 */
export function loadPretrainedTokenizer(dir: string): HfTokenizer {
  const path = joinPath(dir, 'tokenizer.json');
  const configPath = joinPath(dir, 'tokenizer_config.json');
  const config = exists(configPath) ? (readJsonFile(configPath, 'tokenizer_config.json') as HfTokenizerConfig) : null;
  if (config !== null && (typeof config !== 'object' || Array.isArray(config))) {
    throw new Error(`${configPath}: expected a JSON object, got ${JSON.stringify(config)?.slice(0, 60)}`);
  }
  const vocabPath = joinPath(dir, 'vocab.json');
  const mergesPath = joinPath(dir, 'merges.txt');
  if (!exists(path) && exists(vocabPath) && exists(mergesPath)) {
    // A slow GPT-2-style tokenizer (vocab.json + merges.txt): convert it as transformers does.
    const vocab = readJsonFile(vocabPath, 'vocab.json') as Record<string, number>;
    let merges: string;
    try {
      merges = readText(mergesPath);
    } catch (e) {
      throw new Error(`${mergesPath}: cannot read the merges file: ${(e as Error).message}`);
    }
    const json = gpt2TokenizerJson(vocab, merges, { addPrefixSpace: config?.add_prefix_space === true });
    return new HfTokenizer(json, `${vocabPath} + merges.txt`, config);
  }
  if (!exists(path)) {
    const slow = ['tokenizer.model', 'vocab.json', 'vocab.txt', 'sentencepiece.bpe.model', 'spiece.model'].filter((f) => exists(joinPath(dir, f)));
    throw new Error(
      `${dir}: no tokenizer.json` +
        (slow.length > 0
          ? ` (found ${slow.join(', ')}: attn reads only the fast-tokenizer file; save one with transformers' tokenizer.save_pretrained)`
          : ''),
    );
  }
  return new HfTokenizer(readJsonFile(path, 'tokenizer.json'), path, config);
}
