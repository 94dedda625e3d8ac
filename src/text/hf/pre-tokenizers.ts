// tokenizer.json pre-tokenizers (tokenizers' src/pre_tokenizers/): cut normalized text into the
// words the model encodes one by one.

import { toByteLevel } from './byte-level.js';
import { BERT_PUNCTUATION, compilePattern, findMatches, onigToJs, parseBehavior, splitSpans, WHITESPACE, type SplitBehavior } from './regex.js';
import { asSpec, at, child, getArray, getBool, getString, unsupported, type Where } from './spec.js';

/**
 * A piece of text on its way to the model. `atStart` is true when it begins at offset 0 of the
 * input (what Metaspace's `prepend_scheme: "first"` looks at).
 */
export interface Piece {
  text: string;
  atStart: boolean;
}

/** A pre-tokenizer: pieces in, finer pieces out. */
export type PreTokenizer = (pieces: Piece[]) => Piece[];

export const PRE_TOKENIZER_TYPES = [
  'Sequence', 'ByteLevel', 'Split', 'Metaspace', 'BertPreTokenizer', 'Whitespace', 'WhitespaceSplit', 'Digits', 'Punctuation', 'CharDelimiterSplit',
] as const;

/** GPT-2's pattern (tokenizers' byte_level.rs), in Oniguruma syntax. */
export const GPT2_PATTERN = "'s|'t|'re|'ve|'m|'ll|'d| ?\\p{L}+| ?\\p{N}+| ?[^\\s\\p{L}\\p{N}]+|\\s+(?!\\S)|\\s+";
const GPT2_REGEX = new RegExp(onigToJs(GPT2_PATTERN, 'GPT-2 pattern'), 'gu');

/** Splits every piece with `re`, keeping delimiters as `behavior` says. */
function splitEach(pieces: Piece[], re: RegExp, behavior: SplitBehavior, invert = false): Piece[] {
  const out: Piece[] = [];
  for (const p of pieces) {
    for (const s of splitSpans(p.text, findMatches(p.text, re, invert), behavior)) {
      out.push({ text: s.text, atStart: p.atStart && s.start === 0 });
    }
  }
  return out;
}

/** Splits on every character for which `test` holds (one match per character). */
function charRegex(test: RegExp): RegExp {
  return new RegExp(test.source, 'gu');
}

/**
 * Builds the pre-tokenizer a tokenizer.json `pre_tokenizer` field describes (null: none).
 *
 * @example
 * const pre = buildPreTokenizer({ type: 'WhitespaceSplit' }, { file: 'tokenizer.json', path: 'pre_tokenizer' })!;
 * pre([{ text: 'a  b', atStart: true }]).map((p) => p.text); // ['a', 'b']
 */
export function buildPreTokenizer(value: unknown, where: Where): PreTokenizer | null {
  if (value === null || value === undefined) return null;
  const spec = asSpec(value, where, 'pre_tokenizer');
  switch (spec.type) {
    case 'Sequence': {
      const list = getArray(spec, 'pretokenizers', where);
      const fns = list.map((p, i) => buildPreTokenizer(p, child(child(where, 'pretokenizers'), i))).filter((f): f is PreTokenizer => f !== null);
      return (pieces) => fns.reduce((ps, f) => f(ps), pieces);
    }
    case 'ByteLevel': {
      // Each piece gets a leading space when asked (not only the first: tokenizers prepends to
      // every piece it is given), is cut with GPT-2's regex, then written as byte-level chars.
      const prefix = getBool(spec, 'add_prefix_space', where, true);
      const useRegex = getBool(spec, 'use_regex', where, true);
      return (pieces) => {
        let ps = prefix ? pieces.map((p) => ({ text: p.text.startsWith(' ') ? p.text : ` ${p.text}`, atStart: p.atStart })) : pieces;
        if (useRegex) ps = splitEach(ps, GPT2_REGEX, 'Isolated');
        return ps.map((p) => ({ text: toByteLevel(p.text), atStart: p.atStart }));
      };
    }
    case 'Split': {
      const re = compilePattern(spec.pattern, at(where, 'pattern'));
      const behavior = parseBehavior(spec.behavior, at(where, 'behavior'));
      const invert = getBool(spec, 'invert', where, false);
      return (pieces) => splitEach(pieces, re, behavior, invert);
    }
    case 'Metaspace': {
      const replacement = getString(spec, 'replacement', where, '\u2581');
      // Files from before prepend_scheme existed say add_prefix_space instead.
      const legacy = getBool(spec, 'add_prefix_space', where, true);
      const scheme = getString(spec, 'prepend_scheme', where, legacy ? 'always' : 'never');
      if (!['always', 'never', 'first'].includes(scheme)) {
        throw new Error(`${at(where, 'prepend_scheme')} must be "always", "never" or "first", got ${JSON.stringify(scheme)}`);
      }
      const split = getBool(spec, 'split', where, true);
      const splitRe = compilePattern({ String: replacement }, at(where));
      return (pieces) => {
        const ps = pieces.map((p) => {
          let text = p.text.replaceAll(' ', replacement);
          const prepend = scheme === 'always' || (scheme === 'first' && p.atStart);
          if (prepend && !text.startsWith(replacement)) text = replacement + text;
          return { text, atStart: p.atStart };
        });
        return split ? splitEach(ps, splitRe, 'MergedWithNext') : ps;
      };
    }
    case 'BertPreTokenizer': {
      const white = charRegex(WHITESPACE);
      const punct = charRegex(BERT_PUNCTUATION);
      return (pieces) => splitEach(splitEach(pieces, white, 'Removed'), punct, 'Isolated');
    }
    case 'Whitespace': {
      const re = new RegExp(onigToJs('\\w+|[^\\w\\s]+', at(where)), 'gu');
      return (pieces) => splitEach(pieces, re, 'Removed', true);
    }
    case 'WhitespaceSplit': {
      const white = charRegex(WHITESPACE);
      return (pieces) => splitEach(pieces, white, 'Removed');
    }
    case 'Digits': {
      const individual = getBool(spec, 'individual_digits', where, false);
      const digit = /\p{N}/gu;
      return (pieces) => splitEach(pieces, digit, individual ? 'Isolated' : 'Contiguous');
    }
    case 'Punctuation': {
      const behavior = parseBehavior(spec.behavior ?? 'Isolated', at(where, 'behavior'));
      const punct = charRegex(BERT_PUNCTUATION);
      return (pieces) => splitEach(pieces, punct, behavior);
    }
    case 'CharDelimiterSplit': {
      const re = compilePattern({ String: getString(spec, 'delimiter', where) }, at(where));
      return (pieces) => splitEach(pieces, re, 'Removed');
    }
    default:
      throw unsupported(where, 'pre_tokenizer', spec.type, PRE_TOKENIZER_TYPES);
  }
}
