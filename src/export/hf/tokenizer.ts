/**
 * attn's tokenizers as a Hugging Face `tokenizer.json` (the `tokenizers` library's format), so the
 * exported folder tokenizes in transformers (`AutoTokenizer`), transformers.js, vLLM and TGI as
 * attn did:
 * - `hf` (a tokenizer.json read by attn): the original file, and tokenizer_config.json when kept.
 * - `bpe` (attn's byte-level BPE): a BPE model with the same vocabulary (special tokens first,
 *   then the 256 bytes and the merges, ids unchanged) and merges, attn's pre-tokenizer regex as a
 *   `Split` (GPT-2's, with combining marks counted as letters) then `ByteLevel` without its own
 *   regex; the special tokens as added tokens. Trap: attn's `encode` never splits special tokens
 *   out of raw text, HF does, so a text containing "<eos>" literally encodes differently.
 * - `char`: a `WordLevel` model over single code points (a `Split` on every code point), the
 *   unknown id 1 as `unk_token`, `Lowercase` when the tokenizer lower-cases, a `Fuse` decoder so
 *   that decoding joins the characters without spaces.
 * - `word` and `wordpiece`: not exported (their normalization is attn's own): null with the reason.
 *
 * ```ts
 * const out = hfTokenizerFiles(tokenizer); // { tokenizer: {...}, config: {...} } or { reason }
 * ```
 */
import type { Tokenizer } from '../../text/tokenizer.js';

/** attn's BPE pre-tokenizer (`text/bpe-tokenizer.ts` PRE_TOKENIZE), in the Oniguruma syntax tokenizers reads. */
const BPE_SPLIT = "'(?:[sdmt]|ll|ve|re)| ?[\\p{L}\\p{M}]+| ?\\p{N}+| ?[^\\s\\p{L}\\p{M}\\p{N}]+|\\s+(?!\\S)|\\s+";

export type HfTokenizerFiles =
  | { tokenizer: Record<string, unknown>; config: Record<string, unknown>; reason?: undefined }
  | { tokenizer?: undefined; config?: undefined; reason: string };

function addedToken(id: number, content: string): Record<string, unknown> {
  return { id, content, single_word: false, lstrip: false, rstrip: false, normalized: false, special: true };
}

/**
 * tokenizer.json and tokenizer_config.json for a tokenizer, or the reason it cannot be exported.
 *
 * ```ts
 * const files = hfTokenizerFiles(bpe);
 * if (files.tokenizer) writeJson('out/tokenizer.json', files.tokenizer);
 * ```
 */
export function hfTokenizerFiles(tok: Tokenizer): HfTokenizerFiles {
  const json = tok.toJSON() as Record<string, unknown>;
  if (json.type === 'hf') {
    const config = (json.config ?? {}) as Record<string, unknown>;
    return { tokenizer: json.tokenizer as Record<string, unknown>, config: { ...config } };
  }
  if (json.type === 'bpe') {
    const specials = json.specialTokens as string[];
    const tokens = [...specials, ...(json.vocab as string[])];
    const vocab: Record<string, number> = {};
    tokens.forEach((t, i) => (vocab[t] = i));
    const has = (t: string) => specials.includes(t);
    return {
      tokenizer: {
        version: '1.0',
        truncation: null,
        padding: null,
        added_tokens: specials.map((t, i) => addedToken(i, t)),
        normalizer: null,
        pre_tokenizer: {
          type: 'Sequence',
          pretokenizers: [
            { type: 'Split', pattern: { Regex: BPE_SPLIT }, behavior: 'Isolated', invert: false },
            { type: 'ByteLevel', add_prefix_space: false, trim_offsets: true, use_regex: false },
          ],
        },
        post_processor: null,
        decoder: { type: 'ByteLevel', add_prefix_space: false, trim_offsets: true, use_regex: false },
        model: { type: 'BPE', dropout: null, unk_token: null, continuing_subword_prefix: null, end_of_word_suffix: null, fuse_unk: false, byte_fallback: false, ignore_merges: false, vocab, merges: json.merges },
      },
      config: {
        tokenizer_class: 'PreTrainedTokenizerFast',
        model_max_length: 1e30,
        ...(has('<pad>') ? { pad_token: '<pad>' } : {}),
        ...(has('<unk>') ? { unk_token: '<unk>' } : {}),
        ...(has('<eos>') ? { eos_token: '<eos>', bos_token: '<eos>' } : {}),
        ...(has('<mask>') ? { mask_token: '<mask>' } : {}),
        ...(has('<cls>') ? { cls_token: '<cls>' } : {}),
        ...(has('<sep>') ? { sep_token: '<sep>' } : {}),
      },
    };
  }
  if (json.type === 'char') {
    const config = json.config as { lower: boolean; unkToken: string; eosToken?: string };
    const specials = ['<pad>', config.unkToken, ...(config.eosToken !== undefined ? [config.eosToken] : [])];
    const chars = json.chars as string[];
    const vocab: Record<string, number> = {};
    specials.forEach((t, i) => (vocab[t] = i));
    chars.forEach((c, i) => (vocab[c] = specials.length + i));
    if (new Set(Object.keys(vocab)).size !== specials.length + chars.length) {
      return { reason: `a special token of the char tokenizer (${specials.join(', ')}) is also one of its characters` };
    }
    return {
      tokenizer: {
        version: '1.0',
        truncation: null,
        padding: null,
        added_tokens: specials.map((t, i) => addedToken(i, t)),
        normalizer: config.lower ? { type: 'Lowercase' } : null,
        // One piece per code point ([\s\S] rather than ".", which skips newlines).
        pre_tokenizer: { type: 'Split', pattern: { Regex: '[\\s\\S]' }, behavior: 'Isolated', invert: false },
        post_processor: null,
        decoder: { type: 'Fuse' },
        model: { type: 'WordLevel', vocab, unk_token: config.unkToken },
      },
      config: {
        tokenizer_class: 'PreTrainedTokenizerFast',
        model_max_length: 1e30,
        pad_token: '<pad>',
        unk_token: config.unkToken,
        ...(config.eosToken !== undefined ? { eos_token: config.eosToken, bos_token: config.eosToken } : {}),
      },
    };
  }
  return { reason: `attn's ${String(json.type)} tokenizer has no tokenizer.json equivalent (exported: hf, bpe, char)` };
}
