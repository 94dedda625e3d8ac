#!/usr/bin/env node
// `npm run bench`: attn beside every peer present on this machine, in one run.
//
//   node bench/run.mjs [--only B1,B2] [--quick] [--threads 1,2] [--no-docs | --docs] [--no-install]
//   (B1 GEMM, B2 attention, B3 long-sequence memory, B4 classifier, B5 language-model training,
//   B6 generation, B7 a pretrained folder's load to first token, B8 LoRA fine-tuning; the
//   language-model quality run is npm run test:slow, rendered from its files)
//   node bench/run.mjs --report-only /tmp/attn-bench-XXXX [--docs]
//   node bench/run.mjs --profile-threads [--quick] [--docs]
//   node bench/run.mjs --only load [--seconds 60 …]   (the attn serve load test, bench/load-test.ts)
//
// 1. Installs the JavaScript peers into bench/node_modules when missing (tfjs, tfjs-backend-cpu,
//    tfjs-backend-wasm, onnxruntime-node; ONNXRUNTIME_NODE_INSTALL=skip). They are never
//    dependencies of attn.
// 2. Per benchmark: runs attn and the JavaScript peers in one process (bench/suite.ts via tsx),
//    then PyTorch (bench/torch_bench.py) at the same thread counts, when a python3 with torch
//    exists.
//    B6 first has PyTorch export its GPT-2-small model to ONNX (torch_bench.py --export-onnx, into
//    the run's temporary folder, deleted after B6) for the onnxruntime-node rows.
// 3. Prints one table per benchmark and the targets, and writes docs/benchmarks.md (full runs
//    only: not with --quick or --only, unless --docs). The raw results go to <tmp>/all.json.
// Every run records the machine (CPU model, SIMD flags, clock) and, after a full run (not with
//    --quick or --only, or with --no-profile), the thread profile of bench/profile-threads.ts;
//    docs/benchmarks.md keeps one section per machine kind, and a run replaces only its own.
// --profile-threads runs the thread profile alone (B1 GEMM, B2 attention fwd+bwd at seq 2048 full and causal, a
//    B4 training step, and the hardware's own scaling), prints it and, with --docs, puts it in
//    this machine kind's section.
// --report-only <dir> measures nothing: it renders <dir>/all.json of an earlier run again (into
//    <dir>/benchmarks.md, and docs/benchmarks.md with --docs).
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, readdirSync, rmSync, statSync, writeFileSync, mkdirSync } from 'node:fs';
import os from 'node:os';
import { dirname, join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import { TITLES, evaluateTargets, mergeMachineSection, renderBenchmark, renderQuality, renderTargets, replaceProfileSection } from './report.mjs';
import { machineInfo } from './machine.mjs';

const BENCH_DIR = dirname(fileURLToPath(import.meta.url));
const ROOT = dirname(BENCH_DIR);
const ALL = ['B1', 'B2', 'B3', 'B4', 'B5', 'B6', 'B7', 'B8'];

function parseArgs(argv) {
  const opts = { only: ALL, quick: false, threads: null, docs: null, install: true, reportOnly: null, profile: null, profileOnly: false };
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    const value = () => {
      const v = argv[++i];
      if (v === undefined) fail(`${a} needs a value`);
      return v;
    };
    if (a === '--only') opts.only = value().split(',').map((s) => s.trim().toUpperCase()).filter(Boolean);
    else if (a.startsWith('--only=')) opts.only = a.slice(7).split(',').map((s) => s.trim().toUpperCase()).filter(Boolean);
    else if (a === '--quick') opts.quick = true;
    else if (a === '--threads') opts.threads = value();
    else if (a === '--docs') opts.docs = true;
    else if (a === '--no-docs') opts.docs = false;
    else if (a === '--no-install') opts.install = false;
    else if (a === '--report-only') opts.reportOnly = value();
    else if (a === '--profile-threads') opts.profileOnly = true;
    else if (a === '--no-profile') opts.profile = false;
    else if (a === '--help' || a === '-h') {
      console.log(readFileSync(fileURLToPath(import.meta.url), 'utf8').split('\n').slice(1).filter((l, i, all) => all.slice(0, i + 1).every((x) => x.startsWith('//'))).map((l) => l.replace(/^\/\/ ?/, '')).join('\n'));
      process.exit(0);
    } else fail(`unknown argument '${a}' (try --help)`);
  }
  const unknown = opts.only.filter((b) => !ALL.includes(b));
  if (unknown.length) fail(`unknown benchmark(s) ${unknown.join(', ')} (known: ${ALL.join(', ')})`);
  opts.threads ??= os.availableParallelism() >= 2 ? '1,2' : '1';
  // A quick or partial run must not replace the full table in the docs; nor does re-rendering
  // an old run unless asked.
  opts.docs ??= !opts.reportOnly && !opts.profileOnly && !opts.quick && opts.only.length === ALL.length;
  opts.profile ??= !opts.quick && opts.only.length === ALL.length;
  return opts;
}

function fail(msg) {
  console.error(`bench: ${msg}`);
  process.exit(2);
}

// ---- peers ----------------------------------------------------------------------------------

function ensurePeers(install) {
  const pkg = JSON.parse(readFileSync(join(BENCH_DIR, 'package.json'), 'utf8'));
  const missing = Object.keys(pkg.dependencies).filter((name) => !existsSync(join(BENCH_DIR, 'node_modules', name, 'package.json')));
  if (missing.length === 0) return;
  if (!install) {
    console.log(`bench: peers not installed (${missing.join(', ')}); --no-install given, they will show as n/a`);
    return;
  }
  console.log(`bench: installing peers into bench/node_modules: ${missing.join(', ')}`);
  const npm = process.platform === 'win32' ? 'npm.cmd' : 'npm';
  const r = spawnSync(npm, ['install', '--prefix', BENCH_DIR, '--no-audit', '--no-fund'], {
    cwd: ROOT,
    stdio: 'inherit',
    // onnxruntime-node's install script would download GPU libraries from outside npm.
    env: { ...process.env, ONNXRUNTIME_NODE_INSTALL: 'skip' },
  });
  if (r.status !== 0) console.log(`bench: npm install of the peers failed (exit ${r.status}); the missing peers will show as n/a`);
}

function findTorchPython() {
  for (const py of ['/usr/bin/python3', 'python3']) {
    const r = spawnSync(py, ['-c', 'import torch; print(torch.__version__)'], { encoding: 'utf8' });
    if (r.status === 0) return { python: py, version: r.stdout.trim() };
  }
  return null;
}

// ---- running --------------------------------------------------------------------------------

function readResults(path) {
  try {
    return JSON.parse(readFileSync(path, 'utf8'));
  } catch {
    return { meta: {}, records: [], notes: [] };
  }
}

function runJs(bench, opts, tmp, extra = []) {
  const out = join(tmp, `${bench}-js.json`);
  const args = ['--import', 'tsx', join(BENCH_DIR, 'suite.ts'), '--only', bench, '--threads', opts.threads, '--out', out, ...extra];
  if (opts.quick) args.push('--quick');
  const r = spawnSync(process.execPath, args, { cwd: ROOT, stdio: 'inherit' });
  const res = readResults(out);
  if (r.status !== 0) res.notes.push({ bench, text: `the JavaScript suite exited with ${r.status ?? r.signal}; rows measured before that are kept` });
  return res;
}

function runTorch(bench, opts, tmp, torch) {
  if (bench === 'B3' || bench === 'B7') return { meta: {}, records: [], notes: [] }; // B3 reported, not run (b3-memory.ts); B7 measures attn's loader only
  if (!torch) {
    return {
      meta: {},
      records: [{ bench, case: '*', impl: 'PyTorch', threads: null, na: 'no python3 with torch found (tried /usr/bin/python3 and python3)' }],
      notes: [],
    };
  }
  const out = join(tmp, `${bench}-torch.json`);
  const args = [join(BENCH_DIR, 'torch_bench.py'), '--only', bench, '--threads', opts.threads, '--out', out];
  if (opts.quick) args.push('--quick');
  const r = spawnSync(torch.python, args, { cwd: ROOT, stdio: 'inherit' });
  const res = readResults(out);
  if (r.status !== 0) res.notes.push({ bench, text: `torch_bench.py exited with ${r.status ?? r.signal}; rows measured before that are kept` });
  return res;
}

/**
 * B6: onnxruntime-node runs the PyTorch model exported by torch.onnx.export, so PyTorch exports it
 * into the run's folder first (GPT-2 small: about 0.6 GB, tens of seconds). Returns the suite
 * arguments and, when the export failed, a note.
 */
function exportOnnx(opts, tmp, torch) {
  if (!torch) return { args: [], note: null };
  const path = join(tmp, opts.quick ? 'gpt2-quick.onnx' : 'gpt2-small.onnx');
  const args = [join(BENCH_DIR, 'torch_bench.py'), '--export-onnx', path];
  if (opts.quick) args.push('--quick');
  const r = spawnSync(torch.python, args, { cwd: ROOT, stdio: 'inherit' });
  if (r.status !== 0 || !existsSync(path)) return { args: [], note: `torch.onnx.export of the B6 model failed (exit ${r.status ?? r.signal}): no onnxruntime-node rows` };
  return { args: ['--onnx-model', path], note: null };
}

// ---- machine load -----------------------------------------------------------------------------

/**
 * CPU time (s) used by the whole machine and by this process tree, from /proc (Linux; null
 * elsewhere). The difference over a benchmark is what other processes took: on a shared 2-core
 * machine a busy neighbour halves the ×2 figures, and the report should say so.
 */
function cpuSnapshot() {
  try {
    const hz = 100; // USER_HZ: the unit of both files
    const cpu = readFileSync('/proc/stat', 'utf8').split('\n')[0].trim().split(/\s+/).slice(1).map(Number);
    const [user, nice, system, , , irq, softirq, steal] = cpu;
    const busy = (user + nice + system + irq + softirq + (steal ?? 0)) / hz;
    // /proc/self/stat: fields after the ")" — utime, stime, cutime, cstime are 14–17 (1-based).
    const stat = readFileSync('/proc/self/stat', 'utf8');
    const f = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    const own = (Number(f[11]) + Number(f[12]) + Number(f[13]) + Number(f[14])) / hz;
    return { busy, own, wall: Date.now() / 1000 };
  } catch {
    return null;
  }
}

/** Average cores other processes used between two snapshots. */
function othersCores(a, b) {
  if (!a || !b || b.wall - a.wall < 1) return null;
  return Math.max(0, (b.busy - a.busy - (b.own - a.own)) / (b.wall - a.wall));
}

// ---- docs -----------------------------------------------------------------------------------

function machine() {
  return machineInfo();
}

/**
 * The quality run's results (issue 12 §7), from files rather than from this run: the PyTorch
 * reference committed by tools/lm-quality-reference.py and attn's from npm run test:slow.
 */
function readQuality() {
  const read = (rel) => {
    try {
      return JSON.parse(readFileSync(join(ROOT, rel), 'utf8'));
    } catch {
      return null;
    }
  };
  return { reference: read('test-slow/fixtures/lm-quality-pytorch.json'), attn: read('test-slow/results/lm-quality-attn.json') };
}

function renderDoc({ m, date, opts, meta, torch, targets, sections, load, elapsedMin, contention, profile, quality }) {
  const fmtLoad = (x) => (typeof x === 'number' ? x.toFixed(2) : 'unknown');
  const peers = Object.entries(meta.peers ?? {}).map(([k, v]) => `${k} ${v}`).join(', ') || 'none installed';
  const lines = [
    '# Benchmarks',
    '',
    'Generated by `npm run bench` (`node bench/run.mjs`): attn beside every peer present on the machine,',
    'in one run. Do not edit by hand; rerun it. See [bench/](../bench) for the code and DESIGN.md',
    '("Benchmarks") for what each benchmark is.',
    '',
    '## Run',
    '',
    `- Date: ${date.toISOString().replace(/\.\d+Z$/, 'Z')} (${elapsedMin.toFixed(1)} min)`,
    `- Machine: ${m.cpu}, ${m.cores} cores, ${m.ramGiB.toFixed(1)} GiB RAM, ${m.os}; SIMD: ${m.simd ?? 'not recorded'}${m.flags ? ` (${m.flags.join(' ') || 'no AVX flags'})` : ''}; clock ${m.mhz ? `${m.mhz} MHz` : 'not recorded'} (/proc/cpuinfo)`,
    `- Node ${m.node}; attn backends: ${(meta.attnBackends ?? []).join(', ') || 'unknown'}`,
    `- Threads measured: ${opts.threads.split(',').map((t) => `×${t}`).join(' and ')} (attn wasm pool, onnxruntime intra-op, torch.set_num_threads${meta.torchBlasThreads ? ' and openblas_set_num_threads' : ''}); tfjs-backend-wasm and tfjs-backend-cpu run on one thread`,
    `- Peers: ${peers}`,
    `- PyTorch: ${torch ? `${torch.version} via ${torch.python}; BLAS loaded: ${meta.torchBlas ?? 'unknown'}${blasThreadsNote(meta.torchBlasThreads)}` : 'not found'}`,
    `- Load average (1 min) at start / end: ${fmtLoad(load.start)} / ${fmtLoad(load.end)}. Cores used by other processes during each benchmark: ${Object.entries(contention).map(([b, c]) => `${b} ${c.toFixed(2)}`).join(', ') || 'unknown'} (from /proc/stat minus this run's own CPU time). The machine is shared: with a neighbour on one core, ×2 rows run on about one core and medians move between runs`,
    `- Mode: ${opts.quick ? '--quick' : 'full'}${opts.only.length < ALL.length ? `, --only ${opts.only.join(',')}` : ''}`,
    '',
    ...caveats(meta),
    '## Targets',
    '',
    "The project's targets (from its issues), judged on this run. Where a target compares attn with",
    'PyTorch, each side is taken at its best thread count (the faster of ×1 and ×2, named in the',
    'row); "missed by" gives the measured ratio against the one asked for.',
    '',
    ...renderTargets(targets),
    '',
    '## Results',
    '',
    ...sections,
    ...(profile?.markdown ? ['## Thread profile', '', ...profile.markdown, ''] : []),
    ...renderQuality(quality),
    '## Method',
    '',
    '- Every cell is the median of at least 5 timed runs after 1–2 warm-ups (cheap cases run until 2 s',
    '  of timed work, at most 50 runs), except where marked † n: a peer case has a 25 s wall-clock',
    '  budget (attn B2 rows 60 s, B3 150 s), and a run that takes most of it ends the case early; a',
    '  warm-up longer than half the budget is itself the one sample. attn and the JavaScript peers',
    '  run in one Node process per benchmark; PyTorch runs right after in one Python process at each',
    '  thread count.',
    '- attn ops are synchronous and return computed tensors; tfjs-cpu and tfjs-wasm kernels run',
    '  synchronously in the op call; onnxruntime-node times include `await session.run` and copying',
    '  the output to JavaScript. Inputs are made once, outside the timed region.',
    '- B2 forward runs without a tape (attn `noGrad`, torch `no_grad`); fwd+bwd backpropagates a',
    '  random upstream gradient. The peers compute softmax(q kᵀ · scale + mask) v unfused; attn runs',
    '  its fused kernel.',
    '- B4 feeds random token ids without padding (ids 1…19999) and random labels; attn uses',
    '  `TransformerClassifier` + `AdamW`, PyTorch `nn.TransformerEncoderLayer(norm_first=True,',
    "  activation='gelu', batch_first=True)` + `AdamW`, tfjs the same model in tfjs-core ops + Adam.",
    "- B5 times whole training steps of nanoGPT's two Shakespeare-char configurations (forward,",
    '  cross-entropy, backward, clip_grad_norm 1.0, AdamW with weight decay on ≥ 2-D parameters only)',
    "  on random ids of a 65-token vocabulary: attn `GPT` + `optim.AdamW`, PyTorch nanoGPT's model.py",
    "  (bench/torch_gpt.py; 1.13 has no scaled_dot_product_attention, so its masked-softmax path). The",
    '  GPU configuration takes seconds per step: a few steps in a 90 s budget. The memory row is one',
    '  first AdamW step of the GPT-2-small shape at batch 4 × 512, `memory().peakBytes` after',
    '  `resetPeakMemory()`.',
    '- B6 generates greedily from random weights (random prompt ids): attn `streamTokens` (the streaming',
    '  form of `generate`; the first id\'s arrival is the time to first token), PyTorch eager with a preallocated',
    '  key/value cache written in place (bench/torch_gpt.py), onnxruntime-node on the PyTorch model',
    '  exported by `torch.onnx.export` (opset 17; past_key_values.N.key/value in, present.N.* out,',
    '  (B, H, T, D)), its presents fed back each step. Every side applies lm_head to the last position',
    '  only. The 512-token rows compare attn with `useCache` true and false on the most threads.',
    '- B6 beside onnxruntime-node, what differs (row B6-c gives the measured distance): a decoding',
    '  step is one matrix-vector product per weight matrix, so it reads all ~0.5 GB of GPT-2 small\'s',
    '  float32 weights once per token and is bound by memory bandwidth and by how well each GEMV',
    "  streams it. onnxruntime runs native MLAS kernels (AVX2/AVX-512 FMA, 256/512-bit) on a graph its",
    '  optimizer has fused (LayerNorm, GELU, bias-add, attention subgraphs) with no per-op JavaScript;',
    '  attn runs 128-bit WebAssembly SIMD kernels (no FMA) dispatched op by op from JavaScript (tensor',
    '  objects, scopes, the thread pool\'s hand-off per kernel). Against onnxruntime in this harness: its',
    '  past/present tensors cross into JavaScript and back every step, and its cache grows by Concat',
    '  (a copy of the past per layer per step), where attn and PyTorch write a preallocated cache in place.',
    '',
  ];
  return lines.join('\n');
}

/** torch_bench.py's meta.blasThreads, as a clause of the PyTorch line. */
function blasThreadsNote(text) {
  if (!text) return '';
  const m = /^OpenBLAS thread count set to the torch thread count.*default here is (\d+)/.exec(text);
  if (!m) return `; ${text}`;
  return `; OpenBLAS threads follow torch.set_num_threads via openblas_set_num_threads (OpenBLAS's own default here is ${m[1]} threads, so without it a "×1" PyTorch GEMM would run on ${m[1]} cores)`;
}

function caveats(meta) {
  const out = [];
  // Debian's python3-torch calls whatever libblas.so.3 points to; with the reference BLAS every
  // PyTorch column is ~30× slower than with OpenBLAS and the comparisons mean little.
  if (/reference BLAS/.test(meta.torchBlas ?? '')) {
    out.push(
      '## Caveat: PyTorch on this machine',
      '',
      "PyTorch loaded the reference (netlib) BLAS, which Debian's python3-torch uses when no optimised",
      'BLAS is installed: its GEMM runs at ~6 GFLOP/s (B1) instead of ~100–190 with OpenBLAS, so every',
      'PyTorch column below (B1, B2, B4, B5, B6) is that slow path and the targets against PyTorch flatter attn',
      "(B5's GPU configuration is not run for PyTorch at all: minutes per step)",
      '(`apt-get install libopenblas0-pthread` switches the libblas.so.3 alternative).',
      '',
    );
  }
  return out;
}

// ---- main -----------------------------------------------------------------------------------

// `--only load`: the attn serve load test (bench/load-test.ts, its own flags passed on); not part of a full run.
{
  const argv = process.argv.slice(2);
  const at = argv.findIndex((a) => a === '--only' || a.startsWith('--only='));
  const inline = at >= 0 && argv[at].startsWith('--only=');
  const value = at < 0 ? '' : inline ? argv[at].slice(7) : (argv[at + 1] ?? '');
  if (value.toLowerCase() === 'load') {
    const rest = argv.filter((_, i) => i !== at && (inline || i !== at + 1));
    const run = spawnSync(process.execPath, ['--import', 'tsx', join(BENCH_DIR, 'load-test.ts'), ...rest], { stdio: 'inherit', cwd: ROOT });
    process.exit(run.status ?? 1);
  }
}

const opts = parseArgs(process.argv.slice(2));
if (opts.reportOnly) {
  reportOnly(opts);
  process.exit(0);
}
if (opts.profileOnly) {
  const profile = runProfile(opts, mkdtempSync(join(os.tmpdir(), 'attn-profile-')));
  if (profile && opts.docs) writeDoc(null, machine().kind, profile);
  process.exit(profile ? 0 : 1);
}
const started = Date.now();
const load = { start: os.loadavg()[0], end: 0 };
ensurePeers(opts.install);
const torch = findTorchPython();
console.log(`bench: ${opts.only.join(', ')}${opts.quick ? ' (quick)' : ''}; threads ${opts.threads}; PyTorch: ${torch ? `${torch.version} (${torch.python})` : 'not found'}`);
const tmp = mkdtempSync(join(os.tmpdir(), 'attn-bench-'));
const all = { records: [], notes: [], meta: {} };
const contention = {};
for (const bench of opts.only) {
  console.log(`\n== ${TITLES[bench]} ==`);
  const before = cpuSnapshot();
  const onnx = bench === 'B6' ? exportOnnx(opts, tmp, torch) : { args: [], note: null };
  const js = runJs(bench, opts, tmp, onnx.args);
  if (onnx.note) js.notes.push({ bench, text: onnx.note });
  if (onnx.args.length) rmSync(onnx.args[1], { force: true }); // hundreds of MB; all.json stays
  const py = runTorch(bench, opts, tmp, torch);
  const others = othersCores(before, cpuSnapshot());
  if (others !== null) {
    contention[bench] = others;
    const cores = os.availableParallelism();
    const busy = others >= 0.25 ? `: the ×${Math.min(2, cores)} figures understate scaling (an idle machine gives more)` : '';
    js.notes.push({ bench, text: `Other processes used ${others.toFixed(2)} of ${cores} cores on average during this benchmark${busy}.` });
  }
  Object.assign(all.meta, js.meta);
  if (py.meta?.blas) all.meta.torchBlas = py.meta.blas;
  if (py.meta?.blasThreads) all.meta.torchBlasThreads = py.meta.blasThreads;
  all.records.push(...js.records, ...py.records);
  all.notes.push(...js.notes, ...py.notes);
  const lines = renderBenchmark(bench, [...js.records, ...py.records], [...js.notes, ...py.notes]);
  console.log(`\n${lines.join('\n')}`);
}
if (opts.profile) all.profile = runProfile(opts, tmp);
load.end = os.loadavg()[0];
const elapsedMin = (Date.now() - started) / 60000;
// Everything the report needs, so --report-only can render this run again.
all.run = { date: new Date().toISOString(), elapsedMin, load, contention, cores: os.availableParallelism(), machine: machine(), torch, opts: { threads: opts.threads, quick: opts.quick, only: opts.only } };
const rawPath = join(tmp, 'all.json');
writeFileSync(rawPath, JSON.stringify(all, null, 1));
console.log(`\nbench: done in ${elapsedMin.toFixed(1)} min; raw results: ${rawPath}`);
const doc = report(all, opts);
if (opts.docs) {
  writeDoc(doc, all.run.machine.kind);
} else {
  console.log('bench: docs/benchmarks.md not written (quick or partial run; pass --docs to write it anyway)');
}

/**
 * bench/profile-threads.ts in its own process (the thread profile and the hardware's scaling);
 * returns its JSON (with `markdown`, the rendered lines) or null when it failed.
 */
function runProfile(opts, tmp) {
  const out = join(tmp, 'profile-threads.json');
  const args = ['--import', 'tsx', join(BENCH_DIR, 'profile-threads.ts'), '--threads', opts.threads, '--out', out];
  if (opts.quick) args.push('--quick');
  console.log('\n== thread profile (bench/profile-threads.ts) ==');
  const r = spawnSync(process.execPath, args, { cwd: ROOT, stdio: 'inherit' });
  if (r.status !== 0) {
    console.log(`bench: the thread profile exited with ${r.status ?? r.signal}`);
    return null;
  }
  return readResults(out);
}

/** A run made before machine kinds were recorded: its kind from what it kept. */
function machineKindOf(m) {
  return `${m.cpu} · ${m.simd ?? 'SIMD not recorded'} · ${m.cores} cores`;
}

/**
 * Puts a run's doc (or, given `profile` alone, just its thread profile) into this machine kind's
 * section of docs/benchmarks.md, keeping the other kinds' sections. The doc from before sections
 * existed came from an AVX-512 machine (AMD EPYC, 2 cores).
 */
function writeDoc(doc, kind, profile = null) {
  const path = join(ROOT, 'docs', 'benchmarks.md');
  mkdirSync(dirname(path), { recursive: true });
  const existing = existsSync(path) ? readFileSync(path, 'utf8') : '';
  const legacy = 'AMD EPYC · AVX-512 · 2 cores';
  const text = doc !== null ? mergeMachineSection(existing, doc, kind, legacy) : replaceProfileSection(existing, kind, profile.markdown, legacy);
  writeFileSync(path, text);
  console.log(`bench: wrote ${relative(process.cwd(), path)} (section: ${kind})`);
}

/** Judges the targets, prints them and returns docs/benchmarks.md for one run's all.json. */
function report(all, opts) {
  const run = all.run;
  const quality = readQuality();
  const targets = evaluateTargets(all.records, { contention: run.contention, cores: run.cores, quality });
  console.log("\nTargets (the project's, from its issues):");
  for (const t of targets) console.log(`  ${t.id.padEnd(5)} ${t.status.padEnd(12)} ${t.text}: ${t.detail}${t.short && t.status !== 'met' ? ` — missed by: ${t.short}` : ''}`);
  const sections = [];
  const benches = ALL.filter((b) => all.records.some((r) => r.bench === b) || all.notes.some((n) => n.bench === b));
  for (const bench of benches) sections.push(...renderBenchmark(bench, all.records, all.notes));
  return renderDoc({
    m: run.machine,
    date: new Date(run.date),
    opts: { ...opts, ...run.opts },
    meta: all.meta,
    torch: run.torch,
    targets,
    sections,
    load: run.load,
    elapsedMin: run.elapsedMin,
    contention: run.contention,
    profile: all.profile,
    quality,
  });
}

/**
 * --report-only <dir>: render an earlier run's <dir>/all.json again. Runs from before all.json
 * kept a `run` record get what can be recovered: contention from the notes, the date and the
 * duration from the file times, this machine and this PyTorch.
 */
function reportOnly(opts) {
  const dir = opts.reportOnly;
  const path = join(dir, 'all.json');
  if (!existsSync(path)) fail(`--report-only: ${path} not found`);
  const all = readResults(path);
  if (!all.run) {
    const contention = {};
    let cores = os.availableParallelism();
    for (const n of all.notes) {
      const m = /Other processes used ([\d.]+) of (\d+) cores/.exec(n.text);
      if (m) {
        contention[n.bench] = Number(m[1]);
        cores = Number(m[2]);
      }
    }
    const times = readdirSync(dir).filter((f) => f.endsWith('.json')).map((f) => statSync(join(dir, f)).mtimeMs);
    const benches = ALL.filter((b) => all.records.some((r) => r.bench === b));
    const quick = !all.records.some((r) => r.bench === 'B2' && r.case.startsWith('seq 2048')) && all.records.some((r) => r.bench === 'B2');
    all.run = {
      date: new Date(Math.max(...times)).toISOString(),
      elapsedMin: (Math.max(...times) - Math.min(...times)) / 60000,
      load: { start: null, end: null },
      contention,
      cores,
      machine: machine(),
      torch: findTorchPython(),
      opts: { threads: (all.meta.threads ?? [1, 2]).join(','), quick, only: benches },
    };
  }
  const doc = report(all, opts);
  const out = join(dir, 'benchmarks.md');
  writeFileSync(out, doc);
  console.log(`\nbench: rendered ${path} into ${out}`);
  if (opts.docs) {
    writeDoc(doc, all.run.machine.kind ?? machineKindOf(all.run.machine));
  }
}
