/**
 * Per-thread profile of the wasm thread pool: where each thread's time goes in the kernel calls
 * made inside a function, summed per kernel name.
 *
 * For every `ThreadPool.run` it records the wall time, the caller's set-up before handing the job
 * out, and for each thread its busy time (inside the kernel), chunks taken, time from the hand-out
 * to its first chunk ("waiting to start": wake-up latency for workers) and from its last chunk to
 * the call's return ("waiting to finish": the tail). Calls that ran on the caller alone (too small
 * to split) are counted as serial. The time between calls (the caller's JavaScript: autograd,
 * allocation, ops that do not reach the pool) is the gap. Nothing is recorded, and the pool reads
 * no clock, outside `profileThreads`.
 *
 * @example
 *   const { profile } = profileThreads(pool(), () => a.matmul(b));
 *   console.log(formatThreadProfile(profile));
 */
import type { PoolCallRecord, ThreadPool } from './thread-pool.js';

/** Sums over the calls of one kernel name. */
export interface KernelThreadProfile {
  kernel: string;
  calls: number;
  /** Calls split over more than one thread. */
  splitCalls: number;
  /** Wall time of all calls (entering run to returning), ms. */
  wallMs: number;
  /** Wall time of the calls that ran on the caller alone. */
  serialMs: number;
  /** Caller's work before the hand-out (control block, arguments), split calls. */
  setupMs: number;
  /** Split calls: the threads' time inside the kernel, summed. */
  busyMs: number;
  /** Split calls: the caller's share of busyMs. */
  callerBusyMs: number;
  /** Split calls: thread-time from the hand-out to each thread's first chunk, summed over threads. */
  startWaitMs: number;
  /** Split calls: thread-time from each thread's last chunk to the call's return, summed. */
  finishWaitMs: number;
  /** Split calls: Σ threads × wall (the thread-time the call held). */
  threadMs: number;
  chunks: number;
  /** Workers' wake-up latency (hand-out → saw the job), ms, from sleep and from spinning. */
  wakeSleptMs: number[];
  wakeSpinMs: number[];
}

export interface ThreadProfile {
  /** Wall time of the profiled function, ms. */
  totalMs: number;
  /** Inside pool calls (split or not), ms. */
  poolMs: number;
  /** Inside split calls: the only time more than one thread can work, ms. */
  parallelMs: number;
  /** Between pool calls: the caller's own JavaScript (including ops that never reach the pool). */
  gapMs: number;
  threads: number;
  kernels: KernelThreadProfile[];
}

function emptyKernel(kernel: string): KernelThreadProfile {
  return {
    kernel, calls: 0, splitCalls: 0, wallMs: 0, serialMs: 0, setupMs: 0, busyMs: 0, callerBusyMs: 0,
    startWaitMs: 0, finishWaitMs: 0, threadMs: 0, chunks: 0, wakeSleptMs: [], wakeSpinMs: [],
  };
}

/** Adds one pool call to the sums. */
export function addPoolCall(into: Map<string, KernelThreadProfile>, r: PoolCallRecord): void {
  let k = into.get(r.kernel);
  if (!k) into.set(r.kernel, (k = emptyKernel(r.kernel)));
  const wall = r.returned - r.entered;
  k.calls++;
  k.wallMs += wall;
  k.chunks += r.chunks;
  if (r.threads === 1) {
    k.serialMs += wall;
    return;
  }
  k.splitCalls++;
  k.setupMs += r.dispatched - r.entered;
  k.threadMs += r.threads * (r.returned - r.dispatched);
  for (const t of r.perThread) {
    k.busyMs += t.busy;
    if (t.thread === 0) k.callerBusyMs += t.busy;
    k.startWaitMs += Math.max(0, t.firstStart - r.dispatched);
    k.finishWaitMs += Math.max(0, r.returned - t.end);
    if (t.thread !== 0) (t.slept ? k.wakeSleptMs : k.wakeSpinMs).push(Math.max(0, t.woke - r.dispatched));
  }
}

/**
 * Runs `fn` with a profiler on `pool` and returns its result with the profile. Nests badly on
 * purpose: a profiler already attached is an error rather than a silently split profile.
 */
export function profileThreads<T>(pool: ThreadPool, fn: () => T): { result: T; profile: ThreadProfile } {
  const kernels = new Map<string, KernelThreadProfile>();
  let poolMs = 0;
  let parallelMs = 0;
  const start = performance.timeOrigin + performance.now();
  pool.setProfiler((r) => {
    addPoolCall(kernels, r);
    poolMs += r.returned - r.entered;
    if (r.threads > 1) parallelMs += r.returned - r.dispatched;
  });
  let result: T;
  try {
    result = fn();
  } finally {
    pool.setProfiler(null);
  }
  const totalMs = performance.timeOrigin + performance.now() - start;
  const list = [...kernels.values()].sort((a, b) => b.wallMs - a.wallMs);
  return { result, profile: { totalMs, poolMs, parallelMs, gapMs: totalMs - poolMs, threads: pool.numThreads, kernels: list } };
}

/** Merges profiles of repeated runs (sums; totals add up). */
export function mergeThreadProfiles(profiles: readonly ThreadProfile[]): ThreadProfile {
  const kernels = new Map<string, KernelThreadProfile>();
  for (const p of profiles) {
    for (const k of p.kernels) {
      const m = kernels.get(k.kernel) ?? emptyKernel(k.kernel);
      for (const key of ['calls', 'splitCalls', 'wallMs', 'serialMs', 'setupMs', 'busyMs', 'callerBusyMs', 'startWaitMs', 'finishWaitMs', 'threadMs', 'chunks'] as const) m[key] += k[key];
      m.wakeSleptMs.push(...k.wakeSleptMs);
      m.wakeSpinMs.push(...k.wakeSpinMs);
      kernels.set(k.kernel, m);
    }
  }
  const sum = (key: 'totalMs' | 'poolMs' | 'parallelMs' | 'gapMs'): number => profiles.reduce((s, p) => s + p[key], 0);
  return {
    totalMs: sum('totalMs'), poolMs: sum('poolMs'), parallelMs: sum('parallelMs'), gapMs: sum('gapMs'),
    threads: profiles[0]?.threads ?? 1,
    kernels: [...kernels.values()].sort((a, b) => b.wallMs - a.wallMs),
  };
}

export function medianOf(xs: readonly number[]): number {
  if (xs.length === 0) return NaN;
  const s = [...xs].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 ? s[m]! : (s[m - 1]! + s[m]!) / 2;
}

const pct = (x: number, of: number): string => (of > 0 ? `${((100 * x) / of).toFixed(1)}%` : '-');
const ms = (x: number): string => (x >= 100 ? x.toFixed(0) : x >= 10 ? x.toFixed(1) : x.toFixed(2));
const us = (x: number): string => (Number.isNaN(x) ? '-' : `${(x * 1000).toFixed(0)}`);

/**
 * A Markdown table of a profile: a row per kernel name (the `top` slowest, the rest summed) with
 * its wall time, share of the total, serial (unsplit) time, and for split calls the busy share of
 * the thread-time held, the waits to start and to finish, the caller's share of the work, chunks
 * per call, how often a worker was asleep (in Atomics.wait) when the job came, and the median
 * wake-up latency of workers (µs, from sleep / caught while spinning).
 */
export function formatThreadProfile(p: ThreadProfile, top = 14): string[] {
  const lines = [
    `Total ${ms(p.totalMs)} ms on ${p.threads} thread(s): split kernel calls ${ms(p.parallelMs)} ms (${pct(p.parallelMs, p.totalMs)}), unsplit calls ${ms(p.kernels.reduce((s, k) => s + k.serialMs, 0))} ms, caller between calls ${ms(p.gapMs)} ms (${pct(p.gapMs, p.totalMs)}).`,
    '',
    '| kernel | calls (split) | wall ms | of total | unsplit ms | busy / held | wait start | wait finish | caller share | chunks/call | workers asleep | wake µs asleep / spinning |',
    '|---|---|---|---|---|---|---|---|---|---|---|---|',
  ];
  const rows = p.kernels.slice(0, top);
  const rest = p.kernels.slice(top);
  if (rest.length) {
    const r = mergeThreadProfiles([{ ...p, kernels: rest.map((k) => ({ ...k, kernel: `(${rest.length} others)` })) }]).kernels[0]!;
    rows.push(r);
  }
  for (const k of rows) {
    const held = k.threadMs;
    lines.push(
      `| ${k.kernel} | ${k.calls} (${k.splitCalls}) | ${ms(k.wallMs)} | ${pct(k.wallMs, p.totalMs)} | ${ms(k.serialMs)} | ${pct(k.busyMs, held)} | ${pct(k.startWaitMs, held)} | ${pct(k.finishWaitMs, held)} | ${pct(k.callerBusyMs, k.busyMs)} | ${k.calls ? (k.chunks / k.calls).toFixed(1) : '-'} | ${pct(k.wakeSleptMs.length, k.wakeSleptMs.length + k.wakeSpinMs.length)} | ${us(medianOf(k.wakeSleptMs))} / ${us(medianOf(k.wakeSpinMs))} |`,
    );
  }
  return lines;
}
