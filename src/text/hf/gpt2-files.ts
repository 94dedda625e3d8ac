// GPT-2's original vocabulary files — `encoder.json`/`vocab.bpe` (openai/gpt-2, and npm
// packages that ship them) or `vocab.json`/`merges.txt` (transformers' slow GPT2Tokenizer) —
// turned into the tokenizer.json that transformers' GPT2Converter writes for them.

/** Options of `gpt2TokenizerJson`. */
export interface Gpt2FilesOptions {
  /** Special tokens to register as added tokens (default ['<|endoftext|>'] when in the vocabulary). */
  specialTokens?: string[];
  /** Put a space before the text (`add_prefix_space`, as RoBERTa-style models are used); default false. */
  addPrefixSpace?: boolean;
}

/**
 * The tokenizer.json object for a byte-level BPE given as a token → id map and the text of a
 * merges file (`#version` header and blank lines ignored).
 *
 * @example
 * const json = gpt2TokenizerJson(JSON.parse(readText('encoder.json')), readText('vocab.bpe'));
 * loadTokenizerJson(json).encode('Hello world'); // [15496, 995]
 */
export function gpt2TokenizerJson(vocab: Record<string, number>, mergesText: string, options: Gpt2FilesOptions = {}): Record<string, unknown> {
  if (typeof vocab !== 'object' || vocab === null || Array.isArray(vocab)) {
    throw new Error(`gpt2TokenizerJson: the vocabulary must be an object mapping tokens to ids, got ${JSON.stringify(vocab)?.slice(0, 60)}`);
  }
  const merges = mergesText
    .split(/\r?\n/)
    .filter((line, i) => line.length > 0 && !(i === 0 && line.startsWith('#version')));
  const specials = options.specialTokens ?? ['<|endoftext|>'].filter((t) => Object.hasOwn(vocab, t));
  const byteLevel = { type: 'ByteLevel', add_prefix_space: options.addPrefixSpace ?? false, trim_offsets: true, use_regex: true };
  return {
    version: '1.0',
    truncation: null,
    padding: null,
    added_tokens: specials.map((content) => {
      const id = vocab[content];
      if (id === undefined) throw new Error(`gpt2TokenizerJson: special token ${JSON.stringify(content)} is not in the vocabulary`);
      return { id, content, single_word: false, lstrip: false, rstrip: false, normalized: true, special: true };
    }),
    normalizer: null,
    pre_tokenizer: byteLevel,
    post_processor: { ...byteLevel, trim_offsets: false },
    decoder: byteLevel,
    model: {
      type: 'BPE', dropout: null, unk_token: null, continuing_subword_prefix: '', end_of_word_suffix: '',
      fuse_unk: false, byte_fallback: false, vocab, merges,
    },
  };
}
