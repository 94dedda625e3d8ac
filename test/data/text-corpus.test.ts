import { after, test } from 'node:test';
import assert from 'node:assert/strict';
import { symlinkSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { DataError, absoluteCorpusSpec, loadMobyDick, loadTextCorpus, loadTextRows, makeTextCorpus, parseTextRows } from '../../src/data/index.js';
import { tempDir, writeTree } from './fixtures.js';

const { dir, cleanup } = tempDir();
after(cleanup);
const at = (...parts: string[]) => join(dir, ...parts);

const latin1 = Uint8Array.from([0x63, 0x61, 0x66, 0xe9, 0x0d, 0x0a, 0x93, 0x6f, 0x6b, 0x94]); // café\r\n“ok”
writeTree(dir, {
  'one.txt': '\ufeffFirst line\r\nsecond line\n',
  'latin1.txt': latin1,
  'empty.txt': '',
  'blank.txt': ' \n\t\n',
  'binary.txt': Uint8Array.from([0x47, 0x49, 0x46, 0x38, 0x00, 0x01]),
  'notes.md': '# not a corpus file type\n',
  'books/b.txt': 'book b',
  'books/a.txt': 'book a',
  'books/z/nested.txt': 'nested deeper',
  'books/A-upper.TXT': 'upper-case extension',
  'books/README.md': 'not text for the corpus',
  'books/empty.txt': '   ',
  'books/.hidden.txt': 'ignored: hidden',
  'books/.git/config.txt': 'ignored: hidden folder',
  'nothing/readme.md': 'no .txt here',
  'nothing/blank.txt': '\n',
  'bad-folder/good.txt': 'fine',
  'bad-folder/sub/image.txt': Uint8Array.from([0x89, 0x50, 0x4e, 0x47, 0x00]),
  'docs.jsonl': '{"body": "doc one\\r\\nline two", "id": 1}\n\n{"body": "   ", "id": 2}\n{"body": "doc three", "id": 3}\n',
  'nofield.jsonl': '{"body": "ok"}\n{"text": "other key"}\n',
  'blank.jsonl': '{"text": ""}\n{"text": "  "}\n',
  'notobject.jsonl': '"just a string"\n',
  'rows.csv': 'id,text\n1,"first, with comma"\n2,second\n',
  'rows.tsv': 'text\tsource\nalpha\tx\nbeta\ty\n',
  'wrongcol.csv': 'id,body\n1,hello\n',
});
symlinkSync(at('books'), at('books', 'z', 'loop')); // a loop back to the root: read once

test('a .txt file is one document: BOM dropped, CRLF → LF; Latin-1 decoded as the classifier does', () => {
  const c = loadTextCorpus(at('one.txt'));
  assert.equal(c.name, 'one.txt');
  assert.deepEqual(c.documents, [{ name: at('one.txt'), text: 'First line\nsecond line\n' }]);
  assert.equal(c.characters, 23);
  assert.deepEqual(c.skipped, []);
  assert.equal(c.summary(), 'one.txt: 1 document, 23 characters');
  assert.equal(loadTextCorpus(at('latin1.txt')).documents[0]!.text, 'café\n“ok”');
});

test('a folder: every .txt below it, recursively, sorted by path; other and empty files skipped', () => {
  const c = loadTextCorpus(at('books'));
  assert.equal(c.name, 'books');
  assert.deepEqual(
    c.documents.map((d) => [d.name, d.text]),
    [
      [at('books', 'A-upper.TXT'), 'upper-case extension'],
      [at('books', 'a.txt'), 'book a'],
      [at('books', 'b.txt'), 'book b'],
      [at('books', 'z', 'nested.txt'), 'nested deeper'],
    ],
  );
  assert.deepEqual(c.skipped, [
    { path: at('books', 'README.md'), reason: 'not a .txt file' },
    { path: at('books', 'empty.txt'), reason: 'empty file' },
  ]);
  assert.equal(c.summary(), 'books: 4 documents, 45 characters, 2 skipped (1 not a .txt file, 1 empty file)');
});

test('a JSONL file: one document per row of the text field, named file:line, blank rows skipped', () => {
  const c = loadTextCorpus(at('docs.jsonl'), { textField: 'body' });
  assert.deepEqual(c.documents, [
    { name: `${at('docs.jsonl')}:1`, text: 'doc one\nline two' },
    { name: `${at('docs.jsonl')}:4`, text: 'doc three' },
  ]);
  assert.deepEqual(c.skipped, [{ path: `${at('docs.jsonl')}:3`, reason: 'empty text' }]);
});

test('CSV and TSV files: the text column, no label needed', () => {
  assert.deepEqual(
    loadTextCorpus(at('rows.csv')).documents.map((d) => d.text),
    ['first, with comma', 'second'],
  );
  assert.deepEqual(
    loadTextCorpus(at('rows.tsv')).documents.map((d) => [d.name, d.text]),
    [[`${at('rows.tsv')}:2`, 'alpha'], [`${at('rows.tsv')}:3`, 'beta']],
  );
  assert.deepEqual(loadTextRows(at('rows.csv')).rows[1], { text: 'second', source: `${at('rows.csv')}:3` });
  // The same codec on text, without a file.
  assert.deepEqual(parseTextRows('\ufeff{"text": "one"}\n\n{"text": " "}\n', 'jsonl', 'text', 'up.jsonl'), {
    rows: [{ text: 'one', source: 'up.jsonl:1' }],
    skipped: [{ path: 'up.jsonl:3', reason: 'empty text' }],
  });
  assert.deepEqual(parseTextRows('body\nhi\n', 'csv', 'body').rows, [{ text: 'hi', source: '<text>:2' }]);
});

test('the built-in moby-dick: 139 documents from the npm package, about 1.2 M characters', () => {
  const c = loadTextCorpus('moby-dick');
  assert.equal(c.name, 'moby-dick');
  assert.equal(c.documents.length, 139);
  assert.deepEqual(c.documents.slice(0, 4).map((d) => d.name), ['moby-dick/Contents', 'moby-dick/Etymology', 'moby-dick/Extracts', 'moby-dick/1']);
  assert.equal(c.documents[138]!.name, 'moby-dick/Epilogue');
  assert.ok(c.documents[3]!.text.startsWith('Call me Ishmael.'));
  assert.ok(c.characters > 1_200_000 && c.characters < 1_230_000, String(c.characters));
  assert.ok(c.documents.every((d) => !d.text.includes('\r')));
  assert.equal(c.summary(), `moby-dick: 139 documents, ${c.characters.toLocaleString('en-US')} characters`);
  assert.deepEqual(loadMobyDick().map((d) => d.name), c.documents.map((d) => d.name));
});

test('makeTextCorpus counts code points, so an emoji is one character', () => {
  const c = makeTextCorpus('mem', [{ name: 'x', text: 'a😀b' }, { name: 'y', text: 'é' }]);
  assert.equal(c.characters, 4);
  assert.equal(c.summary(), 'mem: 2 documents, 4 characters');
});

/** Asserts `fn` throws a DataError whose message is exactly `message`. */
function refuses(fn: () => unknown, message: string): void {
  assert.throws(fn, (e: unknown) => {
    assert.ok(e instanceof DataError, `expected a DataError, got ${String(e)}`);
    assert.equal(e.message, message);
    return true;
  });
}

test('errors name the file (and line) and say what was expected', () => {
  const forms = 'a .txt file, a folder of .txt files, a .csv / .tsv / .jsonl / .ndjson file with a text field, or a built-in corpus (moby-dick)';
  refuses(() => loadTextCorpus(at('missing.txt')), `${at('missing.txt')}: no such file or folder; expected ${forms}`);
  refuses(() => loadTextCorpus(at('notes.md')), `${at('notes.md')}: unsupported file type '.md'; expected ${forms}`);
  // Empty corpus, in each form.
  refuses(() => loadTextCorpus(at('empty.txt')), `${at('empty.txt')}: the file is empty; expected a text file with some text`);
  refuses(() => loadTextCorpus(at('blank.txt')), `${at('blank.txt')}: the file is empty; expected a text file with some text`);
  refuses(
    () => loadTextCorpus(at('nothing')),
    `${at('nothing')}: the corpus is empty: no .txt file with text (2 skipped: 1 empty file, 1 not a .txt file); expected at least one non-empty .txt file below the folder`,
  );
  refuses(
    () => loadTextCorpus(at('blank.jsonl')),
    `${at('blank.jsonl')}: the corpus is empty: every row's 'text' is blank (2 rows); expected at least one row with text`,
  );
  // Not text: refused, never silently skipped, in a folder too.
  const binary = 'looks binary (NUL byte in the first 8 KB); expected a UTF-8 or Latin-1 text file';
  refuses(() => loadTextCorpus(at('binary.txt')), `${at('binary.txt')}: ${binary}`);
  refuses(() => loadTextCorpus(at('bad-folder')), `${at('bad-folder', 'sub', 'image.txt')}: ${binary}`);
  // A missing text field names the file, the line and what was there.
  refuses(
    () => loadTextCorpus(at('nofield.jsonl'), { textField: 'body' }),
    `${at('nofield.jsonl')}:2: no 'body' field (keys: text); name the right key with the textField option`,
  );
  refuses(
    () => loadTextCorpus(at('wrongcol.csv')),
    `${at('wrongcol.csv')}:1: the CSV header has no 'text' column (columns: id, body); the first row must name the columns; name the right column with the textField option`,
  );
  refuses(() => loadTextCorpus(at('notobject.jsonl')), `${at('notobject.jsonl')}:1: expected a JSON object like {"text": "…"}`);
});

test('absoluteCorpusSpec: a built-in name stays, a path becomes absolute', () => {
  assert.equal(absoluteCorpusSpec('moby-dick'), 'moby-dick');
  assert.equal(absoluteCorpusSpec('./moby-dick'), resolve('moby-dick'));
  assert.equal(absoluteCorpusSpec('data/input.txt'), resolve('data/input.txt'));
});
