import { test } from 'node:test';
import assert from 'node:assert/strict';
import { emailToText } from '../../src/data/index.js';

test('headers go except the Subject (folded lines joined); the body stays', () => {
  const raw = [
    'From spammer@example.com  Thu Aug 22 12:36:23 2002',
    'Return-Path: <spammer@example.com>',
    'Received: from localhost (localhost [127.0.0.1])',
    '\tby mail.example.com (Postfix) with ESMTP id D03E543C36',
    'Subject: Make money',
    '  fast',
    'X-Spam-Status: No',
    '',
    'Dear friend,',
    'Received: this line is body text and stays.',
    '',
  ].join('\r\n');
  assert.equal(emailToText(raw), 'Make money fast\n\nDear friend,\nReceived: this line is body text and stays.');
});

test('no Subject: the body only; no body: the Subject only', () => {
  assert.equal(emailToText('From: a@b\n\nHello.\n'), 'Hello.');
  assert.equal(emailToText('Subject: Only a subject\n\n\n'), 'Only a subject');
});

test('RFC 2047 encoded words in the Subject', () => {
  assert.equal(emailToText('Subject: =?iso-8859-1?Q?caf=E9_cr=E8me?=\n\nx'), 'café crème\n\nx');
  // Whitespace between adjacent encoded words is dropped; around plain text it stays.
  assert.equal(emailToText('Subject: Re: =?utf-8?B?8J+Ygg==?= =?UTF-8?q?_ok?= done\n\nx'), 'Re: 😂 ok done\n\nx');
});

test('multipart/alternative: the plain-text part only; preamble and boundaries gone', () => {
  const raw = [
    'Subject: Offer',
    'MIME-Version: 1.0',
    'Content-Type: multipart/alternative;',
    '\tboundary="----=_NextPart_000_0001"',
    '',
    'This is a multi-part message in MIME format.',
    '',
    '------=_NextPart_000_0001',
    'Content-Type: text/plain; charset="us-ascii"',
    '',
    'Plain version.',
    '',
    '------=_NextPart_000_0001',
    'Content-Type: text/html',
    '',
    '<p>HTML version.</p>',
    '------=_NextPart_000_0001--',
    'epilogue',
  ].join('\n');
  assert.equal(emailToText(raw), 'Offer\n\nPlain version.');
});

test('multipart/mixed: quoted-printable and base64 text decoded, HTML to text, attachments dropped', () => {
  const html = '<html><head><title>t</title><style>p{}</style></head><body><p>Buy <b>n</b>ow&nbsp;&amp; save&#33;</p>' +
    '<table><tr><td>A</td><td>B</td></tr></table><!-- hidden --><br>Bye</body></html>';
  const raw = [
    'Subject: Mixed',
    'Content-Type: multipart/mixed; boundary=XYZ',
    '',
    '--XYZ',
    'Content-Type: text/plain; charset=iso-8859-1',
    'Content-Transfer-Encoding: quoted-printable',
    '',
    'Caf=E9 au lait, a very long line that was wrapped by the=',
    ' encoder =3D fine.',
    '--XYZ',
    'Content-Type: text/html; charset=utf-8',
    'Content-Transfer-Encoding: base64',
    '',
    ...(Buffer.from(html).toString('base64').match(/.{1,76}/g) ?? []),
    '--XYZ',
    'Content-Type: image/gif; name="x.gif"',
    'Content-Transfer-Encoding: base64',
    '',
    'R0lGODlhAQABAAAAACw=',
    '--XYZ--',
  ].join('\n');
  assert.equal(
    emailToText(raw),
    'Mixed\n\nCafé au lait, a very long line that was wrapped by the encoder = fine.\n\nBuy now & save!\n\nA B\n\nBye',
  );
});

test('HTML sent as text/plain (or with no Content-Type) is sniffed and reduced to text', () => {
  assert.equal(emailToText('Subject: s\n\n<HTML><BODY>Hi <FONT size=2>there</FONT></BODY></HTML>\n'), 's\n\nHi there');
  // Text that merely mentions a tag later on is left alone.
  assert.equal(emailToText('Subject: s\n\nUse <b> for bold.\n'), 's\n\nUse <b> for bold.');
});

test('MIME parts without a Content-Type header on the message: the boundary is recognised', () => {
  const raw = [
    'Subject: Lost header',
    'MIME-Version: 1.0',
    '',
    'This is a MIME Message',
    '',
    '------=_NextPart_000_007F',
    'Content-Type: text/plain; charset="iso-8859-1"',
    '',
    'The text.',
    '------=_NextPart_000_007F--',
  ].join('\n');
  assert.equal(emailToText(raw), 'Lost header\n\nThe text.');
});

test('a forwarded message/rfc822 part contributes its Subject and body', () => {
  const raw = [
    'Subject: Fwd',
    'Content-Type: multipart/mixed; boundary="b1"',
    '',
    '--b1',
    '',
    'See below.',
    '--b1',
    'Content-Type: message/rfc822',
    '',
    'From: x@y',
    'Subject: Inner',
    '',
    'Inner body.',
    '--b1--',
  ].join('\n');
  assert.equal(emailToText(raw), 'Fwd\n\nSee below.\n\nInner\n\nInner body.');
});

test('a multipart whose boundary never appears is read as plain text', () => {
  assert.equal(emailToText('Subject: s\nContent-Type: multipart/mixed; boundary=nope\n\nJust text.\n'), 's\n\nJust text.');
});
