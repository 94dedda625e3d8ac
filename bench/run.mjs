#!/usr/bin/env node
// `npm run bench`: attn beside every peer present on this machine, in one run.
//
//   node bench/run.mjs [--only B1,B2] [--quick] [--threads 1,2] [--no-docs | --docs] [--no-install]
//
// 1. Installs the JavaScript peers into bench/node_modules when missing (tfjs, tfjs-backend-cpu,
//    tfjs-backend-wasm, onnxruntime-node; ONNXRUNTIME_NODE_INSTALL=skip). They are never
//    dependencies of attn.
// 2. Per benchmark: runs attn and the JavaScript peers in one process (bench/suite.ts via tsx),
//    then PyTorch (bench/torch_bench.py) at the same thread counts, when a python3 with torch
//    exists.
// 3. Prints one table per benchmark and writes docs/benchmarks.md (full runs only: not with
//    --quick or --only, unless --docs).
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, writeFileSync, mkdirSync } from 'node:fs';
import os from 'node:os';
import { dirname, join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import { TITLES, evaluateTargets, renderBenchmark, renderTargets } from './report.mjs';

const BENCH_DIR = dirname(fileURLToPath(import.meta.url));
const ROOT = dirname(BENCH_DIR);
const ALL = ['B1', 'B2', 'B3', 'B4'];

function parseArgs(argv) {
  const opts = { only: ALL, quick: false, threads: null, docs: null, install: true };
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
    else if (a === '--help' || a === '-h') {
      console.log(readFileSync(fileURLToPath(import.meta.url), 'utf8').split('\n').slice(1, 15).map((l) => l.replace(/^\/\/ ?/, '')).join('\n'));
      process.exit(0);
    } else fail(`unknown argument '${a}' (try --help)`);
  }
  const unknown = opts.only.filter((b) => !ALL.includes(b));
  if (unknown.length) fail(`unknown benchmark(s) ${unknown.join(', ')} (known: ${ALL.join(', ')})`);
  opts.threads ??= os.availableParallelism() >= 2 ? '1,2' : '1';
  // A quick or partial run must not replace the full table in the docs.
  opts.docs ??= !opts.quick && opts.only.length === ALL.length;
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

function runJs(bench, opts, tmp) {
  const out = join(tmp, `${bench}-js.json`);
  const args = ['--import', 'tsx', join(BENCH_DIR, 'suite.ts'), '--only', bench, '--threads', opts.threads, '--out', out];
  if (opts.quick) args.push('--quick');
  const r = spawnSync(process.execPath, args, { cwd: ROOT, stdio: 'inherit' });
  const res = readResults(out);
  if (r.status !== 0) res.notes.push({ bench, text: `the JavaScript suite exited with ${r.status ?? r.signal}; rows measured before that are kept` });
  return res;
}

function runTorch(bench, opts, tmp, torch) {
  if (bench === 'B3') return { meta: {}, records: [], notes: [] }; // reported, not run (b3-memory.ts)
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
  const cpus = os.cpus();
  return {
    cpu: cpus[0]?.model?.trim() ?? 'unknown',
    cores: cpus.length,
    ramGiB: os.totalmem() / 2 ** 30,
    node: process.version,
    os: `${os.type()} ${os.release()} (${os.arch()})`,
  };
}

function renderDoc({ m, date, opts, meta, torch, targets, sections, load, elapsedMin, contention }) {
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
    `- Machine: ${m.cpu}, ${m.cores} cores, ${m.ramGiB.toFixed(1)} GiB RAM, ${m.os}`,
    `- Node ${m.node}; attn backends: ${(meta.attnBackends ?? []).join(', ') || 'unknown'}`,
    `- Threads measured: ${opts.threads.split(',').map((t) => `×${t}`).join(' and ')} (attn wasm pool, onnxruntime intra-op, torch.set_num_threads); tfjs-backend-wasm and tfjs-backend-cpu run on one thread`,
    `- Peers: ${peers}`,
    `- PyTorch: ${torch ? `${torch.version} via ${torch.python}; BLAS: ${meta.torchBlas ?? 'unknown'}` : 'not found'}`,
    `- Load average (1 min) at start / end: ${load.start.toFixed(2)} / ${load.end.toFixed(2)}. Cores used by other processes during each benchmark: ${Object.entries(contention).map(([b, c]) => `${b} ${c.toFixed(2)}`).join(', ') || 'unknown'} (from /proc/stat minus this run's own CPU time). The machine is shared: with a neighbour on one core, ×2 rows run on about one core and medians move between runs`,
    `- Mode: ${opts.quick ? '--quick' : 'full'}${opts.only.length < ALL.length ? `, --only ${opts.only.join(',')}` : ''}`,
    '',
    ...caveats(meta),
    '## Targets',
    '',
    'DESIGN.md sets no numbers; these are derived from it (the probed naive GEMM kernel and its',
    'two-thread scaling, tfjs as the JavaScript peer to beat, the fused attention that keeps no',
    'seq×seq buffer).',
    '',
    ...renderTargets(targets),
    '',
    '## Results',
    '',
    ...sections,
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
    '',
  ];
  return lines.join('\n');
}

function caveats(meta) {
  const out = [];
  if (/reference BLAS/.test(meta.torchBlas ?? '')) {
    out.push(
      '## Caveat: PyTorch on this machine',
      '',
      "Debian's python3-torch calls whatever `libblas.so.3` points to, and here that is the reference",
      '(netlib) BLAS: PyTorch GEMM runs at ~6 GFLOP/s (B1), not the ~190 GFLOP/s DESIGN.md probed with',
      'OpenBLAS. Every PyTorch column below (B1, B2, B4) is that slow path, so the speed-ups over',
      'PyTorch overstate what attn would show against a PyTorch with OpenBLAS or MKL',
      '(`apt-get install libopenblas0-pthread` switches the alternative; not done here because it changes',
      'the machine for everyone). The tfjs and onnxruntime columns are unaffected.',
      '',
    );
  }
  return out;
}

// ---- main -----------------------------------------------------------------------------------

const opts = parseArgs(process.argv.slice(2));
const started = Date.now();
const load = { start: os.loadavg()[0], end: 0 };
ensurePeers(opts.install);
const torch = findTorchPython();
console.log(`bench: ${opts.only.join(', ')}${opts.quick ? ' (quick)' : ''}; threads ${opts.threads}; PyTorch: ${torch ? `${torch.version} (${torch.python})` : 'not found'}`);
const tmp = mkdtempSync(join(os.tmpdir(), 'attn-bench-'));
const all = { records: [], notes: [], meta: {} };
const sections = [];
const contention = {};
for (const bench of opts.only) {
  console.log(`\n== ${TITLES[bench]} ==`);
  const before = cpuSnapshot();
  const js = runJs(bench, opts, tmp);
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
  all.records.push(...js.records, ...py.records);
  all.notes.push(...js.notes, ...py.notes);
  const lines = renderBenchmark(bench, [...js.records, ...py.records], [...js.notes, ...py.notes]);
  console.log(`\n${lines.join('\n')}`);
  sections.push(...lines);
}
load.end = os.loadavg()[0];
const targets = evaluateTargets(all.records);
for (const t of targets) {
  // The thread-scaling target cannot be judged while a neighbour holds a core.
  if (t.id === 'T2' && t.status === 'not met' && (contention.B1 ?? 0) >= 0.25) {
    t.status = 'inconclusive';
    t.detail += ` — other processes used ${contention.B1.toFixed(2)} cores during B1, so ×2 ran on about ${Math.max(1, os.availableParallelism() - contention.B1).toFixed(1)} cores`;
  }
  if (t.id === 'T5' && t.status === 'met' && /reference BLAS/.test(all.meta.torchBlas ?? '')) t.detail += ' (PyTorch on reference BLAS: see the caveat)';
}
console.log('\nTargets (derived from DESIGN.md):');
for (const t of targets) console.log(`  ${t.id} ${t.status.padEnd(12)} ${t.text}: ${t.detail}`);
const rawPath = join(tmp, 'all.json');
writeFileSync(rawPath, JSON.stringify(all, null, 1));
const elapsedMin = (Date.now() - started) / 60000;
console.log(`\nbench: done in ${elapsedMin.toFixed(1)} min; raw results: ${rawPath}`);
if (opts.docs) {
  const doc = renderDoc({ m: machine(), date: new Date(), opts, meta: all.meta, torch, targets, sections, load, elapsedMin, contention });
  mkdirSync(join(ROOT, 'docs'), { recursive: true });
  writeFileSync(join(ROOT, 'docs', 'benchmarks.md'), doc);
  console.log(`bench: wrote ${relative(process.cwd(), join(ROOT, 'docs', 'benchmarks.md'))}`);
} else {
  console.log('bench: docs/benchmarks.md not written (quick or partial run; pass --docs to write it anyway)');
}
