// The thread-scaling targets of bench/report.mjs (S-a … S-d) judged on hand-made records: ×2/×1 on
// every B1 shape and both B2 seq-2048 fwd+bwd cases, a missing ×2 row, a busy machine, and B4 at
// each side's best thread count.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { evaluateTargets, type BenchRecord } from '../../bench/report.mjs';

const row = (bench: string, c: string, impl: string, threads: number, ms: number): BenchRecord => ({ bench, case: c, impl, threads, medianMs: ms, runs: 5, metric: { name: 'GFLOP/s', value: 1000 / ms } });
const byId = (records: BenchRecord[], ctx = {}) => Object.fromEntries(evaluateTargets(records, ctx).map((t) => [t.id, t]));
const SQ = '512×512×512';
const TALL = '8192×128 · 128×512';

test('S-a: every B1 shape must scale 1.8× from one thread to two', () => {
  const met = byId([row('B1', SQ, 'attn wasm', 1, 10), row('B1', SQ, 'attn wasm', 2, 5.4), row('B1', TALL, 'attn wasm', 1, 30), row('B1', TALL, 'attn wasm', 2, 16)]);
  assert.equal(met['S-a']!.status, 'met');
  assert.match(met['S-a']!.detail, /512×512×512: ×1 10\.0 ms, ×2 5\.40 ms = 1\.85×/);
  const one = byId([row('B1', SQ, 'attn wasm', 1, 10), row('B1', SQ, 'attn wasm', 2, 5.4), row('B1', TALL, 'attn wasm', 1, 30), row('B1', TALL, 'attn wasm', 2, 20)]);
  assert.equal(one['S-a']!.status, 'not met');
  assert.match(one['S-a']!.short, /8192×128 · 128×512: 1\.50× of the 1\.8× asked/);
  assert.doesNotMatch(one['S-a']!.short, /512×512×512/);
  const missing = byId([row('B1', SQ, 'attn wasm', 1, 10), row('B1', SQ, 'attn wasm', 2, 5), row('B1', TALL, 'attn wasm', 1, 30)]);
  assert.equal(missing['S-a']!.status, 'not measured');
  assert.match(missing['S-a']!.detail, /no ×2 row/);
  const busy = byId([row('B1', SQ, 'attn wasm', 1, 10), row('B1', SQ, 'attn wasm', 2, 8)], { contention: { B1: 0.6 }, cores: 2 });
  assert.equal(busy['S-a']!.status, 'inconclusive');
});

test('S-b: both B2 seq-2048 fwd+bwd cases', () => {
  const full = 'seq 2048, full, fwd+bwd', causal = 'seq 2048, causal, fwd+bwd';
  const t = byId([row('B2', full, 'attn wasm', 1, 3600), row('B2', full, 'attn wasm', 2, 1900), row('B2', causal, 'attn wasm', 1, 2000), row('B2', causal, 'attn wasm', 2, 1200)]);
  assert.equal(t['S-b']!.status, 'not met');
  assert.match(t['S-b']!.short, /^seq 2048, causal, fwd\+bwd: 1\.67× of the 1\.8× asked/);
});

test('S-c, S-d: B4 beside PyTorch, each at its best thread count (1.0× training, 1.2× inference)', () => {
  const b4 = (c: string, impl: string, threads: number, ms: number): BenchRecord => ({ ...row('B4', c, impl, threads, ms), metric: { name: 'tokens/s', value: 8192 / (ms / 1000) } });
  const t = byId([b4('train step', 'attn wasm', 1, 900), b4('train step', 'attn wasm', 2, 600), b4('train step', 'PyTorch', 1, 620), b4('train step', 'PyTorch', 2, 700),
    b4('inference', 'attn wasm', 2, 200), b4('inference', 'PyTorch', 1, 230), b4('inference', 'PyTorch', 2, 260)]);
  assert.equal(t['S-c']!.status, 'met');
  assert.match(t['S-c']!.detail, /attn ×2 .* vs PyTorch ×1 .* = 1\.03×/);
  assert.equal(t['S-d']!.status, 'not met');
  assert.match(t['S-d']!.short, /1\.15× of the 1\.2× asked/);
});
