// tokenizer.json normalizers (tokenizers' src/normalizers/): string → string, run on each piece
// of text between added tokens before pre-tokenization.

import { toByteLevel } from './byte-level.js';
import { compilePattern } from './regex.js';
import { asSpec, child, getArray, getBool, getString, unsupported, type Spec, type Where } from './spec.js';

/** A normalizer: the text as the model sees it. */
export type Normalizer = (text: string) => string;

export const NORMALIZER_TYPES = [
  'Sequence', 'NFC', 'NFD', 'NFKC', 'NFKD', 'Lowercase', 'Strip', 'StripAccents', 'Replace', 'Prepend', 'BertNormalizer', 'ByteLevel',
] as const;

// tokenizers' bert.rs `is_chinese_char`. Its fifth range starts at 0x2B920 (Google's BERT has
// 0x2B820); we copy tokenizers, whose ids the checkpoints on the hub were made with.
function isChineseChar(cp: number): boolean {
  return (
    (cp >= 0x4e00 && cp <= 0x9fff) || (cp >= 0x3400 && cp <= 0x4dbf) || (cp >= 0x20000 && cp <= 0x2a6df) ||
    (cp >= 0x2a700 && cp <= 0x2b73f) || (cp >= 0x2b740 && cp <= 0x2b81f) || (cp >= 0x2b920 && cp <= 0x2ceaf) ||
    (cp >= 0xf900 && cp <= 0xfaff) || (cp >= 0x2f800 && cp <= 0x2fa1f)
  );
}

const OTHER = /\p{C}/u; // Rust's char::is_other: Cc, Cf, Cs, Co, Cn
const WHITE = /\p{White_Space}/u;
const MARKS = /\p{M}/gu; // StripAccents: unicode-normalization's is_combining_mark (General_Category = Mark)
const NONSPACING = /\p{Mn}/gu; // BertNormalizer: char::is_mark_nonspacing

/**
 * Lowercase one code point at a time, as Rust's `char::to_lowercase` does: JavaScript's
 * `toLowerCase` on a whole string turns a word-final Σ into ς, tokenizers gives σ.
 */
function lowercase(text: string): string {
  let out = '';
  for (const ch of text) out += ch.toLowerCase();
  return out;
}

/**
 * BertNormalizer (tokenizers' normalizers/bert.rs), in its order: clean_text drops NUL, U+FFFD
 * and other (C*) characters except tab, newline and carriage return, then turns whitespace into
 * ' '; handle_chinese_chars puts spaces around CJK ideographs; strip_accents (default: same as
 * lowercase) is NFD then drop nonspacing marks (Mn); lowercase.
 */
function bertNormalizer(spec: Spec, where: Where): Normalizer {
  const cleanText = getBool(spec, 'clean_text', where, true);
  const chinese = getBool(spec, 'handle_chinese_chars', where, true);
  const lower = getBool(spec, 'lowercase', where, true);
  const strip = getBool(spec, 'strip_accents', where, lower);
  return (text) => {
    let out = '';
    for (const ch of text) {
      const cp = ch.codePointAt(0)!;
      if (cleanText) {
        const tabOrNewline = ch === '\t' || ch === '\n' || ch === '\r';
        // The filter runs first: U+0085 is both Cc and White_Space, and is dropped.
        if (cp === 0 || cp === 0xfffd || (!tabOrNewline && OTHER.test(ch))) continue;
        if (tabOrNewline || WHITE.test(ch)) {
          out += ' ';
          continue;
        }
      }
      if (chinese && isChineseChar(cp)) out += ` ${ch} `;
      else out += ch;
    }
    if (strip) out = out.normalize('NFD').replace(NONSPACING, '');
    if (lower) out = lowercase(out);
    return out;
  };
}

/**
 * Builds the normalizer a tokenizer.json `normalizer` field describes (null: none).
 *
 * @example
 * const n = buildNormalizer({ type: 'Sequence', normalizers: [{ type: 'NFD' }, { type: 'StripAccents' }, { type: 'Lowercase' }] }, { file: 'tokenizer.json', path: 'normalizer' });
 * n!('Héllo'); // 'hello'
 */
export function buildNormalizer(value: unknown, where: Where): Normalizer | null {
  if (value === null || value === undefined) return null;
  const spec = asSpec(value, where, 'normalizer');
  switch (spec.type) {
    case 'Sequence': {
      const parts = getArray(spec, 'normalizers', where).map((n, i) => buildNormalizer(n, child(child(where, 'normalizers'), i)));
      const fns = parts.filter((f): f is Normalizer => f !== null);
      return (text) => fns.reduce((t, f) => f(t), text);
    }
    case 'NFC':
    case 'NFD':
    case 'NFKC':
    case 'NFKD': {
      const form = spec.type;
      return (text) => text.normalize(form);
    }
    case 'Lowercase':
      return lowercase;
    case 'Strip': {
      const left = getBool(spec, 'strip_left', where, true);
      const right = getBool(spec, 'strip_right', where, true);
      return (text) => {
        let t = text;
        if (left) t = t.replace(/^\p{White_Space}+/u, '');
        if (right) t = t.replace(/\p{White_Space}+$/u, '');
        return t;
      };
    }
    case 'StripAccents':
      return (text) => text.replace(MARKS, '');
    case 'Replace': {
      const re = compilePattern(spec.pattern, `${where.file}: ${where.path}.pattern`);
      const content = getString(spec, 'content', where);
      return (text) => text.replace(re, () => content);
    }
    case 'Prepend': {
      const prepend = getString(spec, 'prepend', where);
      return (text) => (text.length > 0 ? prepend + text : text);
    }
    case 'BertNormalizer':
      return bertNormalizer(spec, where);
    case 'ByteLevel':
      return toByteLevel;
    default:
      throw unsupported(where, 'normalizer', spec.type, NORMALIZER_TYPES);
  }
}

