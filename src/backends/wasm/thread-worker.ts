/**
 * The code a pool worker runs, as source text, so it can be started without a separate file on
 * disk (Node: `new Worker(src, { eval: true })`; browser: a Blob URL) and without a TypeScript
 * loader in the worker. It only uses WebAssembly and Atomics, nothing environment-specific: the
 * platform's `spawnWorker` wraps it with the code that hands the worker its data.
 *
 * Control block (Int32Array over a SharedArrayBuffer), shared with thread-pool.ts:
 *   [0] GEN      job generation; workers wait on it
 *   [1] PENDING  workers still running the current job; the caller waits on it
 *   [2] ERROR    set to 1 by the first failing thread; message in the text area
 *   [3] KERNEL   index into the kernel-name list
 *   [4] NARGS    number of arguments (Float64 area)
 *   [5] STOP     workers return when set
 *   [6] READY    workers that finished instantiating (or failed to)
 *   [7] ERRLEN   length of the error message
 *   [8] NEXT     next chunk to take (every thread takes chunks with Atomics.add until none is left,
 *                so a thread slowed down by another process does less of the job)
 *   [9] CHUNKS   number of chunks; chunk c covers [bounds[c], bounds[c + 1])
 *   [10] ITEMS   W, the job's work items
 *   [11] PROF    1 while a profiler is attached: workers time their part of each job
 *   [16 + 4w ..] worker w's slot: [gen, claim, -, state(1 ready, 2 failed)]. gen: the last job
 *                the worker was handed; claim: 0 open (set by the caller after the rest of the
 *                job), 1 claimed by the worker, 2 withdrawn by the caller (it ran out of chunks
 *                before the worker came; the worker skips the job and PENDING does not count it)
 *   bytes [512, 768)    Float64 arguments (32)
 *   bytes [1024, 5120)  error message, UTF-16 (2048 chars)
 *   bytes [5120, 6400)  profile, Float64, PROF_WORDS per thread index (written only when PROF is
 *                       set): [woke, first chunk start, busy ms, chunks, end, slept (1: woke from
 *                       Atomics.wait, 0: caught the job while spinning)], times in ms since the
 *                       epoch (performance.timeOrigin + performance.now(), comparable across threads)
 *   bytes [6400, 6916)  chunk boundaries, Int32 (MAX_CHUNKS + 1), written by the caller per job
 */

export const CTL = {
  GEN: 0,
  PENDING: 1,
  ERROR: 2,
  KERNEL: 3,
  NARGS: 4,
  STOP: 5,
  READY: 6,
  ERRLEN: 7,
  NEXT: 8,
  CHUNKS: 9,
  ITEMS: 10,
  PROF: 11,
  SLOTS: 16,
  SLOT_INTS: 4,
  ARGS_BYTE: 512,
  MAX_ARGS: 32,
  MSG_BYTE: 1024,
  MSG_CHARS: 2048,
  PROF_BYTE: 5120,
  PROF_WORDS: 10,
  BOUNDS_BYTE: 6400,
  MAX_CHUNKS: 128,
  BYTES: 6928,
} as const;

/** What the caller hands each worker. */
export interface WorkerInit {
  memory: WebAssembly.Memory;
  module: WebAssembly.Module;
  control: SharedArrayBuffer;
  index: number;
  names: string[];
  spin: number;
}

/**
 * Defines `attnThreadMain(init)`: instantiate, report ready, then loop on jobs until STOP.
 * Kept in plain JS (ES2020) on purpose; see the layout above.
 */
export const WORKER_MAIN_SOURCE = String.raw`
function attnThreadMain(d) {
  const C = ${JSON.stringify(CTL)};
  const ctl = new Int32Array(d.control);
  const args = new Float64Array(d.control, C.ARGS_BYTE, C.MAX_ARGS);
  const msg = new Uint16Array(d.control, C.MSG_BYTE, C.MSG_CHARS);
  const slot = C.SLOTS + C.SLOT_INTS * d.index;
  const prof = new Float64Array(d.control, C.PROF_BYTE, C.PROF_WORDS * 16);
  const pw = C.PROF_WORDS * d.index;
  const bounds = new Int32Array(d.control, C.BOUNDS_BYTE, C.MAX_CHUNKS + 1);
  const origin = performance.timeOrigin;
  const now = () => origin + performance.now();
  const fail = (e) => {
    const s = 'thread ' + d.index + ': ' + String((e && e.stack) || e);
    if (Atomics.compareExchange(ctl, C.ERROR, 0, 1) === 0) {
      const n = Math.min(s.length, C.MSG_CHARS);
      for (let i = 0; i < n; i++) msg[i] = s.charCodeAt(i);
      Atomics.store(ctl, C.ERRLEN, n);
    }
  };
  let fns;
  try {
    const inst = new WebAssembly.Instance(d.module, { env: { memory: d.memory } });
    inst.exports.set_thread_index(d.index);
    fns = d.names.map((n) => inst.exports[n]);
  } catch (e) {
    fail(e);
    Atomics.store(ctl, slot + 3, 2);
    Atomics.add(ctl, C.READY, 1);
    Atomics.notify(ctl, C.READY);
    return;
  }
  let gen = Atomics.load(ctl, C.GEN);
  Atomics.store(ctl, slot + 3, 1);
  Atomics.add(ctl, C.READY, 1);
  Atomics.notify(ctl, C.READY);
  const callArgs = [];
  for (;;) {
    let g = Atomics.load(ctl, C.GEN);
    let slept = 0;
    for (let spins = 0; g === gen; spins++) {
      if (spins >= d.spin) {
        Atomics.wait(ctl, C.GEN, gen);
        slept = 1;
      }
      g = Atomics.load(ctl, C.GEN);
    }
    gen = g;
    if (Atomics.load(ctl, C.STOP) !== 0) return;
    if (Atomics.load(ctl, slot) !== gen) continue; // not part of this job
    if (Atomics.compareExchange(ctl, slot + 1, 0, 1) !== 0) continue; // withdrawn: the caller did it all
    try {
      const n = ctl[C.NARGS];
      const fn = fns[ctl[C.KERNEL]];
      const chunks = ctl[C.CHUNKS];
      callArgs.length = n + 2;
      for (let i = 0; i < n; i++) callArgs[i] = args[i];
      if (ctl[C.PROF] === 0) {
        for (let c = Atomics.add(ctl, C.NEXT, 1); c < chunks; c = Atomics.add(ctl, C.NEXT, 1)) {
          callArgs[n] = bounds[c];
          callArgs[n + 1] = bounds[c + 1];
          fn.apply(null, callArgs);
        }
      } else {
        // The same loop, timed (a separate copy so the plain one reads no clock).
        const woke = now();
        let first = 0, busy = 0, taken = 0;
        try {
          for (let c = Atomics.add(ctl, C.NEXT, 1); c < chunks; c = Atomics.add(ctl, C.NEXT, 1)) {
            callArgs[n] = bounds[c];
            callArgs[n + 1] = bounds[c + 1];
            const t = now();
            if (taken === 0) first = t;
            fn.apply(null, callArgs);
            busy += now() - t;
            taken++;
          }
        } finally {
          const end = now();
          prof[pw] = woke;
          prof[pw + 1] = taken === 0 ? end : first;
          prof[pw + 2] = busy;
          prof[pw + 3] = taken;
          prof[pw + 4] = end;
          prof[pw + 5] = slept;
        }
      }
    } catch (e) {
      fail(e);
    }
    if (Atomics.sub(ctl, C.PENDING, 1) === 1) Atomics.notify(ctl, C.PENDING);
  }
}
`;

/** The function of WORKER_MAIN_SOURCE a worker calls with its `WorkerInit`. */
export const WORKER_ENTRY = 'attnThreadMain';
