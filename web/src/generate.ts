// The Generate tab: a completion streamed over server-sent events; then each token with its
// probability, the top alternatives and what it attended to in the context, on hover.

/** The `data:` payloads of a server-sent event stream, as they arrive. */
async function* readEvents(res: Response): AsyncGenerator<string> {
  const reader = res.body!.getReader();
  const decoder = new TextDecoder();
  let buffer = '';
  for (;;) {
    const { value, done } = await reader.read();
    if (done) break;
    buffer += decoder.decode(value, { stream: true });
    let end: number;
    while ((end = buffer.indexOf('\n\n')) >= 0) {
      const block = buffer.slice(0, end);
      buffer = buffer.slice(end + 2);
      if (block.startsWith('data: ')) yield block.slice(6);
    }
  }
}

function renderGenerate(root: HTMLElement, model: () => PageModel): void {
  const prompt = h('textarea', { rows: 3, class: 'text-input', 'data-test': 'generate-input' }) as HTMLTextAreaElement;
  prompt.value = 'the cat ';
  const maxTokens = h('input', { type: 'number', min: 1, value: 24, class: 'num' }) as HTMLInputElement;
  const temperature = h('input', { type: 'number', min: 0, step: 0.1, value: 0.8, class: 'num' }) as HTMLInputElement;
  const status = h('div', { class: 'status' });
  const output = h('div', { class: 'generation', 'data-test': 'generate-output' });
  let controller: AbortController | null = null;

  const analyse = async (text: string, promptText: string): Promise<void> => {
    const m = model();
    const [view, tok] = await Promise.all([
      api<AttentionView>('/v1/attention', { model: m.id, text }),
      api<{ tokens: number[] }>('/tokenize', { model: m.id, content: promptText }),
    ]);
    const first = Math.min(tok.tokens.length, view.tokens.length);
    const last = view.attentions[view.attentions.length - 1]!;
    const spans = view.tokens.map((t, i) => h('span', { class: `tok${i >= first ? ' gen' : ' prompt'}`, 'data-index': i }, showToken(t)));
    const clear = (): void => spans.forEach((s) => (s.style.background = ''));
    spans.forEach((span, i) => {
      span.addEventListener('mousemove', (e) => {
        // What token i attended to: the last layer's heads averaged.
        const row = view.tokens.map((_, j) => last.reduce((a, head) => a + head[i]![j]!, 0) / last.length);
        const max = Math.max(...row.slice(0, i + 1));
        clear();
        spans.forEach((s, j) => j <= i && (s.style.background = highlight(row[j]!, max)));
        span.style.outline = '2px solid #2563eb';
        const p = view.predictions?.[i];
        tooltip.show(e, h('div', {}, h('div', { class: 'tt-title' }, `“${showToken(view.tokens[i]!)}”`, p ? `  ${pct(p.probability)}` : '  (first token)'),
          p ? h('table', { class: 'tt-table' }, ...p.top.map((a) => h('tr', { class: a.token === view.tokens[i] ? 'chosen' : '' }, h('td', {}, showToken(a.token)), h('td', {}, pct(a.probability))))) : null,
          h('div', { class: 'tt-note' }, 'highlighted: what it attended to (last layer)')));
      });
      span.addEventListener('mouseleave', () => (clear(), (span.style.outline = ''), tooltip.hide()));
    });
    output.replaceChildren(...spans);
  };

  const run = async (): Promise<void> => {
    controller?.abort();
    controller = new AbortController();
    output.replaceChildren(h('span', { class: 'prompt-text' }, prompt.value));
    const gen = h('span', { class: 'gen-text' });
    output.append(gen, h('span', { class: 'caret' }));
    setStatus(status, 'Generating…');
    const started = performance.now();
    let n = 0;
    try {
      const m = model();
      const res = await fetch('/v1/completions', {
        method: 'POST', headers: { 'content-type': 'application/json' }, signal: controller.signal,
        body: JSON.stringify({ model: m.id, prompt: prompt.value, max_tokens: Number(maxTokens.value), temperature: Number(temperature.value), stream: true }),
      });
      if (!res.ok) throw new ApiFailure(((await res.json()) as { error: { message: string } }).error.message);
      for await (const data of readEvents(res)) {
        if (data === '[DONE]') break;
        const chunk = JSON.parse(data) as { choices: { text: string; finish_reason: string | null }[]; error?: { message: string } };
        if (chunk.error) throw new ApiFailure(chunk.error.message);
        const text = chunk.choices[0]?.text ?? '';
        if (text) (gen.textContent += text), n++;
      }
      const seconds = (performance.now() - started) / 1000;
      setStatus(status, `${n} chunks in ${seconds.toFixed(1)} s · hover a token for its probability and what it attended to`);
      await analyse(prompt.value + gen.textContent, prompt.value);
    } catch (err) {
      if ((err as Error).name !== 'AbortError') setStatus(status, (err as Error).message, true);
    }
  };
  root.replaceChildren(h('section', { class: 'card' },
    h('div', { class: 'form-row' }, prompt, h('div', { class: 'form-side' },
      h('label', {}, 'max tokens ', maxTokens), h('label', {}, 'temperature ', temperature),
      h('button', { class: 'primary', onclick: run, 'data-test': 'generate-run' }, 'Generate'))),
    status, output));
}
