// tokenizer.json decoders (tokenizers' src/decoders/): token strings → text. Each step maps the
// list of token strings to a new list (`decode_chain`); the result is their concatenation.

import { decodeByteLevelTokens } from './byte-level.js';
import { compilePattern } from './regex.js';
import { asSpec, at, child, getArray, getBool, getInt, getString, unsupported, type Where } from './spec.js';

/** One decoding step over the token strings. */
export type Decoder = (tokens: string[]) => string[];

export const DECODER_TYPES = ['Sequence', 'ByteLevel', 'Metaspace', 'WordPiece', 'ByteFallback', 'Fuse', 'Strip', 'Replace', 'BPEDecoder'] as const;

const BYTE_TOKEN = /^<0x([0-9A-Fa-f]{2})>$/;

// tokenizers' decoders/wordpiece.rs `cleanup`: undo the spaces BERT's tokenization put around
// punctuation and English contractions.
function cleanup(s: string): string {
  return s
    .replaceAll(' .', '.').replaceAll(' ?', '?').replaceAll(' !', '!').replaceAll(' ,', ',').replaceAll(" ' ", "'")
    .replaceAll(" n't", "n't").replaceAll(" 'm", "'m").replaceAll(' do not', " don't").replaceAll(" 's", "'s")
    .replaceAll(" 've", "'ve").replaceAll(" 're", "'re");
}

/**
 * Builds the decoder a tokenizer.json `decoder` field describes (null: none; tokens are then
 * joined with spaces by the caller, as tokenizers does).
 *
 * @example
 * const d = buildDecoder({ type: 'ByteLevel' }, { file: 'tokenizer.json', path: 'decoder' })!;
 * d(['Hello', 'Ġworld']).join(''); // 'Hello world'
 */
export function buildDecoder(value: unknown, where: Where): Decoder | null {
  if (value === null || value === undefined) return null;
  const spec = asSpec(value, where, 'decoder');
  switch (spec.type) {
    case 'Sequence': {
      const fns = getArray(spec, 'decoders', where).map((d, i) => buildDecoder(d, child(child(where, 'decoders'), i))).filter((f): f is Decoder => f !== null);
      return (tokens) => fns.reduce((t, f) => f(t), tokens);
    }
    case 'ByteLevel':
      // All tokens' bytes decode together, so a character split over tokens comes back whole.
      // A token with a character outside the byte table (an added token such as "<|你好|>")
      // contributes its own UTF-8 instead, as tokenizers does.
      return (tokens) => [decodeByteLevelTokens(tokens)];
    case 'Metaspace': {
      const replacement = getString(spec, 'replacement', where, '\u2581');
      const legacy = getBool(spec, 'add_prefix_space', where, true);
      const scheme = getString(spec, 'prepend_scheme', where, legacy ? 'always' : 'never');
      // tokenizers drops every ▁ of the first token (not only a leading one) unless the scheme
      // is "never"; the others become spaces.
      return (tokens) => tokens.map((t, i) => t.replaceAll(replacement, i === 0 && scheme !== 'never' ? '' : ' '));
    }
    case 'WordPiece': {
      const prefix = getString(spec, 'prefix', where, '##');
      const clean = getBool(spec, 'cleanup', where, true);
      return (tokens) =>
        tokens.map((t, i) => {
          let s = t;
          if (i !== 0) s = s.startsWith(prefix) ? s.slice(prefix.length) : ` ${s}`;
          return clean ? cleanup(s) : s;
        });
    }
    case 'ByteFallback':
      // Runs of <0xXX> tokens become the text their bytes spell; invalid UTF-8 gives one U+FFFD
      // per byte, as tokenizers' decoders/byte_fallback.rs does.
      return (tokens) => {
        const out: string[] = [];
        let bytes: number[] = [];
        const flush = (): void => {
          if (bytes.length === 0) return;
          try {
            out.push(new TextDecoder('utf-8', { fatal: true }).decode(new Uint8Array(bytes)));
          } catch {
            for (let k = 0; k < bytes.length; k++) out.push('\ufffd');
          }
          bytes = [];
        };
        for (const t of tokens) {
          const m = BYTE_TOKEN.exec(t);
          if (m) bytes.push(parseInt(m[1]!, 16));
          else {
            flush();
            out.push(t);
          }
        }
        flush();
        return out;
      };
    case 'Fuse':
      return (tokens) => [tokens.join('')];
    case 'Strip': {
      const content = getString(spec, 'content', where);
      const start = getInt(spec, 'start', where, 0);
      const stop = getInt(spec, 'stop', where, 0);
      return (tokens) =>
        tokens.map((t) => {
          const chars = Array.from(t);
          let a = 0;
          while (a < start && chars[a] === content) a++;
          let b = chars.length;
          while (chars.length - b < stop && b > a && chars[b - 1] === content) b--;
          return chars.slice(a, b).join('');
        });
    }
    case 'Replace': {
      const re = compilePattern(spec.pattern, at(where, 'pattern'));
      const content = getString(spec, 'content', where);
      return (tokens) => tokens.map((t) => t.replace(re, () => content));
    }
    case 'BPEDecoder': {
      const suffix = getString(spec, 'suffix', where, '</w>');
      return (tokens) => tokens.map((t, i) => t.replaceAll(suffix, i === tokens.length - 1 ? '' : ' '));
    }
    default:
      throw unsupported(where, 'decoder', spec.type, DECODER_TYPES);
  }
}
