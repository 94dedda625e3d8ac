/**
 * Server metrics in the Prometheus text exposition format (version 0.0.4): counters, gauges and
 * histograms with labels, rendered by `GET /metrics`. Small on purpose: no client library.
 *
 * ```ts
 * const metrics = new Metrics();
 * const hits = metrics.counter('attn_http_requests_total', 'HTTP requests', ['route', 'status']);
 * hits.inc({ route: '/health', status: '200' });
 * metrics.render(); // '# HELP attn_http_requests_total HTTP requests\n# TYPE …'
 * ```
 */

type Labels = Record<string, string>;

/** Prometheus label values escape backslash, double quote and newline. */
const escape = (v: string) => v.replace(/\\/g, '\\\\').replace(/"/g, '\\"').replace(/\n/g, '\\n');
const labelText = (labels: Labels) => {
  const keys = Object.keys(labels);
  return keys.length === 0 ? '' : `{${keys.map((k) => `${k}="${escape(labels[k]!)}"`).join(',')}}`;
};
const num = (v: number) => (Number.isFinite(v) ? String(v) : v > 0 ? '+Inf' : v < 0 ? '-Inf' : 'NaN');

interface Metric {
  render(): string;
}

abstract class Labelled<V> implements Metric {
  protected readonly series = new Map<string, { labels: Labels; value: V }>();
  constructor(readonly name: string, readonly help: string, readonly type: string, readonly labelNames: readonly string[]) {}

  protected entry(labels: Labels, init: () => V): { labels: Labels; value: V } {
    const ordered: Labels = {};
    for (const n of this.labelNames) {
      if (labels[n] === undefined) throw new Error(`metric ${this.name}: label '${n}' is missing`);
      ordered[n] = labels[n]!;
    }
    const key = JSON.stringify(ordered);
    let e = this.series.get(key);
    if (!e) {
      e = { labels: ordered, value: init() };
      this.series.set(key, e);
    }
    return e;
  }

  render(): string {
    return `# HELP ${this.name} ${this.help}\n# TYPE ${this.name} ${this.type}\n${this.lines().join('')}`;
  }

  protected abstract lines(): string[];
}

export class Counter extends Labelled<number> {
  inc(labels: Labels = {}, by = 1): void {
    this.entry(labels, () => 0).value += by;
  }
  get(labels: Labels = {}): number {
    return this.entry(labels, () => 0).value;
  }
  protected lines(): string[] {
    return [...this.series.values()].map((e) => `${this.name}${labelText(e.labels)} ${num(e.value)}\n`);
  }
}

export class Gauge extends Labelled<number> {
  /** `collect`, when given, is read at each render (a value owned elsewhere, e.g. a queue length). */
  constructor(name: string, help: string, labelNames: readonly string[], private readonly collect?: () => number) {
    super(name, help, 'gauge', labelNames);
  }
  set(labels: Labels, value: number): void {
    this.entry(labels, () => 0).value = value;
  }
  protected lines(): string[] {
    if (this.collect) return [`${this.name} ${num(this.collect())}\n`];
    return [...this.series.values()].map((e) => `${this.name}${labelText(e.labels)} ${num(e.value)}\n`);
  }
}

export class Histogram extends Labelled<{ buckets: number[]; sum: number; count: number }> {
  constructor(name: string, help: string, labelNames: readonly string[], readonly bounds: readonly number[]) {
    super(name, help, 'histogram', labelNames);
  }
  observe(labels: Labels, value: number): void {
    const e = this.entry(labels, () => ({ buckets: this.bounds.map(() => 0), sum: 0, count: 0 })).value;
    this.bounds.forEach((b, i) => {
      if (value <= b) e.buckets[i]!++;
    });
    e.sum += value;
    e.count++;
  }
  protected lines(): string[] {
    return [...this.series.values()].flatMap(({ labels, value }) => [
      ...this.bounds.map((b, i) => `${this.name}_bucket${labelText({ ...labels, le: num(b) })} ${value.buckets[i]}\n`),
      `${this.name}_bucket${labelText({ ...labels, le: '+Inf' })} ${value.count}\n`,
      `${this.name}_sum${labelText(labels)} ${num(value.sum)}\n`,
      `${this.name}_count${labelText(labels)} ${value.count}\n`,
    ]);
  }
}

/** A set of metrics rendered together. */
export class Metrics {
  private readonly all: Metric[] = [];

  counter(name: string, help: string, labelNames: readonly string[] = []): Counter {
    return this.add(new Counter(name, help, 'counter', labelNames));
  }
  gauge(name: string, help: string, labelNames: readonly string[] = [], collect?: () => number): Gauge {
    return this.add(new Gauge(name, help, labelNames, collect));
  }
  histogram(name: string, help: string, labelNames: readonly string[], bounds: readonly number[]): Histogram {
    return this.add(new Histogram(name, help, labelNames, bounds));
  }
  private add<M extends Metric>(m: M): M {
    this.all.push(m);
    return m;
  }

  /** The exposition text (`Content-Type: text/plain; version=0.0.4`). */
  render(): string {
    return this.all.map((m) => m.render()).join('');
  }
}

/** The metrics `attn serve` keeps. */
export function serverMetrics(state: { queueDepth: () => number; inFlight: () => number }) {
  const m = new Metrics();
  return {
    registry: m,
    requests: m.counter('attn_http_requests_total', 'HTTP requests answered, by route, method and status code.', ['route', 'method', 'status']),
    latency: m.histogram('attn_http_request_duration_seconds', 'Time from request to the end of the answer, by route.', ['route'], [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60]),
    queueDepth: m.gauge('attn_queue_depth', 'Requests accepted and waiting for the model (not yet running).', [], state.queueDepth),
    inFlight: m.gauge('attn_requests_running', 'Requests running in the model worker.', [], state.inFlight),
    rejected: m.counter('attn_queue_rejected_total', 'Requests refused with 429 because the queue was full.'),
    forwards: m.counter('attn_classify_forwards_total', 'Forward passes of classifiers (one per padded batch).', ['model']),
    classified: m.counter('attn_classify_texts_total', 'Texts classified.', ['model']),
    batchSize: m.histogram('attn_classify_batch_texts', 'Texts per classification batch (the requests sent to the model together).', ['model'], [1, 2, 4, 8, 16, 32, 64, 128]),
    forwardRows: m.histogram('attn_classify_forward_rows', 'Texts per classifier forward (one padded batch; a batch is split at the model\'s batch size).', ['model'], [1, 2, 4, 8, 16, 32, 64, 128]),
    decodeRows: m.histogram('attn_decode_batch_rows', 'Sequences per shared decoding step (continuous batching occupancy).', ['model'], [1, 2, 3, 4, 6, 8, 12, 16, 24, 32, 64]),
    promptTokens: m.counter('attn_prompt_tokens_total', 'Prompt tokens read by generations.', ['model']),
    generatedTokens: m.counter('attn_generated_tokens_total', 'Tokens generated (rate() of it is tokens/s).', ['model']),
    tokensPerSecond: m.gauge('attn_generation_tokens_per_second', 'Tokens per second of the last finished generation.', ['model']),
    aborted: m.counter('attn_generations_aborted_total', 'Generations cancelled because the client went away (queued or running).', ['model']),
    stopped: m.counter('attn_generations_stopped_total', 'Running generations the worker stopped before their end because the client went away.', ['model']),
  };
}

export type ServerMetrics = ReturnType<typeof serverMetrics>;
