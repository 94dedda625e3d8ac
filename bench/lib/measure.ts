/**
 * Timing and result records shared by the JavaScript benchmarks.
 *
 * Every figure is the median of at least `minRuns` timed runs after warm-up; cheap cases run more
 * often (until `minSeconds` of timed work or `maxRuns`), because these machines are noisy and a
 * median of 5 runs of a 3 ms kernel is not worth much. A per-case wall-clock budget bounds the
 * slow peers at the big shapes (they get fewer runs, and the row says so).
 */
import { writeFileSync } from 'node:fs';

export interface MeasureOptions {
  /** Timed runs at least (default 5), unless the per-case budget runs out first. */
  minRuns: number;
  /** Keep running until this much timed work (default 2 s), up to maxRuns. */
  minSeconds: number;
  maxRuns: number;
  /** Warm-up runs (a second one is added when the first is cheap, < 0.5 s); 0 = none. */
  warmup: number;
  /**
   * Wall-clock budget for one case, warm-up included. Slow peers at the big shapes take tens of
   * seconds per run (PyTorch with reference BLAS, tfjs-wasm at seq 2048): they get as many runs
   * as fit, at least one; a warm-up longer than half the budget is itself the one sample.
   */
  budgetSeconds: number;
}

export interface Timing {
  medianMs: number;
  minMs: number;
  runs: number;
  /** Set when the budget cut the runs below minRuns. */
  limited?: boolean;
}

export function measureOptions(quick: boolean): MeasureOptions {
  return quick
    ? { minRuns: 3, minSeconds: 0.3, maxRuns: 20, warmup: 1, budgetSeconds: 10 }
    : { minRuns: 5, minSeconds: 2, maxRuns: 50, warmup: 1, budgetSeconds: 25 };
}

export function median(xs: readonly number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  const mid = s.length >> 1;
  return s.length % 2 === 1 ? s[mid]! : (s[mid - 1]! + s[mid]!) / 2;
}

function summarize(samples: number[], opts: MeasureOptions): Timing {
  const t: Timing = { medianMs: median(samples), minMs: Math.min(...samples), runs: samples.length };
  if (samples.length < opts.minRuns) t.limited = true;
  return t;
}

/**
 * The measuring schedule, written once for sync and async callers: it yields each time it wants
 * one more call, receives the call's duration in ms, and returns the summary.
 */
function* schedule(opts: MeasureOptions): Generator<void, Timing, number> {
  const start = performance.now();
  const budget = opts.budgetSeconds * 1000;
  if (opts.warmup > 0) {
    const first = yield;
    if (first > budget / 2) return summarize([first], opts);
    for (let i = 1; i < opts.warmup + (first < 500 ? 1 : 0); i++) yield;
  }
  const samples: number[] = [];
  let total = 0;
  while (samples.length < opts.minRuns || (total < opts.minSeconds * 1000 && samples.length < opts.maxRuns)) {
    const elapsed = performance.now() - start;
    if (samples.length > 0 && elapsed + samples[samples.length - 1]! > budget) break;
    const dt = yield;
    samples.push(dt);
    total += dt;
  }
  return summarize(samples, opts);
}

/** Times a synchronous function (it must finish its work before returning). */
export function timeSync(fn: () => void, opts: MeasureOptions): Timing {
  const it = schedule(opts);
  let step = it.next();
  while (!step.done) {
    const t = performance.now();
    fn();
    step = it.next(performance.now() - t);
  }
  return step.value;
}

/** Times an async function (awaited each run, one at a time). */
export async function timeAsync(fn: () => Promise<void>, opts: MeasureOptions): Promise<Timing> {
  const it = schedule(opts);
  let step = it.next();
  while (!step.done) {
    const t = performance.now();
    await fn();
    step = it.next(performance.now() - t);
  }
  return step.value;
}

/** One row of a result table. `na` set means the implementation could not run this case. */
export interface ResultRecord {
  /** Benchmark id: B1 … B4. */
  bench: string;
  case: string;
  impl: string;
  threads: number | null;
  medianMs?: number;
  minMs?: number;
  runs?: number;
  /** Fewer than the minimum runs: the per-case time budget ran out. */
  limited?: boolean;
  /** Throughput: e.g. { name: 'GFLOP/s', value: 48.1 }. */
  metric?: { name: string; value: number };
  na?: string;
  note?: string;
  /** Benchmark-specific numbers (B3: peak bytes). */
  extra?: Record<string, number | string>;
}

/** Collects records, prints each as it arrives, keeps the JSON file up to date. */
export class Recorder {
  readonly records: ResultRecord[] = [];
  /** Remarks printed under a benchmark's table (what was not run and why, what a row means). */
  readonly notes: { bench: string; text: string }[] = [];
  /** About the run (backends found, peer versions), for the report header. */
  meta: Record<string, unknown> = {};
  constructor(private readonly outPath: string | null) {}

  note(bench: string, text: string): void {
    this.notes.push({ bench, text });
    this.save();
    console.log(`  ${bench} note: ${text}`);
  }

  add(r: ResultRecord): void {
    this.records.push(r);
    this.save(); // after every row, so a crash (a peer's abort) loses nothing measured
    const who = `${r.bench} ${r.case} | ${r.impl}${r.threads ? ` ×${r.threads}` : ''}`;
    if (r.na !== undefined) console.log(`  ${who}: n/a: ${r.na}`);
    else {
      const metric = r.metric ? `  ${r.metric.value.toFixed(1)} ${r.metric.name}` : '';
      const extra = r.extra ? `  ${Object.entries(r.extra).map(([k, v]) => `${k}=${v}`).join(' ')}` : '';
      console.log(`  ${who}: ${r.medianMs!.toFixed(2)} ms (median of ${r.runs})${metric}${extra}`);
    }
  }

  /** Records a failure as "n/a: <message>" so the rest of the run goes on. */
  fail(base: Omit<ResultRecord, 'na'>, err: unknown): void {
    this.add({ ...base, na: errorMessage(err) });
  }

  save(): void {
    if (this.outPath) writeFileSync(this.outPath, JSON.stringify({ meta: this.meta, records: this.records, notes: this.notes }, null, 1));
  }
}

export function errorMessage(err: unknown): string {
  const msg = err instanceof Error ? err.message : String(err);
  // One line, short enough for a table cell.
  const line = msg.split('\n').find((l) => l.trim() !== '') ?? msg;
  return line.length > 160 ? `${line.slice(0, 157)}...` : line;
}

export const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));
