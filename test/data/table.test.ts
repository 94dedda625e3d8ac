import { after, test } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { readFileSync } from 'node:fs';
import { loadTableFile, loadTextDataset, parseTable } from '../../src/data/index.js';
import { tempDir, writeTree } from './fixtures.js';

const { dir, cleanup } = tempDir();
after(cleanup);
const at = (name: string) => join(dir, name);

writeTree(dir, {
  // Excel-style: BOM, CRLF, quoted commas, doubled quotes, an embedded line break, a number label.
  'reviews.csv':
    '\ufeffid,text,label\r\n' +
    '1,"Great, loved it",pos\r\n' +
    '2,"He said ""meh""\r\nand left", neg \r\n' +
    '3,Plain text,1\r\n' +
    '4,,neg\r\n',
  'reviews.tsv': 'text\tlabel\nhello, world\tpos\n"tab\there"\tneg\n',
  'tweets.jsonl':
    '{"tweet": "so happy", "sentiment": 1}\n' +
    '\n' +
    '{"tweet": "so sad", "sentiment": 0, "extra": [1]}\r\n' +
    '{"tweet": "fine", "sentiment": "neutral"}\n',
  'bad.jsonl': '{"text": "ok", "label": "a"}\n{"text": "broken", "label": \n{"text": "b", "label": "b"}\n',
  'nolabel.jsonl': '{"text": "ok", "label": "a"}\n{"text": "no label here"}\n',
  'notext.jsonl': '{"label": "a", "body": "x"}\n',
  'array.jsonl': '["text", "label"]\n',
  'objlabel.jsonl': '{"text": "t", "label": {"name": "a"}}\n',
  'numtext.jsonl': '{"text": 42, "label": "a"}\n',
  'nolabelcol.csv': 'text,category\nhi,a\n',
  'short.csv': 'text,label\nhi,a\nonly one field\n',
  'long.csv': 'text,label\nhi, there,a\n',
  'emptylabel.csv': 'text,label\nhi,a\nho,  \n',
  'empty.csv': '',
  'blank.jsonl': '\n\n  \n',
  'headeronly.csv': 'text,label\r\n',
  'binary.csv': Uint8Array.from([0x74, 0x00, 0x78]),
  'latin1.csv': Uint8Array.from([...Buffer.from('text,label\ncaf'), 0xe9, ...Buffer.from(',fr\nx,en\n')]),
});

test('CSV: header, quoting, CRLF, BOM, number label as string, labels trimmed, empty text skipped', () => {
  const { examples, skipped } = loadTableFile(at('reviews.csv'));
  assert.deepEqual(examples, [
    { text: 'Great, loved it', label: 'pos', source: `${at('reviews.csv')}:2` },
    { text: 'He said "meh"\r\nand left', label: 'neg', source: `${at('reviews.csv')}:3` },
    { text: 'Plain text', label: '1', source: `${at('reviews.csv')}:5` },
  ]);
  assert.deepEqual(skipped, [{ path: `${at('reviews.csv')}:6`, reason: 'empty text' }]);
});

test('CSV through loadTextDataset: line endings normalized, classes sorted, summary', () => {
  const d = loadTextDataset(at('reviews.csv'));
  assert.equal(d.name, 'reviews.csv');
  assert.equal(d.examples[1]!.text, 'He said "meh"\nand left');
  assert.deepEqual(d.classes, ['1', 'neg', 'pos']);
  assert.equal(d.summary(), 'reviews.csv: 3 examples, 3 classes, 1 skipped (1 empty text)');
});

test('TSV with the same quoting rules', () => {
  const { examples } = loadTableFile(at('reviews.tsv'));
  assert.deepEqual(
    examples.map((e) => [e.text, e.label]),
    [
      ['hello, world', 'pos'],
      ['tab\there', 'neg'],
    ],
  );
});

test('JSONL: custom fields, numbers become strings, blank lines ignored, line numbers kept', () => {
  const { examples } = loadTableFile(at('tweets.jsonl'), { textField: 'tweet', labelField: 'sentiment' });
  assert.deepEqual(examples, [
    { text: 'so happy', label: '1', source: `${at('tweets.jsonl')}:1` },
    { text: 'so sad', label: '0', source: `${at('tweets.jsonl')}:3` },
    { text: 'fine', label: 'neutral', source: `${at('tweets.jsonl')}:4` },
  ]);
});

test('a Latin-1 CSV is decoded as Latin-1', () => {
  assert.equal(loadTableFile(at('latin1.csv')).examples[0]!.text, 'café');
});

test('errors name the file and line and say what was expected', () => {
  const cases: [string, string][] = [
    [
      'bad.jsonl',
      `${at('bad.jsonl')}:2: malformed JSON (${jsonError('{"text": "broken", "label": ')}); expected one JSON object per line`,
    ],
    ['nolabel.jsonl', `${at('nolabel.jsonl')}:2: no 'label' field (keys: text); name the right key with the labelField option`],
    ['notext.jsonl', `${at('notext.jsonl')}:1: no 'text' field (keys: label, body); name the right key with the textField option`],
    ['array.jsonl', `${at('array.jsonl')}:1: expected a JSON object like {"text": "…", "label": "…"}`],
    ['objlabel.jsonl', `${at('objlabel.jsonl')}:1: 'label' must be a string or a number, found {"name":"a"}`],
    ['numtext.jsonl', `${at('numtext.jsonl')}:1: 'text' must be a string, found number`],
    [
      'nolabelcol.csv',
      `${at('nolabelcol.csv')}:1: the CSV header has no 'label' column (columns: text, category); ` +
        'the first row must name the columns; name the right column with the labelField option',
    ],
    ['short.csv', `${at('short.csv')}:3: expected 2 fields as in the header, found 1`],
    ['long.csv', `${at('long.csv')}:2: expected 2 fields as in the header, found 3 (an unquoted comma in the text?)`],
    ['emptylabel.csv', `${at('emptylabel.csv')}:3: the 'label' field is empty; every row needs a label`],
    ['empty.csv', `${at('empty.csv')}: the file is empty; expected a header row and data rows`],
    ['blank.jsonl', `${at('blank.jsonl')}: the file is empty; expected one JSON object per line`],
    ['headeronly.csv', `${at('headeronly.csv')}: has a header row but no data rows`],
    ['binary.csv', `${at('binary.csv')}: looks binary (NUL byte in the first 8 KB); expected a UTF-8 or Latin-1 text file`],
  ];
  for (const [file, message] of cases) {
    assert.throws(() => loadTableFile(at(file)), { name: 'DataError', message }, file);
  }
});

test('a custom textField missing from the header names the option, as data too', () => {
  assert.throws(() => loadTableFile(at('reviews.csv'), { textField: 'review' }), {
    name: 'DataError',
    remedy: { option: 'textField', action: 'name the right column' },
    message:
      `${at('reviews.csv')}:1: the CSV header has no 'review' column (columns: id, text, label); ` +
      'the first row must name the columns; name the right column with the textField option',
  });
});

/** V8's own message for the JSON, so the test does not depend on the engine's wording. */
function jsonError(line: string): string {
  try {
    JSON.parse(line);
  } catch (e) {
    return (e as Error).message;
  }
  throw new Error('expected invalid JSON');
}

test('parseTable: the same rules on text in memory, errors naming the source', () => {
  const csv = parseTable('\ufefftext,label\r\n"Great, loved it",pos\r\nMeh, neg \r\n', 'csv', {}, 'upload.csv');
  assert.deepEqual(csv.examples, [
    { text: 'Great, loved it', label: 'pos', source: 'upload.csv:2' },
    { text: 'Meh', label: 'neg', source: 'upload.csv:3' },
  ]);
  const tsv = parseTable('body\tclass\nhello\tpos\n', 'tsv', { textField: 'body', labelField: 'class' });
  assert.deepEqual(tsv.examples, [{ text: 'hello', label: 'pos', source: '<text>:2' }]);
  const jsonl = parseTable('{"t": "so happy", "s": 1}\n\n{"t": "so sad", "s": 0}\n', 'jsonl', { textField: 't', labelField: 's' }, 'x.jsonl');
  assert.deepEqual(jsonl.examples.map((e) => [e.text, e.label]), [['so happy', '1'], ['so sad', '0']]);
  // Same result as reading the file.
  assert.deepEqual(parseTable(readFileSync(at('tweets.jsonl'), 'utf8'), 'jsonl', { textField: 'tweet', labelField: 'sentiment' }, at('tweets.jsonl')), loadTableFile(at('tweets.jsonl'), { textField: 'tweet', labelField: 'sentiment' }));
  assert.throws(() => parseTable('  \n', 'csv', {}, 'empty.csv'), /^DataError: empty\.csv: the file is empty; expected a header row and data rows$/);
  assert.throws(() => parseTable('a,b\n1,2\n', 'csv', {}, 'up.csv'), (e: Error) => e.name === 'DataError' && e.message.startsWith('up.csv'));
  assert.throws(() => parseTable('x', 'xml' as never, {}, 'f'), /unknown table format "xml"; expected csv, tsv or jsonl/);
});
