import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { ThreadPool, chunkBounds, getNumThreads, setNumThreads } from '../../src/backends/wasm/thread-pool.js';
import { gemm, gemmPackedBFloats } from '../../src/backends/wasm/gemm-kernels.js';
import { relaxedSimdSupported } from '../../src/backends/wasm/load-kernels.js';
import { loadKernelModuleSync } from '../../src/backends/wasm/load-kernels.js';
import { unary, UNARY_OPS } from '../../src/backends/wasm/kernels.js';
import { alloc, f32, kernelModule, mark, memory, pool2, randF32, release, rng } from './helpers.js';

test('an unknown kernel or too many arguments is an error naming it', () => {
  assert.throws(() => pool2.run('no_such_kernel', [], 10), /no export "no_such_kernel"/);
  assert.throws(() => pool2.run('unary_f32', new Array(40).fill(0), 10), /at most 32/);
});

test('a trap in a worker surfaces as an exception on the caller, and the pool keeps working', () => {
  // thread 1 traps; thread 0 is slowed down so the worker takes chunks (on a busy machine the
  // worker may get no chunk in time: then the job simply succeeds, and we try again)
  const workerFailure = firstFailure(() => pool2.run('debug_trap_on_thread', [1, 100_000], 64, 1));
  assert.ok(workerFailure, 'the worker never took a chunk in 20 attempts');
  assert.match(workerFailure.message, /kernel debug_trap_on_thread failed on a worker: thread 1: RuntimeError: unreachable/);
  // the caller's own failure is rethrown as is (after the workers stop); likewise, a caller that
  // the machine descheduled right after handing out the job may find every chunk taken
  const callerFailure = firstFailure(() => pool2.run('debug_trap_on_thread', [0, 100_000], 64, 1));
  assert.ok(callerFailure, 'the calling thread never took a chunk in 20 attempts');
  assert.match(callerFailure.message, /^unreachable$/);
  const n = 1 << 16;
  const m0 = mark();
  const y = alloc(n);
  // out-of-bounds reads trap on whichever thread takes them
  assert.throws(() => pool2.run('unary_f32', [0, memory.buffer.byteLength - 8, y], n, 1), /out of bounds/);
  const a = randF32(rng(1), n);
  unary(pool2, 'neg', a, y, n);
  assert.equal(f32(y, n)[n - 1], -f32(a, n)[n - 1]!);
  release(m0);
});

/** Runs `job` until it throws (at most 20 times); returns what it threw, or undefined. */
function firstFailure(job: () => void): Error | undefined {
  for (let attempt = 0; attempt < 20; attempt++) {
    try {
      job();
    } catch (e) {
      return e as Error;
    }
  }
  return undefined;
}

test('chunk schedule: covers the job in order, large chunks first, a fine tail, even shares when the floor is coarse', () => {
  const bounds = new Int32Array(200);
  // a B5 weight gradient: 384 rows = 64 row blocks, chunks of 20 blocks at least: 2 equal chunks, not 3
  assert.equal(chunkBounds(64, 2, 64, 20, bounds), 2);
  assert.deepEqual([...bounds.subarray(0, 3)], [0, 32, 64]);
  assert.equal(chunkBounds(128, 2, 128, 20, bounds), 6);
  // B5's packed products: 128 row blocks, floor 4 (24 rows): 32, 24, 18, 14, ... then the floor
  const c = chunkBounds(128, 2, 128, 4, bounds);
  const sizes = [...bounds.subarray(0, c + 1)].slice(1).map((b, i) => b - bounds[i]!);
  assert.deepEqual(sizes.slice(0, 3), [32, 24, 18]);
  assert.ok(sizes.at(-1)! <= 12, `last chunk ${sizes.at(-1)} of ${sizes.join(',')}`);
  for (let items = 1; items < 2000; items += 13) {
    for (const n of [2, 3, 4, 7, 16]) {
      for (const minPerChunk of [1, 5, 20, 64]) {
        const maxUseful = Math.max(n, Math.floor(items / 2));
        if (items < n) continue;
        const k = chunkBounds(items, n, maxUseful, minPerChunk, bounds);
        const what = `items ${items}, n ${n}, min ${minPerChunk}: ${k} chunks`;
        assert.ok(k >= n && k <= 128, what);
        assert.equal(bounds[0], 0, what);
        assert.equal(bounds[k], items, what);
        // equal chunks come in a multiple of n; guided ones shrink and end below items / (4n)
        const equal = [...bounds.subarray(0, k)].every((b, i) => b === Math.floor((i * items) / k));
        for (let i = 0; i < k; i++) {
          const size = bounds[i + 1]! - bounds[i]!;
          assert.ok(size >= 1, what);
          if (!equal && i > 0 && i < k - 1) assert.ok(size <= bounds[i]! - bounds[i - 1]!, `${what}: chunk ${i} grows`);
        }
        if (equal) assert.equal(k % n, 0, what);
        else assert.ok(bounds[k]! - bounds[k - 1]! <= Math.ceil(items / (4 * n)), what);
      }
    }
  }
});

test('a guided split gives the same bits as one thread: a GEMM whose rows come in chunks of different sizes', () => {
  const m0 = mark();
  const M = 768, K = 128, N = 128;
  const r = rng(7);
  const a = randF32(r, M * K), b = randF32(r, K * N);
  const c1 = alloc(M * N), c2 = alloc(M * N);
  const pool1 = new ThreadPool(memory, kernelModule.module, 1);
  gemm(pool1, { a, b, c: c1, M, N, K });
  const packed = alloc(gemmPackedBFloats(pool2, { a, b, c: c2, M, N, K }));
  for (let rep = 0; rep < 3; rep++) {
    gemm(pool2, { a, b, c: c2, M, N, K, packedB: packed });
    assert.deepEqual(f32(c2, M * N), f32(c1, M * N));
  }
  pool1.terminate();
  release(m0);
});

test('a worker that comes after the caller has taken every chunk is withdrawn, skips the job, and takes part in the next ones', () => {
  const m0 = mark();
  const n = 4096;
  const x = alloc(n);
  const y = alloc(n);
  const r = rng(11);
  const withdrawn: number[] = [];
  let joined = 0;
  let job = 0;
  pool2.setProfiler((rec) => {
    if (rec.threads !== 2) return;
    const w = rec.perThread[1]!;
    if (w.chunks === 0 && w.busy === 0 && w.woke === rec.returned) withdrawn.push(job);
    else if (w.chunks > 0) joined++;
  });
  try {
    for (job = 0; job < 300; job++) {
      // every third job, idle ≈ 1 ms first, long enough for the worker to fall asleep in
      // Atomics.wait, and make the job tiny (8 elements): the caller does it all before the
      // worker wakes; the other jobs are large enough for the worker to take part
      const tiny = job % 3 === 0;
      if (tiny) for (const t0 = performance.now(); performance.now() - t0 < 1; );
      const len = tiny ? 8 : n;
      const xs = f32(x, len);
      for (let j = 0; j < len; j++) xs[j] = r() - 0.5;
      const op = job % 2 === 0 ? 'neg' : 'abs';
      pool2.run('unary_f32', [UNARY_OPS[op], x, y], len, 1);
      const want = f32(x, len).map((v) => (op === 'neg' ? -v : Math.abs(v)));
      assert.deepEqual(f32(y, len), want, `job ${job} (${op}, ${len} elements)`);
    }
  } finally {
    pool2.setProfiler(null);
  }
  assert.ok(withdrawn.length > 0, 'the caller never finished a tiny job before the sleeping worker woke');
  assert.ok(joined > 0, 'the worker never took part in a large job after being withdrawn');
  release(m0);
});

test('thread counts: pool and global helpers', () => {
  const before = getNumThreads();
  assert.ok(before >= 1);
  const pool = new ThreadPool(memory, kernelModule.module, 1);
  setNumThreads(2);
  assert.equal(getNumThreads(), 2);
  assert.equal(pool.numThreads, 2);
  pool.waitReady();
  const m0 = mark();
  const n = 100_000;
  const a = randF32(rng(2), n);
  const y = alloc(n);
  unary(pool, 'abs', a, y, n);
  assert.equal(f32(y, n)[n - 1], Math.abs(f32(a, n)[n - 1]!));
  assert.throws(() => setNumThreads(0), RangeError);
  assert.throws(() => setNumThreads(17), RangeError);
  pool.terminate();
  assert.throws(() => pool.run('unary_f32', [0, a, y], 10), /after terminate/);
  setNumThreads(before);
  release(m0);
});

test('a pool with live workers does not keep the process alive', () => {
  const here = fileURLToPath(new URL('.', import.meta.url));
  const script = `
    import { loadKernelModuleSync } from '${here}../../src/backends/wasm/load-kernels.ts';
    import { ThreadPool } from '${here}../../src/backends/wasm/thread-pool.ts';
    const memory = new WebAssembly.Memory({ initial: 512, maximum: 65536, shared: true });
    const pool = new ThreadPool(memory, loadKernelModuleSync().module, 2);
    pool.waitReady();
    pool.run('unary_f32', [0, 16 << 20, 20 << 20], 1 << 16, 1);
    console.log('done');
  `;
  const t0 = Date.now();
  const res = spawnSync(process.execPath, ['--import', 'tsx', '--input-type=module', '-e', script], { encoding: 'utf8', timeout: 20_000 });
  assert.equal(res.status, 0, res.stderr);
  assert.match(res.stdout, /done/);
  assert.ok(Date.now() - t0 < 15_000);
});

test('the relaxed-SIMD probe agrees with the build that was loaded', () => {
  assert.equal(kernelModule.relaxed, relaxedSimdSupported());
});

test('a pool on a non-shared memory runs on the calling thread only', () => {
  const plain = new WebAssembly.Memory({ initial: 512, maximum: 65536 });
  const unshared = loadKernelModuleSync({ shared: false });
  assert.equal(unshared.shared, false);
  assert.throws(() => new ThreadPool(plain, unshared.module, 2), /shared WebAssembly.Memory/);
  const pool = new ThreadPool(plain, unshared.module, 1);
  pool.setNumThreads(2);
  assert.equal(pool.numThreads, 1);
  const x = new Float32Array(plain.buffer, 16 << 20, 8);
  x.set([1, -2, 3, -4, 5, -6, 7, -8]);
  unary(pool, 'abs', 16 << 20, 16 << 20, 8);
  assert.deepEqual(Array.from(x), [1, 2, 3, 4, 5, 6, 7, 8]);
  pool.terminate();
});
