// Small helpers of the page: DOM building, the API, number formatting, the shared tooltip.

/** What the server (or an exported file) tells the page about a model. */
interface PageModel {
  id: string;
  task: 'classification' | 'language-model';
  context_length: number;
  labels?: string[];
}

/** `POST /v1/attention`'s answer (and what `attn attention --html` inlines). */
interface AttentionView {
  model: string;
  /** 'encoder': a bare encoder body (BERT, DistilBERT) without a head. */
  task: 'classification' | 'language-model' | 'encoder';
  tokens: string[];
  attentions: number[][][][];
  rollout: number[][];
  statistics: { entropy: number[][]; distance: number[][] };
  truncated: boolean;
  probabilities?: Record<string, number>;
  predictions?: ({ probability: number; top: { token: string; probability: number }[] } | null)[];
}

type Attrs = Record<string, string | number | boolean | ((e: Event) => void) | undefined>;

/** An element with attributes (`on…` are listeners, `class`, `style`, …) and children. */
function h<K extends keyof HTMLElementTagNameMap>(tag: K, attrs: Attrs = {}, ...children: (Node | string | null | undefined)[]): HTMLElementTagNameMap[K] {
  const node = document.createElement(tag);
  for (const [key, value] of Object.entries(attrs)) {
    if (value === undefined || value === false) continue;
    if (typeof value === 'function') node.addEventListener(key.slice(2), value);
    else node.setAttribute(key, value === true ? '' : String(value));
  }
  for (const c of children) if (c !== null && c !== undefined) node.append(c);
  return node;
}

const SVG_NS = 'http://www.w3.org/2000/svg';
function svg<K extends keyof SVGElementTagNameMap>(tag: K, attrs: Record<string, string | number> = {}): SVGElementTagNameMap[K] {
  const node = document.createElementNS(SVG_NS, tag);
  for (const [k, v] of Object.entries(attrs)) node.setAttribute(k, String(v));
  return node;
}

/** An API error's message (`{error: {message}}`), or the status. */
class ApiFailure extends Error {}

async function api<T>(path: string, body?: unknown): Promise<T> {
  const res = await fetch(path, body === undefined ? {} : { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });
  const text = await res.text();
  let json: unknown = null;
  try {
    json = JSON.parse(text);
  } catch {
    // not JSON
  }
  if (!res.ok) throw new ApiFailure((json as { error?: { message?: string } } | null)?.error?.message ?? `${res.status} ${res.statusText}`);
  return json as T;
}

/** A token as shown: byte-level BPE's markers as spaces and newlines, blanks made visible. */
function showToken(t: string): string {
  const s = t.replace(/Ġ/g, ' ').replace(/Ċ/g, '\n').replace(/▁/g, ' ');
  if (s === '') return '∅';
  if (s === ' ') return '␣';
  if (s === '\n') return '⏎';
  return s.replace(/\n/g, '⏎');
}

/** An axis or table number: 3 significant digits, exponents for the very small and large. */
function num(v: number): string {
  const a = Math.abs(v);
  return a !== 0 && (a < 0.01 || a >= 1e6) ? v.toExponential(1) : Number(v.toPrecision(3)).toLocaleString('en');
}

function pct(p: number): string {
  return p >= 0.995 ? `${(p * 100).toFixed(0)}%` : p >= 0.001 ? `${(p * 100).toFixed(1)}%` : p.toExponential(1);
}

const tooltip = {
  node: null as HTMLDivElement | null,
  show(e: MouseEvent, content: Node | string): void {
    if (!this.node) {
      this.node = h('div', { class: 'tooltip' });
      document.body.append(this.node);
    }
    this.node.replaceChildren(content);
    this.node.style.display = 'block';
    const x = Math.min(e.clientX + 14, window.innerWidth - this.node.offsetWidth - 8);
    const y = e.clientY + 16 + this.node.offsetHeight > window.innerHeight ? e.clientY - this.node.offsetHeight - 10 : e.clientY + 16;
    this.node.style.left = `${x}px`;
    this.node.style.top = `${y}px`;
  },
  hide(): void {
    if (this.node) this.node.style.display = 'none';
  },
};

/** A status line under a form: errors in red. */
function setStatus(node: HTMLElement, message: string, error = false): void {
  node.textContent = message;
  node.classList.toggle('error', error);
}
