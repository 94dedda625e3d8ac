/**
 * Load test of `attn serve` (loopback only, bounded in time and count):
 *
 *   node --import tsx bench/load-test.ts [--seconds 60] [--clients 32] [--parallel 8]
 *        [--lm DIR] [--classifier DIR] [--backend wasm|ref] [--threads N] [--max-requests N] [--out FILE]
 *   npm run bench -- --only load [--seconds 20]
 *
 * Starts `attn serve` (the CLI, as a child process on 127.0.0.1, port chosen by the system) with a
 * small classifier and a small GPT made here in a temporary folder (random weights; or the run
 * folders given), then runs three phases of `--seconds` each:
 *
 *   1. one client alone (continuous batching on): it first sends every request of the set once,
 *      one at a time: those answers are the reference ("the same request run alone"); the other
 *      phases start with the same pass (a warm-up, checked, not measured);
 *   2. `--clients` concurrent clients, batching on (`--parallel` rows per decoding step,
 *      classification batching);
 *   3. the same clients, batching off (`--no-continuous-batching`, `--max-batch 1`).
 *
 * Each client loops over the set (classify requests of 1–4 texts, streaming completions of 8–40
 * tokens, greedy or seeded, so every answer is deterministic) and checks each answer against the
 * reference: labels equal and probabilities within 1e-4, completion text and token count equal.
 * It prints a markdown table (p50/p99 latency, time to first token, requests/s, tokens/s) and
 * exits 1 on any error or mismatch, or if batching does not raise throughput.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync, mkdirSync } from 'node:fs';
import { tmpdir, cpus, loadavg } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { GPT, manualSeed, models, nn, text, io, saveSafetensors } from '../src/index.js';

const ROOT = dirname(dirname(fileURLToPath(import.meta.url)));

interface Options {
  seconds: number;
  clients: number;
  parallel: number;
  lm: string | null;
  classifier: string | null;
  backend: string | null;
  threads: string | null;
  maxRequests: number;
  out: string | null;
}

function parseArgs(argv: string[]): Options {
  const o: Options = { seconds: 60, clients: 32, parallel: 8, lm: null, classifier: null, backend: null, threads: null, maxRequests: 200_000, out: null };
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i]!;
    const value = (): string => {
      const v = argv[++i];
      if (v === undefined) fail(`${a} needs a value`);
      return v;
    };
    const int = (name: string, v: string, min: number): number => {
      const n = Number(v);
      if (!Number.isInteger(n) || n < min) fail(`${name} must be an integer ≥ ${min}, got '${v}'`);
      return n;
    };
    if (a === '--seconds') o.seconds = int(a, value(), 1);
    else if (a === '--clients') o.clients = int(a, value(), 1);
    else if (a === '--parallel') o.parallel = int(a, value(), 1);
    else if (a === '--lm') o.lm = value();
    else if (a === '--classifier') o.classifier = value();
    else if (a === '--backend') o.backend = value();
    else if (a === '--threads') o.threads = value();
    else if (a === '--max-requests') o.maxRequests = int(a, value(), 1);
    else if (a === '--out') o.out = value();
    else if (a === '--help' || a === '-h') {
      console.log('usage: node --import tsx bench/load-test.ts [--seconds 60] [--clients 32] [--parallel 8] [--lm DIR] [--classifier DIR] [--backend wasm|ref] [--threads N] [--max-requests N] [--out FILE]');
      process.exit(0);
    } else fail(`unknown argument '${a}' (try --help)`);
  }
  return o;
}

function fail(message: string): never {
  console.error(`load-test: ${message}`);
  process.exit(2);
}

// ---- models ------------------------------------------------------------------------------------

const CORPUS = 'the cat sat on the mat. a dog ate the hat; then the cat and the dog sat down. call me ishmael. some years ago, never mind how long precisely.\n';
const CLASSIFY_TEXTS = ['free money now', 'meeting at noon', 'win a free prize today', 'the report is attached', 'call me now for a free hat', 'the dog sat on the mat', 'some years ago', 'never mind the prize'];

/** A small classifier (transformer, 2 layers, d 32) with random weights. */
function writeClassifier(dir: string): void {
  const tokenizer = new text.WordTokenizer({ oovToken: '<unk>' }).fitOnTexts(CLASSIFY_TEXTS);
  manualSeed(2);
  const config = { ...models.defaultModelConfig('transformer', tokenizer.vocabSize, 2, 32), dModel: 32, numHeads: 4, numLayers: 2, dimFeedforward: 64, dropout: 0 };
  const model = new models.TransformerClassifier(config);
  new io.RunFolder(dir).writeModel({ config, weights: model.stateDict(), tokenizer: tokenizer.toJSON(), labels: ['ham', 'spam'] });
  model.dispose();
}

/** A small GPT (4 layers, d 64, 4 heads, context 128, a char tokenizer) whose random weights vary its output. */
function writeLanguageModel(dir: string): void {
  mkdirSync(dir, { recursive: true });
  const tokenizer = new text.CharTokenizer().fitOnTexts([CORPUS]);
  manualSeed(1);
  const model = new GPT({ vocabSize: tokenizer.vocabSize, blockSize: 128, nLayer: 4, nHead: 4, nEmbd: 64 });
  for (const [name, p] of model.namedParameters()) {
    if (p.rank > 1) nn.init.normal_(p, 0, 0.35);
    else if (name.endsWith('.bias')) nn.init.normal_(p, 0, 0.1);
  }
  writeFileSync(join(dir, 'config.json'), JSON.stringify(model.config, null, 2));
  saveSafetensors(join(dir, 'model.safetensors'), model.stateDict());
  text.saveTokenizer(join(dir, 'tokenizer.json'), tokenizer);
  model.dispose();
}

// ---- requests ----------------------------------------------------------------------------------

type Template =
  | { kind: 'classify'; body: { texts: string[]; topK: number } }
  | { kind: 'complete'; body: { prompt: string; max_tokens: number; stream: true; temperature?: number; seed?: number; top_k?: number } };

/** The request set: 12 classifications and 12 streaming completions, deterministic answers. */
function templates(): Template[] {
  const out: Template[] = [];
  for (let i = 0; i < 12; i++) {
    const n = 1 + (i % 4);
    out.push({ kind: 'classify', body: { texts: Array.from({ length: n }, (_, j) => CLASSIFY_TEXTS[(i + 3 * j) % CLASSIFY_TEXTS.length]!), topK: 2 } });
  }
  const prompts = ['the cat', 'a dog ate', 'call me', 'some years ago, never', 't', 'then the cat and the dog sat', 'the mat. a', 'never mind how'];
  for (let i = 0; i < 12; i++) {
    const max = 8 + ((i * 11) % 33); // 8..40
    const prompt = prompts[i % prompts.length]!;
    out.push({ kind: 'complete', body: i % 3 === 2 ? { prompt, max_tokens: max, stream: true, seed: 100 + i, top_k: 8 } : { prompt, max_tokens: max, stream: true, temperature: 0 } });
  }
  return out;
}

interface Answer {
  /** classify: labels; complete: the text. */
  value: string;
  probabilities?: number[];
  tokens: number;
  ms: number;
  firstMs: number | null;
}

async function send(base: string, t: Template): Promise<Answer> {
  const started = performance.now();
  const res = await fetch(`${base}${t.kind === 'classify' ? '/v1/classify' : '/v1/completions'}`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify(t.kind === 'complete' ? { ...t.body, stream_options: { include_usage: true } } : t.body),
    signal: AbortSignal.timeout(120_000),
  });
  if (t.kind === 'classify') {
    const body = await res.text();
    if (res.status !== 200) throw new Error(`classify: status ${res.status}: ${body.slice(0, 200)}`);
    const json = JSON.parse(body) as { predictions: { label: string; probabilities: Record<string, number> }[] };
    return {
      value: json.predictions.map((p) => p.label).join('|'),
      probabilities: json.predictions.flatMap((p) => Object.values(p.probabilities)),
      tokens: 0,
      ms: performance.now() - started,
      firstMs: null,
    };
  }
  if (res.status !== 200 || !res.body) throw new Error(`completion: status ${res.status}: ${(await res.text()).slice(0, 200)}`);
  let raw = '';
  let firstMs: number | null = null;
  const decoder = new TextDecoder();
  for await (const chunk of res.body as unknown as AsyncIterable<Uint8Array>) {
    firstMs ??= performance.now() - started;
    raw += decoder.decode(chunk, { stream: true });
  }
  const events = raw.split('\n\n').filter((b) => b.trim() !== '');
  if (events.at(-1) !== 'data: [DONE]') throw new Error(`completion: the stream ends with ${JSON.stringify(events.at(-1))}`);
  const chunks = events.slice(0, -1).map((e) => JSON.parse(e.slice(6)) as { choices: { text?: string }[]; usage?: { completion_tokens: number }; error?: { message: string } });
  const error = chunks.find((c) => c.error);
  if (error) throw new Error(`completion: ${error.error!.message}`);
  const usage = chunks.at(-1)?.usage;
  if (!usage) throw new Error('completion: no usage chunk');
  return { value: chunks.map((c) => c.choices[0]?.text ?? '').join(''), tokens: usage.completion_tokens, ms: performance.now() - started, firstMs };
}

function matches(a: Answer, ref: Answer): boolean {
  if (a.value !== ref.value || a.tokens !== ref.tokens) return false;
  if (ref.probabilities) return a.probabilities!.length === ref.probabilities.length && a.probabilities!.every((p, i) => Math.abs(p - ref.probabilities![i]!) <= 1e-4);
  return true;
}

// ---- server ------------------------------------------------------------------------------------

async function startServe(args: string[]): Promise<{ url: string; child: ChildProcess }> {
  const child = spawn(process.execPath, ['--import', 'tsx', resolve(ROOT, 'src/cli/main.ts'), 'serve', '--port', '0', ...args], { cwd: ROOT, stdio: ['ignore', 'pipe', 'pipe'], env: { ...process.env, NO_COLOR: '1' } });
  let out = '';
  let err = '';
  child.stdout!.setEncoding('utf8').on('data', (c: string) => (out += c));
  child.stderr!.setEncoding('utf8').on('data', (c: string) => (err += c));
  const url = await new Promise<string>((resolveUrl, reject) => {
    const timer = setTimeout(() => reject(new Error(`attn serve did not start in 120 s:\n${out}\n${err}`)), 120_000);
    const check = () => {
      const m = out.match(/listening on (http:\/\/127\.0\.0\.1:\d+)/);
      if (m) {
        clearTimeout(timer);
        resolveUrl(m[1]!);
      }
    };
    child.stdout!.on('data', check);
    child.on('exit', (code) => {
      clearTimeout(timer);
      reject(new Error(`attn serve exited (${code}):\n${out}\n${err}`));
    });
  });
  return { url, child };
}

async function stopServe(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null) return;
  const exited = new Promise<void>((r) => child.once('exit', () => r()));
  child.kill('SIGTERM');
  const timer = setTimeout(() => child.kill('SIGKILL'), 20_000);
  await exited;
  clearTimeout(timer);
}

async function metricValue(base: string, series: string): Promise<number> {
  const body = await (await fetch(`${base}/metrics`)).text();
  const line = body.split('\n').find((l) => l.startsWith(`${series} `));
  return line ? Number(line.slice(series.length + 1)) : 0;
}

// ---- phases ------------------------------------------------------------------------------------

interface PhaseResult {
  name: string;
  clients: number;
  seconds: number;
  requests: number;
  errors: number;
  mismatches: number;
  classifyMs: number[];
  completeMs: number[];
  firstMs: number[];
  tokens: number;
  firstErrors: string[];
  meanClassifyBatch: number;
}

async function runPhase(name: string, base: string, set: Template[], refs: (Answer | null)[], clients: number, seconds: number, maxRequests: number): Promise<PhaseResult> {
  const r: PhaseResult = { name, clients, seconds: 0, requests: 0, errors: 0, mismatches: 0, classifyMs: [], completeMs: [], firstMs: [], tokens: 0, firstErrors: [], meanClassifyBatch: 0 };
  const batchSum0 = await metricValue(base, 'attn_classify_batch_texts_sum{model="clf"}');
  const batchCount0 = await metricValue(base, 'attn_classify_batch_texts_count{model="clf"}');
  const started = performance.now();
  const end = started + seconds * 1000;
  let issued = 0;
  await Promise.all(Array.from({ length: clients }, async (_, c) => {
    for (let i = 0; performance.now() < end && issued < maxRequests; i++) {
      issued++;
      const k = (c * 7 + i) % set.length;
      const t = set[k]!;
      try {
        const a = await send(base, t);
        r.requests++;
        if (t.kind === 'classify') r.classifyMs.push(a.ms);
        else {
          r.completeMs.push(a.ms);
          r.tokens += a.tokens;
          if (a.firstMs !== null) r.firstMs.push(a.firstMs);
        }
        const ref = refs[k];
        if (!ref) refs[k] = a; // the first answer of the one-client phase, which sends each request alone
        else if (!matches(a, ref)) {
          r.mismatches++;
          if (r.firstErrors.length < 3) r.firstErrors.push(`request ${k}: got ${JSON.stringify(a.value)} (${a.tokens} tokens), alone ${JSON.stringify(ref.value)} (${ref.tokens})`);
        }
      } catch (err) {
        r.errors++;
        if (r.firstErrors.length < 3) r.firstErrors.push(`request ${k}: ${(err as Error).message}`);
      }
    }
  }));
  r.seconds = (performance.now() - started) / 1000;
  const batches = (await metricValue(base, 'attn_classify_batch_texts_count{model="clf"}')) - batchCount0;
  r.meanClassifyBatch = batches > 0 ? ((await metricValue(base, 'attn_classify_batch_texts_sum{model="clf"}')) - batchSum0) / batches : 0;
  return r;
}

function pct(values: number[], p: number): string {
  if (values.length === 0) return '–';
  const s = [...values].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.floor((p / 100) * s.length))]!.toFixed(0);
}

function table(results: PhaseResult[]): string {
  const rows = [
    '| phase | clients | requests | errors | mismatches | classify p50 / p99 (ms) | completion p50 / p99 (ms) | first token p50 / p99 (ms) | requests/s | tokens/s | texts per classify forward |',
    '|---|---|---|---|---|---|---|---|---|---|---|',
  ];
  for (const r of results) {
    rows.push(`| ${r.name} | ${r.clients} | ${r.requests} | ${r.errors} | ${r.mismatches} | ${pct(r.classifyMs, 50)} / ${pct(r.classifyMs, 99)} | ${pct(r.completeMs, 50)} / ${pct(r.completeMs, 99)} | ${pct(r.firstMs, 50)} / ${pct(r.firstMs, 99)} | ${(r.requests / r.seconds).toFixed(1)} | ${(r.tokens / r.seconds).toFixed(0)} | ${r.meanClassifyBatch.toFixed(1)} |`);
  }
  return rows.join('\n');
}

async function main(): Promise<void> {
  const o = parseArgs(process.argv.slice(2));
  const tmp = mkdtempSync(join(tmpdir(), 'attn-load-'));
  let child: ChildProcess | null = null;
  try {
    const clf = o.classifier ?? join(tmp, 'clf');
    const lm = o.lm ?? join(tmp, 'lm');
    if (!o.classifier) writeClassifier(clf);
    if (!o.lm) writeLanguageModel(lm);
    const common = ['--model', `clf=${clf}`, '--model', `lm=${lm}`, '--queue', String(Math.max(64, 2 * o.clients))];
    if (o.backend) common.push('--backend', o.backend);
    if (o.threads) common.push('--threads', o.threads);
    const set = templates();
    const refs: (Answer | null)[] = set.map(() => null);
    const results: PhaseResult[] = [];
    const load0 = loadavg();

    for (const phase of [
      { name: '1 client alone', clients: 1, args: ['--parallel', String(o.parallel)] },
      { name: `${o.clients} clients, batching on (--parallel ${o.parallel})`, clients: o.clients, args: ['--parallel', String(o.parallel)] },
      { name: `${o.clients} clients, batching off`, clients: o.clients, args: ['--parallel', String(o.parallel), '--no-continuous-batching', '--max-batch', '1'] },
    ]) {
      const server = await startServe([...common, ...phase.args]);
      child = server.child;
      // The reference: the one-client phase sends the whole set once, one request at a time, first.
      // The other phases send it the same way to warm up (unmeasured, but checked).
      let warmMismatches = 0;
      for (const [k, t] of set.entries()) {
        const a = await send(server.url, t);
        if (refs[k] === null) refs[k] = a;
        else if (!matches(a, refs[k]!)) warmMismatches++;
      }
      console.error(`load-test: ${phase.name}, ${o.seconds} s …`);
      const result = await runPhase(phase.name, server.url, set, refs, phase.clients, o.seconds, o.maxRequests);
      result.mismatches += warmMismatches;
      results.push(result);
      await stopServe(server.child);
      child = null;
    }

    const load1 = loadavg();
    const [alone, on, off] = results as [PhaseResult, PhaseResult, PhaseResult];
    const gain = on.tokens / on.seconds / (off.tokens / off.seconds);
    const report = [
      `attn serve load test: ${o.seconds} s per phase, ${cpus().length} cores (${cpus()[0]?.model ?? '?'}), load average ${load0[0]!.toFixed(2)} before, ${load1[0]!.toFixed(2)} after, ${new Date().toISOString()}`,
      `models: a classifier (transformer, 2 layers, d 32) and a GPT (4 layers, d 64, 4 heads, context 128, char vocabulary)${o.lm || o.classifier ? ' or the folders given' : ''}; ${set.length} request kinds (classify 1–4 texts; streaming completions of 8–40 tokens, greedy or seeded)`,
      '',
      table(results),
      '',
      `batching on / off: ${gain.toFixed(2)}× the tokens/s, ${((on.requests / on.seconds) / (off.requests / off.seconds)).toFixed(2)}× the requests/s; ${on.clients} clients / 1 alone: ${((on.requests / on.seconds) / (alone.requests / alone.seconds)).toFixed(2)}× the requests/s`,
    ].join('\n');
    console.log(report);
    for (const r of results) for (const e of r.firstErrors) console.log(`  ${r.name}: ${e}`);
    if (o.out) writeFileSync(o.out, `${report}\n`);
    const bad = results.some((r) => r.errors > 0 || r.mismatches > 0);
    if (bad) console.log('FAIL: errors or answers that differ from the same request alone');
    if (!(gain > 1)) console.log('FAIL: batching did not raise throughput');
    process.exitCode = bad || !(gain > 1) ? 1 : 0;
  } finally {
    if (child) await stopServe(child);
    rmSync(tmp, { recursive: true, force: true });
  }
}

await main();
