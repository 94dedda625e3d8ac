// The three cleaners of scikit-learn's 20 Newsgroups loader
// (sklearn/datasets/_twenty_newsgroups.py), ported line for line so that
// `strip: ['headers', 'footers', 'quotes']` gives the texts of
// `fetch_20newsgroups(remove=('headers', 'footers', 'quotes'))`.
// They are heuristics, and their quirks are kept on purpose (see each function).

import { DataError } from './errors.js';
import type { StripPart } from './types.js';

// Python's `str.strip()` removes the characters for which `str.isspace()` is true. JavaScript's
// `trim()` uses a different set (it strips U+FEFF and keeps U+001C–U+001F and U+0085), so the
// port spells Python's set out.
const PY_SPACE = '\\t\\n\\v\\f\\r\\x1c-\\x20\\x85\\xa0\\u1680\\u2000-\\u200a\\u2028\\u2029\\u202f\\u205f\\u3000';
const PY_STRIP = new RegExp(`^[${PY_SPACE}]+|[${PY_SPACE}]+$`, 'g');

/** Python's `s.strip()`. */
function pyStrip(s: string): string {
  return s.replace(PY_STRIP, '');
}

/**
 * Removes the header block: everything up to and including the first `\n\n`.
 *
 * Exactly Python's `text.partition('\n\n')[2]`: a text with no empty line at all becomes `''`,
 * and a "blank" line holding spaces does not count as the separator.
 *
 * @example
 * stripNewsgroupHeader('From: a@b\nSubject: hi\n\nBody\n'); // 'Body\n'
 */
export function stripNewsgroupHeader(text: string): string {
  const at = text.indexOf('\n\n');
  return at < 0 ? '' : text.slice(at + 2);
}

// `^` anchors at the start of each line because the pattern is searched line by line; the
// other alternatives match anywhere in the line (so "he said: yes" is dropped too — a known
// over-reach of the heuristic, kept for parity).
const QUOTE_RE = /(writes in|writes:|wrote:|says:|said:|^In article|^Quoted from|^\||^>)/;

/**
 * Removes quoted replies: every line that starts with `>` or `|`, starts with `In article` or
 * `Quoted from`, or contains `writes in`, `writes:`, `wrote:`, `says:` or `said:`.
 *
 * @example
 * stripNewsgroupQuoting('In article <1@x> bob writes:\n> old\nnew'); // 'new'
 */
export function stripNewsgroupQuoting(text: string): string {
  return text
    .split('\n')
    .filter((line) => !QUOTE_RE.test(line))
    .join('\n');
}

/**
 * Removes the signature block: everything from the last line that is empty, blank or made only
 * of hyphens (`--`, `-----`, `-- ` …), searching the stripped text from its end.
 *
 * scikit-learn's loop, in order:
 * `lines = text.strip().split('\n')`; walk `line_num` from the last line down to 0 and stop at
 * the first line with `line.strip().strip('-') == ''`; if `line_num > 0` return
 * `'\n'.join(lines[:line_num])`, else return the original `text` unchanged.
 *
 * Traps kept for parity: a plain empty line counts as a separator too, so in a text without a
 * `--` line everything after the last paragraph break is dropped; and when the only separator
 * is line 0 (or there is none) the *unstripped* input comes back.
 *
 * @example
 * stripNewsgroupFooter('Hello.\nBye.\n-- \nBob\nbob@x\n'); // 'Hello.\nBye.'
 * stripNewsgroupFooter('One paragraph only.\n');          // 'One paragraph only.\n' (unchanged)
 */
export function stripNewsgroupFooter(text: string): string {
  const lines = pyStrip(text).split('\n');
  let lineNum = lines.length - 1;
  for (; lineNum >= 0; lineNum--) {
    if (pyStrip(lines[lineNum]!).replace(/^-+|-+$/g, '') === '') break;
  }
  // Python's loop variable keeps its last value (0) when the loop finishes without `break`;
  // ours would be -1, and both mean "return the text unchanged".
  return lineNum > 0 ? lines.slice(0, lineNum).join('\n') : text;
}

const STRIP_PARTS: readonly StripPart[] = ['headers', 'footers', 'quotes'];

/**
 * Applies the requested newsgroup cleaners in scikit-learn's order — headers, then footers, then
 * quotes — whatever order `parts` lists them in (the order changes the result: the footer is
 * found before quoted lines are removed).
 *
 * @example
 * stripNewsgroupText(raw, ['quotes', 'headers']); // header removed, then quoted lines
 */
export function stripNewsgroupText(text: string, parts: readonly StripPart[]): string {
  for (const p of parts) {
    if (!STRIP_PARTS.includes(p)) {
      throw new DataError(`unknown strip part '${String(p)}': expected 'headers', 'footers' or 'quotes'`);
    }
  }
  let out = text;
  if (parts.includes('headers')) out = stripNewsgroupHeader(out);
  if (parts.includes('footers')) out = stripNewsgroupFooter(out);
  if (parts.includes('quotes')) out = stripNewsgroupQuoting(out);
  return out;
}
