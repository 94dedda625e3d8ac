// Expected values are scikit-learn's strip_newsgroup_* functions worked by hand (see the
// comments); src/data/newsgroups.ts quotes the Python they come from.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import {
  DataError,
  stripNewsgroupFooter,
  stripNewsgroupHeader,
  stripNewsgroupQuoting,
  stripNewsgroupText,
} from '../../src/data/index.js';

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

test('header: everything up to the first \\n\\n goes; no empty line means nothing is left', () => {
  assert.equal(
    stripNewsgroupHeader(POST),
    'In article <1993Apr5.1@x.edu> bob@x.edu (Bob) writes:\n> Is there a list of atheist books?\n> Thanks.\n\n' +
      'Yes, see the FAQ.\nIt lists many.\n--\nmathew\n',
  );
  // Python's partition('\n\n') returns '' after when the separator is missing.
  assert.equal(stripNewsgroupHeader('From: a\nSubject: b\n'), '');
  // A line holding a space is not the separator: the first real '\n\n' is later.
  assert.equal(stripNewsgroupHeader('From: a\n \nstill header\n\nbody'), 'body');
});

test('quoting: the regex alternatives, anchored ones only at the line start', () => {
  const text = [
    'In article <x@y> z writes:', // ^In article
    'Quoted from somewhere', // ^Quoted from
    '> quoted', // ^>
    '|pipe quoted', // ^\|
    'a | b stays', // | not at the start
    ' > indented stays', // > not at the start
    'He said: no', // said: anywhere
    'Bob wrote: hi', // wrote:
    'she says: maybe', // says:
    'someone writes in comp.x', // writes in
    'As I said before, fine', // 'said' without a colon stays
    'kept',
  ].join('\n');
  assert.equal(stripNewsgroupQuoting(text), 'a | b stays\n > indented stays\nAs I said before, fine\nkept');
});

test('footer: cut at the last line that is blank or only hyphens', () => {
  // strip() → lines [In article…, > Is…, > Thanks., '', Yes…, It lists many., --, mathew];
  // from the end, '--' (index 6) is the first with strip().strip('-') == '' → lines[:6].
  assert.equal(
    stripNewsgroupFooter(stripNewsgroupHeader(POST)),
    'In article <1993Apr5.1@x.edu> bob@x.edu (Bob) writes:\n> Is there a list of atheist books?\n> Thanks.\n\n' +
      'Yes, see the FAQ.\nIt lists many.',
  );
  // An empty line counts too: the last paragraph goes, '--' or not.
  assert.equal(stripNewsgroupFooter('Para one.\n\nPara two.\n'), 'Para one.');
  // '-- ' (the usual sig separator with a trailing space) and '-----' are separators.
  assert.equal(stripNewsgroupFooter('Body\n-- \nsig'), 'Body');
  assert.equal(stripNewsgroupFooter('Body\n  -----  \nsig\nmore sig'), 'Body');
  // A line of hyphens with text is not: 'x--' strips to 'x'.
  assert.equal(stripNewsgroupFooter('Body\n--x--\nsig'), 'Body\n--x--\nsig');
});

test('footer: no separator, or only at line 0, returns the text unchanged (unstripped)', () => {
  assert.equal(stripNewsgroupFooter('Only line.\n'), 'Only line.\n');
  assert.equal(stripNewsgroupFooter('  One\nTwo\n\n'), '  One\nTwo\n\n');
  assert.equal(stripNewsgroupFooter('--\nsig only\n'), '--\nsig only\n');
  assert.equal(stripNewsgroupFooter(''), '');
});

test("footer: Python's strip() whitespace, not JavaScript's trim()", () => {
  // U+001C is whitespace to Python: the line '\x1c--' is a separator.
  assert.equal(stripNewsgroupFooter('Body\n\x1c--\nsig'), 'Body');
  // U+FEFF is whitespace to trim() but not to Python: '\ufeff' is not a separator.
  assert.equal(stripNewsgroupFooter('Body\n\ufeff\nsig'), 'Body\n\ufeff\nsig');
});

test("all three in scikit-learn's order (headers, footers, quotes) whatever order is asked", () => {
  // After headers and footers (above), the quoting pass drops the three quote lines and leaves
  // the empty line before 'Yes'.
  const expected = '\nYes, see the FAQ.\nIt lists many.';
  assert.equal(stripNewsgroupText(POST, ['headers', 'footers', 'quotes']), expected);
  assert.equal(stripNewsgroupText(POST, ['quotes', 'footers', 'headers']), expected);
  // Where the order shows: footer first cuts at the empty line before the quote → 'Body';
  // quotes first would leave 'Body\n\n', in which the footer pass finds no separator.
  assert.equal(stripNewsgroupText('Body\n\n> quoted\n', ['quotes', 'footers']), 'Body');
  // Nothing asked, nothing changed; quotes alone leave the header and the signature.
  assert.equal(stripNewsgroupText(POST, []), POST);
  assert.equal(
    stripNewsgroupText(POST, ['quotes']),
    'From: mathew <mathew@mantis.co.uk>\nSubject: Re: Atheist resources\nOrganization: Mantis Consultants\n\n\n' +
      'Yes, see the FAQ.\nIt lists many.\n--\nmathew\n',
  );
});

test('an unknown strip part is a DataError', () => {
  assert.throws(() => stripNewsgroupText('x', ['signatures' as never]), {
    name: 'DataError',
    message: "unknown strip part 'signatures': expected 'headers', 'footers' or 'quotes'",
  });
  assert.throws(() => stripNewsgroupText('x', ['bogus' as never]), DataError);
});
