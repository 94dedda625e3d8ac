import { joinPath as join, listDir as readDir, realpath, stat, type FileStat } from '../platform/index.js';
import { errorCode, readTextFile } from './decode.js';
import { DataError } from './errors.js';
import type { LoadedExamples, SkippedItem, TextExample } from './types.js';

/**
 * Code-unit order: the same on every machine and locale (`localeCompare` is not), and the order
 * Python's `sorted()` gives names in plain ASCII.
 *
 * @example
 * ['b', 'B', 'a', '10', '9'].sort(byCodeUnit); // ['10', '9', 'B', 'a', 'b']
 */
export function byCodeUnit(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

const isHidden = (name: string): boolean => name.startsWith('.');

/**
 * Reads a folder with one sub-folder per class; each file in a class folder is one example whose
 * label is the folder's name.
 *
 * This is the layout of 20 Newsgroups (`20news-bydate-train/sci.space/60804`, files without an
 * extension) and of Keras `text_dataset_from_directory` (`reviews/pos/1.txt`); any extension is
 * accepted. As in Keras, files in nested folders below a class folder belong to that class.
 * Hidden files and folders (name starting with `.`, like `.DS_Store` or `.git`) are ignored.
 * Classes and files come in code-unit sorted order, so two runs see the same examples in the
 * same order. Files at the top level (a README) are not examples and are listed in `skipped`, as
 * are unreadable, binary and empty files.
 *
 * Refused with a `DataError`: a folder with fewer than two class folders, and a class folder
 * with no usable file (the message names the class and why its files were skipped).
 *
 * @example
 * const { examples, skipped } = loadFolderDataset('20news-bydate-train');
 * examples[0]; // {text: 'From: …', label: 'alt.atheism', source: '20news-bydate-train/alt.atheism/49960'}
 */
export function loadFolderDataset(root: string): LoadedExamples {
  const examples: TextExample[] = [];
  const skipped: SkippedItem[] = [];
  const classes: { name: string; dir: string }[] = [];
  const topFiles: string[] = [];

  for (const name of listDir(root)) {
    if (isHidden(name)) continue;
    const path = join(root, name);
    const stats = statOrSkip(path, skipped);
    if (!stats) continue;
    if (stats.isDirectory()) classes.push({ name, dir: path });
    else topFiles.push(path);
  }
  for (const path of topFiles) skipped.push({ path, reason: 'file at the top level, not inside a class folder' });

  if (classes.length < 2) {
    const found = classes.length === 0 ? 'no class folder' : `only one class folder ('${classes[0]!.name}')`;
    throw new DataError(
      `${root}: found ${found}; expected one sub-folder per class, at least two ` +
        `(e.g. ${join(root, 'pos', '1.txt')} and ${join(root, 'neg', '2.txt')})` +
        (topFiles.length > 0 ? `; the ${topFiles.length} file(s) at the top level are not read` : ''),
    );
  }

  for (const { name: label, dir } of classes) {
    const files: string[] = [];
    const classSkipped: SkippedItem[] = [];
    collectFiles(dir, files, classSkipped, new Set());
    files.sort(byCodeUnit);
    let used = 0;
    for (const path of files) {
      const read = readTextFile(path);
      if (read.ok) {
        examples.push({ text: read.text, label, source: path });
        used++;
      } else {
        classSkipped.push({ path, reason: read.reason });
      }
    }
    if (used === 0) {
      const why =
        classSkipped.length === 0
          ? 'it holds no files'
          : `all ${classSkipped.length} file(s) were skipped: ${describeReasons(classSkipped)}`;
      throw new DataError(
        `class folder '${label}' (${dir}) has no usable file: ${why}; expected at least one non-empty text file`,
      );
    }
    skipped.push(...classSkipped);
  }
  return { examples, skipped };
}

/**
 * A tally of skip reasons, for a message or a summary line.
 *
 * @example
 * describeReasons([{ path: 'a', reason: 'empty file' }, { path: 'b', reason: 'empty file' }]); // '2 empty file'
 */
export function describeReasons(skipped: readonly SkippedItem[]): string {
  const counts = new Map<string, number>();
  for (const s of skipped) counts.set(s.reason, (counts.get(s.reason) ?? 0) + 1);
  return [...counts].map(([reason, n]) => `${n} ${reason}`).join(', ');
}

function listDir(dir: string): string[] {
  try {
    return readDir(dir).sort(byCodeUnit);
  } catch (e) {
    throw new DataError(`${dir}: cannot list the folder (${errorCode(e)})`);
  }
}

// stat (not lstat) follows symlinks, so a class folder may link to data elsewhere.
function statOrSkip(path: string, skipped: SkippedItem[]): FileStat | undefined {
  try {
    return stat(path);
  } catch (e) {
    skipped.push({ path, reason: `unreadable (${errorCode(e)})` });
    return undefined;
  }
}

/**
 * Every non-hidden file below `dir` (recursively, following symbolic links), appended to
 * `files` unsorted; unreadable entries go to `skipped`. `seen` holds real paths so a symlink
 * loop ends.
 *
 * @example
 * const files: string[] = [];
 * collectFiles('books', files, [], new Set());
 * files.sort(byCodeUnit); // ['books/austen/emma.txt', 'books/melville/moby.txt']
 */
export function collectFiles(dir: string, files: string[], skipped: SkippedItem[], seen: Set<string>): void {
  let real: string;
  let names: string[];
  try {
    real = realpath(dir);
    names = readDir(dir);
  } catch (e) {
    skipped.push({ path: dir, reason: `unreadable folder (${errorCode(e)})` });
    return;
  }
  if (seen.has(real)) return;
  seen.add(real);
  for (const name of names) {
    if (isHidden(name)) continue;
    const path = join(dir, name);
    const stats = statOrSkip(path, skipped);
    if (!stats) continue;
    if (stats.isDirectory()) collectFiles(path, files, skipped, seen);
    else if (stats.isFile()) files.push(path);
    else skipped.push({ path, reason: 'not a regular file' });
  }
}
