import { test } from 'node:test';
import assert from 'node:assert/strict';
import { parseDelimited } from '../../src/data/index.js';

const rows = (text: string, delimiter: ',' | '\t' = ',') => parseDelimited(text, delimiter, 'a.csv').map((r) => r.fields);

test('plain fields, LF or CRLF or CR records, optional final line ending', () => {
  assert.deepEqual(rows('a,b\n1,2\n'), [['a', 'b'], ['1', '2']]);
  assert.deepEqual(rows('a,b\r\n1,2\r\n'), [['a', 'b'], ['1', '2']]);
  assert.deepEqual(rows('a,b\r1,2'), [['a', 'b'], ['1', '2']]);
  assert.deepEqual(rows('a,b\n1,2'), [['a', 'b'], ['1', '2']]);
});

test('empty fields, including a trailing one, and spaces kept as they are', () => {
  assert.deepEqual(rows('a,,c\n,x,\n'), [['a', '', 'c'], ['', 'x', '']]);
  assert.deepEqual(rows(' a , b \n'), [[' a ', ' b ']]);
});

test('quoted fields: delimiter, doubled quote, embedded LF and CRLF kept', () => {
  assert.deepEqual(rows('"Hi, you","say ""hi""","line1\nline2","crlf\r\ninside"\r\n'), [
    ['Hi, you', 'say "hi"', 'line1\nline2', 'crlf\r\ninside'],
  ]);
  assert.deepEqual(rows('"",""""\n'), [['', '"']]);
});

test('a BOM is dropped, empty lines are skipped', () => {
  assert.deepEqual(rows('\ufefftext,label\n\nx,y\n\n\n'), [['text', 'label'], ['x', 'y']]);
});

test('a quote inside an unquoted field is literal', () => {
  assert.deepEqual(rows('5" screen,ok\n'), [['5" screen', 'ok']]);
});

test('records carry the line they start on, counting newlines inside quotes', () => {
  const recs = parseDelimited('h1,h2\n"a\nb\r\nc",1\n\nd,2\r\n', ',', 'a.csv');
  assert.deepEqual(
    recs.map((r) => r.line),
    [1, 2, 6],
  );
});

test('TSV: tab-delimited with the same quoting; commas are plain text', () => {
  assert.deepEqual(rows('text\tlabel\nhello, world\tpos\n"tab\there"\tneg\n', '\t'), [
    ['text', 'label'],
    ['hello, world', 'pos'],
    ['tab\there', 'neg'],
  ]);
});

test('an unclosed quote names the file and the line the field starts on', () => {
  assert.throws(() => parseDelimited('text,label\nok,1\n"never\nclosed,2\n', ',', 'data/x.csv'), {
    name: 'DataError',
    message:
      `data/x.csv:3: quoted field never closes (a '"' opens it and no closing '"' follows; ` +
      `write a quote inside a quoted field as "")`,
  });
});

test('text after a closing quote is refused with file:line', () => {
  assert.throws(() => parseDelimited('a,b\n"x"y,1\n', ',', 'x.csv'), {
    name: 'DataError',
    message: `x.csv:2: unexpected "y" after a closing quote; expected a comma or the end of the line`,
  });
  assert.throws(() => parseDelimited('a\tb\n"x" \t1\n', '\t', 'x.tsv'), {
    name: 'DataError',
    message: `x.tsv:2: unexpected " " after a closing quote; expected a tab or the end of the line`,
  });
});
