// Continuous batching through the HTTP API: concurrent completions (streamed and not, greedy and
// seeded, different prompts and max_tokens) give the library's answer for each request alone,
// with usage; a client that hangs up frees its row for a waiting request; the same answers with
// --no-continuous-batching.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { tmpdir } from 'node:os';
import { generateText, loadLanguageModel } from '../../src/index.js';
import { startServer, type RunningServer } from '../../src/serve/index.js';
import { writeServeFolders } from './run-folders.js';
import { eventually, metric, openStream, parseEvents, postJson } from './helpers.js';

let root = '';
let folders: { clf: string; lm: string; long: string };

before(() => {
  root = mkdtempSync(join(tmpdir(), 'attn-serve-batch-'));
  folders = writeServeFolders(root);
});
after(() => rmSync(root, { recursive: true, force: true }));

const REQUESTS = [
  { prompt: 'the cat', max_tokens: 20, temperature: 0 },
  { prompt: 'a dog ate the hat', max_tokens: 6, temperature: 0, stream: true },
  { prompt: 'the', max_tokens: 24, seed: 3, top_k: 5, stream: true },
  { prompt: 'then the cat and the dog', max_tokens: 3, seed: 9 },
  { prompt: 'sat', max_tokens: 28, temperature: 0, stop: 'the m' },
  { prompt: 'on the mat', max_tokens: 15, seed: 1, repeat_penalty: 1.3, min_p: 0.05 },
] as const;

let wanted: string[] | null = null;

/** The library's text for each request body, alone. */
async function expected(): Promise<string[]> {
  if (wanted) return wanted;
  const lm = loadLanguageModel(folders.lm);
  const out: string[] = [];
  for (const r of REQUESTS) {
    const options: Record<string, unknown> = { maxNewTokens: r.max_tokens, topK: 'top_k' in r ? r.top_k : 0 };
    if ('temperature' in r) options.temperature = r.temperature;
    if ('seed' in r) options.seed = r.seed;
    if ('stop' in r) options.stop = r.stop;
    if ('repeat_penalty' in r) options.repetitionPenalty = r.repeat_penalty;
    if ('min_p' in r) options.minP = r.min_p;
    out.push((await generateText(lm.model, lm.tokenizer, r.prompt, options)).text);
  }
  lm.dispose();
  wanted = out;
  return out;
}

async function completion(base: string, request: (typeof REQUESTS)[number]): Promise<{ text: string; usage: { completion_tokens: number } }> {
  const body: { stream?: boolean } & (typeof REQUESTS)[number] = request;
  const res = await postJson(`${base}/v1/completions`, { model: 'lm', ...body, ...(body.stream ? { stream_options: { include_usage: true } } : {}) });
  assert.equal(res.status, 200, res.text);
  if (!body.stream) return { text: res.json.choices[0].text, usage: res.json.usage };
  const events = parseEvents(res.text) as any[];
  assert.equal(events.at(-1), '[DONE]');
  return { text: events.slice(0, -2).map((e) => e.choices[0]?.text ?? '').join(''), usage: events.at(-2).usage };
}

for (const continuousBatching of [true, false]) {
  test(`concurrent completions equal each request alone (continuous batching ${continuousBatching ? 'on' : 'off'})`, { timeout: 60_000 }, async () => {
    const want = await expected();
    const server: RunningServer = await startServer({ models: [{ name: 'lm', dir: folders.lm }, { name: 'long', dir: folders.long }], port: 0, parallel: 4, continuousBatching });
    try {
      assert.equal(server.models[0]!.backend, process.env.ATTN_BACKEND ?? 'wasm', 'the worker runs the engine\'s default backend');
      // Twice each, all at once: 12 requests, 4 rows, so some wait and join the running batch later.
      const answers = await Promise.all([...REQUESTS, ...REQUESTS].map((r) => completion(server.url, r)));
      answers.forEach((a, i) => assert.equal(a.text, want[i % REQUESTS.length], `request ${i % REQUESTS.length}: ${JSON.stringify(REQUESTS[i % REQUESTS.length])}`));
      answers.forEach((a, i) => {
        const r = REQUESTS[i % REQUESTS.length]!;
        if (!('stop' in r)) assert.equal(a.usage.completion_tokens, r.max_tokens);
      });
      if (continuousBatching) {
        // A client that hangs up frees its row: with every row busy, a waiting request gets it.
        const streams = await Promise.all([0, 1, 2, 3].map(() => openStream(`${server.url}/v1/completions`, { model: 'long', prompt: 'the cat', max_tokens: 480, temperature: 0, stream: true })));
        const waiting = completion(server.url, REQUESTS[0]);
        await eventually('one request waiting', async () => (await metric(server.url, 'attn_queue_depth')) === 1);
        streams[0]!.req.destroy();
        assert.equal((await waiting).text, want[0]);
        for (const s of streams.slice(1)) s.req.destroy();
        await eventually('nothing running', async () => (await metric(server.url, 'attn_requests_running')) === 0);
        assert.equal(await metric(server.url, 'attn_generations_stopped_total{model="long"}'), 4);
      }
    } finally {
      await server.close();
    }
  });
}
