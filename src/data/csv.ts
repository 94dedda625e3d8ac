import { DataError } from './errors.js';

/** One parsed record and the 1-based line of the file it starts on (for error messages). */
export interface DelimitedRecord {
  fields: string[];
  line: number;
}

/**
 * Parses CSV (RFC 4180) or, with `delimiter: '\t'`, TSV text into records.
 *
 * - A field wrapped in `"` may hold the delimiter, `\r`, `\n`, and `""` for one quote; the
 *   quoted content is kept byte for byte (embedded CRLF stays CRLF).
 * - Records end at CRLF, LF or a lone CR; a final line ending is optional.
 * - A leading byte order mark is dropped (Excel writes one).
 * - Empty lines are skipped (RFC 4180 has none; spreadsheets leave them at the end); a line
 *   holding only `""` is a record of one empty field, as in Python's `csv`.
 * - A `"` inside an unquoted field is taken literally (`5" screen`), as Python's `csv` and most
 *   readers do, because real files have them.
 * - Refused with a `DataError` naming `where` and the line: a quoted field that never closes, and
 *   anything but a delimiter or line end after a closing quote (`"a"b,c`) — both mean the quoting
 *   is broken and the columns after it cannot be trusted.
 *
 * TSV uses the same quoting, as pandas and Python's `csv` write it.
 *
 * @example
 * parseDelimited('text,label\r\n"Hi, ""you""\nthere",pos\r\n', ',', 'a.csv');
 * // [{fields: ['text', 'label'], line: 1}, {fields: ['Hi, "you"\nthere', 'pos'], line: 2}]
 */
export function parseDelimited(text: string, delimiter: ',' | '\t' = ',', where = 'input'): DelimitedRecord[] {
  const records: DelimitedRecord[] = [];
  const n = text.length;
  let i = text.charCodeAt(0) === 0xfeff ? 1 : 0;
  let line = 1; // line of the character at i

  while (i < n) {
    const recordLine = line;
    const fields: string[] = [];
    let quoted = false; // a record of one quoted empty field ("") is a record, not an empty line
    // Parse fields until the end of the record.
    for (;;) {
      let value: string;
      if (text[i] === '"') {
        quoted = true;
        const startLine = line;
        i++; // opening quote
        let out = '';
        let from = i;
        for (;;) {
          if (i >= n) {
            throw new DataError(
              `${where}:${startLine}: quoted field never closes (a '"' opens it and no closing '"' follows; ` +
                `write a quote inside a quoted field as "")`,
            );
          }
          const c = text[i]!;
          if (c === '"') {
            if (text[i + 1] === '"') {
              out += text.slice(from, i + 1); // keep one quote
              i += 2;
              from = i;
              continue;
            }
            out += text.slice(from, i);
            i++; // closing quote
            break;
          }
          if (c === '\n' || (c === '\r' && text[i + 1] !== '\n')) line++;
          i++;
        }
        value = out;
        const next = text[i];
        if (i < n && next !== delimiter && next !== '\n' && next !== '\r') {
          throw new DataError(
            `${where}:${line}: unexpected ${JSON.stringify(next)} after a closing quote; ` +
              `expected ${delimiter === ',' ? 'a comma' : 'a tab'} or the end of the line`,
          );
        }
      } else {
        const from = i;
        while (i < n && text[i] !== delimiter && text[i] !== '\n' && text[i] !== '\r') i++;
        value = text.slice(from, i);
      }
      fields.push(value);
      if (i < n && text[i] === delimiter) {
        i++;
        continue; // another field follows (possibly an empty last one)
      }
      break; // end of line or of text
    }
    // Consume the line ending.
    if (text[i] === '\r') i++;
    if (text[i] === '\n') i++;
    line++;
    const empty = fields.length === 1 && fields[0] === '' && !quoted;
    if (!empty) records.push({ fields, line: recordLine });
  }
  return records;
}
