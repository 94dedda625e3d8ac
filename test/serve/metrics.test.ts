// Continuous batching of rotary models through the HTTP API, and /metrics: concurrent greedy
// completions of different prompt lengths on a Qwen2-style Hugging Face folder (rotary, one
// key/value head for four query heads) and on attn's GPT with rotary positions each give the
// library's answer alone, in shared decoding steps (the occupancy histogram shows steps of
// several rows; with --no-continuous-batching every step has one); the Prometheus text parses
// (names, labels, values, HELP/TYPE once per family, cumulative buckets ending at _count).
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { tmpdir } from 'node:os';
import { generateText, loadLanguageModel } from '../../src/index.js';
import { startServer } from '../../src/serve/index.js';
import { writeTinyLanguageModel } from '../generate/run-folder.js';
import { writeTinyClassifier } from './run-folders.js';
import { writeTinyHfChatModel } from './hf-folder.js';
import { postJson } from './helpers.js';

let root = '';
const dirs = { qwen: '', rope: '', clf: '' };
before(() => {
  root = mkdtempSync(join(tmpdir(), 'attn-serve-metrics-'));
  dirs.qwen = join(root, 'qwen');
  dirs.rope = join(root, 'rope');
  dirs.clf = join(root, 'clf');
  writeTinyHfChatModel(dirs.qwen, 'qwen2');
  writeTinyLanguageModel(dirs.rope, { positional: 'rotary', blockSize: 64 }, 3).model.dispose();
  writeTinyClassifier(dirs.clf);
});
after(() => rmSync(root, { recursive: true, force: true }));

const PROMPTS: Record<'qwen' | 'rope', string[]> = {
  qwen: ['hello', 'the cat sat on the mat and the dog ate the hat', 'how are you ?', 'a dog'],
  rope: ['t', 'the cat sat on the mat', 'a dog ate', 'then the cat and the dog sat down on the hat'],
};

/** The library's greedy text for each prompt, alone. */
async function alone(model: 'qwen' | 'rope'): Promise<string[]> {
  const lm = loadLanguageModel(dirs[model]);
  const out: string[] = [];
  for (const [i, p] of PROMPTS[model].entries()) out.push((await generateText(lm.model, lm.tokenizer, p, { temperature: 0, maxNewTokens: 6 + 3 * i, topK: 0 })).text);
  lm.dispose();
  return out;
}

interface Sample { name: string; labels: Record<string, string>; value: number }

/** Parses Prometheus text (version 0.0.4), throwing on any line that is not valid; checks families and histograms. */
function parsePrometheus(text: string): Sample[] {
  assert.ok(text.endsWith('\n'), 'the text ends with a newline');
  const samples: Sample[] = [];
  const types = new Map<string, string>();
  const helps = new Set<string>();
  const name = '[a-zA-Z_:][a-zA-Z0-9_:]*';
  const label = '[a-zA-Z_][a-zA-Z0-9_]*="(?:\\\\.|[^"\\\\\\n])*"';
  const sample = new RegExp(`^(${name})(?:\\{(${label}(?:,${label})*)?\\})? (-?[0-9.e+-]+|\\+Inf|-Inf|NaN)$`);
  for (const line of text.slice(0, -1).split('\n')) {
    const help = new RegExp(`^# HELP (${name}) .+$`).exec(line);
    const type = new RegExp(`^# TYPE (${name}) (counter|gauge|histogram|summary|untyped)$`).exec(line);
    if (help) {
      assert.ok(!helps.has(help[1]!), `one HELP for ${help[1]}`);
      helps.add(help[1]!);
      continue;
    }
    if (type) {
      assert.ok(!types.has(type[1]!), `one TYPE for ${type[1]}`);
      types.set(type[1]!, type[2]!);
      continue;
    }
    const m = sample.exec(line);
    assert.ok(m, `a valid sample line: ${JSON.stringify(line)}`);
    const labels: Record<string, string> = {};
    for (const pair of m[2]?.match(new RegExp(label, 'g')) ?? []) {
      const eq = pair.indexOf('=');
      labels[pair.slice(0, eq)] = pair.slice(eq + 2, -1);
    }
    const family = m[1]!.replace(/_(bucket|sum|count)$/, '');
    const declared = types.get(m[1]!) ?? (types.get(family) === 'histogram' ? 'histogram' : undefined);
    assert.ok(declared, `${m[1]} has a TYPE before its samples`);
    assert.ok(Number.isFinite(Number(m[3])) || ['+Inf', '-Inf', 'NaN'].includes(m[3]!), `${line}: a number`);
    samples.push({ name: m[1]!, labels, value: Number(m[3] === '+Inf' ? Infinity : m[3]) });
  }
  // Histograms: per series, buckets in increasing le, cumulative, the +Inf one equal to _count.
  for (const [family, type] of types) {
    if (type !== 'histogram') continue;
    const series = new Map<string, Sample[]>();
    for (const s of samples.filter((x) => x.name === `${family}_bucket`)) {
      const { le, ...rest } = s.labels;
      assert.ok(le !== undefined, `${family}_bucket has le`);
      const key = JSON.stringify(rest);
      series.set(key, [...(series.get(key) ?? []), s]);
    }
    for (const [key, buckets] of series) {
      const les = buckets.map((b) => (b.labels.le === '+Inf' ? Infinity : Number(b.labels.le)));
      assert.deepEqual(les, [...les].sort((a, b) => a - b), `${family}${key}: le increasing`);
      assert.equal(les.at(-1), Infinity, `${family}${key}: ends at +Inf`);
      buckets.forEach((b, i) => i > 0 && assert.ok(b.value >= buckets[i - 1]!.value, `${family}${key}: cumulative`));
      const count = samples.find((s) => s.name === `${family}_count` && JSON.stringify(s.labels) === key);
      assert.equal(count?.value, buckets.at(-1)!.value, `${family}${key}: +Inf bucket = _count`);
    }
  }
  return samples;
}

const value = (samples: Sample[], name: string, labels: Record<string, string>) =>
  samples.find((s) => s.name === name && Object.entries(labels).every(([k, v]) => s.labels[k] === v) && Object.keys(s.labels).length === Object.keys(labels).length)?.value ?? 0;

for (const continuousBatching of [true, false]) {
  test(`rotary models (Qwen2 folder, attn's rotary GPT): concurrent greedy completions equal each alone; /metrics parses (continuous batching ${continuousBatching ? 'on' : 'off'})`, { timeout: 90_000 }, async () => {
    const want = { qwen: await alone('qwen'), rope: await alone('rope') };
    const server = await startServer({ models: [{ name: 'qwen', dir: dirs.qwen }, { name: 'rope', dir: dirs.rope }, { name: 'clf', dir: dirs.clf }], port: 0, parallel: 4, continuousBatching });
    try {
      for (const model of ['qwen', 'rope'] as const) {
        const answers = await Promise.all(PROMPTS[model].map((prompt, i) => postJson(`${server.url}/v1/completions`, { model, prompt, max_tokens: 6 + 3 * i, temperature: 0 })));
        answers.forEach((a, i) => {
          assert.equal(a.status, 200, a.text);
          assert.equal(a.json.choices[0].text, want[model][i], `${model} prompt ${i} (${PROMPTS[model][i]})`);
        });
      }
      await Promise.all([postJson(`${server.url}/v1/classify`, { texts: ['free money now', 'meeting at noon'] }), postJson(`${server.url}/v1/classify`, { texts: ['win'] })]);
      const res = await fetch(`${server.url}/metrics`);
      assert.match(res.headers.get('content-type') ?? '', /^text\/plain; version=0\.0\.4/);
      const samples = parsePrometheus(await res.text());
      for (const model of ['qwen', 'rope']) {
        const steps = value(samples, 'attn_decode_batch_rows_count', { model });
        const single = value(samples, 'attn_decode_batch_rows_bucket', { model, le: '1' });
        assert.ok(steps > 0, `${model}: decoding steps counted`);
        if (continuousBatching) assert.ok(single < steps, `${model}: ${steps - single} of ${steps} steps carried several rows`);
        else assert.equal(single, steps, `${model}: every step one row`);
        assert.ok(value(samples, 'attn_decode_batch_rows_sum', { model }) >= steps);
      }
      assert.ok(value(samples, 'attn_classify_forward_rows_count', { model: 'clf' }) >= 1);
      assert.equal(value(samples, 'attn_classify_forward_rows_sum', { model: 'clf' }), 3, 'three texts classified');
    } finally {
      await server.close();
    }
  });
}
