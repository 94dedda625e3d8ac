// The attention explorer: bertviz's head view (lines between tokens, opacity = weight, hover a
// token to follow it) and model view (every layer × head), heatmaps, rollout, head statistics.

type ExplorerMode = 'head' | 'model' | 'heatmap' | 'rollout';

interface ExplorerState {
  view: AttentionView;
  layer: number;
  heads: Set<number>;
  mode: ExplorerMode;
}

/** The mean of the selected heads' (T, T) weights at one layer. */
function selectedMean(s: ExplorerState): number[][] {
  const layer = s.view.attentions[s.layer]!;
  const T = s.view.tokens.length;
  const heads = [...s.heads];
  const out = Array.from({ length: T }, () => new Array<number>(T).fill(0));
  for (const hd of heads) for (let i = 0; i < T; i++) for (let j = 0; j < T; j++) out[i]![j]! += layer[hd]![i]![j]! / heads.length;
  return out;
}

/** Draws the explorer for `view` into `root` (replacing what was there). */
function renderExplorer(root: HTMLElement, view: AttentionView): void {
  const T = view.tokens.length;
  const s: ExplorerState = { view, layer: view.attentions.length - 1, heads: new Set(view.attentions[0]!.map((_, i) => i)), mode: T <= 48 ? 'head' : 'heatmap' };
  const controls = h('div', { class: 'explorer-controls' });
  const body = h('div', { class: 'explorer-body' });
  const side = h('div', { class: 'explorer-side' });
  root.replaceChildren(h('div', { class: 'explorer' }, controls, h('div', { class: 'explorer-main' }, body, side)));

  const redraw = (): void => {
    controls.replaceChildren(modeBar(s, redraw), layerBar(s, redraw), headBar(s, redraw));
    body.replaceChildren(s.mode === 'head' ? headView(s) : s.mode === 'model' ? modelView(s, redraw) : s.mode === 'heatmap'
      ? labelledHeatmap(view.tokens, selectedMean(s), `Layer ${s.layer + 1}, ${s.heads.size === view.attentions[0]!.length ? 'mean of all heads' : `mean of head${s.heads.size > 1 ? 's' : ''} ${[...s.heads].map((x) => x + 1).join(', ')}`}`)
        : rolloutView(view));
    side.replaceChildren(statisticsTable(s, redraw));
  };
  redraw();
}

function segmented<T extends string | number>(label: string, options: { value: T; text: string; title?: string }[], active: (v: T) => boolean, pick: (v: T) => void, cls = ''): HTMLElement {
  return h('div', { class: `control ${cls}` }, h('span', { class: 'control-label' }, label),
    h('div', { class: 'segmented' }, ...options.map((o) => h('button', { class: active(o.value) ? 'active' : '', title: o.title, 'data-value': String(o.value), onclick: () => pick(o.value) }, o.text))));
}

function modeBar(s: ExplorerState, redraw: () => void): HTMLElement {
  const modes: { value: ExplorerMode; text: string; title: string }[] = [
    { value: 'head', text: 'Head view', title: 'lines between tokens, one colour per head' },
    { value: 'model', text: 'Model view', title: 'every layer and head at once' },
    { value: 'heatmap', text: 'Heatmap', title: 'the selected heads as a matrix (long inputs)' },
    { value: 'rollout', text: 'Rollout', title: 'attention rollout across the layers (Abnar & Zuidema 2020)' },
  ];
  return segmented('View', modes, (v) => v === s.mode, (v) => ((s.mode = v), redraw()), 'modes');
}

function layerBar(s: ExplorerState, redraw: () => void): HTMLElement {
  const layers = s.view.attentions.map((_, l) => ({ value: l, text: String(l + 1) }));
  return segmented('Layer', layers, (v) => v === s.layer, (v) => ((s.layer = v), redraw()), 'layers');
}

function headBar(s: ExplorerState, redraw: () => void): HTMLElement {
  const H = s.view.attentions[0]!.length;
  const chips = Array.from({ length: H }, (_, hd) => h('button', {
    class: `head-chip${s.heads.has(hd) ? ' on' : ''}`, style: `--head:${headColor(hd)}`, title: `head ${hd + 1}: click to toggle, double-click to show it alone`, 'data-head': hd,
    onclick: () => {
      if (s.heads.has(hd) && s.heads.size > 1) s.heads.delete(hd);
      else s.heads.add(hd);
      redraw();
    },
    ondblclick: () => ((s.heads = new Set([hd])), redraw()),
  }, String(hd + 1)));
  const all = h('button', { class: 'link', onclick: () => ((s.heads = new Set(Array.from({ length: H }, (_, i) => i))), redraw()) }, 'all');
  return h('div', { class: 'control' }, h('span', { class: 'control-label' }, 'Heads'), h('div', { class: 'chips' }, ...chips, all));
}

/** bertviz's head view: tokens in two columns, a line per (query, key, head) with opacity = weight. */
function headView(s: ExplorerState): HTMLElement {
  const { tokens } = s.view;
  const T = tokens.length;
  const row = 24;
  const width = 620;
  const textW = 150;
  const height = T * row + 12;
  const root = svg('svg', { viewBox: `0 0 ${width} ${height}`, class: 'head-view', width: '100%', style: `max-width:${width}px` });
  const lines = svg('g');
  root.append(lines);
  const layer = s.view.attentions[s.layer]!;
  const x0 = textW + 6;
  const x1 = width - textW - 6;
  const y = (i: number): number => 6 + i * row + row / 2;
  const H = layer.length;
  const draw = (focus: { side: 'left' | 'right'; index: number } | null): void => {
    lines.replaceChildren();
    const shown: [number, number, number, number][] = []; // head, query, key, weight
    for (const hd of s.heads) {
      const w = layer[hd]!;
      for (let i = 0; i < T; i++) {
        if (focus?.side === 'left' && focus.index !== i) continue;
        for (let j = 0; j < T; j++) {
          if (focus?.side === 'right' && focus.index !== j) continue;
          if (w[i]![j]! >= 0.005) shown.push([hd, i, j, w[i]![j]!]);
        }
      }
    }
    // Opacity ∝ weight, the strongest line shown fully opaque; each head's lines a little apart
    // so overlapping heads keep their colours.
    const max = shown.reduce((m, l) => Math.max(m, l[3]), 0);
    for (const [hd, i, j, p] of shown) {
      const off = (hd - (H - 1) / 2) * 1.6;
      lines.append(svg('line', { x1: x0, y1: y(i) + off, x2: x1, y2: y(j) + off, stroke: headColor(hd), 'stroke-width': 2.2, 'stroke-opacity': (p / max).toFixed(3) }));
    }
  };
  const labels = (side: 'left' | 'right'): void => {
    tokens.forEach((t, i) => {
      const g = svg('g', { class: 'token', 'data-side': side, 'data-index': i });
      const rect = svg('rect', { x: side === 'left' ? 0 : width - textW, y: y(i) - row / 2 + 1, width: textW, height: row - 2, rx: 4 });
      const text = svg('text', { x: side === 'left' ? textW : width - textW, y: y(i) + 4, 'text-anchor': side === 'left' ? 'end' : 'start', dx: side === 'left' ? -6 : 6 });
      text.textContent = showToken(t).slice(0, 18);
      g.append(rect, text);
      g.addEventListener('mouseenter', () => {
        g.classList.add('hover');
        draw({ side, index: i });
      });
      g.addEventListener('mouseleave', () => {
        g.classList.remove('hover');
        draw(null);
      });
      root.append(g);
    });
  };
  labels('left');
  labels('right');
  draw(null);
  const note = h('p', { class: 'hint' }, 'Left: the token attending (query); right: the tokens it attends to (keys). Opacity ∝ weight (the strongest line shown is opaque). Hover a token to follow only its lines; toggle heads above.');
  return h('div', { class: 'head-view-wrap' }, note, root);
}

/** Every layer × head as a thumbnail; click one to open it in the head view. */
function modelView(s: ExplorerState, redraw: () => void): HTMLElement {
  const { attentions, tokens } = s.view;
  const T = tokens.length;
  const H = attentions[0]!.length;
  const thumb = Math.max(48, Math.min(150, Math.floor(760 / H) - 10));
  const cell = thumb / T;
  const grid = h('div', { class: 'model-view', style: `grid-template-columns: 4em repeat(${H}, ${thumb}px)` });
  grid.append(h('span'), ...Array.from({ length: H }, (_, hd) => h('span', { class: 'mv-head', style: `color:${headColor(hd)}` }, `head ${hd + 1}`)));
  attentions.forEach((layer, l) => {
    grid.append(h('span', { class: 'mv-layer' }, `layer ${l + 1}`));
    layer.forEach((m, hd) => {
      const c = heatmapCanvas(m, cell);
      c.classList.add('thumb');
      c.title = `layer ${l + 1}, head ${hd + 1}: entropy ${s.view.statistics.entropy[l]![hd]!.toFixed(2)} nats, distance ${s.view.statistics.distance[l]![hd]!.toFixed(1)}`;
      c.addEventListener('click', () => {
        s.layer = l;
        s.heads = new Set([hd]);
        s.mode = 'head';
        redraw();
      });
      grid.append(c);
    });
  });
  return h('figure', { class: 'panel-figure' }, h('figcaption', {}, 'Model view', h('span', { class: 'muted' }, '  click a head to open it')), grid);
}

function rolloutView(view: AttentionView): HTMLElement {
  const T = view.tokens.length;
  // What the output draws on: the [CLS] row when the classifier pools on it, else the rows' mean.
  const cls = view.tokens[0] === '[CLS]';
  const source = cls ? view.rollout[0]! : view.task === 'language-model' ? view.rollout[T - 1]! : view.tokens.map((_, j) => view.rollout.reduce((a, r) => a + r[j]!, 0) / T);
  const max = Math.max(...source);
  const strip = h('div', { class: 'token-strip' }, ...view.tokens.map((t, j) => h('span', { class: 'tok', style: `background:${highlight(source[j]!, max)}`, title: pct(source[j]!) }, showToken(t))));
  const what = cls ? 'the [CLS] token' : view.task === 'language-model' ? 'the last token' : 'all tokens on average';
  return h('div', {}, h('figure', { class: 'panel-figure' }, h('figcaption', {}, `What ${what} draws on, through every layer`), strip),
    labelledHeatmap(view.tokens, view.rollout, 'Attention rollout (Abnar & Zuidema 2020): heads averaged, identity added for the residual, rows renormalised, multiplied through the layers'));
}

/** Entropy and mean distance of every head; click a cell to show that head. */
function statisticsTable(s: ExplorerState, redraw: () => void): HTMLElement {
  const { entropy, distance } = s.view.statistics;
  const H = entropy[0]!.length;
  const maxE = Math.log(Math.max(2, s.view.tokens.length));
  const maxD = Math.max(1e-9, ...distance.flat());
  const table = (title: string, values: number[][], max: number, digits: number, unit: string): HTMLElement => h('table', { class: 'stats' },
    h('caption', {}, title, h('span', { class: 'muted' }, ` (${unit})`)),
    h('tr', {}, h('th'), ...Array.from({ length: H }, (_, hd) => h('th', { style: `color:${headColor(hd)}` }, `h${hd + 1}`))),
    ...values.map((row, l) => h('tr', {}, h('th', {}, `L${l + 1}`), ...row.map((v, hd) => h('td', {
      class: l === s.layer && s.heads.has(hd) ? 'selected' : '', style: `background:${weightColor(v, max * 1.4)};color:${v / (max * 1.4) > 0.55 ? '#fff' : '#1e293b'}`,
      title: `layer ${l + 1}, head ${hd + 1}`, onclick: () => ((s.layer = l), (s.heads = new Set([hd])), redraw()),
    }, v.toFixed(digits))))));
  return h('div', { class: 'stats-wrap' },
    table('Entropy', entropy, maxE, 2, 'nats; low = focused'),
    table('Mean distance', distance, maxD, 1, 'tokens attended away'),
    h('p', { class: 'hint' }, `${s.view.tokens.length} tokens${s.view.truncated ? ' (cut to the context)' : ''} · ${entropy.length} layers × ${H} heads`));
}
