// The page: tabs for what the served models can do (the explorer for any model, Classify for
// classifiers, Generate for language models, the dashboard with --runs), a model picker.
// An exported file (`attn attention --html`) sets `window.ATTN_EXPORT` and shows the explorer only.

interface TabSpec {
  id: string;
  title: string;
  applies: (m: PageModel) => boolean;
  render: (root: HTMLElement) => void;
}

function renderExplorerTab(root: HTMLElement, model: () => PageModel): void {
  const input = h('textarea', { rows: 3, class: 'text-input', 'data-test': 'explorer-input' }) as HTMLTextAreaElement;
  input.value = 'the cat sat on the mat';
  const status = h('div', { class: 'status' });
  const out = h('div', { class: 'explorer-out' });
  const run = async (): Promise<void> => {
    setStatus(status, 'Running…');
    try {
      const view = await api<AttentionView>('/v1/attention', { model: model().id, text: input.value });
      renderExplorer(out, view);
      setStatus(status, `${view.model}: ${view.tokens.length} tokens, ${view.attentions.length} layers × ${view.attentions[0]!.length} heads${view.truncated ? ' (cut to the context)' : ''}`);
    } catch (err) {
      setStatus(status, (err as Error).message, true);
    }
  };
  root.replaceChildren(h('section', { class: 'card' }, h('div', { class: 'form-row' }, input, h('button', { class: 'primary', onclick: run, 'data-test': 'explorer-run' }, 'Show attention')), status), out);
  void run();
}

async function startPage(): Promise<void> {
  const exported = (window as unknown as { ATTN_EXPORT?: { view: AttentionView } }).ATTN_EXPORT;
  const nav = document.getElementById('tabs')!;
  const main = document.getElementById('main')!;
  const picker = document.getElementById('model-picker') as HTMLSelectElement;
  if (exported) {
    picker.replaceChildren(h('option', {}, exported.view.model));
    picker.disabled = true;
    nav.replaceChildren(h('button', { class: 'tab active' }, 'Attention explorer'));
    const out = h('div', { class: 'explorer-out' });
    main.replaceChildren(h('section', { class: 'card' }, h('div', { class: 'token-strip' }, ...exported.view.tokens.map((t) => h('span', { class: 'tok exported' }, showToken(t))))), out);
    renderExplorer(out, exported.view);
    return;
  }
  const [models, runs] = await Promise.all([
    api<{ data: PageModel[] }>('/v1/models'),
    api<{ served: boolean }>('/v1/runs'),
  ]);
  let current = models.data[0]!;
  const model = (): PageModel => current;
  const tabs: TabSpec[] = [
    { id: 'explorer', title: 'Attention explorer', applies: () => true, render: (r) => renderExplorerTab(r, model) },
    { id: 'classify', title: 'Classify', applies: (m) => m.task === 'classification', render: (r) => renderClassify(r, model) },
    { id: 'generate', title: 'Generate', applies: (m) => m.task === 'language-model', render: (r) => renderGenerate(r, model) },
  ];
  const panes = new Map<string, HTMLElement>();
  let active = 'explorer';
  let dashboard: HTMLElement | null = null;
  const show = (id: string): void => {
    active = id;
    for (const b of nav.querySelectorAll('button')) b.classList.toggle('active', b.dataset.tab === id);
    if (id === 'dashboard') {
      if (!dashboard) renderDashboard((dashboard = h('div', { class: 'pane' })));
      main.replaceChildren(dashboard);
      return;
    }
    let pane = panes.get(`${current.id}/${id}`);
    if (!pane) {
      pane = h('div', { class: 'pane' });
      panes.set(`${current.id}/${id}`, pane);
      tabs.find((t) => t.id === id)!.render(pane);
    }
    main.replaceChildren(pane);
  };
  const buildNav = (): void => {
    const applicable = tabs.filter((t) => t.applies(current));
    nav.replaceChildren(...applicable.map((t) => h('button', { class: 'tab', 'data-tab': t.id, onclick: () => show(t.id) }, t.title)),
      ...(runs.served ? [h('button', { class: 'tab', 'data-tab': 'dashboard', onclick: () => show('dashboard') }, 'Training dashboard')] : []));
    show(applicable.some((t) => t.id === active) || (active === 'dashboard' && runs.served) ? active : 'explorer');
  };
  picker.replaceChildren(...models.data.map((m) => h('option', { value: m.id }, `${m.id} · ${m.task === 'classification' ? 'classifier' : 'language model'}`)));
  picker.addEventListener('change', () => {
    current = models.data.find((m) => m.id === picker.value)!;
    buildNav();
  });
  buildNav();
}

startPage().catch((err: unknown) => {
  document.getElementById('main')!.replaceChildren(h('div', { class: 'card status error' }, `The page could not start: ${(err as Error).message}`));
});
