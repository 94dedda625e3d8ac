// Regular expressions and string splitting as the Hugging Face `tokenizers` library does them.
//
// tokenizer.json patterns are written for Oniguruma (the Rust library's regex engine). Most of
// them mean the same in a JavaScript RegExp with the `u` flag, with three traps:
// - inline flag groups `(?i:…)` (Llama 3 and Qwen2's split regex) are a syntax error in Node 20:
//   we rewrite each letter inside one as a two-case class (`s` → `[sS]`);
// - `\s` in Oniguruma is the Unicode White_Space property, while JavaScript's `\s` also matches
//   U+FEFF and misses U+0085: we spell it `\p{White_Space}`;
// - `\w`/`\d` are Unicode-aware in Oniguruma and ASCII-only in JavaScript: we spell them with
//   Unicode properties.

const SYNTAX = '^$\\.*+?()[]{}|/';
const WORD_CLASS_BODY = '\\p{Alphabetic}\\p{M}\\p{Nd}\\p{Pc}\\p{Join_Control}';

/**
 * Rewrites an Oniguruma pattern from tokenizer.json into an equivalent JavaScript pattern (to
 * compile with the `u` flag). Throws naming `where` for a construct it cannot translate.
 *
 * @example
 * onigToJs("(?i:'s|'t)|\\s+(?!\\S)", 'pre_tokenizer'); // "(?:'[sS]|'[tT])|\\p{White_Space}+(?!\\P{White_Space})"
 */
export function onigToJs(pattern: string, where: string): string {
  let out = '';
  let inClass = false;
  // Depth stack of open groups; true for a group opened by (?i:, so letters inside fold case.
  const groups: boolean[] = [];
  const caseless = (): boolean => groups.includes(true);
  let i = 0;
  while (i < pattern.length) {
    const c = pattern[i]!;
    if (c === '\\') {
      const n = pattern[i + 1];
      if (n === undefined) throw new Error(`${where}: regex ${JSON.stringify(pattern)} ends with a lone backslash`);
      if (n === 's') out += inClass ? '\\p{White_Space}' : '\\p{White_Space}';
      else if (n === 'S') out += '\\P{White_Space}';
      else if (n === 'd') out += '\\p{Nd}';
      else if (n === 'D') out += '\\P{Nd}';
      else if (n === 'w') out += inClass ? WORD_CLASS_BODY : `[${WORD_CLASS_BODY}]`;
      else if (n === 'W') {
        if (inClass) throw new Error(`${where}: regex ${JSON.stringify(pattern)}: \\W inside a character class is not supported`);
        out += `[^${WORD_CLASS_BODY}]`;
      } else if (n === 'p' || n === 'P') {
        // \p{L} … copy the whole property escape.
        const close = pattern.indexOf('}', i);
        if (pattern[i + 2] !== '{' || close < 0) throw new Error(`${where}: regex ${JSON.stringify(pattern)}: bad \\${n} escape at ${i}`);
        out += pattern.slice(i, close + 1);
        i = close + 1;
        continue;
      } else if (n === 'A') out += '^';
      else if (n === 'z' || n === 'Z') out += '$';
      else if (n === 'x' && pattern[i + 2] === '{') {
        // \x{263A} in Oniguruma is \u{263A} in JavaScript.
        const close = pattern.indexOf('}', i);
        out += `\\u${pattern.slice(i + 2, close + 1)}`;
        i = close + 1;
        continue;
      } else if (/[A-Za-z0-9]/.test(n) || SYNTAX.includes(n) || (inClass && n === '-')) out += c + n;
      // With the u flag JavaScript rejects escapes of other characters (\' or \ ): write the
      // character itself, which is what Oniguruma means by them.
      else out += n;
      i += 2;
      continue;
    }
    if (inClass) {
      if (c === ']') inClass = false;
      if (caseless() && /[a-zA-Z]/.test(c)) out += c.toLowerCase() + c.toUpperCase();
      else out += c;
      i += 1;
      continue;
    }
    if (c === '[') {
      inClass = true;
      out += c;
      // A ']' right after '[' or '[^' is a literal in Oniguruma.
      if (pattern[i + 1] === '^') { out += '^'; i += 1; }
      if (pattern[i + 1] === ']') { out += '\\]'; i += 1; }
      i += 1;
      continue;
    }
    if (c === '(') {
      if (pattern.startsWith('(?i:', i)) {
        groups.push(true);
        out += '(?:';
        i += 4;
        continue;
      }
      if (/^\(\?[imx-]+[:)]/.test(pattern.slice(i))) {
        throw new Error(`${where}: regex ${JSON.stringify(pattern)}: inline flags ${pattern.slice(i, i + 6)}… are not supported (only (?i:…))`);
      }
      if (pattern.startsWith('(?>', i)) throw new Error(`${where}: regex ${JSON.stringify(pattern)}: atomic groups (?>…) are not supported`);
      groups.push(false);
      out += c;
      i += 1;
      continue;
    }
    if (c === ')') {
      groups.pop();
      out += c;
      i += 1;
      continue;
    }
    if ((c === '+' || c === '*' || c === '?' || c === '}') && pattern[i + 1] === '+') {
      throw new Error(`${where}: regex ${JSON.stringify(pattern)}: possessive quantifiers (${c}+) are not supported`);
    }
    if (caseless() && /[a-zA-Z]/.test(c)) out += `[${c.toLowerCase()}${c.toUpperCase()}]`;
    else out += c;
    i += 1;
  }
  return out;
}

/**
 * Compiles a tokenizer.json pattern object (`{"Regex": "…"}` or `{"String": "…"}`) into a
 * global JavaScript RegExp. A `String` pattern matches literally.
 *
 * @example
 * compilePattern({ String: ' ' }, 'normalizer').source; // ' '
 */
export function compilePattern(pattern: unknown, where: string): RegExp {
  const p = pattern as { Regex?: unknown; String?: unknown } | null;
  if (p && typeof p.String === 'string') {
    return new RegExp(p.String.replace(/[.*+?^${}()|[\]\\/]/g, '\\$&'), 'gu');
  }
  if (p && typeof p.Regex === 'string') {
    const js = onigToJs(p.Regex, where);
    try {
      return new RegExp(js, 'gu');
    } catch (e) {
      throw new Error(`${where}: regex ${JSON.stringify(p.Regex)} does not compile in JavaScript (as ${JSON.stringify(js)}): ${(e as Error).message}`);
    }
  }
  throw new Error(`${where}: pattern must be {"Regex": string} or {"String": string}, got ${JSON.stringify(pattern)}`);
}

/** How a split keeps its delimiters (tokenizers' `SplitDelimiterBehavior`). */
export type SplitBehavior = 'Removed' | 'Isolated' | 'MergedWithPrevious' | 'MergedWithNext' | 'Contiguous';

export const SPLIT_BEHAVIORS: readonly SplitBehavior[] = ['Removed', 'Isolated', 'MergedWithPrevious', 'MergedWithNext', 'Contiguous'];

/** A piece of a string with whether it was a match of the splitting pattern. */
interface Span {
  start: number;
  end: number;
  match: boolean;
}

/** The string cut into alternating non-match / match spans (empty matches are ignored). */
export function findMatches(text: string, re: RegExp, invert = false): Span[] {
  const spans: Span[] = [];
  let last = 0;
  re.lastIndex = 0;
  for (let m = re.exec(text); m !== null; m = re.exec(text)) {
    if (m[0].length === 0) {
      re.lastIndex = m.index + 1;
      continue;
    }
    if (m.index > last) spans.push({ start: last, end: m.index, match: invert });
    spans.push({ start: m.index, end: m.index + m[0].length, match: !invert });
    last = m.index + m[0].length;
  }
  if (last < text.length) spans.push({ start: last, end: text.length, match: invert });
  return spans;
}

/**
 * Splits `text` on the spans that `match` marks, keeping delimiters as `behavior` says — the
 * logic of tokenizers' `NormalizedString::split`. Empty pieces are dropped.
 *
 * @example
 * splitSpans('a  b', findMatches('a  b', / /gu), 'MergedWithNext').map((p) => p.text); // ['a', ' ', ' b']
 */
export function splitSpans(text: string, spans: Span[], behavior: SplitBehavior): { text: string; start: number }[] {
  let pieces: { start: number; end: number }[] = [];
  if (behavior === 'Removed') {
    pieces = spans.filter((s) => !s.match);
  } else if (behavior === 'Isolated') {
    pieces = spans.map((s) => ({ ...s }));
  } else if (behavior === 'Contiguous') {
    let previous = false;
    for (const s of spans) {
      const last = pieces[pieces.length - 1];
      if (s.match === previous && last) last.end = s.end;
      else pieces.push({ start: s.start, end: s.end });
      previous = s.match;
    }
  } else if (behavior === 'MergedWithPrevious') {
    let previous = false;
    for (const s of spans) {
      const last = pieces[pieces.length - 1];
      if (s.match && !previous && last) last.end = s.end;
      else pieces.push({ start: s.start, end: s.end });
      previous = s.match;
    }
  } else {
    // MergedWithNext: the same fold, walking from the end.
    let previous = false;
    for (let k = spans.length - 1; k >= 0; k--) {
      const s = spans[k]!;
      const last = pieces[pieces.length - 1];
      if (s.match && !previous && last) last.start = s.start;
      else pieces.push({ start: s.start, end: s.end });
      previous = s.match;
    }
    pieces.reverse();
  }
  return pieces.filter((p) => p.end > p.start).map((p) => ({ text: text.slice(p.start, p.end), start: p.start }));
}

/** Checks a `behavior` field of tokenizer.json. */
export function parseBehavior(value: unknown, where: string): SplitBehavior {
  if (typeof value === 'string' && (SPLIT_BEHAVIORS as readonly string[]).includes(value)) return value as SplitBehavior;
  throw new Error(`${where} must be one of ${SPLIT_BEHAVIORS.join(', ')}, got ${JSON.stringify(value)}`);
}

/** Rust's `char::is_whitespace` (the White_Space property). */
export const WHITESPACE = /\p{White_Space}/u;
/** tokenizers' `is_bert_punc`: ASCII punctuation or a Unicode P* character. */
export const BERT_PUNCTUATION = /[!-/:-@[-`{-~\p{P}]/u;
