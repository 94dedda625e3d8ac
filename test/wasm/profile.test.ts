/** The pool's profiler: what each thread did in a job, and nothing recorded once detached. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { PoolCallRecord } from '../../src/backends/wasm/thread-pool.js';
import { formatThreadProfile, profileThreads } from '../../src/backends/wasm/profile.js';
import { gemm, gemmPackedBFloats, unary } from '../../src/backends/wasm/kernels.js';
import { alloc, assertSameBytes, mark, pool2, randF32, release, rng } from './helpers.js';

test('a profiled job reports every chunk once, per-thread times inside the call, and the same bits', () => {
  const m0 = mark();
  const n = 1 << 18;
  const x = randF32(rng(3), n);
  const plain = alloc(n);
  const profiled = alloc(n);
  unary(pool2, 'tanh', x, plain, n);
  const records: PoolCallRecord[] = [];
  pool2.setProfiler((r) => records.push(r));
  try {
    unary(pool2, 'tanh', x, profiled, n);
    unary(pool2, 'exp', x, profiled, 100); // too small to split: runs on the caller alone
    unary(pool2, 'tanh', x, profiled, n);
  } finally {
    pool2.setProfiler(null);
  }
  assertSameBytes(plain, profiled, n, 'tanh with and without the profiler');
  assert.equal(records.length, 3);
  const [split, small] = records as [PoolCallRecord, PoolCallRecord];
  assert.equal(split.kernel, 'unary_f32');
  assert.equal(split.threads, 2);
  assert.equal(split.perThread.length, 2);
  assert.equal(split.perThread[0]!.thread, 0);
  assert.equal(split.perThread.reduce((s, t) => s + t.chunks, 0), split.chunks, 'every chunk taken exactly once');
  assert.ok(split.entered <= split.dispatched && split.dispatched <= split.returned);
  for (const t of split.perThread) {
    assert.ok(t.busy >= 0 && t.firstStart <= t.end + 1e-6, `thread ${t.thread}: ${JSON.stringify(t)}`);
    assert.ok(t.busy <= t.end - t.firstStart + 0.05, `thread ${t.thread}: busy ${t.busy} ms within its span`);
  }
  assert.equal(small.threads, 1);
  assert.equal(small.items, 100);
  assert.equal(pool2.profiling, false);
  // detached: nothing more is recorded
  unary(pool2, 'tanh', x, profiled, n);
  assert.equal(records.length, 3);
  release(m0);
});

test('profileThreads sums per kernel and the table names every kernel', () => {
  const m0 = mark();
  const n = 1 << 17;
  const x = randF32(rng(4), n);
  const y = alloc(n);
  const { result, profile } = profileThreads(pool2, () => {
    for (let i = 0; i < 3; i++) unary(pool2, 'sigmoid', x, y, n);
    unary(pool2, 'neg', x, y, 10);
    return 7;
  });
  assert.equal(result, 7);
  const k = profile.kernels.find((e) => e.kernel === 'unary_f32')!;
  assert.equal(k.calls, 4);
  assert.equal(k.splitCalls, 3);
  assert.ok(k.busyMs > 0 && k.busyMs <= k.threadMs + 0.1 && k.callerBusyMs <= k.busyMs);
  assert.ok(profile.poolMs <= profile.totalMs && profile.parallelMs <= profile.poolMs);
  const table = formatThreadProfile(profile).join('\n');
  assert.match(table, /\| unary_f32 \| 4 \(3\) \|/);
  assert.throws(() => profileThreads(pool2, () => { throw new Error('boom'); }), /boom/);
  assert.equal(pool2.profiling, false, 'the profiler is detached even when the function throws');
  release(m0);
});

test('a GEMM row split keeps chunks of a cache block of rows (GEMM_MC) when op(B) outgrows L2, finer ones when it does not', () => {
  const m0 = mark();
  const r = rng(5);
  const go = (M: number, N: number, K: number): PoolCallRecord => {
    const a = randF32(r, M * K);
    const b = randF32(r, K * N);
    const c = alloc(M * N);
    const packedB = alloc(gemmPackedBFloats(pool2, { a, b, c, M, N, K }));
    const records: PoolCallRecord[] = [];
    pool2.setProfiler((rec) => records.push(rec));
    try {
      gemm(pool2, { a, b, c, M, N, K, packedB });
    } finally {
      pool2.setProfiler(null);
    }
    return records.find((x) => x.kernel === 'gemm_rows_packed')!;
  };
  const rb = pool2.exports.gemm_row_block!() as number;
  // op(B) of 256 × 512 floats (512 KiB): chunks of ≥ 120 rows, equal, a multiple of the threads
  const large = go(512, 512, 256);
  assert.equal(large.chunks, Math.floor(Math.ceil(512 / rb) / Math.ceil(120 / rb)), '512 rows, large B: chunks of ≥ 120 rows');
  assert.equal(go(128, 512, 256).chunks, 2, '128 rows on 2 threads: one chunk each');
  // op(B) of 128 × 128 floats (64 KiB, a B5 product): guided chunks down to 24 rows
  const small = go(768, 128, 128);
  const blocks = Math.ceil(768 / rb);
  assert.ok(small.chunks > 4 && small.chunks <= Math.ceil(blocks / Math.ceil(24 / rb)), `768 rows, small B: ${small.chunks} chunks`);
  assert.equal(go(4096, 64, 64).chunks > 8, true, 'tall, small B: more than 4 chunks per thread');
  release(m0);
});
