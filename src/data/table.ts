import { extname, readBytes } from '../platform/index.js';
import { parseDelimited } from './csv.js';
import { decodeText, errorCode, looksBinary } from './decode.js';
import { DataError } from './errors.js';
import type { LoadedExamples, SkippedItem, TextExample } from './types.js';

/** The file extensions `loadTableFile` reads, and how. */
export const TABLE_EXTENSIONS = ['.csv', '.tsv', '.jsonl', '.ndjson'] as const;

export interface TableFields {
  /** Column (CSV/TSV header) or key (JSONL) of the text. Default `text`. */
  textField?: string;
  /** Column or key of the label. Default `label`. */
  labelField?: string;
}

/**
 * Reads a `.csv`, `.tsv` or `.jsonl` (`.ndjson`) file of labelled texts.
 *
 * CSV and TSV need a header row naming the columns; JSONL has one JSON object per line (blank
 * lines are ignored). The text and label are taken from `textField` / `labelField`
 * (default `text` and `label`). A label that is a number or boolean becomes its string
 * (`1` → `'1'`); labels are trimmed, because `'pos '` and `'pos'` as two classes is never meant.
 * A row whose text is empty or blank is skipped and reported (`path` is `file:line`).
 *
 * Refused with a `DataError` naming the file and line: an unreadable, binary or empty file, a
 * header without the field, a row with a different number of columns than the header, a missing
 * or empty label, a missing text, malformed JSON, a JSON line that is not an object.
 *
 * @example
 * // reviews.csv:  text,label\n"Great, loved it",pos\nMeh,neg\n
 * const { examples } = loadTableFile('reviews.csv');
 * // [{text: 'Great, loved it', label: 'pos', source: 'reviews.csv:2'}, …]
 * loadTableFile('tweets.jsonl', { textField: 'tweet', labelField: 'sentiment' });
 */
export function loadTableFile(path: string, fields: TableFields = {}): LoadedExamples {
  const ext = extname(path).toLowerCase();
  if (ext === '.csv' || ext === '.tsv') return parseTable(readWholeFile(path, 'a header row and data rows'), ext === '.csv' ? 'csv' : 'tsv', fields, path);
  if (ext === '.jsonl' || ext === '.ndjson') return parseTable(readWholeFile(path, 'one JSON object per line'), 'jsonl', fields, path);
  throw new DataError(`${path}: unsupported file type '${ext}'; expected ${TABLE_EXTENSIONS.join(', ')}`);
}

/** The formats `parseTable` reads. */
export type TableFormat = 'csv' | 'tsv' | 'jsonl';

/**
 * Parses labelled texts from the contents of a CSV, TSV or JSONL file, with the rules of
 * `loadTableFile` (which reads the file and calls this): the codec without the file system, for
 * text that came from elsewhere (a fetch, an upload, a string in a test). `source` names the data
 * in errors and in each example's `source` (`source:line`).
 *
 * @example
 * const { examples } = parseTable('text,label\nGreat film,pos\n', 'csv', {}, 'upload.csv');
 * // [{ text: 'Great film', label: 'pos', source: 'upload.csv:2' }]
 */
export function parseTable(content: string, format: TableFormat, fields: TableFields = {}, source = '<text>'): LoadedExamples {
  const textField = fields.textField ?? 'text';
  const labelField = fields.labelField ?? 'label';
  if (content.charCodeAt(0) === 0xfeff) content = content.slice(1); // as decodeText drops it from files
  if (content.trim() === '') {
    throw new DataError(`${source}: the file is empty; expected ${format === 'jsonl' ? 'one JSON object per line' : 'a header row and data rows'}`);
  }
  if (format === 'csv' || format === 'tsv') return fromDelimited(source, content, format === 'csv' ? ',' : '\t', textField, labelField);
  if (format === 'jsonl') return fromJsonLines(source, content, textField, labelField);
  throw new DataError(`${source}: unknown table format ${JSON.stringify(format)}; expected csv, tsv or jsonl`);
}

/** One text of a file read by `loadTextRows`: no label. */
export interface TextRow {
  text: string;
  /** `file:line`. */
  source: string;
}

/**
 * Reads the texts of a `.csv`, `.tsv` or `.jsonl` (`.ndjson`) file, one per row, without
 * labels: a corpus for a language model. Same reading and checks as `loadTableFile` (decoding,
 * header, field counts, JSON shape; errors name the file and line), except that no label field
 * is needed. Rows whose text is empty or blank are skipped and reported.
 *
 * @example
 * // books.jsonl: {"title": "Emma", "body": "Emma Woodhouse, handsome, …"}
 * const { rows } = loadTextRows('books.jsonl', 'body');
 * rows[0]; // {text: 'Emma Woodhouse, handsome, …', source: 'books.jsonl:1'}
 */
export function loadTextRows(path: string, textField = 'text'): { rows: TextRow[]; skipped: SkippedItem[] } {
  const ext = extname(path).toLowerCase();
  if (ext === '.csv' || ext === '.tsv') return parseTextRows(readWholeFile(path, 'a header row and data rows'), ext === '.csv' ? 'csv' : 'tsv', textField, path);
  if (ext === '.jsonl' || ext === '.ndjson') return parseTextRows(readWholeFile(path, 'one JSON object per line'), 'jsonl', textField, path);
  throw new DataError(`${path}: unsupported file type '${ext}'; expected ${TABLE_EXTENSIONS.join(', ')}`);
}

/**
 * The codec of `loadTextRows` on text: the texts of CSV, TSV or JSONL contents without labels,
 * with the rules of `parseTable`. `source` names the data in errors and in each row's `source`.
 *
 * @example
 * parseTextRows('{"text": "one"}\n{"text": "two"}\n', 'jsonl', 'text', 'upload.jsonl').rows;
 * // [{ text: 'one', source: 'upload.jsonl:1' }, { text: 'two', source: 'upload.jsonl:2' }]
 */
export function parseTextRows(
  content: string,
  format: TableFormat,
  textField = 'text',
  source = '<text>',
): { rows: TextRow[]; skipped: SkippedItem[] } {
  if (content.charCodeAt(0) === 0xfeff) content = content.slice(1); // as decodeText drops it from files
  if (content.trim() === '') {
    throw new DataError(`${source}: the file is empty; expected ${format === 'jsonl' ? 'one JSON object per line' : 'a header row and data rows'}`);
  }
  let read: LoadedExamples;
  if (format === 'csv' || format === 'tsv') read = fromDelimited(source, content, format === 'csv' ? ',' : '\t', textField, null);
  else if (format === 'jsonl') read = fromJsonLines(source, content, textField, null);
  else throw new DataError(`${source}: unknown table format ${JSON.stringify(format)}; expected csv, tsv or jsonl`);
  return { rows: read.examples.map((e) => ({ text: e.text, source: e.source! })), skipped: read.skipped };
}

/**
 * The texts of a file to predict on, read as training reads its files (one decoding path: UTF-8,
 * else Latin-1; binary files refused): a `.csv`, `.tsv` or `.jsonl` file's `textField` (as
 * `loadTextRows`), any other file one text per line. Blank lines and empty texts are skipped and
 * reported. A missing file, a folder or a binary file is refused with a `DataError` naming it.
 *
 * @example
 * loadInputTexts('emails.txt').texts; // ['first email', 'second email']
 * loadInputTexts('emails.jsonl', 'body').texts;
 */
export function loadInputTexts(path: string, textField = 'text'): { texts: string[]; skipped: SkippedItem[] } {
  if ((TABLE_EXTENSIONS as readonly string[]).includes(extname(path).toLowerCase())) {
    const { rows, skipped } = loadTextRows(path, textField);
    return { texts: rows.map((r) => r.text), skipped };
  }
  const texts: string[] = [];
  const skipped: SkippedItem[] = [];
  readWholeFile(path, 'one text per line').split(/\r\n|\n|\r/).forEach((line, i, lines) => {
    if (line.trim() !== '') texts.push(line);
    else if (i < lines.length - 1 || line !== '') skipped.push({ path: `${path}:${i + 1}`, reason: 'empty text' });
  });
  return { texts, skipped };
}

/** The whole file as text; unlike a file in a class folder, a bad file here is the whole dataset. */
function readWholeFile(path: string, expected: string): string {
  let bytes: Uint8Array;
  try {
    bytes = readBytes(path);
  } catch (e) {
    const code = errorCode(e);
    if (code === 'ENOENT') throw new DataError(`${path}: no such file`);
    if (code === 'EISDIR') throw new DataError(`${path}: is a folder; expected a file with ${expected}`);
    throw new DataError(`${path}: cannot read the file (${code})`);
  }
  if (looksBinary(bytes)) {
    throw new DataError(`${path}: looks binary (NUL byte in the first 8 KB); expected a UTF-8 or Latin-1 text file`);
  }
  const text = decodeText(bytes);
  if (text.trim() === '') throw new DataError(`${path}: the file is empty; expected ${expected}`);
  return text;
}

function fromDelimited(
  path: string,
  content: string,
  delimiter: ',' | '\t',
  textField: string,
  labelField: string | null, // null: no label (loadTextRows)
): LoadedExamples {
  const records = parseDelimited(content, delimiter, path);
  const header = records[0]!; // the file is not blank, so there is at least one record
  const names = header.fields.map((f) => f.trim());
  const kind = delimiter === ',' ? 'CSV' : 'TSV';
  const column = (field: string, option: 'textField' | 'labelField'): number => {
    const at = names.indexOf(field);
    if (at < 0) {
      throw new DataError(
        `${path}:${header.line}: the ${kind} header has no '${field}' column (columns: ${names.join(', ')}); the first row must name the columns`,
        { option, action: 'name the right column' },
      );
    }
    return at;
  };
  const textAt = column(textField, 'textField');
  const labelAt = labelField === null ? -1 : column(labelField, 'labelField');
  if (records.length === 1) {
    throw new DataError(`${path}: has a header row but no data rows`);
  }

  const examples: TextExample[] = [];
  const skipped: SkippedItem[] = [];
  for (const { fields, line } of records.slice(1)) {
    if (fields.length !== names.length) {
      throw new DataError(
        `${path}:${line}: expected ${names.length} fields as in the header, found ${fields.length}` +
          (fields.length > names.length ? ` (an unquoted ${delimiter === ',' ? 'comma' : 'tab'} in the text?)` : ''),
      );
    }
    const label = labelField === null ? '' : checkLabel(fields[labelAt]!.trim(), path, line, labelField);
    addExample(examples, skipped, fields[textAt]!, label, `${path}:${line}`);
  }
  return { examples, skipped };
}

function fromJsonLines(path: string, content: string, textField: string, labelField: string | null): LoadedExamples {
  const examples: TextExample[] = [];
  const skipped: SkippedItem[] = [];
  const lines = content.split(/\r\n|\n|\r/);
  if (lines[0]!.charCodeAt(0) === 0xfeff) lines[0] = lines[0]!.slice(1);
  lines.forEach((raw, index) => {
    const line = index + 1;
    if (raw.trim() === '') return;
    let row: unknown;
    try {
      row = JSON.parse(raw);
    } catch (e) {
      throw new DataError(`${path}:${line}: malformed JSON (${(e as Error).message}); expected one JSON object per line`);
    }
    if (row === null || typeof row !== 'object' || Array.isArray(row)) {
      const shape = labelField === null ? `{"${textField}": "…"}` : `{"${textField}": "…", "${labelField}": "…"}`;
      throw new DataError(`${path}:${line}: expected a JSON object like ${shape}`);
    }
    const obj = row as Record<string, unknown>;
    const text = obj[textField];
    if (text === null) throw new DataError(`${path}:${line}: '${textField}' is null; expected a string (the text of the example)`);
    if (text === undefined) {
      throw new DataError(`${path}:${line}: no '${textField}' field (keys: ${Object.keys(obj).join(', ')})`, { option: 'textField', action: 'name the right key' });
    }
    if (typeof text !== 'string') {
      throw new DataError(`${path}:${line}: '${textField}' must be a string, found ${typeof text}`);
    }
    if (labelField === null) {
      addExample(examples, skipped, text, '', `${path}:${line}`);
      return;
    }
    const rawLabel = obj[labelField];
    if (rawLabel === null) throw new DataError(`${path}:${line}: '${labelField}' is null; every row needs a label`);
    if (rawLabel === undefined) {
      throw new DataError(`${path}:${line}: no '${labelField}' field (keys: ${Object.keys(obj).join(', ')})`, { option: 'labelField', action: 'name the right key' });
    }
    if (typeof rawLabel !== 'string' && typeof rawLabel !== 'number' && typeof rawLabel !== 'boolean') {
      throw new DataError(`${path}:${line}: '${labelField}' must be a string or a number, found ${JSON.stringify(rawLabel)}`);
    }
    const label = checkLabel(String(rawLabel).trim(), path, line, labelField);
    addExample(examples, skipped, text, label, `${path}:${line}`);
  });
  return { examples, skipped };
}

function checkLabel(label: string, path: string, line: number, labelField: string): string {
  if (label === '') throw new DataError(`${path}:${line}: the '${labelField}' field is empty; every row needs a label`);
  return label;
}

function addExample(examples: TextExample[], skipped: SkippedItem[], text: string, label: string, source: string): void {
  if (text.trim() === '') skipped.push({ path: source, reason: 'empty text' });
  else examples.push({ text, label, source });
}
