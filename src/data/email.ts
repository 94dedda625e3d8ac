// Raw RFC 822 / MIME email → the text a classifier should see: the Subject and the readable body.
//
// Why headers go: in the SpamAssassin corpus the ham was collected from a few mailing lists and
// the spam from spam traps, so `Received:`, `List-Id:`, `X-Spam-*`, message ids and dates tell
// the classes apart without reading a word. A model trained on them learns the collection, not
// spam. The Subject is written by the sender like the body, so it stays.
//
// Kept simple on purpose, not a full MIME library: multipart bodies are split on their boundary
// (the preamble, epilogue and boundary lines go), base64 and quoted-printable text parts are
// decoded with their charset, HTML is reduced to its text, attachments (any non-text part) are
// dropped, and in multipart/alternative only the plain-text version is kept when there is one.

import { decodeBase64, decodeLatin1, decodeText, normalizeNewlines } from './decode.js';

/** Nesting limit for multipart-in-multipart and forwarded messages (malformed mail can loop). */
const MAX_DEPTH = 8;

/**
 * The text of a raw email: the decoded Subject, an empty line, then the body text.
 *
 * @example
 * emailToText('From: a@b\nSubject: =?utf-8?Q?caf=C3=A9?=\nContent-Type: text/html\n\n<p>Hi&nbsp;there</p>');
 * // 'café\n\nHi there'
 */
export function emailToText(raw: string): string {
  return messageText(normalizeNewlines(raw), 0);
}

function messageText(raw: string, depth: number): string {
  const { headers, body } = splitMessage(raw);
  const subject = decodeEncodedWords(headers.get('subject') ?? '').trim();
  const text = partText(headers, body, depth).trim();
  return [subject, text].filter((s) => s !== '').join('\n\n');
}

interface Part {
  headers: Map<string, string>;
  body: string;
}

/** Splits at the first empty line into (unfolded, lower-cased) headers and body. */
function splitMessage(raw: string): Part {
  // A MIME part without headers starts with the empty line itself.
  const at = raw.startsWith('\n') ? 0 : raw.indexOf('\n\n');
  const head = at < 0 ? raw : raw.slice(0, at);
  const body = at < 0 ? '' : raw.slice(at + (at === 0 ? 1 : 2));
  const headers = new Map<string, string>();
  let last: string | undefined;
  for (const line of head.split('\n')) {
    if ((line.startsWith(' ') || line.startsWith('\t')) && last !== undefined) {
      headers.set(last, `${headers.get(last)} ${line.trim()}`); // folded continuation line
      continue;
    }
    const m = /^([^:\s]+):[ \t]*(.*)$/.exec(line);
    if (!m) continue; // the mbox `From ` line, or junk
    const name = m[1]!.toLowerCase();
    if (headers.has(name)) {
      last = undefined; // keep the first occurrence; ignore a repeat and its continuations
      continue;
    }
    headers.set(name, m[2]!);
    last = name;
  }
  return { headers, body };
}

interface ContentType {
  type: string;
  params: Map<string, string>;
}

function parseContentType(value: string | undefined): ContentType {
  const params = new Map<string, string>();
  if (!value) return { type: 'text/plain', params };
  const type = value.split(';')[0]!.trim().toLowerCase() || 'text/plain';
  const re = /;\s*([^=;\s]+)\s*=\s*("(?:[^"\\]|\\.)*"|[^;\s]*)/g;
  for (let m = re.exec(value); m; m = re.exec(value)) {
    let v = m[2]!;
    if (v.startsWith('"')) v = v.slice(1, -1).replace(/\\(.)/g, '$1');
    params.set(m[1]!.toLowerCase(), v);
  }
  return { type, params };
}

/** The readable text of one message or MIME part, '' for an attachment. */
function partText(headers: Map<string, string>, body: string, depth: number): string {
  const ct = parseContentType(headers.get('content-type'));
  if (!headers.has('content-type')) {
    // Some spam has MIME parts but lost its Content-Type header: a `--token` line directly
    // followed by a `Content-Type:` line is a boundary all the same.
    const m = /^--(\S{6,})[ \t]*\n(?=content-type:)/im.exec(body);
    if (m) return partText(new Map([['content-type', `multipart/mixed; boundary="${m[1]}"`]]), body, depth);
  }
  const boundary = ct.params.get('boundary');
  if (ct.type.startsWith('multipart/') && boundary && depth < MAX_DEPTH) {
    const parts = splitMultipart(body, boundary);
    if (parts) return multipartText(ct.type, parts, depth);
    // The boundary never appears: read the body as plain text rather than lose it.
  }
  if (ct.type === 'message/rfc822' && depth < MAX_DEPTH) return messageText(body, depth + 1);
  if (!ct.type.startsWith('text/') && !ct.type.startsWith('multipart/')) return ''; // attachment
  const text = decodeTransfer(body, headers.get('content-transfer-encoding'), ct.params.get('charset'));
  // Spam often sends HTML labelled text/plain (or with no Content-Type): sniff its first tag.
  const html = ct.type === 'text/html' || /^\s*<(!doctype|html|head|body|table|div|p|font|center)\b/i.test(text);
  return html ? htmlToText(text) : text;
}

function multipartText(type: string, parts: string[], depth: number): string {
  const read = parts.map((raw) => {
    const { headers, body } = splitMessage(raw);
    const partType = parseContentType(headers.get('content-type')).type;
    return { partType, text: partText(headers, body, depth + 1).trim() };
  });
  if (type === 'multipart/alternative') {
    // The same content several ways: one copy, preferring plain text over HTML.
    const plain = read.find((p) => p.partType === 'text/plain' && p.text !== '');
    return (plain ?? read.find((p) => p.text !== ''))?.text ?? '';
  }
  return read
    .map((p) => p.text)
    .filter((t) => t !== '')
    .join('\n\n');
}

/** The parts between `--boundary` lines (without preamble and epilogue), or null if none. */
function splitMultipart(body: string, boundary: string): string[] | null {
  const open = `--${boundary}`;
  const close = `--${boundary}--`;
  const parts: string[] = [];
  let current: string[] | null = null;
  for (const line of body.split('\n')) {
    const bare = line.trimEnd(); // transports add trailing spaces to boundary lines
    if (bare === open || bare === close) {
      if (current) parts.push(current.join('\n'));
      current = bare === open ? [] : null;
      if (bare === close) break;
    } else if (current) {
      current.push(line);
    }
  }
  if (current) parts.push(current.join('\n')); // a message cut off before its closing boundary
  return parts.length > 0 ? parts : null;
}

function decodeTransfer(body: string, encoding: string | undefined, charset: string | undefined): string {
  const cte = (encoding ?? '').trim().toLowerCase();
  if (cte === 'base64') return normalizeNewlines(decodeCharset(decodeBase64(body), charset));
  if (cte === 'quoted-printable') return normalizeNewlines(decodeCharset(quotedPrintableBytes(body), charset));
  // 7bit / 8bit / binary: the file was already decoded as a whole (UTF-8, else Latin-1).
  return body;
}

const HEX = /^[0-9A-Fa-f]{2}$/;
const UTF8 = new TextEncoder();

/**
 * Quoted-printable to bytes (RFC 2045 §6.7): `=XX` is a byte, `=` at a line end is a soft break.
 * With `underscoreIsSpace` it is the "Q" encoding of RFC 2047 headers.
 */
function quotedPrintableBytes(s: string, underscoreIsSpace = false): Uint8Array {
  const out: number[] = [];
  for (let i = 0; i < s.length; i++) {
    const c = s[i]!;
    if (c === '=') {
      const hex = s.slice(i + 1, i + 3);
      if (HEX.test(hex)) {
        out.push(parseInt(hex, 16));
        i += 2;
        continue;
      }
      const soft = /^[ \t]*(\n|$)/.exec(s.slice(i + 1, i + 80));
      if (soft) {
        i += soft[0].length;
        continue;
      }
    }
    if (underscoreIsSpace && c === '_') {
      out.push(0x20);
      continue;
    }
    const code = s.codePointAt(i)!;
    // Below 256 the character is one byte of the original file (ASCII, or a byte the Latin-1
    // fallback decoded); above, the file was UTF-8, so write its UTF-8 bytes back.
    if (code < 0x100) out.push(code);
    else {
      out.push(...UTF8.encode(String.fromCodePoint(code)));
      if (code > 0xffff) i++; // surrogate pair
    }
  }
  return Uint8Array.from(out);
}

// Declared on plenty of 8-bit mail of either kind; UTF-8-then-Latin-1 reads it better.
const GUESS = new Set(['', 'us-ascii', 'ascii', 'utf-8', 'utf8']);
// Decoded by our own windows-1252 table: Node's TextDecoder differs across versions for these.
const LATIN1 = new Set(['iso-8859-1', 'iso8859-1', 'latin1', 'latin-1', 'windows-1252', 'cp1252']);

/** Bytes in a declared charset; unknown or missing charsets get the UTF-8 / Latin-1 guess. */
function decodeCharset(bytes: Uint8Array, charset: string | undefined): string {
  const label = (charset ?? '').trim().toLowerCase();
  if (GUESS.has(label)) return decodeText(bytes);
  if (LATIN1.has(label)) return decodeLatin1(bytes);
  try {
    return new TextDecoder(label).decode(bytes);
  } catch {
    return decodeText(bytes); // a label TextDecoder does not know
  }
}

const ENCODED_WORD = /=\?([^?\s]+)\?([BbQq])\?([^?\s]*)\?=/g;

/**
 * Decodes RFC 2047 encoded words in a header: `=?iso-8859-1?Q?caf=E9?=` → `café`.
 * Whitespace between two adjacent encoded words is dropped, as the RFC says.
 */
function decodeEncodedWords(value: string): string {
  const joined = value.replace(/(=\?[^?\s]+\?[BbQq]\?[^?\s]*\?=)\s+(?==\?[^?\s]+\?[BbQq]\?)/g, '$1');
  return joined.replace(ENCODED_WORD, (_all, charset: string, enc: string, data: string) => {
    const bytes = enc.toUpperCase() === 'B' ? decodeBase64(data) : quotedPrintableBytes(data, true);
    return decodeCharset(bytes, charset.split('*')[0]); // `charset*lang` (RFC 2231)
  });
}

const ENTITIES: Record<string, string> = {
  nbsp: ' ', amp: '&', lt: '<', gt: '>', quot: '"', apos: "'", copy: '©', reg: '®', trade: '™',
  hellip: '…', mdash: '—', ndash: '–', lsquo: '‘', rsquo: '’', ldquo: '“', rdquo: '”',
  bull: '•', middot: '·', euro: '€', pound: '£', yen: '¥', cent: '¢', deg: '°', times: '×',
};

function decodeEntity(all: string, body: string): string {
  if (body[0] === '#') {
    const code = body[1] === 'x' || body[1] === 'X' ? parseInt(body.slice(2), 16) : parseInt(body.slice(1), 10);
    return Number.isFinite(code) && code > 0 && code <= 0x10ffff ? String.fromCodePoint(code) : all;
  }
  return ENTITIES[body.toLowerCase()] ?? all;
}

/**
 * HTML → text, enough for mail: drops comments, `<head>`, `<script>`, `<style>`; block tags and
 * `<br>` become line breaks, cells become spaces, other tags vanish (so `<b>w</b>ord` stays one
 * word); entities are decoded and runs of blank space collapsed.
 */
function htmlToText(html: string): string {
  const text = html
    .replace(/<!--[\s\S]*?-->/g, '')
    .replace(/<(head|script|style|title)\b[^>]*>[\s\S]*?<\/\1\s*>/gi, '')
    .replace(/<br\b[^>]*>/gi, '\n')
    .replace(/<\/?(p|div|tr|li|ul|ol|table|h[1-6]|blockquote|pre|center|hr|body|html)\b[^>]*>/gi, '\n')
    .replace(/<\/?(td|th)\b[^>]*>/gi, ' ')
    .replace(/<\/?[A-Za-z!][^>]*>/g, '')
    .replace(/&(#\d{1,7}|#[xX][0-9A-Fa-f]{1,6}|[A-Za-z]{2,8});/g, decodeEntity);
  return text
    .split('\n')
    .map((line) => line.replace(/[ \t\u00a0]+/g, ' ').trim())
    .join('\n')
    .replace(/\n{3,}/g, '\n\n')
    .trim();
}
