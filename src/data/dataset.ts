import { basename, extname, resolvePath, stat } from '../platform/index.js';
import { errorCode, normalizeNewlines } from './decode.js';
import { DataError } from './errors.js';
import { byCodeUnit, describeReasons, loadFolderDataset } from './folder.js';
import { stripNewsgroupText } from './newsgroups.js';
import { loadSpamAssassin } from './spamAssassin.js';
import { loadTableFile, TABLE_EXTENSIONS } from './table.js';
import type { LoadedDataset, LoadedExamples, LoadOptions, SkippedItem, TextExample } from './types.js';

/** Corpora that ship with attn (through npm), by the name `--data` takes. */
export const BUILTIN_DATASETS = ['spam-assassin'] as const;

const FORMS =
  `a built-in corpus (${BUILTIN_DATASETS.join(', ')}), a folder with one sub-folder per class, ` +
  `or a ${TABLE_EXTENSIONS.join(' / ')} file`;

/**
 * The same data source named so that it resolves from any working directory: a built-in corpus
 * keeps its name, a path becomes absolute. Run folders record this, so `--resume` and
 * `attn eval --split` find the data wherever they are run from.
 *
 * @example
 * absoluteDataSpec('spam-assassin'); // 'spam-assassin'
 * absoluteDataSpec('data/reviews.csv'); // '/home/me/project/data/reviews.csv'
 */
export function absoluteDataSpec(spec: string): string {
  return isBuiltinDataset(spec) ? spec : resolvePath(spec);
}

/** Whether `spec` names a corpus that ships with attn (it takes precedence over a path). */
export function isBuiltinDataset(spec: string): boolean {
  return (BUILTIN_DATASETS as readonly string[]).includes(spec);
}

/**
 * Loads a labelled text dataset from a `--data` value.
 *
 * `spec` is one of:
 * - `spam-assassin`: the SpamAssassin corpus (labels `spam`, `ham`), see `loadSpamAssassin`.
 *   A built-in name wins over a folder of the same name; write `./spam-assassin` for the folder.
 * - a folder with one sub-folder per class (20 Newsgroups, Keras `text_dataset_from_directory`),
 *   see `loadFolderDataset`;
 * - a `.csv`, `.tsv` or `.jsonl` file with a text and a label field, see `loadTableFile`.
 *
 * Every text gets `\n` line endings; then `strip` applies scikit-learn's 20 Newsgroups cleaners
 * (headers, then footers, then quotes; see `stripNewsgroupText`) to every source. A text that
 * stripping empties is kept, as scikit-learn keeps it. `maxExamples` keeps an evenly spaced
 * subset (every n/max-th example), which keeps class proportions in a class-sorted dataset and
 * is the same on every run. With `test`, the test set is loaded the same way (including
 * `maxExamples`), checked with `checkTestLabels`, and returned as `.test`.
 *
 * Refused with a `DataError`: a path that does not exist, an unsupported file type, fewer than
 * two classes, and the per-source errors (a class folder with no usable file, a CSV row without
 * a label …).
 *
 * @example
 * const data = loadTextDataset('20news-bydate-train', {
 *   strip: ['headers', 'footers', 'quotes'],
 *   test: '20news-bydate-test',
 * });
 * console.log(data.summary()); // '20news-bydate-train: 11314 examples, 20 classes, 0 skipped'
 * data.classes;                // ['alt.atheism', 'comp.graphics', …]
 * data.test?.examples.length;  // 7532
 */
export function loadTextDataset(spec: string, opts: LoadOptions = {}): LoadedDataset {
  checkOptions(opts);
  const train = loadOne(spec, opts);
  if (opts.test !== undefined) {
    const test = loadOne(opts.test, opts);
    checkTestLabels(train.classes, test.classes, opts.test);
    train.test = test;
  }
  return train;
}

/**
 * Throws a `DataError` when the test set has a label the training set does not: the model has
 * no output for it, so its accuracy would be silently wrong. Fewer test classes is fine.
 *
 * @example
 * checkTestLabels(['ham', 'spam'], ['spam', 'ham', 'spam'], 'test.csv'); // ok
 * checkTestLabels(['neg', 'pos'], ['pos', 'neutral'], 'test.csv');
 * // DataError: test set test.csv has 1 label not seen in training: 'neutral' (training classes: neg, pos)
 */
export function checkTestLabels(trainLabels: Iterable<string>, testLabels: Iterable<string>, source: string): void {
  const known = new Set(trainLabels);
  const unseen = [...new Set(testLabels)].filter((l) => !known.has(l)).sort(byCodeUnit);
  if (unseen.length === 0) return;
  const classes = [...known].sort(byCodeUnit);
  const shown = classes.length > 30 ? `${classes.slice(0, 30).join(', ')}, … (${classes.length} in all)` : classes.join(', ');
  throw new DataError(
    `test set ${source} has ${unseen.length} label${unseen.length === 1 ? '' : 's'} not seen in training: ` +
      `${unseen.map((l) => `'${l}'`).join(', ')} (training classes: ${shown}); ` +
      `the training set needs examples of every class to be tested`,
  );
}

function checkOptions(opts: LoadOptions): void {
  const max = opts.maxExamples;
  if (max !== undefined && !(Number.isInteger(max) && max >= 1)) {
    throw new DataError(`maxExamples must be a positive integer, got ${String(max)}`);
  }
  // Unknown strip parts are refused by stripNewsgroupText; check before reading any file.
  if (opts.strip) stripNewsgroupText('', opts.strip);
}

function loadOne(spec: string, opts: LoadOptions): LoadedDataset {
  const { name, read, classHint } = readSource(spec, opts);
  const strip = opts.strip ?? [];
  let examples: TextExample[] = read.examples.map((e) => {
    const text = normalizeNewlines(e.text);
    return { ...e, text: strip.length > 0 ? stripNewsgroupText(text, strip) : text };
  });
  requireTwoClasses(spec, examples, classHint, '');
  if (opts.maxExamples !== undefined && examples.length > opts.maxExamples) {
    examples = evenlySpaced(examples, opts.maxExamples);
    requireTwoClasses(spec, examples, classHint, ` among the ${examples.length} examples kept of ${read.examples.length}`, { option: 'maxExamples', action: 'keep more examples' });
  }
  return makeDataset(name, examples, read.skipped);
}

function readSource(spec: string, opts: LoadOptions): { name: string; read: LoadedExamples; classHint: string } {
  if (isBuiltinDataset(spec)) {
    return { name: spec, read: loadSpamAssassin(), classHint: '' };
  }
  let isDir: boolean;
  try {
    isDir = stat(spec).isDirectory();
  } catch (e) {
    const code = errorCode(e);
    const what = code === 'ENOENT' ? 'no such file or folder' : `cannot access (${code})`;
    throw new DataError(`${spec}: ${what}; expected ${FORMS}`);
  }
  const name = basename(resolvePath(spec));
  if (isDir) return { name, read: loadFolderDataset(spec), classHint: ' (one sub-folder per class)' };
  const ext = extname(spec).toLowerCase();
  if (!(TABLE_EXTENSIONS as readonly string[]).includes(ext)) {
    throw new DataError(`${spec}: unsupported file type '${ext || '(no extension)'}'; expected ${FORMS}`);
  }
  const fields = { textField: opts.textField, labelField: opts.labelField };
  return {
    name,
    read: loadTableFile(spec, fields),
    classHint: ` in the '${opts.labelField ?? 'label'}' field`,
  };
}

function requireTwoClasses(spec: string, examples: TextExample[], hint: string, context: string, remedy?: DataError['remedy']): void {
  const classes = distinctLabels(examples);
  if (classes.length >= 2) return;
  const found = classes.length === 0 ? 'no examples' : `only one class ('${classes[0]}')${hint}`;
  throw new DataError(`${spec}: found ${found}${context}; a dataset needs at least two classes`, remedy);
}

function distinctLabels(examples: readonly TextExample[]): string[] {
  return [...new Set(examples.map((e) => e.label))].sort(byCodeUnit);
}

/** `max` examples at indices ⌊i·n/max⌋: spread over the whole (class-sorted) list. */
function evenlySpaced<T>(items: readonly T[], max: number): T[] {
  const out: T[] = [];
  for (let i = 0; i < max; i++) out.push(items[Math.floor((i * items.length) / max)]!);
  return out;
}

/**
 * Wraps examples as a `LoadedDataset`: sorted `classes` and a `summary()` line. For building a
 * dataset in code (tests, other corpora) with the same shape as a loaded one.
 *
 * @example
 * const d = makeDataset('tiny', [{ text: 'good', label: 'pos' }, { text: 'bad', label: 'neg' }]);
 * d.classes;   // ['neg', 'pos']
 * d.summary(); // 'tiny: 2 examples, 2 classes, 0 skipped'
 */
export function makeDataset(name: string, examples: TextExample[], skipped: SkippedItem[] = []): LoadedDataset {
  const classes = distinctLabels(examples);
  return {
    name,
    examples,
    classes,
    skipped,
    summary() {
      const why = skipped.length > 0 ? ` (${describeReasons(skipped)})` : '';
      return `${name}: ${examples.length} examples, ${classes.length} classes, ${skipped.length} skipped${why}`;
    },
  };
}
