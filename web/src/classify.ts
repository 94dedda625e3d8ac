// The Classify tab: label bars, and the text coloured by the model's attention or by rollout.

interface ClassifyAnswer {
  predictions: { label: string; probabilities: Record<string, number>; attention?: { token: string; weight: number }[] }[];
}

function renderClassify(root: HTMLElement, model: () => PageModel): void {
  const input = h('textarea', { rows: 4, placeholder: 'A text to classify', class: 'text-input', 'data-test': 'classify-input' }) as HTMLTextAreaElement;
  input.value = 'win a free prize now, the meeting report is attached';
  const status = h('div', { class: 'status' });
  const bars = h('div', { class: 'label-bars' });
  const colouring = h('div', { class: 'token-strip large' });
  let by: 'attention' | 'rollout' = 'attention';
  let last: { answer: ClassifyAnswer; view: AttentionView } | null = null;
  const toggle = h('div', {});
  const paint = (): void => {
    toggle.replaceChildren(segmented('Colour by', [
      { value: 'attention', text: 'Attention', title: "the weight the model's pooling gave each token" },
      { value: 'rollout', text: 'Rollout', title: 'attention rollout through every layer' },
    ], (v) => v === by, (v) => ((by = v), paint())));
    if (!last) return;
    const p = last.answer.predictions[0]!;
    const labels = Object.entries(p.probabilities).sort((a, b) => b[1] - a[1]);
    bars.replaceChildren(...labels.map(([label, prob], i) => h('div', { class: `bar-row${i === 0 ? ' best' : ''}` },
      h('span', { class: 'bar-label' }, label), h('span', { class: 'bar' }, h('span', { class: 'bar-fill', style: `width:${(prob * 100).toFixed(1)}%` })), h('span', { class: 'bar-value' }, pct(prob)))));
    const view = last.view;
    const offset = view.tokens[0] === '[CLS]' ? 1 : 0;
    const tokens = view.tokens.slice(offset);
    const T = view.tokens.length;
    const weights = by === 'attention' && p.attention ? p.attention.map((a) => a.weight)
      : tokens.map((_, j) => (offset ? view.rollout[0]![j + offset]! : view.rollout.reduce((a, r) => a + r[j]!, 0) / T));
    const max = Math.max(...weights);
    colouring.replaceChildren(...tokens.map((t, j) => h('span', {
      class: 'tok', style: `background:${highlight(weights[j] ?? 0, max)}`,
      onmousemove: (e: Event) => tooltip.show(e as MouseEvent, `${showToken(t)}: ${pct(weights[j] ?? 0)}`), onmouseleave: () => tooltip.hide(),
    }, showToken(t))));
  };
  const run = async (): Promise<void> => {
    setStatus(status, 'Classifying…');
    try {
      const m = model();
      const [answer, view] = await Promise.all([
        api<ClassifyAnswer>('/v1/classify', { model: m.id, texts: [input.value], topK: m.labels?.length ?? 2, attention: true }),
        api<AttentionView>('/v1/attention', { model: m.id, text: input.value }),
      ]);
      last = { answer, view };
      paint();
      setStatus(status, `${answer.predictions[0]!.label} · ${view.tokens.length} tokens`);
    } catch (err) {
      setStatus(status, (err as Error).message, true);
    }
  };
  root.replaceChildren(h('section', { class: 'card' },
    h('div', { class: 'form-row' }, input, h('button', { class: 'primary', onclick: run, 'data-test': 'classify-run' }, 'Classify')), status,
    h('div', { class: 'two-col' }, h('div', {}, h('h3', {}, 'Labels'), bars), h('div', {}, h('h3', {}, 'What the prediction read'), toggle, colouring))));
  paint();
}
