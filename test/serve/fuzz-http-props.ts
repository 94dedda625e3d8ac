/**
 * Fuzzing of attn serve's HTTP bodies (shared by test/serve/fuzz-http.test.ts, short and seeded,
 * and test-slow/fuzz-http.test.ts, long): for every POST route, bodies built from the route's JSON
 * schema with random types and values in each field (missing, wrong type, edge numbers, huge or
 * odd strings, extra fields), those structurally mutated, random JSON, random bytes, and odd
 * content types. The server must answer every one within a time bound, with a 4xx JSON error
 * `{error: {message, type}}` or a valid answer (JSON, or server-sent events ending in [DONE]) —
 * never a 5xx, a crash or a hang — and keep serving.
 *
 * A POST route without a schema here (added later) is fuzzed with random and mutated JSON.
 */
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { chatBody, classifyBody, completionBody, detokenizeBody, tokenizeBody } from '../../src/serve/schemas.js';
import type { RunningServer } from '../../src/serve/index.js';
import { mutatedJson, nastyValue, preview } from '../fuzz/kit.js';

type Schema = Record<string, unknown>;

/** The schemas of the routes known here. */
export const ROUTE_SCHEMAS: Record<string, Schema> = {
  '/v1/classify': classifyBody,
  '/v1/completions': completionBody,
  '/v1/chat/completions': chatBody,
  '/tokenize': tokenizeBody,
  '/detokenize': detokenizeBody,
};

/** The POST routes the server has (Fastify's route tree, `:param` routes included). */
export function postRoutes(server: RunningServer): string[] {
  return server.app
    .printRoutes({ commonPrefix: false, method: 'POST' })
    .split('\n')
    .map((line) => line.match(/(\/\S*) \(POST\)/)?.[1])
    .filter((r): r is string => r !== undefined);
}

const TEXT = fc.oneof(
  { weight: 4, arbitrary: fc.constantFrom('the cat', 'a dog sat', 'free money now', 'meeting at noon', 't', '') },
  { weight: 2, arbitrary: fc.string({ maxLength: 24 }) },
  { weight: 1, arbitrary: fc.string({ unit: 'binary', maxLength: 12 }) },
  { weight: 1, arbitrary: fc.constantFrom('\u0000', '\uD800', '\uFEFF', 'x'.repeat(5000), '🦀'.repeat(40), 'the cat '.repeat(20)) },
);

const MODEL = fc.oneof(fc.constantFrom('clf', 'lm', 'nope', '', 'LM', '__proto__'), fc.string({ maxLength: 6 }));

/** A value that fits `schema` most of the time, at its edges often. */
function fitting(schema: Schema, key: string): fc.Arbitrary<unknown> {
  if (key === 'model') return MODEL;
  if (Array.isArray(schema.anyOf)) return fc.oneof(...(schema.anyOf as Schema[]).map((s) => fitting(s, key)));
  if (Array.isArray(schema.enum)) return fc.constantFrom(...(schema.enum as unknown[]));
  const type = schema.type;
  if (Array.isArray(type)) return fc.oneof(...type.map((t) => fitting({ ...schema, type: t }, key)));
  switch (type) {
    case 'string':
      return TEXT;
    case 'integer': {
      const lo = typeof schema.minimum === 'number' ? schema.minimum : -5;
      return fc.oneof(
        { weight: 5, arbitrary: fc.integer({ min: lo - 1, max: lo + 40 }) },
        { weight: 1, arbitrary: fc.constantFrom(0, -1, 2 ** 31, 2 ** 53, -(2 ** 53), 1e21) },
      );
    }
    case 'number':
      return fc.oneof(
        { weight: 5, arbitrary: fc.double({ min: -0.5, max: 2, noNaN: true }) },
        { weight: 1, arbitrary: fc.constantFrom(0, -0, 1, 100, 101, 1e-300, 1e300, -1e300, 5e-324) },
      );
    case 'boolean':
      return fc.boolean();
    case 'null':
      return fc.constant(null);
    case 'array': {
      const items = (schema.items as Schema | undefined) ?? {};
      return fc.array(fitting(items, key), { maxLength: Math.min(6, typeof schema.maxItems === 'number' ? schema.maxItems : 6) });
    }
    case 'object':
      return objectOf(schema);
    default:
      return fc.jsonValue({ maxDepth: 2 });
  }
}

const GOOD_TEXT = fc.constantFrom('the cat', 'a dog sat', 'free money now', 'the mat', 'then the cat and the dog');

/**
 * A value `schema` accepts, small enough to run at once (max_tokens ≤ 8, known texts, the models
 * served or none): what reaches the models.
 */
function valid(schema: Schema, key: string, models: string[]): fc.Arbitrary<unknown> {
  if (key === 'model') return fc.constantFrom(...models);
  if (Array.isArray(schema.anyOf)) return fc.oneof(...(schema.anyOf as Schema[]).map((s) => valid(s, key, models)));
  if (Array.isArray(schema.enum)) return fc.constantFrom(...(schema.enum as unknown[]));
  const type = Array.isArray(schema.type) ? schema.type[0] : schema.type;
  const lo = typeof schema.minimum === 'number' ? schema.minimum : typeof schema.exclusiveMinimum === 'number' ? schema.exclusiveMinimum + 1e-3 : 0;
  const hi = typeof schema.maximum === 'number' ? schema.maximum : lo + 8;
  switch (type) {
    case 'string':
      return key === 'stop' ? fc.constantFrom('.', 'the', 'zz') : GOOD_TEXT;
    case 'integer':
      return /tokens|predict/.test(key) ? fc.integer({ min: 1, max: 8 }) : fc.integer({ min: lo, max: Math.min(hi, lo + 8) });
    case 'number':
      return fc.double({ min: lo, max: Math.min(hi, 2), noNaN: true });
    case 'boolean':
      return fc.boolean();
    case 'null':
      return fc.constant(null);
    case 'array': {
      const items = (schema.items as Schema | undefined) ?? {};
      const min = typeof schema.minItems === 'number' ? schema.minItems : 0;
      return fc.array(key === 'tokens' ? fc.integer({ min: 0, max: 17 }) : valid(items, key, models), { minLength: min, maxLength: min + (key === 'messages' ? 1 : 3) });
    }
    case 'object': {
      const properties = (schema.properties as Record<string, Schema> | undefined) ?? {};
      const required = new Set((schema.required as string[] | undefined) ?? []);
      const fields = Object.entries(properties).map(([k, s]) => (required.has(k) ? valid(s, k, models).map((v) => [k, v] as const) : fc.option(valid(s, k, models).map((v) => [k, v] as const), { freq: 3 })));
      return fc.tuple(...fields).map((pairs) => Object.fromEntries(pairs.filter((p): p is readonly [string, unknown] => p !== null)));
    }
    default:
      return fc.constant(null);
  }
}

/** An object for an object schema: each field present or not, fitting or of a random kind, sometimes extra fields. */
function objectOf(schema: Schema): fc.Arbitrary<Record<string, unknown>> {
  const properties = (schema.properties as Record<string, Schema> | undefined) ?? {};
  const required = new Set((schema.required as string[] | undefined) ?? []);
  const fields = Object.entries(properties).map(([key, s]) =>
    fc.oneof(
      { weight: required.has(key) ? 12 : 4, arbitrary: fitting(s, key).map((v) => [key, v] as const) },
      { weight: required.has(key) ? 1 : 6, arbitrary: fc.constant(null).map(() => [key, undefined] as const) },
      { weight: 1, arbitrary: nastyValue.map((v) => [key, v] as const) },
    ),
  );
  const extra = fc.oneof({ weight: 6, arbitrary: fc.constant([] as [string, unknown][]) }, { weight: 1, arbitrary: fc.array(fc.tuple(fc.string({ maxLength: 8 }), nastyValue), { maxLength: 2 }) });
  return fc.tuple(fc.tuple(...fields), extra).map(([pairs, more]) => {
    const o: Record<string, unknown> = {};
    for (const [k, v] of pairs) if (v !== undefined) o[k] = v;
    for (const [k, v] of more) o[k] = v;
    return o;
  });
}

/** What is sent: a body (bytes or JSON text) and a content type. */
export interface FuzzRequest {
  body: string | Uint8Array;
  contentType: string | null;
}

/** Requests for one route: schema-built, mutated, random JSON, random bytes. */
export function requestsFor(route: string): fc.Arbitrary<FuzzRequest> {
  const schema = ROUTE_SCHEMAS[route];
  const fits = schema ? objectOf(schema) : fc.dictionary(fc.string({ maxLength: 8 }), fc.jsonValue({ maxDepth: 2 }), { maxKeys: 4 });
  // The models served by fuzzServer's callers: 'clf' (a classifier) and 'lm' (a language model).
  const models = route === '/v1/classify' ? ['clf'] : /completions/.test(route) ? ['lm'] : ['clf', 'lm'];
  const good = schema ? valid(schema, '', models) : fits;
  const json = fc.oneof(
    { weight: 3, arbitrary: good.map((v) => JSON.stringify(v)) },
    { weight: 5, arbitrary: fits.map((v) => JSON.stringify(v)) },
    { weight: 3, arbitrary: mutatedJson(fc.oneof(good, fits)).map((v) => JSON.stringify(v) ?? 'null') },
    { weight: 1, arbitrary: nastyValue.map((v) => JSON.stringify(v) ?? '') },
    { weight: 1, arbitrary: fc.jsonValue().map((v) => JSON.stringify(v)) },
    { weight: 1, arbitrary: fits.chain((v) => { const s = JSON.stringify(v); return fc.nat({ max: s.length }).map((n) => s.slice(0, n)); }) }, // truncated
  );
  const body = fc.oneof({ weight: 8, arbitrary: json }, { weight: 1, arbitrary: fc.uint8Array({ maxLength: 200 }) });
  const contentType = fc.oneof(
    { weight: 12, arbitrary: fc.constant('application/json') },
    { weight: 1, arbitrary: fc.constantFrom('application/json; charset=utf-8', 'text/plain', 'application/x-www-form-urlencoded', 'application/json; charset=latin1', 'multipart/form-data; boundary=x', null) },
  );
  return fc.record({ body, contentType });
}

/** Sends one request and checks the answer; returns its status. */
export async function sendAndCheck(base: string, route: string, request: FuzzRequest): Promise<number> {
  const what = () => `POST ${route} (${request.contentType}) ${preview(request.body)}`;
  const headers: Record<string, string> = {};
  if (request.contentType !== null) headers['content-type'] = request.contentType;
  let res: Response;
  let text: string;
  try {
    res = await fetch(`${base}${route}`, { method: 'POST', headers, body: typeof request.body === 'string' ? request.body : Buffer.from(request.body), signal: AbortSignal.timeout(15_000) });
    text = await res.text();
  } catch (err) {
    assert.fail(`no answer within 15 s (or the connection broke: ${(err as Error).message}) for ${what()}`);
  }
  assert.ok(res.status < 500, `status ${res.status} for ${what()}: ${text.slice(0, 300)}`);
  const type = res.headers.get('content-type') ?? '';
  if (res.status >= 400) {
    assert.ok(res.status < 500);
    assert.match(type, /^application\/json/, `a ${res.status} that is not JSON for ${what()}`);
    const json = JSON.parse(text) as { error?: { message?: unknown; type?: unknown } };
    assert.deepEqual(Object.keys(json), ['error'], `${what()}: ${text.slice(0, 200)}`);
    assert.equal(typeof json.error!.message, 'string');
    assert.equal(typeof json.error!.type, 'string');
    assert.ok((json.error!.message as string).length > 0);
    return res.status;
  }
  assert.equal(res.status, 200, `${what()}: ${text.slice(0, 200)}`);
  if (type.startsWith('text/event-stream')) {
    const blocks = text.split('\n\n').filter((b) => b.trim() !== '');
    assert.equal(blocks.at(-1), 'data: [DONE]', `${what()}: the stream ends in ${blocks.at(-1)}`);
    for (const b of blocks.slice(0, -1)) {
      const event = JSON.parse(b.slice(6)) as { error?: unknown };
      assert.equal(event.error, undefined, `${what()}: an error event ${b}`);
    }
  } else {
    assert.match(type, /^application\/json/, what());
    JSON.parse(text);
  }
  return res.status;
}

/** The server still answers /health and a valid classification and completion. */
export async function assertServing(base: string): Promise<void> {
  assert.equal((await fetch(`${base}/health`, { signal: AbortSignal.timeout(10_000) })).status, 200);
  const c = await fetch(`${base}/v1/classify`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{"texts": ["free money now"]}', signal: AbortSignal.timeout(10_000) });
  assert.equal(c.status, 200);
  const g = await fetch(`${base}/v1/completions`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{"prompt": "the cat", "max_tokens": 3}', signal: AbortSignal.timeout(10_000) });
  assert.equal(g.status, 200);
}

/**
 * Runs the fuzzer on every POST route of `server`, `runs` cases each; returns, per route, how
 * many answers had each status (so a caller can check that both answers and refusals were reached).
 */
export async function fuzzServer(server: RunningServer, runs: number, seed: number, log: (line: string) => void = () => {}): Promise<Record<string, Record<number, number>>> {
  const routes = postRoutes(server);
  for (const known of Object.keys(ROUTE_SCHEMAS)) assert.ok(routes.includes(known), `the server has POST ${known}`);
  const statuses: Record<string, Record<number, number>> = {};
  for (const route of routes) {
    const started = Date.now();
    const counts: Record<number, number> = (statuses[route] = {});
    await fc.assert(fc.asyncProperty(requestsFor(route), async (request) => {
      const status = await sendAndCheck(server.url, route, request);
      counts[status] = (counts[status] ?? 0) + 1;
    }), { numRuns: runs, seed, endOnFailure: true });
    log(`POST ${route}: ${runs} cases, seed ${seed}, ${((Date.now() - started) / 1000).toFixed(1)} s, statuses ${JSON.stringify(counts)}`);
  }
  await assertServing(server.url);
  return statuses;
}
