// Character classes shared by the tokenizers.
//
// Two families live here: the "no-space script" test used by WordTokenizer (so Chinese and
// Japanese text, which has no spaces between words, still yields sensible tokens), and the exact
// predicates of BERT's BasicTokenizer (`tokenization.py` in google-research/bert), which
// WordPieceTokenizer must copy range for range so ids match the ones a BERT checkpoint expects.
//
// JavaScript regexes with the `u` flag give us Unicode general categories (`\p{P}`, `\p{Mn}` …),
// the same data Python's `unicodedata.category` reads (the Unicode version may differ by a
// release between Node and Python; only characters added in between can disagree).

/**
 * True for a CJK ideograph in the ranges BERT's `_is_chinese_char` uses. Note that Hiragana,
 * Katakana and Hangul are NOT in these ranges: BERT leaves them to whitespace and WordPiece.
 *
 * @example
 * isCjkIdeograph('中'.codePointAt(0)!); // true
 * isCjkIdeograph('の'.codePointAt(0)!); // false (Hiragana)
 */
export function isCjkIdeograph(cp: number): boolean {
  return (
    (cp >= 0x4e00 && cp <= 0x9fff) ||
    (cp >= 0x3400 && cp <= 0x4dbf) ||
    (cp >= 0x20000 && cp <= 0x2a6df) ||
    (cp >= 0x2a700 && cp <= 0x2b73f) ||
    (cp >= 0x2b740 && cp <= 0x2b81f) ||
    (cp >= 0x2b820 && cp <= 0x2ceaf) ||
    (cp >= 0xf900 && cp <= 0xfaff) ||
    (cp >= 0x2f800 && cp <= 0x2fa1f)
  );
}

/**
 * True for a character of a script written without spaces between words, which WordTokenizer
 * splits one character per token: CJK ideographs (all extension blocks), CJK symbols and
 * punctuation (U+3000–303F, e.g. `。` `「`), Hiragana, Katakana (with its phonetic extensions and
 * the halfwidth forms) and the whole Halfwidth and Fullwidth Forms block (`，` `！` `Ａ`).
 *
 * Hangul is deliberately excluded: Korean puts spaces between words, so its words stay words.
 * Thai, Lao, Khmer and Myanmar also lack spaces but per-character tokens would cut vowel signs
 * off their consonants; they are left to the ordinary word split.
 *
 * @example
 * isNoSpaceScriptChar('字'.codePointAt(0)!); // true
 * isNoSpaceScriptChar('한'.codePointAt(0)!); // false
 */
export function isNoSpaceScriptChar(cp: number): boolean {
  return (
    isCjkIdeograph(cp) ||
    (cp >= 0x2e80 && cp <= 0x2fdf) || // CJK radicals, Kangxi radicals
    (cp >= 0x3000 && cp <= 0x303f) || // CJK symbols and punctuation
    (cp >= 0x3040 && cp <= 0x309f) || // Hiragana
    (cp >= 0x30a0 && cp <= 0x30ff) || // Katakana
    (cp >= 0x31f0 && cp <= 0x31ff) || // Katakana phonetic extensions
    (cp >= 0x3200 && cp <= 0x33ff) || // enclosed CJK letters, CJK compatibility
    (cp >= 0xfe30 && cp <= 0xfe4f) || // CJK compatibility forms
    (cp >= 0xff00 && cp <= 0xffef) || // halfwidth and fullwidth forms
    (cp >= 0x2ceb0 && cp <= 0x2ee5f) || // CJK extensions F, I (beyond BERT's list)
    (cp >= 0x30000 && cp <= 0x323af) // CJK extensions G, H
  );
}

const PUNCTUATION_CATEGORY = /^\p{P}$/u;
const SPACE_SEPARATOR = /^\p{Zs}$/u;
const CONTROL_OR_FORMAT = /^[\p{Cc}\p{Cf}]$/u;

/**
 * BERT's `_is_punctuation`: every non-alphanumeric printable ASCII character (code points 33–47,
 * 58–64, 91–96, 123–126, so `$`, `+`, `^` and `` ` `` count even though Unicode files them as
 * symbols) plus every character of a Unicode `P*` category.
 *
 * @example
 * isBertPunctuation('$'); // true
 * isBertPunctuation('、'); // true (Po)
 * isBertPunctuation('a'); // false
 */
export function isBertPunctuation(ch: string): boolean {
  const cp = ch.codePointAt(0)!;
  if ((cp >= 33 && cp <= 47) || (cp >= 58 && cp <= 64) || (cp >= 91 && cp <= 96) || (cp >= 123 && cp <= 126)) {
    return true;
  }
  return PUNCTUATION_CATEGORY.test(ch);
}

/**
 * BERT's `_is_whitespace`: space, tab, newline, carriage return, or a `Zs` space separator
 * (U+3000 ideographic space, U+00A0 no-break space …).
 *
 * @example
 * isBertWhitespace('\u3000'); // true
 */
export function isBertWhitespace(ch: string): boolean {
  return ch === ' ' || ch === '\t' || ch === '\n' || ch === '\r' || SPACE_SEPARATOR.test(ch);
}

/**
 * BERT's `_is_control`: a `Cc` or `Cf` character, except tab, newline and carriage return, which
 * BERT counts as whitespace instead. (Google's original checks Cc/Cf; some ports check every `C*`
 * category, which also drops private-use characters. We follow the original.)
 *
 * @example
 * isBertControl('\u200b'); // true (zero width space is Cf)
 * isBertControl('\n'); // false
 */
export function isBertControl(ch: string): boolean {
  if (ch === '\t' || ch === '\n' || ch === '\r') return false;
  return CONTROL_OR_FORMAT.test(ch);
}

const NONSPACING_MARKS = /\p{Mn}/gu;

/**
 * Removes accents the way BERT does: canonical decomposition (NFD), then drop every nonspacing
 * mark (`Mn`). Spacing marks (`Mc`, common in Indic scripts) are kept, as in BERT.
 *
 * @example
 * stripAccents('Café naïve'); // 'Cafe naive'
 */
export function stripAccents(text: string): string {
  return text.normalize('NFD').replace(NONSPACING_MARKS, '');
}

/**
 * The last code point of a non-empty string (a surrogate pair counts as one).
 *
 * @example
 * lastCodePoint('a😀'); // 0x1f600
 */
export function lastCodePoint(s: string): number {
  const last = s.charCodeAt(s.length - 1);
  if (last >= 0xdc00 && last <= 0xdfff && s.length > 1) {
    const cp = s.codePointAt(s.length - 2)!;
    if (cp > 0xffff) return cp;
  }
  return last;
}
