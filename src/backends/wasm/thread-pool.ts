/**
 * A pool of worker threads that run wasm kernels on the engine's shared memory.
 *
 * `run(kernel, args, workItems)` splits [0, workItems) into contiguous chunks (large first, small
 * last: see `chunkBounds`) that the threads (the caller included) take in turn, each calling
 * `exports[kernel](...args, start, end)` on its own instance of the same module. Kernels compute each output element on exactly one thread, in a
 * fixed order, so results are bitwise identical for any thread count. `run` is synchronous: the
 * caller spins briefly, then sleeps in `Atomics.wait` until the workers are done. A failure in
 * any thread is rethrown on the caller.
 *
 * @example
 *   const pool = new ThreadPool(memory, module, 2);
 *   pool.run('gemm_rows', [a, b, c, M, N, K, K, N, N, 0, 0, 1, 0, 1, 0, 0, 0], Math.ceil(M / 6));
 */
import { coreCount, env, spawnWorker, type WorkerHandle } from '../../platform/index.js';
import { CTL, WORKER_ENTRY, WORKER_MAIN_SOURCE, type WorkerInit } from './thread-worker.js';
import { MAX_KERNEL_THREADS, instantiateKernels, type KernelExports } from './load-kernels.js';

/** Busy-wait iterations before sleeping (workers between jobs, caller waiting for workers). */
const SPIN = 20000;
/**
 * The finest chunk, as a fraction of a job: 1/(16n). A thread slowed by another process, or one
 * that woke late, hands over all but about that much of its share.
 */
const TAIL_CHUNKS_PER_THREAD = 16;
/** Room in the control block for chunk boundaries (CTL.MAX_CHUNKS + 1 entries). */
const MAX_CHUNKS = CTL.MAX_CHUNKS;

let globalThreads: number | undefined;

/**
 * The chunks of a job of `items` on n threads, as boundaries written to `out` (chunk c covers
 * [out[c], out[c + 1])); returns the chunk count. Threads take chunks in order, so the schedule
 * is guided self-scheduling: each chunk is 1/(2n) of what is left, down to a floor of
 * max(minPerChunk, items / maxUseful, items / (16n)) items, and the last one absorbs a remainder
 * under half a floor. Large chunks first keep the per-chunk cost (an atomic add and a call; for a
 * GEMM, re-reading B) low; small ones last keep the tail short: under 1.5 floors, at most
 * items / (4n). About 12 chunks on 2 threads, under 100 on 16.
 *
 * When the floor is too coarse for that (the job holds fewer than 8 floors per thread: small
 * elementwise jobs, whose floor is their minimum per thread, or GEMMs with large chunks), the job
 * is cut into equal chunks, at most 4 per thread, whose count is a multiple of n: 3 equal chunks
 * on 2 threads leave one thread a chunk behind at the end (a B5 weight gradient with 384 rows ran
 * 2/3 of its rows on one thread), where 2 or 4 share evenly.
 *
 * Which thread computes which chunk never changes a result: kernels compute each item alone.
 */
export function chunkBounds(items: number, n: number, maxUseful: number, minPerChunk: number, out: Int32Array | number[]): number {
  const floor = Math.max(1, minPerChunk, Math.ceil(items / Math.max(1, maxUseful)), Math.ceil(items / (TAIL_CHUNKS_PER_THREAD * n)));
  if (items < floor * 8 * n) {
    const c0 = Math.max(n, Math.min(maxUseful, n * 4, Math.floor(items / floor)));
    const c = c0 - (c0 % n);
    for (let i = 0; i <= c; i++) out[i] = Math.floor((i * items) / c);
    return c;
  }
  let start = 0;
  let c = 0;
  while (start < items) {
    out[c++] = start;
    const left = items - start;
    let size = Math.max(floor, Math.ceil(left / (2 * n)));
    if (left - size < (floor >> 1) + 1 || c === MAX_CHUNKS) size = left; // no sliver after the last chunk
    start += size;
  }
  out[c] = items;
  return c;
}

/** One thread's part of a profiled job (times in ms since the epoch, comparable across threads). */
export interface ThreadTiming {
  /** Thread index (0 = the caller). */
  thread: number;
  /** When it saw the job (the caller: when it handed the job out). */
  woke: number;
  /** Start of its first chunk (= end when it took none). */
  firstStart: number;
  /** Time spent inside the kernel, summed over its chunks. */
  busy: number;
  chunks: number;
  /** End of its last chunk. */
  end: number;
  /** Workers: whether it was asleep in Atomics.wait when the job came (else spinning). */
  slept: boolean;
}

/** What a profiler receives for every `run` (see `ThreadPool.setProfiler`). */
export interface PoolCallRecord {
  kernel: string;
  items: number;
  /** Threads the job was split over (1: it ran on the caller alone, not split). */
  threads: number;
  chunks: number;
  /** Entering `run`, handing the job out (after the control block is written), returning. */
  entered: number;
  dispatched: number;
  returned: number;
  /** One entry per participating thread, the caller first. */
  perThread: ThreadTiming[];
}
export type PoolProfiler = (record: PoolCallRecord) => void;

const clockOrigin = performance.timeOrigin;
const now = (): number => clockOrigin + performance.now();

/** Default thread count: ATTN_NUM_THREADS if set (an integer >= 1), else the cores available. */
function defaultThreadCount(): number {
  const fromEnv = Number(env('ATTN_NUM_THREADS'));
  if (Number.isInteger(fromEnv) && fromEnv >= 1) return fromEnv;
  return coreCount();
}
const livePools = new Set<WeakRef<ThreadPool>>();

/** Threads used by pools that were not given an explicit count (default: available cores). */
export function getNumThreads(): number {
  if (globalThreads === undefined) globalThreads = Math.min(MAX_KERNEL_THREADS, defaultThreadCount());
  return globalThreads;
}

/**
 * Sets the thread count of every live pool and of pools created later (1..16).
 *
 * @example
 *   setNumThreads(1); // deterministic either way; 1 makes timings easier to read
 */
export function setNumThreads(n: number): void {
  globalThreads = checkThreads(n);
  for (const ref of livePools) {
    const pool = ref.deref();
    if (pool === undefined) livePools.delete(ref);
    else pool.setNumThreads(globalThreads);
  }
}

function checkThreads(n: number): number {
  if (!Number.isInteger(n) || n < 1 || n > MAX_KERNEL_THREADS) {
    throw new RangeError(`setNumThreads: expected an integer in [1, ${MAX_KERNEL_THREADS}], got ${n}`);
  }
  return n;
}

export class ThreadPool {
  /** The calling thread's instance (thread index 0); use it for kernels that are not split. */
  readonly exports: KernelExports;
  readonly memory: WebAssembly.Memory;
  private readonly shared: boolean;
  private readonly module: WebAssembly.Module;
  private readonly control = new SharedArrayBuffer(CTL.BYTES);
  private readonly ctl = new Int32Array(this.control);
  private readonly args = new Float64Array(this.control, CTL.ARGS_BYTE, CTL.MAX_ARGS);
  private readonly msg = new Uint16Array(this.control, CTL.MSG_BYTE, CTL.MSG_CHARS);
  private readonly prof = new Float64Array(this.control, CTL.PROF_BYTE, CTL.PROF_WORDS * MAX_KERNEL_THREADS);
  private readonly bounds = new Int32Array(this.control, CTL.BOUNDS_BYTE, CTL.MAX_CHUNKS + 1);
  private profiler: PoolProfiler | null = null;
  private readonly names: string[];
  private readonly kernelIndex = new Map<string, number>();
  private readonly fns: ((...a: number[]) => unknown)[];
  private readonly workers: WorkerHandle[] = [];
  private asyncError: Error | null = null;
  private threads: number;
  private terminated = false;

  constructor(memory: WebAssembly.Memory, wasmModule: WebAssembly.Module, numThreads: number = getNumThreads()) {
    this.shared = typeof SharedArrayBuffer !== 'undefined' && memory.buffer instanceof SharedArrayBuffer;
    if (!this.shared && numThreads > 1) {
      throw new Error('ThreadPool: worker threads need a shared WebAssembly.Memory ({ shared: true })');
    }
    this.memory = memory;
    this.module = wasmModule;
    this.exports = instantiateKernels(wasmModule, memory, 0);
    this.names = WebAssembly.Module.exports(wasmModule).filter((e) => e.kind === 'function').map((e) => e.name);
    this.names.forEach((n, i) => this.kernelIndex.set(n, i));
    this.fns = this.names.map((n) => this.exports[n] as (...a: number[]) => unknown);
    this.threads = checkThreads(numThreads);
    this.ensureWorkers(this.threads - 1);
    livePools.add(new WeakRef(this));
  }

  /** Threads a job may use, the caller included. */
  get numThreads(): number {
    return this.threads;
  }

  /**
   * Changes the thread count; new workers start in the background and join once ready. A pool on
   * a non-shared memory stays at one thread.
   */
  setNumThreads(n: number): void {
    this.threads = this.shared ? checkThreads(n) : 1;
    this.ensureWorkers(this.threads - 1);
  }

  /**
   * Attaches a profiler (null detaches it): every `run` then reports each thread's busy time,
   * chunks and waits. Off by default; while detached `run` reads no clock and workers test one
   * flag per job.
   *
   * @example
   *   pool.setProfiler((r) => console.log(r.kernel, r.returned - r.entered, r.perThread));
   */
  setProfiler(profiler: PoolProfiler | null): void {
    this.profiler = profiler;
    Atomics.store(this.ctl, CTL.PROF, profiler ? 1 : 0);
  }

  /** Whether a profiler is attached. */
  get profiling(): boolean {
    return this.profiler !== null;
  }

  /** Blocks until every started worker has instantiated the module (or throws after timeoutMs). */
  waitReady(timeoutMs = 30000): void {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const ready = Atomics.load(this.ctl, CTL.READY);
      if (ready >= this.workers.length) break;
      const left = deadline - Date.now();
      if (left <= 0) throw new Error(`ThreadPool: only ${ready} of ${this.workers.length} workers started within ${timeoutMs} ms`);
      Atomics.wait(this.ctl, CTL.READY, ready, Math.min(left, 100));
    }
    this.throwIfFailed();
  }

  /**
   * Runs `kernel(...args, start, end)` over [0, workItems) on up to numThreads threads.
   * Jobs with fewer than 2 * minItemsPerThread items run on the calling thread alone. Chunks hold
   * at least minItemsPerChunk items where there are enough for one chunk per thread (a GEMM
   * re-reads all of B once per chunk, so its chunks are a cache block of rows or more).
   */
  run(kernel: string, args: readonly number[], workItems: number, minItemsPerThread = 1, minItemsPerChunk = 1): void {
    if (this.terminated) throw new Error('ThreadPool: run() after terminate()');
    const k = this.kernelIndex.get(kernel);
    if (k === undefined) throw new Error(`ThreadPool: the kernel module has no export "${kernel}"`);
    if (args.length > CTL.MAX_ARGS) throw new Error(`ThreadPool: ${kernel} has ${args.length} arguments, at most ${CTL.MAX_ARGS}`);
    if (!(workItems > 0)) return;
    if (this.profiler !== null) {
      this.runProfiled(kernel, k, args, workItems, minItemsPerThread, minItemsPerChunk, this.profiler);
      return;
    }
    const fn = this.fns[k]!;
    this.throwIfFailed();
    // Workers that are up; those still starting are skipped (results do not depend on it).
    const ready: number[] = [];
    const maxWorkers = Math.min(this.threads - 1, this.workers.length);
    for (let w = 1; w <= maxWorkers; w++) {
      if (Atomics.load(this.ctl, CTL.SLOTS + CTL.SLOT_INTS * w + 3) === 1) ready.push(w);
    }
    const maxUseful = Math.floor(workItems / Math.max(1, minItemsPerThread));
    const n = Math.max(1, Math.min(ready.length + 1, maxUseful));
    if (n === 1) {
      fn(...args, 0, workItems);
      return;
    }
    const ctl = this.ctl;
    for (let i = 0; i < args.length; i++) this.args[i] = args[i]!;
    ctl[CTL.NARGS] = args.length;
    ctl[CTL.KERNEL] = k;
    // Chunks taken dynamically, shrinking toward the end: a thread that another process slows
    // down takes fewer. Results do not depend on who computes which chunk.
    const bounds = this.bounds;
    const chunks = chunkBounds(workItems, n, maxUseful, minItemsPerChunk, bounds);
    ctl[CTL.CHUNKS] = chunks;
    ctl[CTL.ITEMS] = workItems;
    Atomics.store(ctl, CTL.NEXT, 0);
    Atomics.store(ctl, CTL.ERROR, 0);
    this.handOut(ready, n);
    let own: unknown = null;
    try {
      for (let c = Atomics.add(ctl, CTL.NEXT, 1); c < chunks; c = Atomics.add(ctl, CTL.NEXT, 1)) {
        fn(...args, bounds[c]!, bounds[c + 1]!);
      }
    } catch (e) {
      own = e;
      Atomics.store(ctl, CTL.NEXT, chunks); // stop handing out chunks
    }
    this.withdraw(ready, n, null);
    let pending = Atomics.load(ctl, CTL.PENDING);
    for (let spins = 0; pending !== 0 && spins < SPIN; spins++) pending = Atomics.load(ctl, CTL.PENDING);
    while (pending !== 0) {
      Atomics.wait(ctl, CTL.PENDING, pending, 1000);
      pending = Atomics.load(ctl, CTL.PENDING);
    }
    if (own !== null) throw own;
    if (Atomics.load(ctl, CTL.ERROR) !== 0) {
      throw new Error(`ThreadPool: kernel ${kernel} failed on a worker: ${this.errorText()}`);
    }
  }

  /**
   * `run` with a profiler attached: the same steps, with a clock read around each of them and
   * around each of the caller's chunks. Kept apart so the plain path carries none of it.
   */
  private runProfiled(kernel: string, k: number, args: readonly number[], workItems: number, minItemsPerThread: number, minItemsPerChunk: number, profiler: PoolProfiler): void {
    const entered = now();
    const fn = this.fns[k]!;
    this.throwIfFailed();
    const ready: number[] = [];
    const maxWorkers = Math.min(this.threads - 1, this.workers.length);
    for (let w = 1; w <= maxWorkers; w++) {
      if (Atomics.load(this.ctl, CTL.SLOTS + CTL.SLOT_INTS * w + 3) === 1) ready.push(w);
    }
    const maxUseful = Math.floor(workItems / Math.max(1, minItemsPerThread));
    const n = Math.max(1, Math.min(ready.length + 1, maxUseful));
    if (n === 1) {
      const t = now();
      fn(...args, 0, workItems);
      const end = now();
      profiler({ kernel, items: workItems, threads: 1, chunks: 1, entered, dispatched: t, returned: end, perThread: [{ thread: 0, woke: t, firstStart: t, busy: end - t, chunks: 1, end, slept: false }] });
      return;
    }
    const ctl = this.ctl;
    for (let i = 0; i < args.length; i++) this.args[i] = args[i]!;
    ctl[CTL.NARGS] = args.length;
    ctl[CTL.KERNEL] = k;
    const bounds = this.bounds;
    const chunks = chunkBounds(workItems, n, maxUseful, minItemsPerChunk, bounds);
    ctl[CTL.CHUNKS] = chunks;
    ctl[CTL.ITEMS] = workItems;
    Atomics.store(ctl, CTL.NEXT, 0);
    Atomics.store(ctl, CTL.ERROR, 0);
    // Before the hand-out: a caller descheduled right after it must not see the job as shorter.
    const dispatched = now();
    this.handOut(ready, n);
    let own: unknown = null;
    let first = dispatched;
    let busy = 0;
    let taken = 0;
    let ownEnd = dispatched;
    try {
      for (let c = Atomics.add(ctl, CTL.NEXT, 1); c < chunks; c = Atomics.add(ctl, CTL.NEXT, 1)) {
        const t = now();
        if (taken === 0) first = t;
        fn(...args, bounds[c]!, bounds[c + 1]!);
        ownEnd = now();
        busy += ownEnd - t;
        taken++;
      }
    } catch (e) {
      own = e;
      Atomics.store(ctl, CTL.NEXT, chunks);
    }
    const absent = new Set<number>();
    this.withdraw(ready, n, absent);
    let pending = Atomics.load(ctl, CTL.PENDING);
    for (let spins = 0; pending !== 0 && spins < SPIN; spins++) pending = Atomics.load(ctl, CTL.PENDING);
    while (pending !== 0) {
      Atomics.wait(ctl, CTL.PENDING, pending, 1000);
      pending = Atomics.load(ctl, CTL.PENDING);
    }
    const returned = now();
    if (own !== null) throw own;
    if (Atomics.load(ctl, CTL.ERROR) !== 0) {
      throw new Error(`ThreadPool: kernel ${kernel} failed on a worker: ${this.errorText()}`);
    }
    const perThread: ThreadTiming[] = [{ thread: 0, woke: dispatched, firstStart: taken ? first : ownEnd, busy, chunks: taken, end: ownEnd, slept: false }];
    const pf = this.prof;
    for (let t = 1; t < n; t++) {
      const w = ready[t - 1]!;
      const o = CTL.PROF_WORDS * w;
      // A worker withdrawn before it came took no part: it waited (was absent) the whole call.
      if (absent.has(w)) perThread.push({ thread: w, woke: returned, firstStart: returned, busy: 0, chunks: 0, end: returned, slept: true });
      else perThread.push({ thread: w, woke: pf[o]!, firstStart: pf[o + 1]!, busy: pf[o + 2]!, chunks: pf[o + 3]!, end: pf[o + 4]!, slept: pf[o + 5] === 1 });
    }
    profiler({ kernel, items: workItems, threads: n, chunks, entered, dispatched, returned, perThread });
  }

  /**
   * Publishes the job written to the control block to the workers `ready[0 … n − 2]`: each one's
   * slot gets the new generation, PENDING counts them, and their claim words open (0) last, after
   * every other write of the job, so a worker that claims one (0 → 1) sees the whole job.
   */
  private handOut(ready: readonly number[], n: number): void {
    const ctl = this.ctl;
    const gen = (ctl[CTL.GEN]! + 1) | 0;
    for (let t = 1; t < n; t++) Atomics.store(ctl, CTL.SLOTS + CTL.SLOT_INTS * ready[t - 1]!, gen);
    Atomics.store(ctl, CTL.PENDING, n - 1);
    for (let t = 1; t < n; t++) Atomics.store(ctl, CTL.SLOTS + CTL.SLOT_INTS * ready[t - 1]! + 1, 0);
    Atomics.store(ctl, CTL.GEN, gen);
    Atomics.notify(ctl, CTL.GEN);
  }

  /**
   * Once the caller finds no chunk left: closes the claim word (0 → 2) of every worker that has
   * not claimed the job yet and counts it off PENDING, so the caller does not wait for a worker
   * that is still waking up (tens of µs from Atomics.wait) or that another process holds off its
   * core (milliseconds) when there is nothing left for it to do. A worker that finds its claim
   * closed skips the job. `absent` collects the withdrawn workers (for the profiler).
   */
  private withdraw(ready: readonly number[], n: number, absent: Set<number> | null): void {
    const ctl = this.ctl;
    for (let t = 1; t < n; t++) {
      const w = ready[t - 1]!;
      if (Atomics.compareExchange(ctl, CTL.SLOTS + CTL.SLOT_INTS * w + 1, 0, 2) === 0) {
        Atomics.sub(ctl, CTL.PENDING, 1);
        absent?.add(w);
      }
    }
  }

  /** Stops the workers. The pool cannot be used afterwards. */
  terminate(): void {
    if (this.terminated) return;
    this.terminated = true;
    Atomics.store(this.ctl, CTL.STOP, 1);
    Atomics.add(this.ctl, CTL.GEN, 1);
    Atomics.notify(this.ctl, CTL.GEN);
    for (const w of this.workers) w.terminate();
    this.workers.length = 0;
    for (const ref of livePools) if (ref.deref() === this) livePools.delete(ref);
  }

  private ensureWorkers(count: number): void {
    while (this.workers.length < count) {
      const index = this.workers.length + 1;
      const init: WorkerInit = { memory: this.memory, module: this.module, control: this.control, index, names: this.names, spin: SPIN };
      this.workers.push(
        spawnWorker({
          source: WORKER_MAIN_SOURCE,
          entry: WORKER_ENTRY,
          data: init,
          name: `attn-thread-${index}`,
          onError: (e) => {
            this.asyncError ??= e;
          },
        }),
      );
    }
  }

  private errorText(): string {
    const n = Atomics.load(this.ctl, CTL.ERRLEN);
    let s = '';
    for (let i = 0; i < n; i++) s += String.fromCharCode(this.msg[i]!);
    return s;
  }

  private throwIfFailed(): void {
    if (this.asyncError) throw new Error(`ThreadPool: a worker failed: ${this.asyncError.message}`);
    for (let w = 1; w <= this.workers.length; w++) {
      if (Atomics.load(this.ctl, CTL.SLOTS + CTL.SLOT_INTS * w + 3) === 2) {
        throw new Error(`ThreadPool: worker ${w} failed to start: ${this.errorText()}`);
      }
    }
  }
}
