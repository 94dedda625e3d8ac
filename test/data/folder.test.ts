// A 20 Newsgroups-like tree (extension-less files with news headers, quoted replies and
// signatures) and a Keras-like one, built in a temp folder.
import { after, test } from 'node:test';
import assert from 'node:assert/strict';
import { symlinkSync } from 'node:fs';
import { join } from 'node:path';
import { loadFolderDataset, loadTextDataset } from '../../src/data/index.js';
import { tempDir, writeTree } from './fixtures.js';

const { dir, cleanup } = tempDir();
after(cleanup);
const news = join(dir, '20news-bydate-train');

const POST = [
  'From: mathew <mathew@mantis.co.uk>',
  'Subject: Re: Atheist resources',
  'Organization: Mantis Consultants',
  '',
  'In article <1993Apr5.1@x.edu> bob@x.edu (Bob) writes:',
  '> Is there a list of atheist books?',
  '> Thanks.',
  '',
  'Yes, see the FAQ.',
  'It lists many.',
  '--',
  'mathew',
  '',
].join('\n');
const TWO_PARAGRAPHS = 'From: b@c.edu\nSubject: orbit\n\nPara one line.\n\nPara two line.\n';
const HEADERS_ONLY = 'From: e@f.edu\nSubject: headers only\n';
// Latin-1 bytes (é = 0xE9) with CRLF line endings and a '-- ' signature separator.
const LATIN1_CRLF = Uint8Array.from([
  ...Buffer.from('From: c@d.fr\r\nSubject: caf'),
  0xe9,
  ...Buffer.from('\r\n\r\nLe caf'),
  0xe9,
  ...Buffer.from(' est bon.\r\n-- \r\nJean\r\n'),
]);

writeTree(news, {
  README: 'not an example',
  '.git/config': 'hidden folder, ignored',
  'alt.atheism/49960': POST,
  'alt.atheism/51060': TWO_PARAGRAPHS,
  'alt.atheism/.DS_Store': Uint8Array.from([0, 0, 0, 1]),
  'sci.space/10': HEADERS_ONLY,
  'sci.space/60804': LATIN1_CRLF,
  'sci.space/60805': Uint8Array.from([0x47, 0x49, 0x46, 0x38, 0x00, 0x00]),
  'sci.space/60806': '',
  'sci.space/sub/61000': 'Subject: nested\n\nOnly line.\n',
});

const file = (rel: string) => join(news, rel);

test('class folders become labels; files sorted, nested ones included, hidden ones ignored', () => {
  const { examples, skipped } = loadFolderDataset(news);
  assert.deepEqual(
    examples.map((e) => [e.label, e.source]),
    [
      ['alt.atheism', file('alt.atheism/49960')],
      ['alt.atheism', file('alt.atheism/51060')],
      ['sci.space', file('sci.space/10')],
      ['sci.space', file('sci.space/60804')],
      ['sci.space', file('sci.space/sub/61000')],
    ],
  );
  assert.equal(examples[0]!.text, POST);
  // Latin-1 decoded, CRLF normalized.
  assert.equal(examples[3]!.text, 'From: c@d.fr\nSubject: café\n\nLe café est bon.\n-- \nJean\n');
  assert.deepEqual(skipped, [
    { path: file('README'), reason: 'file at the top level, not inside a class folder' },
    { path: file('sci.space/60805'), reason: 'binary file (NUL byte in the first 8 KB)' },
    { path: file('sci.space/60806'), reason: 'empty file' },
  ]);
});

test("strip headers+footers+quotes gives scikit-learn's texts", () => {
  const d = loadTextDataset(news, { strip: ['headers', 'footers', 'quotes'] });
  assert.deepEqual(
    d.examples.map((e) => e.text),
    [
      // header gone; footer cut at '--'; 'In article … writes:' and '>' lines gone.
      '\nYes, see the FAQ.\nIt lists many.',
      // The empty line between the paragraphs is the last "separator": the footer pass cuts there.
      'Para one line.',
      // No '\n\n' at all: the header pass leaves nothing (kept, as scikit-learn keeps it).
      '',
      // '-- ' signature separator after CRLF normalization.
      'Le café est bon.',
      // One line, no separator: the footer pass returns its input unchanged, newline included.
      'Only line.\n',
    ],
  );
  assert.deepEqual(d.classes, ['alt.atheism', 'sci.space']);
  assert.equal(d.name, '20news-bydate-train');
  assert.equal(
    d.summary(),
    '20news-bydate-train: 5 examples, 2 classes, 3 skipped ' +
      '(1 file at the top level, not inside a class folder, 1 binary file (NUL byte in the first 8 KB), 1 empty file)',
  );
});

test('strip headers only, and quotes only', () => {
  const headers = loadTextDataset(news, { strip: ['headers'] }).examples.map((e) => e.text);
  assert.equal(headers[1], 'Para one line.\n\nPara two line.\n');
  assert.equal(headers[3], 'Le café est bon.\n-- \nJean\n');
  const quotes = loadTextDataset(news, { strip: ['quotes'] }).examples.map((e) => e.text);
  assert.equal(
    quotes[0],
    'From: mathew <mathew@mantis.co.uk>\nSubject: Re: Atheist resources\nOrganization: Mantis Consultants\n\n\n' +
      'Yes, see the FAQ.\nIt lists many.\n--\nmathew\n',
  );
});

test('Keras text_dataset_from_directory layout (<class>/*.txt)', () => {
  const root = join(dir, 'aclImdb');
  writeTree(root, { 'pos/1.txt': 'Loved it.', 'pos/2.txt': 'Great!', 'neg/3.txt': 'Awful.' });
  const d = loadTextDataset(root);
  assert.deepEqual(
    d.examples.map((e) => [e.label, e.text]),
    [
      ['neg', 'Awful.'],
      ['pos', 'Loved it.'],
      ['pos', 'Great!'],
    ],
  );
  assert.equal(d.summary(), 'aclImdb: 3 examples, 2 classes, 0 skipped');
});

test('a symlink loop inside a class folder is followed once', () => {
  const root = join(dir, 'loopy');
  writeTree(root, { 'a/x.txt': 'x', 'b/y.txt': 'y' });
  symlinkSync('.', join(root, 'a', 'self'));
  assert.equal(loadFolderDataset(root).examples.length, 2);
});

test('fewer than two class folders is refused', () => {
  const one = join(dir, 'one');
  writeTree(one, { 'only/x.txt': 'x' });
  assert.throws(() => loadTextDataset(one), {
    name: 'DataError',
    message:
      `${one}: found only one class folder ('only'); expected one sub-folder per class, at least two ` +
      `(e.g. ${join(one, 'pos', '1.txt')} and ${join(one, 'neg', '2.txt')})`,
  });
  const flat = join(dir, 'flat');
  writeTree(flat, { 'a.txt': 'x', 'b.txt': 'y' });
  assert.throws(() => loadTextDataset(flat), {
    name: 'DataError',
    message:
      `${flat}: found no class folder; expected one sub-folder per class, at least two ` +
      `(e.g. ${join(flat, 'pos', '1.txt')} and ${join(flat, 'neg', '2.txt')}); ` +
      'the 2 file(s) at the top level are not read',
  });
});

test('a class folder with no usable file is refused, naming the class and why', () => {
  const emptyClass = join(dir, 'emptyclass');
  writeTree(emptyClass, { 'a/x.txt': 'x', 'b/.hidden': 'ignored' });
  assert.throws(() => loadTextDataset(emptyClass), {
    name: 'DataError',
    message: `class folder 'b' (${join(emptyClass, 'b')}) has no usable file: it holds no files; expected at least one non-empty text file`,
  });
  const badClass = join(dir, 'badclass');
  writeTree(badClass, { 'a/x.txt': 'x', 'b/bin': Uint8Array.from([1, 0, 2]), 'b/e.txt': '' });
  assert.throws(() => loadTextDataset(badClass), {
    name: 'DataError',
    message:
      `class folder 'b' (${join(badClass, 'b')}) has no usable file: all 2 file(s) were skipped: ` +
      '1 binary file (NUL byte in the first 8 KB), 1 empty file; expected at least one non-empty text file',
  });
});
