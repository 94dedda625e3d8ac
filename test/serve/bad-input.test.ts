// attn serve under hostile clients, on 127.0.0.1 with tiny run folders: a 100 MB body (413 at once,
// never buffered; still read by a client that reads its answer late, thanks to lingering close),
// requests the HTTP parser refuses (400, 431, in the API's error shape), a client sending its body
// a byte at a time (408 after the request timeout, others served meanwhile), 1,000 requests opened
// and dropped at once (the server serves on and its heap returns near its baseline), and the error
// answers of bad bodies not covered by server.test.ts. The invalid-JSON, missing-field, 413-over-the-limit, max_tokens-over-the-context
// and unknown-model (404) answers are checked there.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { tmpdir } from 'node:os';
import http from 'node:http';
import net from 'node:net';
import v8 from 'node:v8';
import { runInNewContext } from 'node:vm';
import { startServer, type RunningServer } from '../../src/serve/index.js';
import { writeServeFolders } from './run-folders.js';
import { postJson } from './helpers.js';

v8.setFlagsFromString('--expose-gc');
const gc = runInNewContext('gc') as () => void;

let root = '';
let server: RunningServer;
let base = '';

before(async () => {
  root = mkdtempSync(join(tmpdir(), 'attn-serve-bad-'));
  const folders = writeServeFolders(root);
  server = await startServer({
    models: [{ name: 'clf', dir: folders.clf }, { name: 'lm', dir: folders.lm }],
    port: 0,
    requestTimeoutMs: 1000,
    maxQueue: 16,
    parallel: 4,
  });
  base = server.url;
});
after(async () => {
  await server?.close();
  rmSync(root, { recursive: true, force: true });
});

/** The server answers a classification and a completion correctly. */
async function stillServing(): Promise<void> {
  const c = await postJson(`${base}/v1/classify`, { texts: ['free money now'] });
  assert.equal(c.status, 200, c.text);
  assert.equal(c.json.predictions.length, 1);
  const g = await postJson(`${base}/v1/completions`, { prompt: 'the cat', max_tokens: 4, temperature: 0 });
  assert.equal(g.status, 200, g.text);
  assert.equal(g.json.usage.completion_tokens, 4);
}

/** The body of a raw HTTP answer, parsed as JSON. */
const jsonBodyOf = (answer: string) => JSON.parse(answer.slice(answer.indexOf('\r\n\r\n') + 4));

/** Bytes held by this process's JS heap and buffers. */
function heldBytes(): number {
  const m = process.memoryUsage();
  return m.heapUsed + m.external + m.arrayBuffers;
}

/** Sends `total` bytes of a JSON-looking body in 64 KiB chunks (never holding them all); resolves with the status, if one came. */
function sendHugeBody(total: number, chunked: boolean): Promise<{ status: number | null; body: string; sent: number }> {
  return new Promise((resolve) => {
    const headers: Record<string, string | number> = { 'content-type': 'application/json' };
    if (!chunked) headers['content-length'] = total;
    const req = http.request(`${base}/v1/classify`, { method: 'POST', headers });
    const chunk = Buffer.alloc(64 * 1024, 'a');
    let sent = 0;
    let status: number | null = null;
    let body = '';
    let settled = false;
    const done = () => {
      if (settled) return;
      settled = true;
      req.destroy();
      resolve({ status, body, sent });
    };
    req.on('response', (res) => {
      status = res.statusCode ?? null;
      res.setEncoding('utf8');
      res.on('data', (c: string) => (body += c));
      res.on('end', done);
      res.on('error', done);
    });
    req.on('error', done);
    req.on('close', done);
    const pump = () => {
      while (sent < total && !settled) {
        const n = Math.min(chunk.length, total - sent);
        sent += n;
        if (!req.write(n === chunk.length ? chunk : chunk.subarray(0, n))) return void req.once('drain', pump);
      }
      if (!settled) req.end();
    };
    req.write('{"texts": ["');
    pump();
  });
}

test('a 100 MB body gets 413 without being buffered (declared length and chunked); the server serves on', { timeout: 60_000 }, async () => {
  gc();
  const baseline = heldBytes();
  let peak = baseline;
  const timer = setInterval(() => (peak = Math.max(peak, heldBytes())), 5);
  try {
    for (const chunked of [false, true]) {
      const { status, body, sent } = await sendHugeBody(100 * 1024 * 1024, chunked);
      assert.equal(status, 413, `chunked ${chunked}: ${body}`);
      assert.deepEqual(JSON.parse(body), { error: { message: 'the request body is larger than the limit of 1048576 bytes', type: 'invalid_request_error' } });
    }
  } finally {
    clearInterval(timer);
  }
  assert.ok(peak - baseline < 32 * 1024 * 1024, `held ${((peak - baseline) / 2 ** 20).toFixed(1)} MB more while 100 MB were sent`);
  await stillServing();
});

/**
 * Sends an over-limit body on a raw socket for `sendMs` without reading what comes back (a client
 * busy uploading), then reads: resolves with the answer received and the socket's error, if the
 * server closed with a reset instead of an orderly FIN.
 */
function sendOverLimitReadingLate(chunked: boolean, sendMs: number): Promise<{ answer: string; error: string }> {
  return new Promise((resolve) => {
    const socket = net.connect(server.port, '127.0.0.1');
    let answer = '';
    let error = '';
    socket.pause();
    socket.setEncoding('utf8');
    socket.on('data', (c: string) => (answer += c));
    socket.on('error', (e) => (error = String(e)));
    socket.on('close', () => resolve({ answer, error }));
    const framing = chunked ? 'transfer-encoding: chunked' : `content-length: ${100 * 1024 * 1024}`;
    socket.write(`POST /v1/classify HTTP/1.1\r\nhost: 127.0.0.1\r\ncontent-type: application/json\r\n${framing}\r\n\r\n`);
    const data = Buffer.alloc(64 * 1024, 'a');
    const piece = chunked ? Buffer.concat([Buffer.from(`${data.length.toString(16)}\r\n`), data, Buffer.from('\r\n')]) : data;
    const started = Date.now();
    const pump = () => {
      while (Date.now() - started < sendMs && !socket.destroyed) {
        if (!socket.write(piece)) return void socket.once('drain', pump);
      }
    };
    pump();
    setTimeout(() => {
      socket.resume(); // now read the answer
      setTimeout(() => socket.destroy(), 10_000).unref(); // bounded, whatever the server does
    }, sendMs);
  });
}

test('a client that reads its answer only after sending 400 ms more of an over-limit body still gets the 413 (lingering close)', { timeout: 30_000 }, async () => {
  for (const chunked of [false, true]) {
    const { answer, error } = await sendOverLimitReadingLate(chunked, 400);
    assert.match(answer, /^HTTP\/1\.1 413 /, `chunked ${chunked}: the answer ${JSON.stringify(answer.slice(0, 120))}, error ${error}`);
    assert.match(answer, /the request body is larger than the limit of 1048576 bytes/);
    assert.equal(error, '', `chunked ${chunked}: the server closed with a reset instead of FIN`);
  }
  await stillServing();
});

test('a client sending its body a byte at a time gets 408 after the request timeout; others are served meanwhile', { timeout: 30_000 }, async () => {
  const body = JSON.stringify({ texts: ['free money now'] });
  const socket = net.connect(server.port, '127.0.0.1');
  let answer = '';
  socket.setEncoding('utf8').on('data', (c: string) => (answer += c));
  const closed = new Promise<void>((resolve) => socket.on('close', () => resolve()));
  socket.on('error', () => {});
  await new Promise<void>((resolve) => socket.once('connect', () => resolve()));
  const started = Date.now();
  socket.write(`POST /v1/classify HTTP/1.1\r\nhost: 127.0.0.1\r\ncontent-type: application/json\r\ncontent-length: ${body.length}\r\n\r\n`);
  let i = 0;
  const drip = setInterval(() => {
    if (i < body.length && !socket.destroyed) socket.write(body[i++]!);
  }, 100); // 30 bytes would take 3 s: longer than the 1 s timeout
  try {
    await stillServing(); // meanwhile
    await closed;
  } finally {
    clearInterval(drip);
  }
  const elapsed = Date.now() - started;
  assert.match(answer, /^HTTP\/1\.1 408 /, `the answer: ${JSON.stringify(answer.slice(0, 200))}`);
  assert.ok(i < body.length, `cut off before the body was complete (${i} of ${body.length} bytes)`);
  assert.ok(elapsed >= 900 && elapsed < 10_000, `closed after ${elapsed} ms`);
  assert.deepEqual(jsonBodyOf(answer), { error: { message: 'the request did not arrive in full within 1000 ms', type: 'invalid_request_error' } });
  await stillServing();
});

/** Writes raw bytes on a fresh connection; resolves with everything the server sent before closing. */
function rawExchange(bytes: string): Promise<string> {
  return new Promise((resolve) => {
    const socket = net.connect(server.port, '127.0.0.1');
    let answer = '';
    socket.setEncoding('utf8').on('data', (c: string) => (answer += c));
    socket.on('error', () => {});
    socket.on('close', () => resolve(answer));
    socket.setTimeout(5000, () => socket.destroy());
    socket.write(bytes);
  });
}

test('a request the HTTP parser refuses gets 400, headers over the limit 431, each in the API error shape', async () => {
  const bad = await rawExchange('NOT AN HTTP REQUEST\r\n\r\n');
  assert.match(bad, /^HTTP\/1\.1 400 Bad Request\r\n/, bad);
  const badBody = jsonBodyOf(bad);
  assert.equal(badBody.error.type, 'invalid_request_error');
  assert.match(badBody.error.message, /^malformed HTTP request: /);
  const huge = await rawExchange(`GET /health HTTP/1.1\r\nhost: 127.0.0.1\r\nx-padding: ${'a'.repeat(20_000)}\r\n\r\n`);
  assert.match(huge, /^HTTP\/1\.1 431 Request Header Fields Too Large\r\n/, huge.slice(0, 200));
  assert.match(jsonBodyOf(huge).error.message, /headers are larger than the server accepts/);
  await stillServing();
});

test('1,000 requests opened and dropped at once: the server serves on and its heap returns near its baseline', { timeout: 60_000 }, async () => {
  await stillServing(); // warm
  gc();
  const baseline = process.memoryUsage().heapUsed;
  const bodies = [
    JSON.stringify({ texts: ['free money now', 'meeting at noon'] }),
    JSON.stringify({ prompt: 'the cat', max_tokens: 20, temperature: 0, stream: true }),
    JSON.stringify({ prompt: 'a dog', max_tokens: 20 }),
  ];
  const paths = ['/v1/classify', '/v1/completions', '/v1/completions'];
  const sockets: net.Socket[] = [];
  await Promise.all(Array.from({ length: 1000 }, (_, k) => new Promise<void>((resolve) => {
    const s = net.connect(server.port, '127.0.0.1', () => {
      const body = bodies[k % 3]!;
      // A third send everything, a third half the body, a third only the headers.
      const part = k % 9 < 3 ? body : k % 9 < 6 ? body.slice(0, body.length >> 1) : '';
      s.write(`POST ${paths[k % 3]} HTTP/1.1\r\nhost: x\r\ncontent-type: application/json\r\ncontent-length: ${body.length}\r\n\r\n${part}`, () => resolve());
    });
    s.on('error', () => resolve());
    sockets.push(s);
  })));
  for (const s of sockets) s.destroy();
  await stillServing();
  // Let the server notice every hang-up, stop what they started, and free it.
  await new Promise((r) => setTimeout(r, 500));
  await stillServing();
  gc();
  const after = process.memoryUsage().heapUsed;
  assert.ok(after - baseline < 16 * 1024 * 1024, `heap ${((after - baseline) / 2 ** 20).toFixed(1)} MB above its baseline after 1,000 dropped requests`);
  const health = await fetch(`${base}/health`);
  assert.equal(health.status, 200);
});

test('more bad bodies: wrong JSON types, an empty body, nested garbage, a non-object, a huge max_tokens', async () => {
  const refused = async (path: string, body: string, status: number, message: RegExp) => {
    const res = await postJson(`${base}${path}`, body);
    assert.equal(res.status, status, `${path} ${body.slice(0, 80)}: ${res.text}`);
    assert.deepEqual(Object.keys(res.json), ['error']);
    assert.match(res.json.error.message, message);
  };
  await refused('/v1/classify', '', 400, /body/i);
  await refused('/v1/classify', '[1, 2]', 400, /must be object/);
  await refused('/v1/classify', 'null', 400, /must be object|body/i);
  await refused('/v1/classify', '"texts"', 400, /must be object/);
  await refused('/v1/classify', '{"texts": [1]}', 400, /texts\/0 must be string/);
  await refused('/v1/completions', '{"prompt": {"a": 1}}', 400, /prompt must be string/);
  await refused('/v1/completions', '{"prompt": "the", "max_tokens": 9007199254740993}', 400, /max_tokens .* more than the model's context of 32/);
  await refused('/v1/completions', '{"prompt": "the", "max_tokens": 1.5}', 400, /max_tokens must be integer/);
  await refused('/v1/chat/completions', '{"messages": []}', 400, /messages must NOT have fewer than 1 items/);
  await refused('/v1/chat/completions', '{"messages": [{"role": "wizard", "content": "hi"}]}', 400, /role must be equal to one of the allowed values/);
  await refused('/tokenize', `{"content": "a", "__proto__": {"x": 1}}`, 400, /./);
  await refused('/v1/completions', '{"prompt": "the", "stop": [""]}', 400, /stop/);
  await stillServing();
});
