// The training dashboard: every run's log.jsonl under `attn serve --runs DIR`, polled (by byte
// offset, so only new lines travel), drawn with uPlot, several runs overlaid.

// uPlot's IIFE build defines a global `uPlot` (served from the installed package at /web/vendor/uplot.js).
declare const uPlot: new (opts: object, data: (number | null)[][], target: HTMLElement) => { setData(d: (number | null)[][]): void; setSize(s: { width: number; height: number }): void; destroy(): void };

interface RunLog {
  name: string;
  offset: number;
  records: Record<string, unknown>[];
  shown: boolean;
}

/** The charts and the log fields each plots (the first field a run has). */
const CHARTS: { title: string; fields: string[]; log?: boolean }[] = [
  { title: 'Loss', fields: ['loss', 'trainLoss'] },
  { title: 'Accuracy', fields: ['accuracy', 'valAccuracy', 'acc'] },
  { title: 'Learning rate', fields: ['lr', 'learningRate'] },
  { title: 'Tokens / s', fields: ['tokensPerSecond', 'tokens_per_second'] },
];

/** A log value as a number: attn logs `lr` as one number per parameter group (the first is drawn). */
function valueOf(v: unknown): number | null {
  if (typeof v === 'number' && Number.isFinite(v)) return v;
  if (Array.isArray(v) && typeof v[0] === 'number') return v[0];
  return null;
}

function fieldOf(records: Record<string, unknown>[], fields: string[]): string | null {
  for (const f of fields) if (records.some((r) => valueOf(r[f]) !== null)) return f;
  return null;
}

function renderDashboard(root: HTMLElement): void {
  const runs = new Map<string, RunLog>();
  const list = h('div', { class: 'run-list', 'data-test': 'run-list' });
  const grid = h('div', { class: 'chart-grid' });
  const status = h('div', { class: 'status' });
  root.replaceChildren(h('section', { class: 'card dashboard' }, h('div', { class: 'dash-head' }, h('h3', {}, 'Runs'), list, status), grid));
  const charts: { node: HTMLElement; plot: ReturnType<typeof makePlot> | null; key: string }[] = CHARTS.map(() => ({ node: h('div', { class: 'chart' }), plot: null, key: '' }));
  grid.append(...charts.map((c) => c.node));

  /** A run's colour: its place in the list, the same in every chart. */
  const colorOf = (name: string): string => headColor([...runs.keys()].indexOf(name));

  function makePlot(title: string, names: string[], data: (number | null)[][], target: HTMLElement) {
    const width = Math.max(280, target.clientWidth || 420);
    return new uPlot({
      title, width, height: 220, scales: { x: { time: false } },
      legend: { live: true },
      series: [{ label: 'step' }, ...names.map((n) => ({ label: n, stroke: colorOf(n), width: 1.5, spanGaps: true, points: { show: false } }))],
      axes: [{ label: 'step' }, { size: 64, values: (_u: unknown, vals: number[]) => vals.map(num) }],
    }, data, target);
  }

  const draw = (): void => {
    const shown = [...runs.values()].filter((r) => r.shown && r.records.length > 0);
    CHARTS.forEach((spec, c) => {
      const series = shown.map((r) => ({ run: r, field: fieldOf(r.records, spec.fields) })).filter((s) => s.field !== null);
      const chart = charts[c]!;
      chart.node.style.display = series.length ? '' : 'none';
      if (!series.length) return;
      // uPlot wants one x array: the union of the runs' steps, a gap (null) where a run has none.
      const steps = [...new Set(series.flatMap((s) => s.run.records.map((r) => r.step).filter((x): x is number => typeof x === 'number')))].sort((a, b) => a - b);
      const index = new Map(steps.map((x, i) => [x, i]));
      const ys = series.map((s) => {
        const y = new Array<number | null>(steps.length).fill(null);
        for (const r of s.run.records) if (typeof r.step === 'number' && valueOf(r[s.field!]) !== null) y[index.get(r.step)!] = valueOf(r[s.field!]);
        return y;
      });
      const key = series.map((s) => `${s.run.name}:${s.field}`).join('|');
      if (chart.plot && chart.key === key) chart.plot.setData([steps, ...ys]);
      else {
        chart.plot?.destroy();
        chart.node.replaceChildren();
        chart.plot = makePlot(spec.title, series.map((s) => s.run.name), [steps, ...ys], chart.node);
        chart.key = key;
      }
    });
  };

  const renderList = (): void => {
    list.replaceChildren(...[...runs.values()].map((r, i) => h('label', { class: 'run-item', style: `--run:${headColor(i)}` },
      h('input', { type: 'checkbox', checked: r.shown, onchange: (e: Event) => ((r.shown = (e.target as HTMLInputElement).checked), draw()) }),
      h('span', { class: 'swatch' }), r.name, h('span', { class: 'muted' }, ` ${r.records.length} step${r.records.length === 1 ? '' : 's'}`))));
  };

  const poll = async (): Promise<void> => {
    try {
      const listing = await api<{ served: boolean; data: { name: string }[] }>('/v1/runs');
      for (const r of listing.data) if (!runs.has(r.name)) runs.set(r.name, { name: r.name, offset: 0, records: [], shown: true });
      let changed = false;
      for (const run of runs.values()) {
        const log = await api<{ next: number; records: Record<string, unknown>[] }>(`/v1/runs/${encodeURIComponent(run.name)}/log?offset=${run.offset}`);
        if (log.next < run.offset) run.records = []; // the log was cut back (a resumed run)
        if (log.records.length) (run.records.push(...log.records), (changed = true));
        run.offset = log.next;
      }
      renderList();
      if (changed) draw();
      setStatus(status, runs.size ? `live · updated ${new Date().toLocaleTimeString()}` : 'no run with a log.jsonl yet');
    } catch (err) {
      setStatus(status, (err as Error).message, true);
    }
  };
  void poll();
  window.setInterval(() => void poll(), 1500);
  window.addEventListener('resize', () => charts.forEach((c) => c.plot?.setSize({ width: Math.max(280, c.node.clientWidth), height: 220 })));
}
