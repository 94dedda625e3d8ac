// GPT-2's byte-to-unicode table: every byte gets a printable character so that a byte-level BPE
// vocabulary is plain text. Printable Latin-1 bytes map to themselves; the others (control
// characters, space, DEL, NBSP, soft hyphen) are shifted to U+0100 and up, in byte order — so a
// space is `Ġ` (U+0120) and a newline `Ċ` (U+010A). (`bytes_to_unicode` in openai/gpt-2's
// encoder.py and tokenizers' pre_tokenizers/byte_level.rs.)

function buildTable(): string[] {
  const table: string[] = new Array<string>(256);
  let shifted = 0;
  for (let b = 0; b < 256; b++) {
    const printable = (b >= 0x21 && b <= 0x7e) || (b >= 0xa1 && b <= 0xac) || (b >= 0xae && b <= 0xff);
    table[b] = String.fromCodePoint(printable ? b : 256 + shifted++);
  }
  return table;
}

/** `BYTE_TO_CHAR[b]` is the character standing for byte `b`. */
export const BYTE_TO_CHAR: readonly string[] = buildTable();
/** The inverse of `BYTE_TO_CHAR`. */
export const CHAR_TO_BYTE: ReadonlyMap<string, number> = new Map(BYTE_TO_CHAR.map((c, b) => [c, b]));

const encoder = new TextEncoder();
const decoder = new TextDecoder('utf-8', { fatal: false });

/**
 * The UTF-8 bytes of `text`, each written as its byte-level character.
 *
 * @example
 * toByteLevel(' hé'); // 'ĠhÃ©'
 */
export function toByteLevel(text: string): string {
  let out = '';
  for (const b of encoder.encode(text)) out += BYTE_TO_CHAR[b];
  return out;
}

/**
 * tokenizers' ByteLevel decoder: the bytes of each token (its own UTF-8 when one of its
 * characters is not in the table), all decoded together with U+FFFD for invalid UTF-8.
 *
 * @example
 * decodeByteLevelTokens(['Hello', 'Ġw', 'Ã©']); // 'Hello wé'
 */
export function decodeByteLevelTokens(tokens: string[]): string {
  const bytes: number[] = [];
  for (const t of tokens) {
    const mine: number[] = [];
    let ok = true;
    for (const ch of t) {
      const b = CHAR_TO_BYTE.get(ch);
      if (b === undefined) {
        ok = false;
        break;
      }
      mine.push(b);
    }
    if (ok) bytes.push(...mine);
    else for (const x of encoder.encode(t)) bytes.push(x);
  }
  return decoder.decode(new Uint8Array(bytes));
}
