import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { ThreadPool, chunkCount, getNumThreads, setNumThreads } from '../../src/backends/wasm/thread-pool.js';
import { relaxedSimdSupported } from '../../src/backends/wasm/load-kernels.js';
import { loadKernelModuleSync } from '../../src/backends/wasm/load-kernels.js';
import { unary } from '../../src/backends/wasm/kernels.js';
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

test('chunk counts: a multiple of the thread count, at least one chunk per thread, 4 per thread at most', () => {
  // a B5 weight gradient: 384 rows = 64 row blocks, chunks of 20 blocks at least: 2 chunks, not 3
  assert.equal(chunkCount(64, 2, 64, 20), 2);
  assert.equal(chunkCount(128, 2, 128, 20), 6);
  assert.equal(chunkCount(1000, 3, 1000, 1), 12);
  assert.equal(chunkCount(5, 4, 5, 1), 4);
  for (let items = 1; items < 300; items += 7) {
    for (const n of [1, 2, 3, 4, 7]) {
      for (const minPerChunk of [1, 5, 20, 64]) {
        const maxUseful = Math.max(n, Math.floor(items / 2));
        const c = chunkCount(items, n, maxUseful, minPerChunk);
        assert.equal(c % n, 0, `items ${items}, n ${n}, min ${minPerChunk}: ${c} chunks`);
        assert.ok(c >= n && c <= 4 * n, `items ${items}, n ${n}: ${c} chunks`);
      }
    }
  }
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
