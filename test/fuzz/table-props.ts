/**
 * Fuzz properties of the CSV/TSV parser (src/data/csv.ts parseDelimited) and the table readers
 * (src/data/table.ts loadTableFile for .csv, .tsv, .jsonl): random text over the characters that
 * matter (quotes, delimiters, CR, LF, BOM, NUL), random bytes, mutated valid files. Each must be
 * refused with a DataError naming the file, or give examples whose text is non-empty and whose
 * label is non-empty and trimmed, with sources `file:line` inside the file. Records written with
 * RFC 4180 quoting must parse back to the same fields.
 */
import fc from 'fast-check';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DataError, loadTableFile, parseDelimited } from '../../src/data/index.js';
import { mutatedBytes, nastyValue, preview, refusedOr, type AnyProperty } from './kit.js';

const WHERE = 'fuzz.csv';
const utf8 = new TextEncoder();

/** Text over the characters a delimited-text parser must get right, and a few others. */
const delimitedText = fc.string({
  unit: fc.constantFrom('a', 'b', ' ', '"', ',', '\t', '\r', '\n', '\uFEFF', '\u0000', 'é', '😀', 'x'),
  maxLength: 80,
});

/** Counts the lines of `text` as the parser does (CRLF, LF or a lone CR end a line). */
const lineCount = (text: string): number => text.split(/\r\n|\n|\r/).length;

function parses(text: string, delimiter: ',' | '\t'): boolean {
  const records = refusedOr(() => parseDelimited(text, delimiter, WHERE), [DataError], `${WHERE}:`, () => preview(text));
  if (records === undefined) return true;
  let last = 0;
  const lines = lineCount(text);
  for (const r of records) {
    if (!Array.isArray(r.fields) || r.fields.length === 0 || !r.fields.every((f) => typeof f === 'string')) throw new Error(`bad record ${preview(r)}`);
    if (!(r.line > last && r.line <= lines)) throw new Error(`record line ${r.line} after ${last} in ${lines} lines of ${preview(text)}`);
    last = r.line;
  }
  return true;
}

/** A field as RFC 4180 writes it: quoted when it holds a quote, the delimiter or a line end. */
function quote(field: string, delimiter: string): string {
  return /["\r\n]/.test(field) || field.includes(delimiter) || field === '' ? `"${field.replaceAll('"', '""')}"` : field;
}

const field = fc.string({ unit: fc.constantFrom('a', ' ', '"', ',', '\t', '\r', '\n', 'é', '😀'), maxLength: 8 });

let dir: string | undefined;
function tempFile(name: string, bytes: Uint8Array): string {
  dir ??= mkdtempSync(join(tmpdir(), 'attn-fuzz-table-'));
  const path = join(dir, name);
  writeFileSync(path, bytes);
  return path;
}

function loads(name: string, bytes: Uint8Array): boolean {
  const path = tempFile(name, bytes);
  const loaded = refusedOr(() => loadTableFile(path), [DataError], path, () => preview(bytes));
  if (loaded === undefined) return true;
  for (const e of loaded.examples) {
    if (typeof e.text !== 'string' || e.text.trim() === '') throw new Error(`an example with empty text from ${preview(bytes)}`);
    if (typeof e.label !== 'string' || e.label === '' || e.label !== e.label.trim()) throw new Error(`label ${preview(e.label)} from ${preview(bytes)}`);
    if (!e.source?.startsWith(`${path}:`)) throw new Error(`source ${e.source}`);
  }
  for (const s of loaded.skipped) if (!s.path.startsWith(`${path}:`)) throw new Error(`skipped ${s.path}`);
  return true;
}

const csvFile = fc
  .array(fc.tuple(field, field), { minLength: 1, maxLength: 5 })
  .map((rows) => utf8.encode(['text,label', ...rows.map(([t, l]) => `${quote(t, ',')},${quote(l, ',')}`)].join('\r\n')));
const tsvFile = fc
  .array(fc.tuple(field, field), { minLength: 1, maxLength: 5 })
  .map((rows) => utf8.encode(['label\ttext', ...rows.map(([t, l]) => `${quote(l, '\t')}\t${quote(t, '\t')}`)].join('\n')));
const jsonlFile = fc
  .array(fc.record({ text: fc.oneof(field, nastyValue), label: fc.oneof(field, nastyValue) }, { requiredKeys: [] }), { minLength: 1, maxLength: 5 })
  .map((rows) => utf8.encode(rows.map((r) => JSON.stringify(r) ?? 'null').join('\n')));

export const TABLE_PROPERTIES: Record<string, () => AnyProperty> = {
  'parseDelimited: random CSV text': () => fc.property(delimitedText, (t) => parses(t, ',')),
  'parseDelimited: random TSV text': () => fc.property(delimitedText, (t) => parses(t, '\t')),
  'parseDelimited: quoted records parse back to their fields': () =>
    fc.property(
      fc.constantFrom(',' as const, '\t' as const),
      fc.array(fc.array(field, { minLength: 1, maxLength: 4 }), { minLength: 1, maxLength: 5 }),
      fc.constantFrom('\n', '\r\n', '\r'),
      (delimiter, rows, eol) => {
        // An all-empty single-field row is written as "" (a quoted empty field), so it is kept.
        const text = rows.map((r) => r.map((f) => quote(f, delimiter)).join(delimiter)).join(eol);
        const got = parseDelimited(text, delimiter, WHERE).map((r) => r.fields);
        if (JSON.stringify(got) !== JSON.stringify(rows)) throw new Error(`${preview(text)} parsed as ${preview(got)}, expected ${preview(rows)}`);
        return true;
      },
    ),
  'loadTableFile: random bytes as .csv, .tsv and .jsonl': () =>
    fc.property(fc.constantFrom('a.csv', 'a.tsv', 'a.jsonl'), fc.uint8Array({ maxLength: 200 }), loads),
  'loadTableFile: mutated CSV files': () => fc.property(mutatedBytes(csvFile), (b) => loads('m.csv', b)),
  'loadTableFile: mutated TSV files': () => fc.property(mutatedBytes(tsvFile), (b) => loads('m.tsv', b)),
  'loadTableFile: JSONL with nasty values, and mutated': () =>
    fc.property(fc.oneof(jsonlFile, mutatedBytes(jsonlFile)), (b) => loads('m.jsonl', b)),
};
