// Corpus sources for a language model: unlabelled documents from a text file, a folder of text
// files, a table file's text field, or the built-in corpus. Decoding is the classifier's (UTF-8
// with or without a BOM, Latin-1 fallback, binary refused; `\n` line endings).
import { basename, extname, readBytes, resolvePath, stat } from '../platform/index.js';
import { decodeText, errorCode, looksBinary, normalizeNewlines } from './decode.js';
import { DataError } from './errors.js';
import { byCodeUnit, collectFiles, describeReasons } from './folder.js';
import { loadMobyDick } from './moby-dick.js';
import { loadTextRows, TABLE_EXTENSIONS } from './table.js';
import type { SkippedItem } from './types.js';

/** One document of a corpus. End-of-text ids go between documents when it is tokenized. */
export interface TextDocument {
  /** Where it came from: a file path, `file.jsonl:12`, or `moby-dick/42`. */
  name: string;
  text: string;
}

/** What `loadTextCorpus` returns. */
export interface TextCorpus {
  /** Short name: the built-in corpus name or the file/folder's base name. */
  name: string;
  /** Documents in a fixed order (a folder's files sorted by path, a table's rows in file order). */
  documents: TextDocument[];
  /** Characters (Unicode code points) over all documents. */
  characters: number;
  /** Files or rows left out, and why (a folder's non-`.txt` and empty files, blank rows). */
  skipped: SkippedItem[];
  /** One line, e.g. `moby-dick: 139 documents, 1,212,868 characters`. */
  summary(): string;
}

export interface TextCorpusOptions {
  /** The CSV/TSV column or JSONL key holding the text. Default `text`. Only tables read it. */
  textField?: string;
}

/** Language-model corpora that ship with attn (through npm), by the name `loadTextCorpus` takes. */
export const BUILTIN_TEXT_CORPORA = ['moby-dick'] as const;

/** The extension of a plain text file, for a file or the files of a folder (case ignored). */
export const TEXT_FILE_EXTENSION = '.txt';

const FORMS =
  `a .txt file, a folder of .txt files, a ${TABLE_EXTENSIONS.join(' / ')} file with a text field, ` +
  `or a built-in corpus (${BUILTIN_TEXT_CORPORA.join(', ')})`;

/**
 * Whether `spec` names a built-in language-model corpus (which wins over a path of that name).
 *
 * @example
 * isBuiltinTextCorpus('moby-dick');   // true
 * isBuiltinTextCorpus('./moby-dick'); // false: the folder
 */
export function isBuiltinTextCorpus(spec: string): boolean {
  return (BUILTIN_TEXT_CORPORA as readonly string[]).includes(spec);
}

/**
 * The same corpus named so that it resolves from any working directory: a built-in name stays,
 * a path becomes absolute. What a run folder records, so a resumed run finds its data.
 *
 * @example
 * absoluteCorpusSpec('moby-dick');       // 'moby-dick'
 * absoluteCorpusSpec('data/input.txt');  // '/home/me/project/data/input.txt'
 */
export function absoluteCorpusSpec(spec: string): string {
  return isBuiltinTextCorpus(spec) ? spec : resolvePath(spec);
}

/**
 * Loads the documents of a language-model corpus.
 *
 * `spec` is one of:
 * - `moby-dick`: the built-in corpus, see `loadMobyDick` (139 documents). A built-in name wins
 *   over a folder of that name; write `./moby-dick` for the folder.
 * - a `.txt` file: one document, the whole file.
 * - a folder: every `.txt` file below it, recursively (sub-folders included, symbolic links
 *   followed, hidden names starting with `.` ignored), one document per file, in code-unit
 *   order of their paths so every run sees the same stream. Other files and empty (or
 *   whitespace-only) `.txt` files are skipped and listed in `skipped`.
 * - a `.jsonl` / `.ndjson`, `.csv` or `.tsv` file: one document per row, its `textField`
 *   (default `text`); blank texts are skipped. See `loadTextRows`.
 *
 * Files are decoded as the classifier's data are: UTF-8 (a BOM dropped), else Latin-1; line
 * endings become `\n`. Documents are not trimmed.
 *
 * Refused with a `DataError` naming the file (and line) and what was expected: a path that does
 * not exist, an unsupported file type, a file that is not text (binary), an unreadable file, a
 * missing text field, and an empty corpus (no document with any text).
 *
 * @example
 * const corpus = loadTextCorpus('moby-dick');
 * corpus.summary(); // 'moby-dick: 139 documents, 1,212,868 characters'
 * loadTextCorpus('data/shakespeare.txt').documents.length; // 1
 * loadTextCorpus('reviews.jsonl', { textField: 'body' });  // one document per line
 */
export function loadTextCorpus(spec: string, options: TextCorpusOptions = {}): TextCorpus {
  if (isBuiltinTextCorpus(spec)) return makeTextCorpus(spec, loadMobyDick());
  let isDir: boolean;
  try {
    isDir = stat(spec).isDirectory();
  } catch (e) {
    const code = errorCode(e);
    const what = code === 'ENOENT' ? 'no such file or folder' : `cannot access (${code})`;
    throw new DataError(`${spec}: ${what}; expected ${FORMS}`);
  }
  const name = basename(resolvePath(spec));
  if (isDir) return loadFolder(spec, name);
  const ext = extname(spec).toLowerCase();
  if (ext === TEXT_FILE_EXTENSION) {
    const text = readCorpusFile(spec);
    if (text === '') throw new DataError(`${spec}: the file is empty; expected a text file with some text`);
    return makeTextCorpus(name, [{ name: spec, text }]);
  }
  if ((TABLE_EXTENSIONS as readonly string[]).includes(ext)) {
    const field = options.textField ?? 'text';
    const { rows, skipped } = loadTextRows(spec, field);
    if (rows.length === 0) {
      throw new DataError(
        `${spec}: the corpus is empty: every row's '${field}' is blank (${skipped.length} rows); expected at least one row with text`,
      );
    }
    return makeTextCorpus(name, rows.map((r) => ({ name: r.source, text: normalizeNewlines(r.text) })), skipped);
  }
  throw new DataError(`${spec}: unsupported file type '${ext || '(no extension)'}'; expected ${FORMS}`);
}

function loadFolder(root: string, name: string): TextCorpus {
  const files: string[] = [];
  const skipped: SkippedItem[] = [];
  collectFiles(root, files, skipped, new Set());
  files.sort(byCodeUnit);
  const documents: TextDocument[] = [];
  for (const path of files) {
    if (extname(path).toLowerCase() !== TEXT_FILE_EXTENSION) {
      skipped.push({ path, reason: `not a ${TEXT_FILE_EXTENSION} file` });
      continue;
    }
    const text = readCorpusFile(path);
    if (text === '') skipped.push({ path, reason: 'empty file' });
    else documents.push({ name: path, text });
  }
  if (documents.length === 0) {
    const why = skipped.length === 0 ? 'it holds no files' : `${skipped.length} skipped: ${describeReasons(skipped)}`;
    throw new DataError(`${root}: the corpus is empty: no ${TEXT_FILE_EXTENSION} file with text (${why}); expected at least one non-empty ${TEXT_FILE_EXTENSION} file below the folder`);
  }
  return makeTextCorpus(name, documents, skipped);
}

/**
 * The text of one corpus file with `\n` line endings, or '' when it is empty or only
 * whitespace. Unlike a classifier's class folder, an unreadable or binary file is refused, not
 * skipped: leaving part of a language model's text out silently is never what was meant.
 */
function readCorpusFile(path: string): string {
  let bytes: Uint8Array;
  try {
    bytes = readBytes(path);
  } catch (e) {
    throw new DataError(`${path}: cannot read the file (${errorCode(e)})`);
  }
  if (looksBinary(bytes)) {
    throw new DataError(`${path}: looks binary (NUL byte in the first 8 KB); expected a UTF-8 or Latin-1 text file`);
  }
  const text = normalizeNewlines(decodeText(bytes));
  return text.trim() === '' ? '' : text;
}

/**
 * Wraps documents as a `TextCorpus`: counts characters and adds `summary()`. For corpora built
 * in code (tests, texts already in memory) with the same shape as a loaded one.
 *
 * @example
 * const c = makeTextCorpus('tiny', [{ name: 'a', text: 'hello' }, { name: 'b', text: 'wörld' }]);
 * c.characters; // 10
 * c.summary();  // 'tiny: 2 documents, 10 characters'
 */
export function makeTextCorpus(name: string, documents: TextDocument[], skipped: SkippedItem[] = []): TextCorpus {
  let characters = 0;
  for (const d of documents) characters += countCodePoints(d.text);
  return {
    name,
    documents,
    characters,
    skipped,
    summary() {
      const why = skipped.length > 0 ? `, ${skipped.length} skipped (${describeReasons(skipped)})` : '';
      return `${name}: ${plural(documents.length, 'document')}, ${plural(characters, 'character')}${why}`;
    },
  };
}

/** Code points: surrogate pairs count once, as the char tokenizer counts them. */
function countCodePoints(text: string): number {
  let n = text.length;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (c >= 0xd800 && c <= 0xdbff) {
      const d = text.charCodeAt(i + 1);
      if (d >= 0xdc00 && d <= 0xdfff) {
        n--;
        i++;
      }
    }
  }
  return n;
}

/**
 * `1 document`, `1,212,868 characters`: a count with thousands separators (always commas, not
 * the locale's) and the noun.
 *
 * @example
 * plural(1212868, 'character'); // '1,212,868 characters'
 */
export function plural(n: number, noun: string): string {
  return `${formatCount(n)} ${noun}${n === 1 ? '' : 's'}`;
}

/**
 * An integer with commas between thousands, the same in every locale.
 *
 * @example
 * formatCount(1212868); // '1,212,868'
 */
export function formatCount(n: number): string {
  return String(n).replace(/\B(?=(\d{3})+(?!\d))/g, ',');
}
