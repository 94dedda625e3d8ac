// Drawings shared by the tabs: head colours, a sequential colour scale, heatmaps on canvas.

/** One colour per head (Tableau 10, as bertviz's palette). */
const HEAD_COLORS = ['#4e79a7', '#f28e2b', '#e15759', '#76b7b2', '#59a14f', '#edc948', '#b07aa1', '#ff9da7', '#9c755f', '#bab0ac'];
function headColor(h: number): string {
  return HEAD_COLORS[h % HEAD_COLORS.length]!;
}

/** White → deep blue for 0 … 1 (weights); `max` rescales so the largest value is the darkest. */
function weightColor(v: number, max = 1): string {
  const t = Math.max(0, Math.min(1, max > 0 ? v / max : 0));
  const r = Math.round(247 - t * (247 - 8));
  const g = Math.round(251 - t * (251 - 48));
  const b = Math.round(255 - t * (255 - 107));
  return `rgb(${r},${g},${b})`;
}

/** A background for text coloured by weight: transparent → amber. */
function highlight(v: number, max: number): string {
  const t = Math.max(0, Math.min(1, max > 0 ? v / max : 0));
  return `rgba(245, 158, 11, ${(0.08 + 0.82 * t).toFixed(3)})`;
}

function rowMax(m: number[][]): number {
  let max = 0;
  for (const row of m) for (const v of row) if (v > max) max = v;
  return max;
}

/**
 * A (T, T) matrix on a canvas, colour ∝ √(weight / max), `cell` CSS pixels per entry (sharp on high-DPI screens), with
 * an optional hover callback giving (query, key).
 */
function heatmapCanvas(m: number[][], cell: number, options: { max?: number; onHover?: (i: number, j: number, e: MouseEvent) => void; onLeave?: () => void } = {}): HTMLCanvasElement {
  const T = m.length;
  const canvas = document.createElement('canvas');
  const dpr = window.devicePixelRatio || 1;
  const size = T * cell;
  canvas.width = Math.ceil(size * dpr);
  canvas.height = Math.ceil(size * dpr);
  canvas.style.width = `${size}px`;
  canvas.style.height = `${size}px`;
  const ctx = canvas.getContext('2d')!;
  ctx.scale(dpr, dpr);
  const max = options.max ?? rowMax(m);
  for (let i = 0; i < T; i++) {
    for (let j = 0; j < T; j++) {
      // √ scale: a causal model's first rows (weight 1 on few keys) would wash out the rest.
      ctx.fillStyle = weightColor(Math.sqrt(m[i]![j]! / max));
      ctx.fillRect(j * cell, i * cell, cell + 0.5, cell + 0.5);
    }
  }
  if (options.onHover) {
    canvas.addEventListener('mousemove', (e) => {
      const r = canvas.getBoundingClientRect();
      const j = Math.floor(((e.clientX - r.left) / r.width) * T);
      const i = Math.floor(((e.clientY - r.top) / r.height) * T);
      if (i >= 0 && j >= 0 && i < T && j < T) options.onHover!(i, j, e);
    });
    canvas.addEventListener('mouseleave', () => options.onLeave?.());
  }
  return canvas;
}

/** A labelled heatmap: key tokens across the top, query tokens down the left. */
function labelledHeatmap(tokens: string[], m: number[][], title: string): HTMLElement {
  const T = tokens.length;
  const cell = Math.max(6, Math.min(28, Math.floor(560 / Math.max(1, T))));
  const labels = cell >= 12;
  const canvas = heatmapCanvas(m, cell, {
    onHover: (i, j, e) => tooltip.show(e, h('span', {}, h('b', {}, showToken(tokens[i]!)), ' → ', h('b', {}, showToken(tokens[j]!)), `  ${pct(m[i]![j]!)}`)),
    onLeave: () => tooltip.hide(),
  });
  const grid = h('div', { class: 'heatmap', style: `--cell:${cell}px` });
  if (labels) {
    const top = h('div', { class: 'hm-top' }, ...tokens.map((t) => h('span', {}, showToken(t))));
    const left = h('div', { class: 'hm-left' }, ...tokens.map((t) => h('span', {}, showToken(t))));
    grid.append(h('div', { class: 'hm-corner' }), top, left, canvas);
  } else {
    grid.append(canvas);
  }
  return h('figure', { class: 'panel-figure' }, h('figcaption', {}, title, h('span', { class: 'muted' }, `  ${T}×${T} · rows: queries, columns: keys · colour ∝ √weight${labels ? '' : ' · hover for tokens'}`)), grid);
}
