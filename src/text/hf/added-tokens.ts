// Added tokens (tokenizers' src/tokenizer/added_vocabulary.rs): tokens matched in the text
// before the model runs, so `<|endoftext|>` or `[MASK]` inside a string becomes its one id
// instead of being cut into pieces.

import { at, type Where } from './spec.js';

/** One entry of tokenizer.json `added_tokens`. */
export interface AddedToken {
  id: number;
  content: string;
  /** Only match where the token is not inside a word. */
  singleWord: boolean;
  /** Swallow the whitespace on the left / right of a match. */
  lstrip: boolean;
  rstrip: boolean;
  /** Match in the normalized text (true) or in the raw text before normalization (false). */
  normalized: boolean;
  special: boolean;
}

/** Reads and checks tokenizer.json's `added_tokens` array. */
export function readAddedTokens(value: unknown, where: Where): AddedToken[] {
  if (value === undefined || value === null) return [];
  if (!Array.isArray(value)) throw new Error(`${at(where)} must be an array, got ${JSON.stringify(value)?.slice(0, 60)}`);
  return value.map((raw: unknown, i) => {
    const t = raw as Record<string, unknown>;
    if (typeof t !== 'object' || t === null || typeof t.content !== 'string' || !Number.isInteger(t.id) || (t.id as number) < 0) {
      throw new Error(`${at(where, i)}: expected {"id": integer, "content": string, …}, got ${JSON.stringify(raw)?.slice(0, 80)}`);
    }
    const special = t.special === true;
    return {
      id: t.id as number,
      content: t.content,
      singleWord: t.single_word === true,
      lstrip: t.lstrip === true,
      rstrip: t.rstrip === true,
      normalized: typeof t.normalized === 'boolean' ? t.normalized : !special,
      special,
    };
  });
}

/** A piece of text after splitting out added tokens: either a token (its id) or plain text. */
export type Segment = { token: AddedToken; start: number } | { text: string; start: number };

// Rust regex's Unicode \w, which tokenizers' single_word check uses (`\w$`, `^\w`).
const WORD_CHAR = /[\p{Alphabetic}\p{M}\p{Nd}\p{Pc}\p{Join_Control}]/u;
const SPACE = /\p{White_Space}/u;

/**
 * Finds added tokens in text as tokenizers does: leftmost-longest, non-overlapping matches
 * (its Aho-Corasick automaton), `single_word` tokens skipped when a word character touches
 * them, and `lstrip`/`rstrip` extending a match over the whitespace beside it.
 */
export class AddedTokenMatcher {
  private readonly byFirst = new Map<string, { token: AddedToken; text: string }[]>();

  /** `tokens` with the text to look for (the content, or its normalized form). */
  constructor(entries: { token: AddedToken; text: string }[]) {
    for (const e of entries) {
      if (e.text.length === 0) continue;
      const first = e.text[0]!;
      const list = this.byFirst.get(first) ?? [];
      list.push(e);
      this.byFirst.set(first, list);
    }
    for (const list of this.byFirst.values()) list.sort((a, b) => b.text.length - a.text.length);
  }

  get empty(): boolean {
    return this.byFirst.size === 0;
  }

  /**
   * Cuts `text` into tokens and the text between them. `offset` is added to the segment starts.
   *
   * @example
   * // with <|endoftext|> as an added token:
   * matcher.split('a<|endoftext|>b', 0); // [{text: 'a'}, {token: <|endoftext|>}, {text: 'b'}]
   */
  split(text: string, offset: number): Segment[] {
    const out: Segment[] = [];
    if (this.empty) return text.length > 0 ? [{ text, start: offset }] : [];
    let last = 0; // start_offset in tokenizers: end of the previous match
    let i = 0;
    while (i < text.length) {
      const candidates = this.byFirst.get(text[i]!);
      const hit = candidates?.find((c) => text.startsWith(c.text, i));
      if (!hit) {
        i += 1;
        continue;
      }
      let start = i;
      let stop = i + hit.text.length;
      i = stop; // the automaton resumes after the raw match
      const t = hit.token;
      if (t.singleWord) {
        const before = start === 0 || !WORD_CHAR.test(lastChar(text.slice(0, start)));
        const after = stop === text.length || !WORD_CHAR.test(String.fromCodePoint(text.codePointAt(stop)!));
        if (!before || !after) continue;
      }
      if (t.lstrip) {
        let s = start;
        while (s > 0 && SPACE.test(text[s - 1]!)) s -= 1;
        start = Math.max(s, last);
      }
      if (t.rstrip) {
        while (stop < text.length && SPACE.test(text[stop]!)) stop += 1;
        i = Math.max(i, stop);
      }
      if (last < start) out.push({ text: text.slice(last, start), start: offset + last });
      out.push({ token: t, start: offset + start });
      last = stop;
    }
    if (last < text.length) out.push({ text: text.slice(last), start: offset + last });
    return out;
  }
}

function lastChar(s: string): string {
  const cps = Array.from(s.slice(-2));
  return cps[cps.length - 1] ?? '';
}
